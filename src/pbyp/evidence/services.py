"""Writes about evidence: submitting (and resubmitting), teachers' decisions, gallery choices.

Submitting follows "write, then commit, then publish": files are checked and written to storage
under new random names first (nothing points at them yet), then every row is created in one
transaction, then background work is enqueued once that transaction has committed. A failure at
any point removes what was written; a crash between writing and committing leaves only
unreferenced files, which `pbyp cleanup_uploads` removes.
"""

import logging
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from pbyp.core.audit import audit
from pbyp.core.tasks import enqueue_on_commit
from pbyp.evidence.files import MEGABYTE, FileRefused, PreparedFile, prepare_upload
from pbyp.evidence.models import (
    Context,
    Decision,
    Evidence,
    EvidenceFile,
    EvidenceLink,
    Notification,
    Outcome,
    Route,
    Status,
)
from pbyp.ladders.models import Achievement, LevelSource, Step, Target
from pbyp.ladders.selectors import levels_for, used_versions
from pbyp.schools.models import Membership, assessing_phase

logger = logging.getLogger(__name__)

UPLOAD_DIR = "evidence"
MAX_FILES = 10
MAX_LINKS = 5


SENDABLE_AGAIN = (Status.NOT_YET, Status.RETURNED)  # work the learner may send a new version of


class AlreadyDecided(Exception):
    """Someone else decided this evidence first."""


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes


def _check_step(learner: Membership, step: Step, replaces: Evidence | None) -> None:
    if step.ladder.version_id not in {v.pk for v in used_versions(learner.school)}:
        raise ValidationError("That ladder isn't one your school uses.")
    if replaces is not None:
        return  # a new version of the same work: same step as before
    level = levels_for(learner.school, [learner.user_id], [step.ladder.identifier]).get(
        (learner.user_id, step.ladder.identifier), 0
    )
    if step.level != level + 1:
        raise ValidationError(f"You can add evidence for step {level + 1}: that is your next step.")


def prepare_files(school, uploads: list[Upload]) -> list[PreparedFile]:
    """Check every file before anything is written: one refused file refuses the submission,
    with a message naming it, so the learner can fix it without losing the rest."""
    if len(uploads) > MAX_FILES:
        raise ValidationError({"files": f"Add at most {MAX_FILES} files to one piece of evidence."})
    limit = school.max_file_mb * MEGABYTE
    prepared, problems = [], []
    for upload in uploads:
        try:
            prepared.append(prepare_upload(upload.name, upload.data, max_bytes=limit))
        except FileRefused as refused:
            problems.append(str(refused))
    if problems:
        raise ValidationError({"files": problems})
    total = sum(p.size for p in prepared)
    if total > school.max_submission_mb * MEGABYTE:
        raise ValidationError(
            {
                "files": f"These files add up to {total / MEGABYTE:.1f} MB; one piece of evidence "
                "can "
                f"be at most {school.max_submission_mb} MB. Leave some out or make them smaller."
            }
        )
    return prepared


def _write(school_id: int, prepared: PreparedFile) -> str:
    path = f"{UPLOAD_DIR}/{school_id}/{uuid.uuid4().hex}.{prepared.extension}"
    return default_storage.save(path, ContentFile(prepared.data))


def evidence_submit(
    *,
    learner: Membership,
    step: Step,
    reflection: str,
    context: str,
    text: str = "",
    links: list[str] = (),
    uploads: list[Upload] = (),
    share_in_gallery: bool = False,
    replaces: Evidence | None = None,
) -> Evidence:
    """A learner submits evidence for their next step (or a new version after "not yet")."""
    reflection, text = reflection.strip(), text.strip()
    if not reflection:
        raise ValidationError({"reflection": "Tell us what you did and how it shows the step."})
    if context not in Context.values:
        raise ValidationError({"context": "Choose where you did it."})
    links = [link.strip() for link in links if link.strip()][:MAX_LINKS]
    _check_step(learner, step, replaces)
    prepared = prepare_files(learner.school, list(uploads))
    if not (prepared or links or text or reflection):
        raise ValidationError("Add a file, a link or some writing.")

    written: list[str] = []
    try:
        for item in prepared:
            written.append(_write(learner.school_id, item))
        evidence = _create_rows(
            learner,
            step,
            reflection,
            context,
            text,
            links,
            prepared,
            written,
            share_in_gallery,
            replaces,
        )
    except BaseException:
        for path in written:
            default_storage.delete(path)
        raise
    return evidence


