"""What the scheduler does each tick. Later pieces add their time-based jobs to JOBS.

A job runs every tick unless it is listed with an interval: then it runs when it is due, and a
conditional UPDATE on its Heartbeat row lets exactly one scheduler claim each run, however many
scheduler processes there are.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from pbyp.core.models import FormSubmission, Heartbeat
from pbyp.core.tasks import beat, worker_heartbeat

logger = logging.getLogger(__name__)


def _ask_worker_for_heartbeat() -> None:
    if settings.TASK_BACKEND == "database":
        from django_tasks_db.models import DBTaskResult

        waiting = DBTaskResult.objects.ready().filter(task_path=worker_heartbeat.module_path)
        if waiting.exists():
            return  # the worker hasn't taken the last one yet: don't pile them up
    worker_heartbeat.enqueue()


def _forget_old_form_tokens() -> None:
    FormSubmission.objects.filter(created_at__lt=timezone.now() - timedelta(days=1)).delete()


def _remove_interrupted_uploads() -> None:
    from pbyp.evidence.services import uploads_cleanup

    removed = uploads_cleanup(older_than_minutes=60)
    if removed:
        logger.info("Removed %d files left by interrupted uploads", removed)


def _route_waiting_work() -> None:
    """Expired leases go back to the queue; work past its peer deadline moves on (SPEC §6)."""
    from pbyp.assessment.routing import route_overdue_work

    moved = route_overdue_work()
    if any(moved.values()):
        logger.info("Routing: %s", moved)


# (job, seconds between runs; 0 = every tick)
JOBS = [
    (_ask_worker_for_heartbeat, 0),
    (_route_waiting_work, 60),
    (_forget_old_form_tokens, 3600),
    (_remove_interrupted_uploads, 3600),
]


def claim(name: str, every_seconds: int) -> bool:
    """True for exactly one caller per interval: the one whose UPDATE moved the job's mark."""
    now = timezone.now()
    name = f"job:{name}"[:40]
    if Heartbeat.objects.filter(
        name=name, beat_at__lte=now - timedelta(seconds=every_seconds)
    ).update(beat_at=now):
        return True
    try:
        with transaction.atomic():
            Heartbeat.objects.create(name=name, beat_at=now)
    except IntegrityError:
        return False  # it exists and is not due, or another scheduler created it just now
    return True


def tick() -> None:
    beat("scheduler")
    for job, every in JOBS:
        try:
            if every == 0 or claim(job.__name__, every):
                job()
        except Exception:
            logger.exception("Scheduled job %s failed; the next tick will try again", job.__name__)
