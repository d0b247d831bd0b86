"""Who may assess what, and which piece of work an assessor gets next (SPEC §6).

`next_for` is the one place that chooses work for a peer. Its rules:

1. Only work still waiting (status "awaiting") that is routed to peers: at the assessor's own
   school (route "peer"), or anywhere in the network (route "network") when the assessor's school
   has joined it.
2. Only steps the assessor achieved by evidence: the same ladder and level (identifiers are shared
   by every version of a framework and every school's copy of the default one). Baselines don't
   count.
3. Only work from a phase the assessor may assess: their own (early years count as primary), and
   primary work too for secondary learners where their school allows it.
4. Never their own work, never work they already took (decided, gave back or let expire).
5. Only work with room for another review: peer decisions plus open leases below the number it
   needs (`reviews < reviews_wanted`).
6. Of those, the fewest reviews first, then the oldest, then the lowest id (a total order, so two
   identical calls agree).

Cost: the assessor achieved at most a few hundred steps. For each (step, phase, pool) the database
walks a partial index already in rule-6 order (evidence_peer_queue_idx, evidence_network_queue_idx)
and stops at the first row that passes rules 4 and 5; rows skipped are only this assessor's own
reviews and work whose every slot is leased right now. So one call costs a bounded number of index
probes, however many items wait in the school or the network. The probes are one SQL statement
(a UNION ALL of one-row subqueries, in chunks of SQLite's 500-term limit).

`take_next` (in services) turns the choice into a lease with a conditional UPDATE, so two
assessors choosing the same item at once can never push it past the number of reviews it needs.
"""

from django.db import connection
from django.db.models import Exists, F, OuterRef, Q

from pbyp.assessment.models import Review
from pbyp.evidence.models import Evidence, Route, Status
from pbyp.ladders.models import Achievement, LevelSource
from pbyp.schools.models import Membership, Phase, Role, assessing_phase, years_of_phase

CHUNK = 450  # subqueries per statement (SQLite allows 500 terms in a compound SELECT)


def phases_assessed_by(membership: Membership) -> list[str]:
    """Phases of work this learner may assess (rule 3)."""
    mine = assessing_phase(membership.year)
    if mine == Phase.SECONDARY and membership.school.older_assess_younger:
        return [Phase.SECONDARY, Phase.PRIMARY]
    return [mine]


def achieved_steps(user_id) -> list[tuple]:
    """(ladder identifier, level) of every step the learner achieved by evidence (rule 2)."""
    return list(
        Achievement.objects.filter(learner=user_id, source=LevelSource.EVIDENCE)
        .values_list("ladder_identifier", "level")
        .distinct()
    )


# The SQL below is built from quoted table names and fixed text only; every value is a parameter.
def _probes(assessor: Membership, steps, phases, exclude):
    """One (sql, params) per index probe: rules 1–5 for one step, phase and pool."""
    table = connection.ops.quote_name(Evidence._meta.db_table)
    reviews = connection.ops.quote_name(Review._meta.db_table)
    skip = f" AND e.id NOT IN ({', '.join(['%s'] * len(exclude))})" if exclude else ""
    common = (
        f" AND e.status = %s AND e.learner_id <> %s AND e.reviews < e.reviews_wanted{skip}"  # noqa: S608
        f" AND NOT EXISTS (SELECT 1 FROM {reviews} r"
        " WHERE r.evidence_id = e.id AND r.assessor_id = %s)"
        " ORDER BY e.reviews, e.submitted_at, e.id LIMIT 1"
    )
    head = f"SELECT e.id, e.reviews, e.submitted_at FROM {table} e WHERE "  # noqa: S608
    tail_params = [Status.AWAITING, assessor.user_id, *exclude, assessor.user_id]
    pools = [("e.school_id = %s AND e.route = %s", [assessor.school_id, Route.PEER])]
    if assessor.school.in_network:
        pools.append(("e.route = %s", [Route.NETWORK]))
    for ladder, level in steps:
        for phase in phases:
            for where, where_params in pools:
                sql = f"{head}{where} AND e.ladder_identifier = %s AND e.level = %s"
                sql += f" AND e.phase = %s{common}"
                # Django stores UUIDs as 32 hex digits on SQLite, as uuid on PostgreSQL.
                ladder_value = ladder.hex if connection.vendor == "sqlite" else ladder
                yield sql, [*where_params, ladder_value, level, phase, *tail_params]


