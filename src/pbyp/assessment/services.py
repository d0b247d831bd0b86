"""Writes about peer assessment: taking work (leases), deciding, giving work back, spot checks,
suspending assessors. Routing moves live in pbyp.assessment.routing."""

import random
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from pbyp.assessment.models import Review, ReviewState, SpotCheck
from pbyp.assessment.queue import next_for
from pbyp.assessment.reliability import watched
from pbyp.assessment.routing import after_routing, to_teacher_if_no_peer_left
from pbyp.core.audit import audit
from pbyp.core.tasks import enqueue_on_commit
from pbyp.evidence.models import Decision, Evidence, Outcome, Route, RouteReason, Status
from pbyp.evidence.services import AlreadyDecided, check_feedback, evidence_finish
from pbyp.schools.models import Membership

ATTEMPTS = 5  # choices lost to other assessors before giving up for now
MAX_REVIEWS = 3  # two that disagree, and a third that settles it
WATCHED_FACTOR = 3  # spot checks for an assessor teachers keep overturning, or who approves all


class NotAnAssessor(Exception):
    """This learner can't take work now (a teacher paused their assessing)."""


class LeaseLost(Exception):
    """The lease is no longer this assessor's: its time ran out or it was given back."""


def open_lease(user) -> Review | None:
    return (
        Review.objects.filter(assessor=user, state=ReviewState.LEASED)
        .select_related("evidence")
        .first()
    )


def take_next(*, assessor: Membership, now=None) -> Review | None:
    """Give the assessor their next piece of work under a lease (or the one they already hold).
    None when nothing is waiting for them. Safe under any number of assessors at once: the
    conditional UPDATE on `reviews` lets an item take only as many leases as it has room for,
    and the unique open-lease constraint gives a double click the same lease."""
    if assessor.assessor_suspended:
        raise NotAnAssessor
    held = open_lease(assessor.user_id)
    if held is not None:
        return held
    tried: list[int] = []
    for _ in range(ATTEMPTS):
        chosen = next_for(assessor, exclude=tried)
        if chosen is None:
            return None
        try:
            review = _lease(assessor, chosen, now or timezone.now())
        except IntegrityError:
            return open_lease(assessor.user_id)  # another click of theirs won the race
        if review is not None:
            return review
        tried.append(chosen)  # someone else took its last slot a moment ago
    return None


@transaction.atomic
def _lease(assessor: Membership, evidence_id: int, now) -> Review | None:
    room = Evidence.objects.filter(
        pk=evidence_id,
        status=Status.AWAITING,
        route__in=[Route.PEER, Route.NETWORK],
        reviews__lt=F("reviews_wanted"),
    ).update(reviews=F("reviews") + 1)
    if not room:
        return None
    evidence = Evidence.objects.only("school_id").get(pk=evidence_id)
    return Review.objects.create(
        school_id=evidence.school_id,
        assessor_school_id=assessor.school_id,
        evidence_id=evidence_id,
        assessor_id=assessor.user_id,
        taken_at=now,
        expires_at=now + timedelta(hours=assessor.school.lease_hours),
    )


@transaction.atomic
def review_return(*, review: Review) -> None:
    """The assessor gives the work back (it goes to someone else)."""
    if Review.objects.filter(pk=review.pk, state=ReviewState.LEASED).update(
        state=ReviewState.RETURNED, ended_at=timezone.now()
    ):
        Evidence.objects.filter(pk=review.evidence_id, reviews__gt=0).update(
            reviews=F("reviews") - 1
        )
        to_teacher_if_no_peer_left(
            Evidence.objects.select_related("school").get(pk=review.evidence_id)
        )


@transaction.atomic
def review_decide(
    *, review: Review, outcome: str, went_well: str, even_better_if: str, now=None
) -> Decision:
    """A peer decides the work they hold. When enough peers agree, the work is decided; a split
    asks one more peer (or a teacher when none is left)."""
    went_well, even_better_if = check_feedback(outcome, went_well, even_better_if)
    now = now or timezone.now()
    # Locking the evidence row makes two peers' last decisions count one after the other.
    evidence = (
        Evidence.objects.select_for_update()
        .select_related("school", "step", "learner")
        .get(pk=review.evidence_id)
    )
    if evidence.status != Status.AWAITING:
        raise AlreadyDecided  # deciding it also ended every open lease on it
    if not Review.objects.filter(pk=review.pk, state=ReviewState.LEASED, expires_at__gt=now).update(
        state=ReviewState.DONE, ended_at=now
    ):
        raise LeaseLost
    decision = Decision.objects.create(
        school=evidence.school,
        evidence=evidence,
        assessor_id=review.assessor_id,
        by_teacher=False,
        outcome=outcome,
        went_well=went_well,
        even_better_if=even_better_if,
    )
    Review.objects.filter(pk=review.pk).update(decision=decision)
    from pbyp.integrity.tasks import check_assessor_patterns

    enqueue_on_commit(
        check_assessor_patterns, school_id=review.assessor_school_id, assessor_id=review.assessor_id
    )
    if evidence.first_review_at is None:
        Evidence.objects.filter(pk=evidence.pk).update(first_review_at=now)
    _settle(evidence)
    return decision


