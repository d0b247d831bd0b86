"""What the scheduler does each tick. Later pieces add their time-based jobs to JOBS."""

import logging

from django.conf import settings

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
    from datetime import timedelta

    from django.utils import timezone

    from pbyp.core.models import FormSubmission

    FormSubmission.objects.filter(created_at__lt=timezone.now() - timedelta(days=1)).delete()


JOBS = [_ask_worker_for_heartbeat, _forget_old_form_tokens]


def tick() -> None:
    beat("scheduler")
    for job in JOBS:
        try:
            job()
        except Exception:
            logger.exception("Scheduled job %s failed; the next tick will try again", job.__name__)
