"""Background work on evidence, run by the worker after the submission has committed. Each task is
idempotent: running it twice (a retry) does the same as once."""

import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django_tasks import task

from pbyp.evidence.files import extract_text, make_thumbnail
from pbyp.evidence.models import (
    Decision,
    Evidence,
    EvidenceFile,
    FileKind,
    Notification,
    Outcome,
)
from pbyp.schools.models import Membership, Role

logger = logging.getLogger(__name__)


@task()
def process_evidence(*, evidence_id: int) -> None:
    evidence = Evidence.objects.filter(pk=evidence_id).select_related("step__ladder").first()
    if evidence is None:
        return
    for item in EvidenceFile.objects.filter(evidence=evidence):
        _thumbnail(item)
        _text(item)
    _tell_tutor(evidence)


def _thumbnail(item: EvidenceFile) -> None:
    if item.kind != FileKind.IMAGE or item.thumbnail_path:
        return
    with default_storage.open(item.path, "rb") as handle:
        data = handle.read()
    path = default_storage.save(
        item.path.rsplit(".", 1)[0] + "-thumb.jpg", ContentFile(make_thumbnail(data))
    )
    updated = EvidenceFile.objects.filter(pk=item.pk, thumbnail_path="").update(thumbnail_path=path)
    if not updated:
        default_storage.delete(path)  # another run got there first


def _text(item: EvidenceFile) -> None:
    if item.kind != FileKind.DOCUMENT or item.text_status:
        return
    with default_storage.open(item.path, "rb") as handle:
        text, status = extract_text(item.kind, item.extension, handle.read())
    EvidenceFile.objects.filter(pk=item.pk).update(extracted_text=text, text_status=status)


@task()
def tell_learner_the_outcome(*, decision_id: int) -> None:
    """The learner hears the outcome in the app (once per decision), with a link, not the work."""
    decision = (
        Decision.objects.filter(pk=decision_id).select_related("evidence__step__ladder").first()
    )
    if decision is None:
        return
    evidence = decision.evidence
    title = evidence.step.ladder.title
    if decision.outcome == Outcome.MEETS:
        text = f"Well done! Your work meets step {evidence.level} of “{title}”."
    else:
        text = f"Your work on “{title}” has feedback: not yet. Have a look and try again."
    Notification.objects.get_or_create(
        school_id=evidence.school_id,
        user_id=evidence.learner_id,
        link=f"/evidence/{evidence.pk}/",
        text=text,
    )


def _tell_tutor(evidence: Evidence) -> None:
    """The learner's tutor hears there is work to check (once per piece of evidence)."""
    member = (
        Membership.objects.filter(
            school=evidence.school_id, user=evidence.learner_id, role=Role.LEARNER
        )
        .select_related("tutor_group", "user")
        .first()
    )
    tutor_id = member.tutor_group.tutor_id if member and member.tutor_group else None
    if tutor_id is None:
        return
    link = f"/assess/{evidence.pk}/"
    Notification.objects.get_or_create(
        school_id=evidence.school_id,
        user_id=tutor_id,
        link=link,
        defaults={
            "text": f"{member.user.short_name} sent evidence for “{evidence.step.ladder.title}”."
        },
    )