def _settle(evidence: Evidence) -> None:
    """After a peer decision: decide the work if the peers agree (or a majority of three does),
    ask for one more peer after a split, and never leave it waiting for a peer who can't exist."""
    outcomes = list(
        Decision.objects.filter(evidence=evidence, by_teacher=False).values_list(
            "outcome", flat=True
        )
    )
    meets = outcomes.count(Outcome.MEETS)
    split = 0 < meets < len(outcomes)
    if len(outcomes) >= evidence.reviews_wanted and (not split or len(outcomes) >= MAX_REVIEWS):
        outcome = Outcome.MEETS if meets * 2 > len(outcomes) else Outcome.NOT_YET
        if evidence_finish(evidence=evidence, outcome=outcome, by=None, by_peers=True):
            Review.objects.filter(evidence=evidence, state=ReviewState.LEASED).update(
                state=ReviewState.RETURNED, ended_at=timezone.now()
            )
            _maybe_spot_check(evidence, outcome, outcomes)
        return
    if len(outcomes) >= evidence.reviews_wanted:  # a split: one more peer settles it
        Evidence.objects.filter(pk=evidence.pk).update(reviews_wanted=len(outcomes) + 1)
        evidence.reviews_wanted = len(outcomes) + 1
        after_routing(evidence)  # tell assessors there is work again
    to_teacher_if_no_peer_left(evidence, RouteReason.DISAGREEMENT if split else RouteReason.NO_PEER)


def _maybe_spot_check(evidence: Evidence, outcome: str, outcomes: list[str]) -> None:
    """A random share of peer-decided work goes to a teacher to judge again; more of it when an
    assessor involved is being watched (teachers keep overturning them, or they approve all)."""
    chance = evidence.school.spot_check_percent / 100
    assessors = Decision.objects.filter(evidence=evidence, by_teacher=False).values_list(
        "assessor", flat=True
    )
    if chance and watched(list(assessors)):
        chance = min(1.0, chance * WATCHED_FACTOR)
    if random.random() < chance:  # noqa: S311 - a sample, not a secret
        SpotCheck.objects.get_or_create(
            evidence=evidence, defaults={"school": evidence.school, "peer_outcome": outcome}
        )


@transaction.atomic
def spot_check_decide(
    *, check: SpotCheck, teacher, outcome: str, went_well: str, even_better_if: str
) -> SpotCheck:
    """A teacher's independent decision on peer-decided work. It is recorded against the peers;
    if the teacher finds that work the peers said "not yet" to meets the statement, the learner
    gets the step (a "meets" is never taken back from a child: the teacher sees the difference
    and the assessors' figures show it)."""
    went_well, even_better_if = check_feedback(outcome, went_well, even_better_if)
    now = timezone.now()
    if not SpotCheck.objects.filter(pk=check.pk, decided_at__isnull=True).update(
        teacher=teacher,
        outcome=outcome,
        went_well=went_well,
        even_better_if=even_better_if,
        decided_at=now,
    ):
        raise AlreadyDecided
    evidence = check.evidence
    upgrade = outcome == Outcome.MEETS and check.peer_outcome == Outcome.NOT_YET
    if upgrade and evidence_finish(
        evidence=evidence, outcome=outcome, by=teacher, by_peers=False, from_status=Status.NOT_YET
    ):
        Decision.objects.create(
            school=evidence.school,
            evidence=evidence,
            assessor=teacher,
            by_teacher=True,
            outcome=outcome,
            went_well=went_well,
            even_better_if=even_better_if,
        )
    audit(
        school=evidence.school,
        actor=teacher,
        action="spotcheck.agree" if outcome == check.peer_outcome else "spotcheck.overturn",
        subject=evidence.learner,
        detail=f"evidence {evidence.pk}",
    )
    check.refresh_from_db()
    return check


@transaction.atomic
def assessor_suspend(*, membership: Membership, by, suspended: bool) -> None:
    """A teacher pauses (or restores) a learner's peer assessing. Work they hold goes back."""
    if suspended == membership.assessor_suspended:
        return
    Membership.objects.filter(pk=membership.pk).update(assessor_suspended=suspended)
    membership.assessor_suspended = suspended
    if suspended:
        held = open_lease(membership.user_id)
        if held is not None:
            review_return(review=held)
    audit(
        school=membership.school,
        actor=by,
        action="assessor.suspend" if suspended else "assessor.restore",
        subject=membership.user,
    )