def next_for(assessor: Membership, *, exclude=()) -> int | None:
    """The id of the piece of work this assessor should take next, or None (rules above)."""
    if assessor.role != Role.LEARNER or assessor.assessor_suspended:
        return None
    steps = achieved_steps(assessor.user_id)
    probes = list(_probes(assessor, steps, phases_assessed_by(assessor), list(exclude)))
    best = None
    with connection.cursor() as cursor:
        for start in range(0, len(probes), CHUNK):
            chunk = probes[start : start + CHUNK]
            union = " UNION ALL ".join(
                f"SELECT * FROM ({sql}) AS p{n}"  # noqa: S608
                for n, (sql, _) in enumerate(chunk)
            )
            cursor.execute(
                f"SELECT id, reviews, submitted_at FROM ({union}) AS candidates"  # noqa: S608
                " ORDER BY reviews, submitted_at, id LIMIT 1",
                [p for _, params in chunk for p in params],
            )
            row = cursor.fetchone()
            if row and (best is None or (row[1], row[2], row[0]) < (best[1], best[2], best[0])):
                best = row
    return best[0] if best else None


def eligible_assessors(evidence: Evidence, *, network: bool = False):
    """Achievements of learners who could assess this work now (SPEC §6): at its school, or at
    every network school (its own included) with `network`. Used to decide routes, so
    `.exists()` on it is one indexed query."""
    phase_ok = years_of_phase(evidence.phase)
    if evidence.phase == Phase.PRIMARY:
        phase_ok |= Q(school__older_assess_younger=True) & years_of_phase(Phase.SECONDARY)
    members = Membership.objects.filter(
        phase_ok, user=OuterRef("learner"), role=Role.LEARNER, assessor_suspended=False
    )
    members = members.filter(school__in_network=True) if network else members
    achieved = Achievement.objects.filter(
        ladder_identifier=evidence.ladder_identifier,
        level=evidence.level,
        source=LevelSource.EVIDENCE,
    )
    if not network:
        achieved = achieved.filter(school=evidence.school_id)
    return (
        achieved.filter(Exists(members))
        .exclude(learner=evidence.learner_id)
        .exclude(learner__in=Review.objects.filter(evidence=evidence.pk).values("assessor"))
    )


def waiting_count(assessor: Membership, *, steps=None, cap: int = 20) -> int:
    """How many pieces of work this assessor could take now (up to `cap`, to stay cheap).
    `steps`: their achieved steps, when the caller already has them."""
    if assessor.role != Role.LEARNER or assessor.assessor_suspended:
        return 0
    steps = achieved_steps(assessor.user_id) if steps is None else steps
    if not steps:
        return 0
    step_q = Q()
    for ladder, level in steps:
        step_q |= Q(ladder_identifier=ladder, level=level)
    pool = Q(school=assessor.school_id, route=Route.PEER)
    if assessor.school.in_network:
        pool |= Q(route=Route.NETWORK)
    taken = Review.objects.filter(evidence=OuterRef("pk"), assessor=assessor.user_id)
    ids = (
        Evidence.objects.filter(pool, step_q, status=Status.AWAITING)
        .filter(phase__in=phases_assessed_by(assessor), reviews__lt=F("reviews_wanted"))
        .exclude(learner=assessor.user_id)
        .exclude(Exists(taken))
        .values_list("pk", flat=True)[:cap]
    )
    return len(ids)
