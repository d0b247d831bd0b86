"""Teachers deciding flags (SPEC §6 "teacher verification", §7): held work is released to its
normal route ("nothing wrong") or returned to the learner with a note ("problem", recorded, the
tutor told). Flags that hold nothing (own reuse, patterns) are simply marked."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from pbyp.assessment.routing import route_checked
from pbyp.core.audit import audit
from pbyp.evidence.models import Evidence, Notification, Route, Status
from pbyp.evidence.services import AlreadyDecided
from pbyp.integrity.models import Flag, FlagState
from pbyp.schools.selectors import tutor_of


def _close(flags, *, by, state, note="") -> int:
    return flags.filter(state=FlagState.OPEN).update(
        state=state, decided_by=by, decided_at=timezone.now(), note=note
    )


@transaction.atomic
def held_release(*, evidence: Evidence, by) -> None:
    """Nothing wrong: the work goes on to peers or a teacher as if it had never been held."""
    if not _close(
        Flag.objects.filter(evidence=evidence, holds=True), by=by, state=FlagState.CLEARED
    ):
        raise AlreadyDecided
    route_checked(evidence)
    audit(
        school=evidence.school,
        actor=by,
        action="integrity.clear",
        subject=evidence.learner,
        detail=f"evidence {evidence.pk}",
    )


@transaction.atomic
def held_return(*, evidence: Evidence, by, note: str) -> None:
    """A problem: the work goes back to the learner with the teacher's note, who can send a new
    version; their tutor is told."""
    note = note.strip()
    if not note:
        raise ValidationError({"note": "Write a note for the learner: what is wrong, what to do."})
    if not Evidence.objects.filter(pk=evidence.pk, status=Status.AWAITING, route=Route.HELD).update(
        status=Status.RETURNED, decided_at=timezone.now()
    ):
        raise AlreadyDecided
    _close(
        Flag.objects.filter(evidence=evidence, holds=True),
        by=by,
        state=FlagState.PROBLEM,
        note=note,
    )
    title = evidence.step.ladder.title
    link = f"/evidence/{evidence.pk}/"
    Notification.objects.create(
        school=evidence.school,
        user_id=evidence.learner_id,
        link=link,
        text=f"A teacher sent your work on “{title}” back to you. Read their note.",
    )
    tutor = tutor_of(evidence.school_id, evidence.learner_id)
    if tutor and tutor != by:
        Notification.objects.create(
            school=evidence.school,
            user=tutor,
            link=link,
            text=f"{evidence.learner.short_name}'s work on “{title}” was returned after a check.",
        )
    audit(
        school=evidence.school,
        actor=by,
        action="integrity.problem",
        subject=evidence.learner,
        detail=f"evidence {evidence.pk}",
    )


@transaction.atomic
def flag_mark(*, flag: Flag, by, problem: bool, note: str = "") -> None:
    """A flag that holds nothing: the teacher records what they found."""
    state = FlagState.PROBLEM if problem else FlagState.CLEARED
    if not _close(Flag.objects.filter(pk=flag.pk), by=by, state=state, note=note.strip()):
        raise AlreadyDecided
    audit(
        school=flag.school,
        actor=by,
        action=f"integrity.{state}",
        subject=flag.subject,
        detail=f"flag {flag.pk}",
    )
