"""The one door to flags (see pbyp.schools.access)."""

from django.http import Http404

from pbyp.integrity.models import Flag
from pbyp.schools.access import get_or_404
from pbyp.schools.context import SchoolContext


def access_flag(ctx: SchoolContext, flag_id) -> Flag:
    """A flag at the asker's school, for its staff."""
    if ctx.school is None or not ctx.is_staff:
        raise Http404
    queryset = Flag.objects.filter(school=ctx.school).select_related(
        "evidence__step__ladder__strand", "evidence__learner", "subject", "other__learner"
    )
    return get_or_404(queryset, flag_id)
