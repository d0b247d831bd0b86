"""How reliable each peer assessor is: the figures tutors and managers see, and who gets more
spot checks (SPEC §6). Each function costs a fixed number of queries for any number of assessors.
"""

from dataclasses import dataclass
from statistics import median

from django.db.models import Count, F, Q

from pbyp.assessment.models import Review, ReviewState
from pbyp.evidence.models import Decision, Outcome

WATCH_MIN_CHECKS = 4  # spot checks before agreement is judged
WATCH_AGREEMENT = 0.75  # below this share of agreement with teachers, an assessor is watched
WATCH_MIN_DECISIONS = 10  # decisions before "approves everything" is judged


@dataclass
class AssessorFigures:
    decisions: int = 0
    approved: int = 0
    checks: int = 0
    agreed: int = 0
    median_minutes: float | None = None

    @property
    def share_approved(self) -> float | None:
        return self.approved / self.decisions if self.decisions else None

    @property
    def agreement(self) -> float | None:
        return self.agreed / self.checks if self.checks else None

    @property
    def watched(self) -> bool:
        overturned = self.checks >= WATCH_MIN_CHECKS and self.agreed < WATCH_AGREEMENT * self.checks
        approves_all = self.decisions >= WATCH_MIN_DECISIONS and self.approved == self.decisions
        return overturned or approves_all


def assessor_figures(user_ids) -> dict[int, AssessorFigures]:
    """Per assessor: peer decisions, share approved, spot-check agreement with teachers, median
    minutes from taking work to deciding it (3 queries)."""
    user_ids = list(user_ids)
    figures = {uid: AssessorFigures() for uid in user_ids}
    peer = Decision.objects.filter(assessor__in=user_ids, by_teacher=False)
    for row in peer.values("assessor").annotate(
        n=Count("pk"), meets=Count("pk", filter=Q(outcome=Outcome.MEETS))
    ):
        figures[row["assessor"]].decisions = row["n"]
        figures[row["assessor"]].approved = row["meets"]
    checked = peer.filter(evidence__spot_check__decided_at__isnull=False)
    for row in checked.values("assessor").annotate(
        n=Count("pk"), agree=Count("pk", filter=Q(outcome=F("evidence__spot_check__outcome")))
    ):
        figures[row["assessor"]].checks = row["n"]
        figures[row["assessor"]].agreed = row["agree"]
    minutes: dict[int, list[float]] = {}
    for assessor, taken, ended in Review.objects.filter(
        assessor__in=user_ids, state=ReviewState.DONE
    ).values_list("assessor", "taken_at", "ended_at"):
        minutes.setdefault(assessor, []).append((ended - taken).total_seconds() / 60)
    for assessor, values in minutes.items():
        figures[assessor].median_minutes = median(values)
    return figures


def watched(user_ids) -> bool:
    """Is any of these assessors being watched (more spot checks for their decisions)?"""
    return any(f.watched for f in assessor_figures(user_ids).values())
