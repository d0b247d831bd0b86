"""Background work on evidence, run by the worker after the submission has committed. Each task is
idempotent: running it twice (a retry) does the same as once."""

import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django_tasks import task

from pbyp.evidence.files import extract_text, make_thumbnail
from pbyp.evidence.models import Evidence, EvidenceFile, FileKind, Notification, Route, Status

logger = logging.getLogger(__name__)


@task()
def process_evidence(*, evidence_id: int) -> None:
    """Thumbnails and text first (the checks read the text), then the integrity checks, which
    route the work."""
    from pbyp.integrity.checks import check_and_route

    evidence = (
        Evidence.objects.filter(pk=evidence_id).select_related("step__ladder", "school").first()
    )
    if evidence is None:
        return
    for item in EvidenceFile.objects.filter(evidence=evidence):
        _thumbnail(item)
        _text(item)
    if evidence.route == Route.CHECKING:
        check_and_route(evidence)


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
def tell_learner_the_outcome(*, evidence_id: int) -> None:
    """The learner hears the outcome in the app (once per piece of work), with a link, not the
    work."""
    evidence = (
        Evidence.objects.filter(pk=evidence_id, status__in=[Status.ACHIEVED, Status.NOT_YET])
        .select_related("step__ladder")
        .first()
    )
    if evidence is None:
        return
    title = evidence.step.ladder.title
    if evidence.status == Status.ACHIEVED:
        text = f"Well done! Your work meets step {evidence.level} of “{title}”."
    else:
        text = f"Your work on “{title}” has feedback: not yet. Have a look and try again."
    Notification.objects.get_or_create(
        school_id=evidence.school_id,
        user_id=evidence.learner_id,
        link=f"/evidence/{evidence.pk}/",
        text=text,
    )
