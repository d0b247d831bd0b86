"""The one door to frameworks, ladders, steps and targets (see pbyp.schools.access)."""

from django.http import Http404

from pbyp.ladders.models import (
    Framework,
    Ladder,
    SchoolFramework,
    Step,
    Strand,
    Target,
    VersionStatus,
)
from pbyp.ladders.selectors import used_versions
from pbyp.schools.access import get_or_404
from pbyp.schools.context import SchoolContext


def access_ladder(ctx: SchoolContext, identifier) -> Ladder:
    """A ladder as people at the school see it: in the published version of a framework the
    school uses. Looked up by its identifier, which stays the same across versions (the QR codes
    on printed posters point at it)."""
    if ctx.school is None:
        raise Http404
    ladder = (
        Ladder.objects.filter(identifier=identifier, version__in=used_versions(ctx.school))
        .select_related("strand", "version__framework")
        .first()
    )
    if ladder is None:
        raise Http404
    return ladder


def access_step(ctx: SchoolContext, step_id) -> Step:
    """A step of a ladder the school uses (published versions only)."""
    if ctx.school is None:
        raise Http404
    used = SchoolFramework.objects.filter(school=ctx.school).values("framework")
    steps = Step.objects.filter(
        ladder__version__framework__in=used, ladder__version__status=VersionStatus.PUBLISHED
    ).select_related("ladder__strand", "ladder__version")
    return get_or_404(steps, step_id)


def access_own_target(ctx: SchoolContext, target_id) -> Target:
    if ctx.school is None or not ctx.is_learner:
        raise Http404
    return get_or_404(Target.objects.filter(school=ctx.school, learner=ctx.user), target_id)


def access_framework(ctx: SchoolContext, framework_id) -> Framework:
    """One of the school's frameworks, for its managers."""
    if ctx.school is None or not ctx.is_manager:
        raise Http404
    return get_or_404(Framework.objects.filter(school=ctx.school), framework_id)


def access_step_for_edit(ctx: SchoolContext, step_id) -> Step:
    if ctx.school is None or not ctx.is_manager:
        raise Http404
    steps = Step.objects.filter(school=ctx.school, ladder__version__status=VersionStatus.DRAFT)
    return get_or_404(steps.select_related("ladder__version__framework", "ladder__strand"), step_id)


def access_strand_for_edit(ctx: SchoolContext, strand_id) -> Strand:
    if ctx.school is None or not ctx.is_manager:
        raise Http404
    strands = Strand.objects.filter(school=ctx.school, version__status=VersionStatus.DRAFT)
    return get_or_404(strands.select_related("version__framework"), strand_id)


def access_ladder_for_edit(ctx: SchoolContext, ladder_id) -> Ladder:
    if ctx.school is None or not ctx.is_manager:
        raise Http404
    ladders = Ladder.objects.filter(school=ctx.school, version__status=VersionStatus.DRAFT)
    return get_or_404(ladders.select_related("version__framework", "strand"), ladder_id)
