"""Patterns that point a teacher at a learner or an assessor without holding anyone's work
(SPEC §7): a burst of submissions, two learners approving each other, an assessor who approves
nearly everything in very little time."""

from statistics import median

from django.db import IntegrityError, transaction
from django.utils import timezone

from pbyp.assessment.models import Review, ReviewState
from pbyp.evidence.models import Decision, Outcome
from pbyp.integrity.models import Flag, FlagKind

LOOK_BACK_DAYS = 60
RECIPROCAL_EACH_WAY = 2  # approvals each way between the same two learners
QUICK_DECISIONS = 10  # recent decisions looked at
QUICK_APPROVED = 0.95  # share approved…
QUICK_MINUTES = 2  # …with a median time to decide below this


def raise_pattern(*, school, kind, subject_id, score, detail) -> Flag | None:
    """One open pattern flag per kind and person: a second is not raised while one is open."""
    try:
        with transaction.atomic():
            return Flag.objects.create(
                school=school, kind=kind, subject_id=subject_id, score=score, detail=detail
            )
    except IntegrityError:
        return None


def check_assessor(*, school, assessor_id) -> None:
    """After a peer decision: is this assessor approving a friend who approves them, or
    approving nearly everything without looking? (3 queries)"""
    since = timezone.now() - timezone.timedelta(days=LOOK_BACK_DAYS)
    approvals = Decision.objects.filter(
        by_teacher=False, outcome=Outcome.MEETS, decided_at__gte=since
    )
    given: dict[int, int] = {}
    for learner in approvals.filter(assessor=assessor_id).values_list(
        "evidence__learner", flat=True
    ):
        given[learner] = given.get(learner, 0) + 1
    received: dict[int, int] = {}
    for assessor in approvals.filter(evidence__learner=assessor_id).values_list(
        "assessor", flat=True
    ):
        received[assessor] = received.get(assessor, 0) + 1
    for other, n in given.items():
        if n >= RECIPROCAL_EACH_WAY and received.get(other, 0) >= RECIPROCAL_EACH_WAY:
            raise_pattern(
                school=school,
                kind=FlagKind.RECIPROCAL,
                subject_id=assessor_id,
                score=min(n, received[other]),
                detail={"with": other, "approved": n, "approved_by": received[other]},
            )
    recent = list(
        Review.objects.filter(assessor=assessor_id, state=ReviewState.DONE, decision__isnull=False)
        .order_by("-ended_at")
        .values_list("decision__outcome", "taken_at", "ended_at")[:QUICK_DECISIONS]
    )
    if len(recent) < QUICK_DECISIONS:
        return
    approved = sum(1 for outcome, _, _ in recent if outcome == Outcome.MEETS) / len(recent)
    minutes = median((ended - taken).total_seconds() / 60 for _, taken, ended in recent)
    if approved >= QUICK_APPROVED and minutes < QUICK_MINUTES:
        raise_pattern(
            school=school,
            kind=FlagKind.QUICK_APPROVER,
            subject_id=assessor_id,
            score=approved,
            detail={"approved": approved, "median_minutes": round(minutes, 1)},
        )