@transaction.atomic
def _create_rows(learner, step, reflection, context, text, links, prepared, paths, share, replaces):
    school = learner.school
    version = 1
    if replaces is not None:
        # Only the learner's own "not yet" work can be sent again, and only once.
        done = Evidence.objects.filter(
            pk=replaces.pk, learner=learner.user_id, status__in=SENDABLE_AGAIN
        ).update(status=Status.SUPERSEDED)
        if not done:
            raise ValidationError(
                "This work can't be sent again: it has already been sent or decided."
            )
        version = replaces.version + 1
        step = replaces.step
    evidence = Evidence.objects.create(
        route=Route.CHECKING,
        phase=assessing_phase(learner.year),
        reviews_wanted=school.peer_consensus,
        school=school,
        learner_id=learner.user_id,
        step=step,
        ladder_identifier=step.ladder.identifier,
        step_identifier=step.identifier,
        level=step.level,
        version=version,
        replaces=replaces,
        reflection=reflection,
        context=context,
        text=text,
        share_in_gallery=share,
    )
    EvidenceFile.objects.bulk_create(
        EvidenceFile(
            school=school,
            evidence=evidence,
            kind=p.kind,
            content_type=p.content_type,
            extension=p.extension,
            original_name=p.original_name,
            path=path,
            size=p.size,
            sha256=p.sha256,
            position=n,
        )
        for n, (p, path) in enumerate(zip(prepared, paths, strict=True))
    )
    EvidenceLink.objects.bulk_create(
        EvidenceLink(school=school, evidence=evidence, url=u) for u in links
    )
    from pbyp.evidence.tasks import process_evidence

    # The worker reads the files, runs the integrity checks, then routes the work.
    enqueue_on_commit(process_evidence, evidence_id=evidence.pk)
    return evidence


def check_feedback(outcome: str, went_well: str, even_better_if: str) -> tuple[str, str]:
    """Every decision, a teacher's or a peer's, needs an outcome and both kinds of feedback."""
    went_well, even_better_if = went_well.strip(), even_better_if.strip()
    problems = {}
    if outcome not in Outcome.values:
        problems["outcome"] = "Choose “meets the statement” or “not yet”."
    if not went_well:
        problems["went_well"] = "Say what went well."
    if not even_better_if:
        problems["even_better_if"] = "Say what would make it even better."
    if problems:
        raise ValidationError(problems)
    return went_well, even_better_if


@transaction.atomic
def evidence_decide(
    *, evidence: Evidence, assessor, outcome: str, went_well: str, even_better_if: str
) -> Decision:
    """A teacher decides: meets the statement, or not yet. A teacher's decision is final, whatever
    route the work was on. Exactly one decision wins: the status changes with a conditional
    UPDATE, so a second teacher deciding at the same moment is told."""
    went_well, even_better_if = check_feedback(outcome, went_well, even_better_if)
    if not evidence_finish(evidence=evidence, outcome=outcome, by=assessor, by_peers=False):
        raise AlreadyDecided
    from pbyp.assessment.models import Review, ReviewState

    # Peers still holding it are free to take other work (their page says it was decided).
    Review.objects.filter(evidence=evidence, state=ReviewState.LEASED).update(
        state=ReviewState.RETURNED, ended_at=timezone.now()
    )
    Evidence.objects.filter(pk=evidence.pk, first_review_at__isnull=True).update(
        first_review_at=timezone.now()
    )
    return Decision.objects.create(
        school=evidence.school,
        evidence=evidence,
        assessor=assessor,
        by_teacher=True,
        outcome=outcome,
        went_well=went_well,
        even_better_if=even_better_if,
    )


