"""The one door to evidence and its files (see pbyp.schools.access)."""

from django.http import Http404

from pbyp.assessment.access import holds_lease
from pbyp.evidence.models import Evidence, EvidenceFile
from pbyp.evidence.selectors import in_gallery
from pbyp.schools.access import get_or_404
from pbyp.schools.context import SchoolContext
from pbyp.schools.models import ParentLink


def access_evidence(ctx: SchoolContext, evidence_id) -> tuple[Evidence, str]:
    """Evidence and how the asker relates to it: "owner", "staff", "parent" or "gallery".

    Work is private to the learner, their school's staff and their linked parents; anyone else at
    the school sees it only once it is in a gallery (achieved, shared with consent, not hidden).
    """
    if ctx.school is None:
        raise Http404
    evidence = get_or_404(
        Evidence.objects.filter(school=ctx.school).select_related(
            "learner", "step__ladder__strand", "replaces"
        ),
        evidence_id,
    )
    if evidence.learner_id == ctx.user.pk:
        return evidence, "owner"
    if ctx.is_staff:
        return evidence, "staff"
    if ParentLink.objects.filter(
        school=ctx.school, parent=ctx.user, learner=evidence.learner_id
    ).exists():
        return evidence, "parent"
    if in_gallery(Evidence.objects.filter(pk=evidence.pk)).exists():
        return evidence, "gallery"
    raise Http404


def access_evidence_to_assess(ctx: SchoolContext, evidence_id) -> Evidence:
    """Evidence at the school, for its teachers to assess."""
    if ctx.school is None or not ctx.is_staff:
        raise Http404
    queryset = Evidence.objects.filter(school=ctx.school).select_related(
        "learner", "step__ladder__strand"
    )
    return get_or_404(queryset, evidence_id)


def access_own_evidence(ctx: SchoolContext, evidence_id) -> Evidence:
    if ctx.school is None or not ctx.is_learner:
        raise Http404
    queryset = Evidence.objects.filter(school=ctx.school, learner=ctx.user).select_related(
        "step__ladder"
    )
    return get_or_404(queryset, evidence_id)


def access_file(ctx: SchoolContext, file_id) -> EvidenceFile:
    """A file, if its evidence is visible to the asker, or the asker is assessing it right now
    (a peer's lease, which may reach work at another network school)."""
    if ctx.school is None:
        raise Http404
    item = get_or_404(EvidenceFile.objects.all(), file_id)
    if ctx.is_learner and holds_lease(ctx.user, item.evidence_id):
        return item
    if item.school_id != ctx.school.pk:
        raise Http404
    access_evidence(ctx, item.evidence_id)
    return item
