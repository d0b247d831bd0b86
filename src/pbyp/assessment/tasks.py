"""Telling people about routed work (SPEC §6): assessors in the app, staff in the app and by email.
Each task is idempotent: a notification is created once, and its email is sent only by the run
that created it."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django_tasks import task

from pbyp.assessment.queue import eligible_assessors
from pbyp.evidence.models import Evidence, Notification, Route
from pbyp.schools.models import Membership, Role
from pbyp.schools.selectors import tutor_of

ASSESSORS_TOLD = 30  # per piece of work: enough to find someone, without telling a whole year
PEER_LINK = "/peer/"


@task()
def tell_assessors(*, evidence_id: int) -> None:
    """Learners who could assess the work hear that something is waiting for them, once until
    they read it (no name, no school, no work: just a link to their queue)."""
    evidence = Evidence.objects.filter(pk=evidence_id, status="awaiting").first()
    if evidence is None or evidence.route == Route.TEACHER:
        return
    network = evidence.route == Route.NETWORK
    already = Notification.objects.filter(link=PEER_LINK, read_at__isnull=True).values("user")
    rows = (
        eligible_assessors(evidence, network=network)
        .exclude(learner__in=already)
        .values_list("learner", "school")[:ASSESSORS_TOLD]
    )
    Notification.objects.bulk_create(
        Notification(
            school_id=school_id,
            user_id=user_id,
            link=PEER_LINK,
            text="There is work waiting for you to check.",
        )
        for user_id, school_id in rows
    )


@task()
def tell_teachers(*, evidence_id: int) -> None:
    """The learner's tutor (or, with no tutor, the school's managers) hears that work waits for a
    teacher: in the app, and by email."""
    evidence = (
        Evidence.objects.filter(pk=evidence_id, status="awaiting")
        .select_related("step__ladder", "learner", "school")
        .first()
    )
    if evidence is None:
        return
    tutor = tutor_of(evidence.school_id, evidence.learner_id)
    staff = (
        [tutor]
        if tutor
        else [
            m.user
            for m in Membership.objects.filter(
                school=evidence.school_id, role=Role.MANAGER
            ).select_related("user")
        ]
    )
    link = f"/assess/{evidence.pk}/"
    text = f"{evidence.learner.short_name} sent evidence for “{evidence.step.ladder.title}”."
    for person in staff:
        _, created = Notification.objects.get_or_create(
            school_id=evidence.school_id, user=person, link=link, defaults={"text": text}
        )
        if created and person.email:
            context = {
                "evidence": evidence,
                "person": person,
                "link": settings.SITE_URL + link,
                "reason": evidence.get_route_reason_display(),
            }
            send_mail(
                subject=f"PbyP: work waiting for a teacher at {evidence.school.name}",
                message=render_to_string("assessment/email/work_waiting.txt", context),
                from_email=None,
                recipient_list=[person.email],
            )