def evidence_finish(
    *, evidence: Evidence, outcome: str, by, by_peers: bool, from_status: str = Status.AWAITING
) -> bool:
    """The work is decided (call inside a transaction). False if it was not in `from_status`
    any more (someone else decided first). On "meets" the learner's level rises, targets at or
    below it are done, and the learner becomes an assessor for the step."""
    new_status = Status.ACHIEVED if outcome == Outcome.MEETS else Status.NOT_YET
    won = Evidence.objects.filter(pk=evidence.pk, status=from_status).update(
        status=new_status, decided_at=timezone.now(), decided_by_peers=by_peers
    )
    if not won:
        return False
    if new_status == Status.ACHIEVED:
        Achievement.objects.get_or_create(
            learner_id=evidence.learner_id,
            ladder_identifier=evidence.ladder_identifier,
            level=evidence.level,
            source=LevelSource.EVIDENCE,
            defaults={"school": evidence.school, "step": evidence.step, "recorded_by": by},
        )
        Target.objects.filter(
            school=evidence.school,
            learner=evidence.learner_id,
            ladder_identifier=evidence.ladder_identifier,
            step__level__lte=evidence.level,
        ).delete()
    from pbyp.evidence.tasks import tell_learner_the_outcome

    enqueue_on_commit(tell_learner_the_outcome, evidence_id=evidence.pk)
    audit(
        school=evidence.school,
        actor=by,
        action=f"evidence.{outcome}" + (".peers" if by_peers else ""),
        subject=evidence.learner,
        detail=f"evidence {evidence.pk}",
    )
    return True


@transaction.atomic
def gallery_hide(*, evidence: Evidence, by, hidden: bool) -> None:
    Evidence.objects.filter(pk=evidence.pk).update(
        hidden_from_gallery=hidden, hidden_by=by if hidden else None
    )
    audit(
        school=evidence.school,
        actor=by,
        action="gallery.hide" if hidden else "gallery.show",
        subject=evidence.learner,
        detail=f"evidence {evidence.pk}",
    )


@transaction.atomic
def gallery_share(*, evidence: Evidence, share: bool) -> None:
    """The learner changes their mind about sharing their work."""
    Evidence.objects.filter(pk=evidence.pk).update(share_in_gallery=share)


def notifications_read(*, user, school) -> None:
    Notification.objects.filter(user=user, school=school, read_at__isnull=True).update(
        read_at=timezone.now()
    )


CLEANUP_BATCH = 500  # paths per query: stays under every database's limit on parameters


def uploads_cleanup(*, older_than_minutes: int, dry_run: bool = False) -> int:
    """Delete stored files no row points at (left by a crash between writing a file and
    committing its submission). Only files older than the given age are touched, so uploads in
    flight are never removed. Returns how many files were (or would be) removed."""
    if not default_storage.exists(UPLOAD_DIR):
        return 0
    cutoff = timezone.now() - timezone.timedelta(minutes=older_than_minutes)
    removed = 0
    school_dirs, _ = default_storage.listdir(UPLOAD_DIR)
    for school_dir in school_dirs:
        base = f"{UPLOAD_DIR}/{school_dir}"
        names = default_storage.listdir(base)[1]
        for start in range(0, len(names), CLEANUP_BATCH):
            paths = [f"{base}/{name}" for name in names[start : start + CLEANUP_BATCH]]
            files = EvidenceFile.objects.filter(Q(path__in=paths) | Q(thumbnail_path__in=paths))
            known = {p for pair in files.values_list("path", "thumbnail_path") for p in pair}
            for path in paths:
                if path in known or default_storage.get_modified_time(path) > cutoff:
                    continue
                removed += 1
                if not dry_run:
                    default_storage.delete(path)
    return removed
