"""Reads about evidence, each in a fixed number of queries."""

from django.db.models import Exists, F, OuterRef, Prefetch, Q, Subquery, Window
from django.db.models.functions import RowNumber

from pbyp.evidence.models import Decision, Evidence, EvidenceFile, Route, Status
from pbyp.integrity.models import Flag, FlagState
from pbyp.schools.models import GALLERY_OWN_CONSENT_YEAR, Membership, Role

GALLERY_PER_STEP = 6


def in_gallery(evidence):
    """Evidence that may be shown in a gallery: achieved, the learner chose to share it, no teacher
    hid it, and (below Year 9) the school recorded a parent's consent."""
    consenting = Membership.objects.filter(
        user=OuterRef("learner"), school=OuterRef("school"), role=Role.LEARNER
    ).filter(
        Q(year__gte=GALLERY_OWN_CONSENT_YEAR)
        | Q(year__isnull=True)
        | Q(parent_gallery_consent=True)
    )
    return evidence.filter(
        status=Status.ACHIEVED, share_in_gallery=True, hidden_from_gallery=False
    ).filter(Exists(consenting))


def gallery_for_ladder(school, ladder) -> dict[int, list[Evidence]]:
    """Each step's gallery on a ladder: the newest few per step (2 queries). A window function
    numbers each step's items so the database returns only the ones shown."""
    newest_first = Window(RowNumber(), partition_by=F("level"), order_by=F("decided_at").desc())
    items = (
        in_gallery(Evidence.objects.filter(school=school, ladder_identifier=ladder.identifier))
        .annotate(place=newest_first)
        .filter(place__lte=GALLERY_PER_STEP)
        .select_related("learner")
        .prefetch_related(
            Prefetch("files", queryset=EvidenceFile.objects.order_by("position", "pk"))
        )
        .order_by("level", "place")
    )
    by_level: dict[int, list[Evidence]] = {}
    for item in items:
        by_level.setdefault(item.level, []).append(item)
    return by_level


def with_files_and_feedback(queryset):
    return queryset.prefetch_related(
        Prefetch("files", queryset=EvidenceFile.objects.order_by("position", "pk")),
        "links",
        Prefetch("decisions", queryset=Decision.objects.select_related("assessor")),
    )


def history_of(evidence: Evidence) -> list[Evidence]:
    """Every version of this piece of work, newest first (1 query + 3 prefetches): the chain of
    resubmissions shares the learner and the step."""
    return list(
        with_files_and_feedback(
            Evidence.objects.filter(
                school=evidence.school_id,
                learner=evidence.learner_id,
                step_identifier=evidence.step_identifier,
            )
        ).order_by("-version", "-submitted_at")
    )


def teacher_queue(school, teacher, *, route=Route.TEACHER):
    """Work waiting for a teacher (or, with route="peer", work waiting for peers, which a teacher
    may still decide): learners in their own tutor groups first, then the oldest."""
    mine = Membership.objects.filter(
        school=school, user=OuterRef("learner"), role=Role.LEARNER, tutor_group__tutor=teacher
    )
    routes = [Route.TEACHER, Route.HELD] if route == Route.TEACHER else [Route.PEER, Route.NETWORK]
    held_flag = Flag.objects.filter(evidence=OuterRef("pk"), holds=True, state=FlagState.OPEN)
    return (
        Evidence.objects.filter(school=school, status=Status.AWAITING, route__in=routes)
        .annotate(in_my_group=Exists(mine), held_flag=Subquery(held_flag.values("pk")[:1]))
        .select_related("learner", "step__ladder__strand")
        .order_by("-in_my_group", "submitted_at", "pk")
    )


def open_work_of(membership) -> list[Evidence]:
    """A learner's work that is waiting or needs another go, newest first (1 query)."""
    return list(
        Evidence.objects.filter(
            school=membership.school_id,
            learner=membership.user_id,
            status__in=[Status.AWAITING, Status.NOT_YET, Status.RETURNED],
        )
        .select_related("step__ladder")
        .order_by("-submitted_at")[:10]
    )


def unread_count(user, school) -> int:
    from pbyp.evidence.models import Notification

    return Notification.objects.filter(user=user, school=school, read_at__isnull=True).count()
