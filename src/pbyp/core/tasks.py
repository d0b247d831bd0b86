from django.db import transaction
from django.utils import timezone
from django_tasks import task

from pbyp.core.models import Heartbeat


def enqueue_on_commit(task_obj, **kwargs) -> None:
    """Background work starts only once the data it reads is committed (convention 7)."""
    transaction.on_commit(lambda: task_obj.enqueue(**kwargs))


def beat(name: str) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"beat_at": timezone.now()})


@task()
def worker_heartbeat() -> None:
    """Enqueued by the scheduler each tick; the worker running it proves the worker is alive."""
    beat("worker")
