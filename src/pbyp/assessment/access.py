"""The one door to reviews and spot checks (see pbyp.schools.access)."""

from django.http import Http404

from pbyp.assessment.models import Review, SpotCheck
from pbyp.schools.access import get_or_404
from pbyp.schools.context import SchoolContext


def access_review(ctx: SchoolContext, review_id) -> Review:
    """The asker's own review, taken while signed in at this school. The work may belong to
    another network school: the review is what gives access to it, and only while leased."""
    if ctx.school is None or not ctx.is_learner:
        raise Http404
    queryset = Review.objects.filter(assessor=ctx.user, assessor_school=ctx.school).select_related(
        "evidence__step__ladder__strand", "evidence__learner"
    )
    return get_or_404(queryset, review_id)


def access_spot_check(ctx: SchoolContext, check_id) -> SpotCheck:
    if ctx.school is None or not ctx.is_staff:
        raise Http404
    queryset = SpotCheck.objects.filter(school=ctx.school).select_related(
        "evidence__step__ladder__strand", "evidence__learner"
    )
    return get_or_404(queryset, check_id)


def holds_lease(user, evidence_id) -> bool:
    return Review.objects.filter(assessor=user, evidence=evidence_id, state="leased").exists()
