"""Small builders for peer assessment tests: make someone an assessor, send work."""

from pbyp.evidence.services import evidence_submit
from pbyp.evidence.tasks import process_evidence
from pbyp.ladders.models import Achievement, LevelSource
from pbyp.schools.models import Membership
from tests.cast import make_learner
from tests.ladders.helpers import step_of


def achieve(membership: Membership, step, source=LevelSource.EVIDENCE) -> Achievement:
    return Achievement.objects.create(
        school=membership.school,
        learner=membership.user,
        step=step,
        ladder_identifier=step.ladder.identifier,
        level=step.level,
        source=source,
    )


def assessor(school, username, step, *, year=9) -> Membership:
    member = make_learner(school, username, year=year, first=username.title(), last="Peer")
    achieve(member, step)
    return Membership.objects.select_related("school", "user").get(pk=member.pk)


def send(membership: Membership, step, text="My work"):
    """Submit work as the learner, then run what the worker does (checks, then routing). The
    reflection is short and the learner's own, so the integrity checks find nothing to flag."""
    member = Membership.objects.select_related("school", "user").get(pk=membership.pk)
    evidence = evidence_submit(
        learner=member,
        step=step,
        reflection=f"{member.user.username} did the step.",
        context="lesson",
        text=text,
    )
    process_evidence.call(evidence_id=evidence.pk)
    evidence.refresh_from_db()
    return evidence


def ep1(school):
    return step_of(school, "EP1", 1)
