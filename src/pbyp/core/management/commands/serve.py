"""Run PbyP: gunicorn, the django-tasks-db worker and the scheduler loop, as one command.

Ctrl-C (or SIGTERM) stops all three cleanly. If any of them dies, the others are stopped too and
the command exits non-zero, so a supervisor (systemd, a container runtime) can restart the lot.
"""

import os
import signal
import subprocess
import sys
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand

from pbyp.env import env_int

GRACE_SECONDS = 10


class Command(BaseCommand):
    help = "Serve PbyP: web server, background worker and scheduler together."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=env_int("PORT", 8000, minimum=1))
        parser.add_argument(
            "--workers",
            type=int,
            default=env_int("WEB_WORKERS", 3, minimum=1),
            help="gunicorn worker processes (default: WEB_WORKERS or 3)",
        )

    def handle(self, *, host, port, workers, **options):
        call_command("collectstatic", interactive=False, verbosity=0)
        me = [sys.executable, "-m", "pbyp.cli"]
        commands = {
            "web": [
                sys.executable,
                "-m",
                "gunicorn",
                "pbyp.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(workers),
                "--access-logfile",
                "-",
                "--graceful-timeout",
                str(GRACE_SECONDS),
                "--no-control-socket",
            ],
            "worker": [*me, "db_worker", "--no-reload", "--queue-name", "*"],
            "scheduler": [*me, "scheduler"],
        }
        children = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}
        self.stdout.write(f"PbyP is running at http://{host}:{port}/  (Ctrl-C to stop)")

        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        exit_code = 0
        while not stopping:
            dead = {name: p.returncode for name, p in children.items() if p.poll() is not None}
            if dead:
                self.stderr.write(f"Stopped unexpectedly: {dead}. Stopping the rest.")
                exit_code = 1
                break
            time.sleep(0.5)
        self._stop_all(children)
        if exit_code:
            sys.exit(exit_code)

    def _stop_all(self, children):
        for process in children.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        for process in children.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.stdout.write("PbyP has stopped.")
