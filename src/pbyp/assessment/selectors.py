"""Reads about peer assessment, each in a fixed number of queries."""

from dataclasses import dataclass

from pbyp.assessment.models import Review, ReviewState
from pbyp.assessment.queue import achieved_steps, waiting_count


@dataclass
class PeerSummary:
    """What a learner sees of their own assessing: the work they hold, how much waits for them."""

    held: Review | None
    waiting: int
    can_assess: bool
    suspended: bool


def peer_summary(membership) -> PeerSummary:
    """3 queries: the open lease, the steps achieved, the count of work waiting."""
    held = (
        Review.objects.filter(assessor=membership.user_id, state=ReviewState.LEASED)
        .select_related("evidence__step__ladder")
        .first()
    )
    steps = achieved_steps(membership.user_id)
    return PeerSummary(
        held=held,
        waiting=waiting_count(membership, steps=steps) if steps else 0,
        can_assess=bool(steps),
        suspended=membership.assessor_suspended,
    )
