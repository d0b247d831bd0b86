"""The status page, the scheduler loop, the demo school, and `pbyp serve` as one real command."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from pbyp.accounts.models import User
from pbyp.core.models import Heartbeat
from pbyp.core.schedule import tick
from pbyp.schools.demo import DEMO_PASSWORD, seed_demo
from pbyp.schools.models import Membership, ParentLink, Role, School, TutorGroup


def test_status_page_reports_database_worker_and_queue(cast, as_user):
    page = as_user(cast.manager).get("/status/").content.decode()
    assert "reachable" in page
    assert page.count("never seen") == 2  # no worker or scheduler has run yet
    tick()  # the scheduler beats and (immediate backend) the worker runs its heartbeat task
    page = as_user(cast.operator).get("/status/").content.decode()
    assert "never seen" not in page
    assert "last heartbeat 0 seconds ago" in page
    assert "0 waiting" in page


def test_a_stale_worker_heartbeat_needs_attention(cast, as_user):
    Heartbeat.objects.create(name="worker", beat_at=timezone.now() - timedelta(minutes=10))
    page = as_user(cast.manager).get("/status/").content.decode()
    assert "last heartbeat 600 seconds ago" in page
    assert "Needs attention" in page


def test_scheduler_does_not_pile_up_heartbeats_when_the_worker_is_down(db, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASK_BACKEND = "database"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    for _ in range(3):
        tick()
    assert DBTaskResult.objects.count() == 1
    assert Heartbeat.objects.filter(name="scheduler").exists()


def test_worker_runs_queued_tasks(transactional_db, settings):
    """The real django-tasks-db worker takes the heartbeat task off the database queue (outside
    a test transaction: the worker manages its own connections)."""
    settings.TASK_BACKEND = "database"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    tick()
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)
    assert Heartbeat.objects.filter(name="worker").exists()


def test_demo_school_is_realistic_and_idempotent(db):
    assert seed_demo() is True
    assert seed_demo() is False
    school = School.objects.get(slug="oakfield")
    learners = Membership.objects.learners().filter(school=school)
    assert 55 <= learners.count() <= 65
    assert set(learners.values_list("year", flat=True)) == set(range(5, 12))
    assert (
        TutorGroup.objects.filter(school=school)
        .exclude(tutor=None)
        .values("tutor")
        .distinct()
        .count()
        == 4
    )
    assert ParentLink.objects.filter(school=school).count() >= 10
    for username, role in [
        ("learner", Role.LEARNER),
        ("peer", Role.LEARNER),
        ("peer2", Role.LEARNER),
        ("tutor", Role.TEACHER),
        ("manager", Role.MANAGER),
        ("parent", Role.PARENT),
    ]:
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD)
        assert Membership.objects.filter(user=user, school=school, role=role).exists()
    assert User.objects.get(username="operator").is_operator
    learner = Membership.objects.get(user__username="learner")
    assert learner.tutor_group.tutor.username == "tutor"
    assert ParentLink.objects.filter(parent__username="parent").count() == 2


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own server
            return response.status, response.read().decode()
    except OSError:
        return None, ""


@pytest.mark.timeout_sensitive
def test_serve_runs_web_worker_and_scheduler_and_stops_cleanly(tmp_path):
    env = {
        **os.environ,
        "PBYP_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "SCHEDULER_INTERVAL_SECONDS": "1",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("TASK_BACKEND", None)
    pbyp = [sys.executable, "-m", "pbyp.cli"]
    subprocess.run([*pbyp, "migrate", "-v0"], env=env, check=True, timeout=120)
    port = _free_port()
    server = subprocess.Popen(
        [*pbyp, "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _get(f"http://127.0.0.1:{port}/ping/")[0] != 200:
            time.sleep(0.3)
        assert _get(f"http://127.0.0.1:{port}/ping/") == (200, "ok")
        status, page = _get(f"http://127.0.0.1:{port}/login/")
        assert status == 200 and "Sign in" in page
        # The worker proves it is alive by running the scheduler's heartbeat task.
        check = [
            *pbyp,
            "shell",
            "-c",
            "from pbyp.core.models import Heartbeat; "
            "print(sorted(Heartbeat.objects.values_list('name', flat=True)))",
        ]
        while time.monotonic() < deadline:
            out = subprocess.run(check, env=env, capture_output=True, text=True, timeout=60).stdout
            if "worker" in out and "scheduler" in out:
                break
            time.sleep(0.5)
        assert "'scheduler'" in out and "'worker'" in out
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=30)
    assert server.returncode == 0, output
    assert "PbyP has stopped." in output
    assert _get(f"http://127.0.0.1:{port}/ping/")[0] is None


def test_time_machine_is_available_for_deadline_tests():
    with time_machine.travel("2026-09-01 09:00 +0100", tick=False):
        assert timezone.now().isoformat().startswith("2026-09-01T08:00")


def test_hourly_jobs_run_once_an_hour_however_often_the_scheduler_ticks(db):
    from pbyp.core import schedule

    runs = []
    schedule.JOBS.append((lambda: runs.append(1), 3600))
    schedule.JOBS[-1][0].__name__ = "test_job"
    try:
        with time_machine.travel("2026-09-01 09:00 +0000", tick=False) as traveller:
            schedule.tick()
            schedule.tick()
            assert runs == [1]
            traveller.shift(timedelta(minutes=59))
            schedule.tick()
            assert runs == [1]
            traveller.shift(timedelta(minutes=2))
            schedule.tick()
            assert runs == [1, 1]
    finally:
        schedule.JOBS.pop()
