"""The scheduler loop: time-based rules happen with nobody clicking.

Each tick it records its own heartbeat, asks the worker to record one (so the status page knows
the worker really runs tasks), and runs every job in pbyp.core.schedule.JOBS. Jobs are idempotent:
running the loop in two places at once, or twice in a minute, does no harm.
"""

import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from pbyp.core.schedule import tick
from pbyp.env import env_int


class Command(BaseCommand):
    help = "Run the scheduler loop (started by `pbyp serve`)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run one tick, then exit.")
        parser.add_argument(
            "--interval", type=int, default=env_int("SCHEDULER_INTERVAL_SECONDS", 60, minimum=1)
        )

    def handle(self, *, once, interval, **options):
        running = True

        def stop(signum, frame):
            nonlocal running
            running = False

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        while running:
            close_old_connections()
            tick()
            if once:
                return
            slept = 0.0
            while running and slept < interval:
                time.sleep(0.5)
                slept += 0.5
