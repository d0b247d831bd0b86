"""Where work goes, so that none is ever left without a route (SPEC §6, "never stuck").

- Once the integrity checks have passed it (pbyp.integrity.checks; work they hold waits for a
  teacher first): to the school's peers if at least one eligible peer exists; else to the
  network (if the school joined it) if someone there is eligible; else straight to a teacher
  ("no_peer"). Work the checks never finished is routed by the scheduler after a few minutes.
- At the peer deadline (the school's hours, counted in school days from its calendar): work still
  waiting for peers moves on: school peers → network (once, with a fresh deadline) → teacher
  ("deadline"). `route_overdue_work` does this from the scheduler, with nobody clicking.
- When a peer decision leaves work needing another one and no eligible peer is left to give it:
  to a teacher ("disagreement" after a split, else "no_peer").

Routes only move forward (peer → network → teacher), and every move is a conditional UPDATE on
the route it leaves, so two schedulers (or a scheduler and a decision) can't move work twice.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from pbyp.assessment.models import Review, ReviewState
from pbyp.assessment.queue import eligible_assessors
from pbyp.core.tasks import enqueue_on_commit
from pbyp.evidence.models import Decision, Evidence, Route, RouteReason, Status
from pbyp.schools.calendar import Calendar

logger = logging.getLogger(__name__)

BATCH = 500
CHECKING_MINUTES = 10  # the worker checks work within seconds; after this, the scheduler does


def plan_route(evidence: Evidence, now=None) -> dict:
    """Where checked work goes (its routing fields): 1–2 queries, plus the calendar for peers."""
    school = evidence.school
    now = now or timezone.now()
    if eligible_assessors(evidence).exists():
        route = Route.PEER
    elif school.in_network and eligible_assessors(evidence, network=True).exists():
        route = Route.NETWORK
    else:
        return {"route": Route.TEACHER, "route_reason": RouteReason.NO_PEER, "routed_at": now}
    return {"route": route, "routed_at": now, "peer_deadline": peer_deadline(school, now)}


def route_checked(evidence: Evidence, now=None) -> bool:
    """Work the integrity checks passed (or a teacher released) goes on its normal route, once."""
    fields = plan_route(evidence, now)
    moved = Evidence.objects.filter(
        pk=evidence.pk, status=Status.AWAITING, route__in=[Route.CHECKING, Route.HELD]
    ).update(**fields)
    if moved:
        for name, value in fields.items():
            setattr(evidence, name, value)
        after_routing(evidence)
    return bool(moved)


def peer_deadline(school, start):
    return Calendar.of(school).add_school_hours(start, school.peer_deadline_hours)


def after_routing(evidence: Evidence) -> None:
    """Tell whoever the work now waits for (after the transaction commits)."""
    from pbyp.assessment.tasks import tell_assessors, tell_teachers

    if evidence.route in (Route.TEACHER, Route.HELD):
        enqueue_on_commit(tell_teachers, evidence_id=evidence.pk)
    else:
        enqueue_on_commit(tell_assessors, evidence_id=evidence.pk)


def to_teacher(evidence: Evidence, reason: str, *, from_route: str | None = None) -> bool:
    """Send waiting work to the teacher queue (once). True if this call moved it."""
    moved = Evidence.objects.filter(
        pk=evidence.pk, status=Status.AWAITING, route=from_route or evidence.route
    ).update(route=Route.TEACHER, route_reason=reason, routed_at=timezone.now())
    if moved:
        evidence.route, evidence.route_reason = Route.TEACHER, reason
        after_routing(evidence)
    return bool(moved)


@transaction.atomic
def escalate(evidence: Evidence, now=None, reason=RouteReason.DEADLINE) -> str:
    """Work whose peer deadline passed (or with no peer left) moves on: to the network once,
    then to a teacher."""
    now = now or timezone.now()
    school = evidence.school
    if (
        evidence.route == Route.PEER
        and school.in_network
        and eligible_assessors(evidence, network=True).exclude(school=school.pk).exists()
    ):
        moved = Evidence.objects.filter(
            pk=evidence.pk, status=Status.AWAITING, route=Route.PEER
        ).update(route=Route.NETWORK, routed_at=now, peer_deadline=peer_deadline(school, now))
        if moved:
            evidence.route = Route.NETWORK
            after_routing(evidence)
            return Route.NETWORK
        return evidence.route
    to_teacher(evidence, reason)
    return Route.TEACHER


def to_teacher_if_no_peer_left(evidence: Evidence, reason=RouteReason.NO_PEER) -> bool:
    """Work that needs another peer review, when nobody holds it and no eligible peer is left
    (they all decided, gave it back or let it expire), moves on now rather than at its deadline:
    to the network if the school is in it and someone there could assess it, else to a teacher.
    True if it moved."""
    if evidence.status != Status.AWAITING or evidence.route not in (Route.PEER, Route.NETWORK):
        return False
    done = Decision.objects.filter(evidence=evidence, by_teacher=False).count()
    held = Review.objects.filter(evidence=evidence, state=ReviewState.LEASED).count()
    if done + held >= evidence.reviews_wanted:
        return False  # someone is assessing it
    if eligible_assessors(evidence, network=evidence.route == Route.NETWORK).exists():
        return False
    before = evidence.route
    return escalate(evidence, reason=reason) != before


def expire_leases(now=None) -> int:
    """Leases past their time end, and their work goes back in the queue. Returns how many."""
    now = now or timezone.now()
    expired = 0
    while True:
        ids = list(
            Review.objects.filter(state=ReviewState.LEASED, expires_at__lte=now).values_list(
                "pk", "evidence_id"
            )[:BATCH]
        )
        for review_id, evidence_id in ids:
            with transaction.atomic():
                if Review.objects.filter(pk=review_id, state=ReviewState.LEASED).update(
                    state=ReviewState.EXPIRED, ended_at=now
                ):
                    Evidence.objects.filter(pk=evidence_id, reviews__gt=0).update(
                        reviews=F("reviews") - 1
                    )
                    to_teacher_if_no_peer_left(
                        Evidence.objects.select_related("school").get(pk=evidence_id)
                    )
                    expired += 1
        if len(ids) < BATCH:
            return expired


def route_unchecked_work(now) -> int:
    """Work still "checking" long after it was sent (the worker was down, or the check failed):
    check it now, or route it unchecked; never leave it waiting."""
    from pbyp.integrity.checks import check_and_route

    stale = list(
        Evidence.objects.filter(
            status=Status.AWAITING,
            route=Route.CHECKING,
            submitted_at__lte=now - timedelta(minutes=CHECKING_MINUTES),
        ).select_related("school", "step")[:BATCH]
    )
    for evidence in stale:
        check_and_route(evidence, now=now)
    return len(stale)


def route_overdue_work(now=None) -> dict[str, int]:
    """The scheduler's job: route work the checks never finished, end expired leases, then move
    work whose peer deadline passed. Returns counts by what happened."""
    now = now or timezone.now()
    counts = {
        "unchecked": route_unchecked_work(now),
        "expired_leases": expire_leases(now),
        Route.NETWORK: 0,
        Route.TEACHER: 0,
    }
    while True:
        overdue = list(
            Evidence.objects.filter(
                status=Status.AWAITING,
                route__in=[Route.PEER, Route.NETWORK],
                peer_deadline__lte=now,
            )
            .select_related("school")
            .order_by("peer_deadline")[:BATCH]
        )
        for evidence in overdue:
            where = escalate(evidence, now)
            counts[where] = counts.get(where, 0) + 1
        if len(overdue) < BATCH:
            return counts
