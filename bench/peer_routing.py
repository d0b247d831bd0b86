"""Peer routing over a simulated school term, through the real services on a real database.

    .venv/bin/python bench/peer_routing.py [--learners 1000] [--weeks 12] [--seed 1]
                                           [--database sqlite|postgres]
                                           [--queue-sizes 10000,1000000] [--no-queue]

Two parts, each in a child process with its own throwaway database (a SQLite file in a temporary
PBYP_VAR_DIR, or a `pbyp_bench_<random>` PostgreSQL database on 127.0.0.1:5432 as `postgres`),
migrated first and removed at the end, also on failure, Ctrl-C or SIGTERM:

1. The term. A school lives through one term, minute by minute, calling the product's own
   services: `evidence_submit`, `take_next`, `review_decide`, `review_return`, `evidence_decide`,
   `spot_check_decide`, `held_release`, `held_return`, `notifications_read`, the teacher queue
   (`teacher_queue`), and the scheduler's `route_overdue_work`. The simulated clock is
   `time_machine`, so every timestamp the product writes is simulated time. Background tasks run
   in-process as the work commits (TASK_BACKEND=immediate): the integrity checks that route new
   work, and the notifications (`tell_assessors`) that bring assessors in, are the product's own.
2. The queue selection (`pbyp.assessment.queue.next_for`) timed with 10k and then 1M items waiting
   for peers, always on PostgreSQL (a database of its own, also when the term ran on SQLite); it is
   skipped, saying so, when PostgreSQL is not reachable, or with --no-queue.

The school (all choices are constants below, named after what they mean):

- `seed_school`, all-through: Years 1–11, so Years 1–6 are primary (early years count as primary)
  and Years 7–11 secondary. Teachers: one per 25 learners. The product's default peer settings:
  2 peer decisions, a 48 school-hour deadline, 24 h leases, 10% spot checks, primary learners
  assess primary work and secondary secondary, no network.
- The calendar: a spring term from Monday 5 January 2026 with --weeks teaching weeks (default 12)
  and a one-week half-term after the first half (CalendarPeriod rows: the term and the holiday),
  13 calendar weeks by default. Time zone Europe/London (the clocks go forward on 29 March).
- Before the term: levels from earlier years, as evidence achievements (so those learners are
  assessors). On each of the 24 default ladders a learner's level is about 0.6 per year above
  Year 1, plus a per-ladder offset (some ladders are used less), the learner's own ability and
  noise, capped at 8. So upper steps have few or no peers in their phase: the top of primary and
  the top of secondary. 8% of learners from Year 3 up joined recently: their levels are baselines,
  which do not make them assessors.

Learners:

- Send 3 pieces of evidence a term week, on 3 different school days: 70% in lessons (09:00–12:00,
  13:15–15:15), 15% after school or at a club (15:30–17:30), 15% at home (a school-day evening
  18:00–21:00, or the weekend). In the half-term 40% send one piece from home. A piece is for the
  next step of a ladder (highest level + 1) with no open work; in lessons 60% work on their
  class's ladder of the week, so work comes in clusters like it does in schools. After "not yet",
  60% send a new version at their next go.
- Every piece is in the learner's own words (random words from the framework's statements, so
  no two pieces match by chance), except 2% that copy a recent piece by another learner: the
  integrity checks should hold those for a teacher, who returns them; the learner then sends
  their own. Every piece has a hidden true quality: it meets the step with probability 0.70 (a
  new version: 0.85). Assessors judge it right with a probability that grows with age (0.74 in
  Year 1 to 0.94 in Year 11, ± noise); 3% of assessors approve everything. Teachers are right 97%
  of the time.
- Assessing is pulled, as in the product: a learner the product told "there is work waiting"
  (its own `tell_assessors`) opens the app at their next visit and reads the message. Visits
  follow the time of day (a weight per hour: before school 0.2–0.3, lessons 0.4, lunch 1.5, after
  school and evenings 1.0–1.2, 21:00–22:00 0.5, none from 22:00 to 07:00; weekends and holidays
  0.4 from 09:00 to 21:00) times the learner's habit: 20% keen (0.25 visits an hour at weight 1,
  about 3 a school day; up to 4 items a visit), 50% steady (0.07, up to 2), 30% occasional
  (0.015, 1 item). Keen ones start assessing on 90% of visits, steady 70%, occasional 50%. A
  learner who has just sent work also looks for work to check 25% of the time. A learner looks
  only when their page would show work waiting for them (the bench works this out from one
  snapshot per scheduler run, so `take_next` runs when it may find something). Of items taken,
  4% are left until the lease runs out and 4% given back after a few minutes; the rest are
  decided after 1–30 minutes (median about 6), and the learner then looks for the next.
- Teachers work through their teacher queue (the product's order: their tutor groups first, then
  the oldest) on school days: at lunch (4 items each), after school (6 items each, then 2 spot
  checks), and a quarter of them in the evening (4 items), a few minutes per item. Held work is
  released (nothing wrong) or, when it is a copy, returned with a note.
- The scheduler (`route_overdue_work`) runs every 10 simulated minutes, day and night.

Figures: the share of decided work decided by peers (primary, secondary), the time from sending to
the first review (median and 90th percentile, in hours and in school-day hours, for work sent
before the last week so the end of the run does not hide slow items), the share of work sent to
teachers by reason, and "items without a route", which must be 0. An item is counted once if, at
any moment checked, it waited for peers while

- it was still waiting for the integrity checks (route "checking") 10 minutes after it was sent
  (the scheduler routes such work itself), or its peer deadline had passed, or it had no
  deadline at all: checked just after every scheduler run; or
- no eligible peer was left to take it, it had room for another review and no peer held it
  (`eligible_assessors(...).exists()` is false): checked for every item waiting for peers each
  school day at 16:05 and at the end, and for each item right after a lease on it ran out or was
  given back. Such work could only reach a teacher at its deadline.

Last line: `peer_routing: peer_share=P stuck=S`, P the share of decided work decided by peers,
S the number of items without a route.

Run time is mostly the product's own work for each piece of evidence (sending and checking it,
two or more takes and decisions, the background tasks); `next_for` is the largest part of it and
grows with how many steps an assessor has achieved. bench/README.md gives measured times.
"""

import argparse
import contextlib
import heapq
import importlib.metadata
import itertools
import json
import platform
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

from pages import (  # bench/pages.py
    bench_env,
    clean_up,
    postgres_admin,
    postgres_create,
    postgres_url,
)

ZONE = ZoneInfo("Europe/London")  # the product's default TIME_ZONE
TERM_START = date(2026, 1, 5)  # a Monday: the spring term
TICK = timedelta(minutes=10)  # how often the scheduler runs
SWEEP_AT = clock(16, 5)  # the daily check for items no peer can take
DEFAULT_QUEUE_SIZES = "10000,1000000"
QUEUE_ASSESSORS = 200  # assessors whose next_for call is timed
QUEUE_ROUNDS = 5  # timed calls per assessor (after one untimed warm-up call each)
PROBE_BANDS = ((0, 30), (31, 90), (91, 10_000))  # next_for's cost, by how many steps it probes
QUEUE_FILLERS = 5000  # submitters of the filler items (one open item per learner and step)

# Before the term.
LEVEL_PER_YEAR = 0.6
LADDER_OFFSET = (-1.5, 0.5)
ABILITY_SD = 0.8
LEVEL_NOISE_SD = 0.8
TOP_PRIOR_LEVEL = 8
NEW_JOINER_SHARE = 0.08  # from Year 3 up: levels are baselines

# Learners sending work.
PIECES_PER_WEEK = 3
CONTEXT_SHARES = (("lesson", 0.70), ("after_school", 0.15), ("home", 0.15))
LESSON_HOURS = ((clock(9, 0), clock(12, 0)), (clock(13, 15), clock(15, 15)))
AFTER_SCHOOL_HOURS = (clock(15, 30), clock(17, 30))
EVENING_HOURS = (clock(18, 0), clock(21, 0))
WEEKEND_HOURS = (clock(10, 0), clock(19, 0))
HALF_TERM_SENDERS = 0.40
FOCUS_SHARE = 0.60  # lessons working on the class's ladder of the week
RESUBMIT_SHARE = 0.60
SEND_AGAIN = ("not_yet", "returned")  # statuses of work the learner may send a new version of
TRUE_MEETS = 0.70
TRUE_MEETS_AGAIN = 0.85

# Assessors.
HABITS = (  # (share, visits per hour at weight 1, chance a visit becomes a session, most items)
    ("keen", 0.20, 0.25, 0.90, 4),
    ("steady", 0.50, 0.07, 0.70, 2),
    ("occasional", 0.30, 0.015, 0.50, 1),
)
CHECK_AFTER_SENDING = 0.25
LEAVE_TO_EXPIRE = 0.04
GIVE_BACK = 0.04
DECIDE_MINUTES = (6.0, 0.7, 1.0, 30.0)  # log-normal median, sigma, then clipped to [min, max]
APPROVES_ALL = 0.03
TEACHER_ACCURACY = 0.97
SCHOOL_DAY_WEIGHTS = {  # local hour → visits-per-hour weight on a school day
    **dict.fromkeys(range(24), 0.0),
    7: 0.2,
    8: 0.3,
    9: 0.4,
    10: 0.4,
    11: 0.4,
    12: 1.5,
    13: 0.4,
    14: 0.4,
    15: 1.0,
    16: 1.2,
    17: 1.2,
    18: 1.2,
    19: 1.2,
    20: 1.2,
    21: 0.5,
}
OTHER_DAY_WEIGHTS = {h: (0.4 if 9 <= h < 21 else 0.0) for h in range(24)}

# Teachers: (start, most stagger in minutes, items each, spot checks each, share of teachers).
TEACHER_SESSIONS = (
    (clock(12, 40), 15, 4, 0, 1.0),
    (clock(15, 40), 20, 6, 2, 1.0),
    (clock(19, 30), 60, 4, 0, 0.25),
)
TEACHER_MINUTES_PER_ITEM = (2.0, 4.0)

REFLECTION_WORDS = (20, 45)  # words in a reflection
TEXT_WORDS = (30, 90)  # words of typed evidence
COPY_SHARE = 0.02  # pieces that copy another learner's recent words (the checks should hold them)
RECENT_TEXTS = 300  # recent pieces a copier may copy from
RETURN_NOTE = "This is someone else's work. Send your own, in your own words."
WENT_WELL = ["You explained it clearly.", "You kept trying.", "Good use of feedback."]
EVEN_BETTER_IF = ["Say how you checked it.", "Give an example.", "Explain your choice."]


class BenchError(Exception):
    """A step failed; the message says which and why."""


# --- the parent: throwaway databases and child processes ---------------------------------------


def postgres_reachable() -> str:
    """'' when PostgreSQL answers, else why not."""
    try:
        with postgres_admin() as conn:
            conn.execute("SELECT 1")
    except Exception as error:  # noqa: BLE001 - any failure means "not reachable", said as is
        return str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
    return ""


def child_env(var_dir: Path, database_url: str) -> dict[str, str]:
    env = bench_env(var_dir, database_url)  # nothing inherited points the run at real data
    env.update(
        DJANGO_SETTINGS_MODULE="pbyp.settings",
        TASK_BACKEND="immediate",  # notifications are created as the work is routed
        TIME_ZONE=ZONE.key,  # the school day the simulation lives by is the product's
    )
    return env


def run_child(phase: str, args, var_dir: Path, database_url: str) -> dict:
    """Runs one part in a child process (Django is set up once per process); returns its result."""
    work = var_dir / phase
    work.mkdir()
    result = work / "result.json"
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--phase",
        phase,
        "--result",
        str(result),
        "--learners",
        str(args.learners),
        "--weeks",
        str(args.weeks),
        "--seed",
        str(args.seed),
        "--queue-sizes",
        args.queue_sizes,
    ]
    child = subprocess.Popen(command, env=child_env(work, database_url))
    try:
        code = child.wait()
    finally:
        if child.poll() is None:  # we were interrupted: stop the child before its database goes
            child.terminate()
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    if code:
        raise BenchError(f"the {phase} part failed (exit {code}); its error is above")
    return json.loads(result.read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--weeks", type=int, default=12, help="teaching weeks (plus a half-term)")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--queue-sizes",
        default=DEFAULT_QUEUE_SIZES,
        help="items waiting when next_for is timed (PostgreSQL), comma-separated, increasing",
    )
    parser.add_argument("--no-queue", action="store_true", help="skip the queue timing")
    parser.add_argument("--phase", choices=("term", "queue"), help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    try:
        sizes = [int(s) for s in args.queue_sizes.split(",") if s.strip()]
    except ValueError:
        sizes = []
    if args.learners < 50 or args.weeks < 1 or not sizes or sizes != sorted(set(sizes)):
        parser.error(
            "--learners must be at least 50, --weeks at least 1, and --queue-sizes increasing "
            "whole numbers"
        )
    if args.phase:
        return child_main(args, sizes)

    def terminate(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)  # clean up on `kill` as on Ctrl-C

    print(
        f"peer_routing: learners={args.learners} weeks={args.weeks}+half-term "
        f"database={args.database} seed={args.seed} python={platform.python_version()} "
        f"django={importlib.metadata.version('django')}",
        flush=True,
    )
    var_dir = Path(tempfile.mkdtemp(prefix="pbyp_bench_"))
    databases: list[str] = []
    started = time.perf_counter()
    try:
        if args.database == "postgres":
            databases.append(f"pbyp_bench_{secrets.token_hex(4)}")
            postgres_create(databases[-1])
            term_url = postgres_url(databases[-1])
        else:
            term_url = f"sqlite:///{var_dir / 'term.sqlite3'}"
        term = run_child("term", args, var_dir, term_url)
        for line in term["lines"]:
            print(line, flush=True)

        why_not = "--no-queue" if args.no_queue else postgres_reachable()
        if why_not:
            print(f"queue: skipped ({why_not})", flush=True)
        else:
            databases.append(f"pbyp_bench_{secrets.token_hex(4)}")
            postgres_create(databases[-1])
            queue = run_child("queue", args, var_dir, postgres_url(databases[-1]))
            for line in queue["lines"]:
                print(line, flush=True)
        print(f"total: seconds={time.perf_counter() - started:.0f}")
        print(
            f"peer_routing: peer_share={term['peer_share']:.2f} stuck={term['stuck']}", flush=True
        )
        return 0
    except BenchError as error:
        print(f"peer_routing: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("peer_routing: interrupted", file=sys.stderr)
        return 130
    finally:
        clean_up("peer_routing", var_dir, databases)


# --- the children -------------------------------------------------------------------------------


def child_main(args, sizes: list[int]) -> int:
    import django

    django.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    migrated = time.perf_counter() - started
    rng = random.Random(args.seed)
    random.seed(args.seed)  # the product's spot-check sample draws from the global generator
    if args.phase == "term":
        result = Term(args.learners, args.weeks, rng).run()
    else:
        result = time_queue(args.learners, sizes, rng)
    result["lines"].insert(0, f"{args.phase}: migrate_seconds={migrated:.1f}")
    Path(args.result).write_text(json.dumps(result))
    return 0


def local(day: date, at: clock) -> datetime:
    """A local wall-clock moment, in UTC: the simulation's clock only ever moves forward, also
    when the clocks change."""
    return datetime.combine(day, at, tzinfo=ZONE).astimezone(UTC)


def between(rng: random.Random, day: date, hours: tuple[clock, clock]) -> datetime:
    start, end = local(day, hours[0]), local(day, hours[1])
    return start + (end - start) * rng.random()


def percentile(values: list[float], p: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def share(part: int, whole: int) -> str:
    return f"{part / whole:.2f}" if whole else "n/a"


@dataclass
class Learner:
    member: object  # Membership, with .school and .user loaded
    year: int
    rate: float
    engage: float
    session: int
    accuracy: float
    approves_all: bool
    phases: tuple[str, ...]  # the phases of work they may assess

    @property
    def uid(self) -> int:
        return self.member.user_id


def seed_levels(school, members, rng: random.Random) -> tuple[list, dict]:
    """Achievements from before the term (see the module docstring). Returns the ladders (with
    their steps, in order) and counts."""
    from pbyp.ladders.models import Achievement, LevelSource, Step
    from pbyp.ladders.selectors import used_versions

    steps = list(
        Step.objects.filter(ladder__version__in=used_versions(school))
        .select_related("ladder")
        .order_by("ladder__strand__position", "ladder__position", "level")
    )
    ladders: dict = {}
    for step in steps:
        ladders.setdefault(step.ladder.identifier, {"ladder": step.ladder, "steps": {}})
        ladders[step.ladder.identifier]["steps"][step.level] = step
    offsets = {ident: rng.uniform(*LADDER_OFFSET) for ident in ladders}
    rows, counts = [], {"evidence": 0, "baseline": 0}
    for member in members:
        ability = rng.gauss(0, ABILITY_SD)
        joiner = member.year >= 3 and rng.random() < NEW_JOINER_SHARE
        for ident, ladder in ladders.items():
            mean = LEVEL_PER_YEAR * (member.year - 1) + offsets[ident] + ability
            level = max(0, min(TOP_PRIOR_LEVEL, round(rng.gauss(mean, LEVEL_NOISE_SD))))
            if not level:
                continue
            levels = [level] if joiner else range(1, level + 1)
            source = LevelSource.BASELINE if joiner else LevelSource.EVIDENCE
            for k in levels:
                rows.append(
                    Achievement(
                        school=school,
                        learner_id=member.user_id,
                        step=ladder["steps"][k],
                        ladder_identifier=ident,
                        level=k,
                        source=source,
                    )
                )
                counts[source] += 1
    Achievement.objects.bulk_create(rows, batch_size=2000)
    return [ladders[ident] for ident in ladders], counts


class Term:
    """The simulated term: a clock, a queue of things people do, and the product's services."""

    def __init__(self, learners: int, weeks: int, rng: random.Random):
        self.n, self.weeks, self.rng = learners, weeks, rng
        first_half = (weeks + 1) // 2
        self.half_term = (
            TERM_START + timedelta(weeks=first_half),
            TERM_START + timedelta(weeks=first_half, days=4),
        )
        self.term_end = TERM_START + timedelta(weeks=weeks + 1, days=-3)  # the last Friday
        self.start = local(TERM_START, clock(0, 0))
        self.end = local(TERM_START + timedelta(weeks=weeks + 1), clock(0, 0))
        self.last_week = local(TERM_START + timedelta(weeks=weeks), clock(0, 0))
        self.events: list = []
        self.sequence = itertools.count()
        self.counts: dict[str, int] = {}
        self.truth: dict[int, bool] = {}
        self.stuck: dict[int, str] = {}
        self.stuck_examples: list[str] = []
        self.pending_visit: set[int] = set()
        self.busy: set[int] = set()
        self.left_to_expire: set[int] = set()
        self.copies: set[int] = set()
        self.recent_texts: deque = deque(maxlen=RECENT_TEXTS)
        self.first_error = ""
        self.weights = self._weights()

    # --- the calendar and people's habits --------------------------------------------------

    def is_school_day(self, day: date) -> bool:
        return (
            day.weekday() < 5
            and TERM_START <= day <= self.term_end
            and not (self.half_term[0] <= day <= self.half_term[1])
        )

    def _weights(self) -> list[float]:
        """Visit weight for each hour from the start of the term to two weeks after its end."""
        hours = int((self.end - self.start) / timedelta(hours=1)) + 24 * 14
        weights = []
        for i in range(hours):
            moment = (self.start + timedelta(hours=i)).astimezone(ZONE)
            table = SCHOOL_DAY_WEIGHTS if self.is_school_day(moment.date()) else OTHER_DAY_WEIGHTS
            weights.append(table[moment.hour])
        return weights

    def next_visit(self, learner: Learner, after: datetime) -> datetime | None:
        """The learner's next visit: a Poisson process whose rate follows the hour's weight."""
        need = self.rng.expovariate(1.0) / learner.rate  # in weight-hours
        offset = (after - self.start) / timedelta(hours=1)
        i = int(offset)
        into = offset - i
        while i < len(self.weights):
            room = self.weights[i] * (1 - into)
            if room >= need:
                return self.start + timedelta(hours=i + into + need / self.weights[i])
            need -= room
            i, into = i + 1, 0.0
        return None

    def push(self, moment: datetime, kind: str, *payload) -> None:
        heapq.heappush(self.events, (moment, next(self.sequence), kind, payload))

    def count(self, name: str, n: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + n

    def error(self, what: str, error: Exception) -> None:
        self.count("errors")
        self.first_error = self.first_error or f"{what}: {error!r}"

    # --- setting up --------------------------------------------------------------------------

    def seed(self) -> None:
        from pbyp.assessment.queue import phases_assessed_by
        from pbyp.schools.demo import seed_school
        from pbyp.schools.models import CalendarPeriod, Membership, PeriodKind, Role

        started = time.perf_counter()
        seeded = seed_school(
            name="Bench All-Through School",
            slug="bench",
            learners=self.n,
            years=range(1, 12),
            teachers=max(4, self.n // 25),
            parents=0,
            seed=self.rng.randrange(1 << 30),
        )
        self.school = seeded.school
        CalendarPeriod.objects.bulk_create(
            [
                CalendarPeriod(
                    school=self.school,
                    kind=PeriodKind.TERM,
                    name="Spring term",
                    starts_on=TERM_START,
                    ends_on=self.term_end,
                ),
                CalendarPeriod(
                    school=self.school,
                    kind=PeriodKind.HOLIDAY,
                    name="Half-term",
                    starts_on=self.half_term[0],
                    ends_on=self.half_term[1],
                ),
            ]
        )
        members = list(
            Membership.objects.filter(school=self.school, role=Role.LEARNER)
            .select_related("user")
            .order_by("pk")
        )
        for member in members:
            member.school = self.school  # one instance: the services read its settings
        self.ladders, self.prior = seed_levels(self.school, members, self.rng)
        self.vocabulary = sorted(
            {
                word
                for ladder in self.ladders
                for step in ladder["steps"].values()
                for word in re.findall(r"[a-z]+", step.statement.lower())
                if len(word) > 2
            }
        )
        self.achieved: dict[int, set] = {}
        self.last_achievement = 0
        self.snapshot_tick = None
        self.tick = self.start
        self.learners = {}
        for member in members:
            habit = self._habit()
            accuracy = 0.72 + 0.02 * member.year + self.rng.gauss(0, 0.04)
            self.learners[member.user_id] = Learner(
                member=member,
                year=member.year,
                rate=habit[2],
                engage=habit[3],
                session=habit[4],
                accuracy=max(0.6, min(0.98, accuracy)),
                approves_all=self.rng.random() < APPROVES_ALL,
                phases=tuple(phases_assessed_by(member)),
            )
        self.teachers = [
            m.user
            for m in Membership.objects.filter(school=self.school, role=Role.TEACHER)
            .select_related("user")
            .order_by("pk")
        ]
        self.seed_seconds = time.perf_counter() - started

    def _habit(self):
        roll = self.rng.random()
        for habit in HABITS:
            if roll < habit[1]:
                return habit
            roll -= habit[1]
        return HABITS[-1]

    # --- planning each week ------------------------------------------------------------------

    def plan_week(self, monday: date) -> None:
        days = [monday + timedelta(days=i) for i in range(7)]
        school_days = [d for d in days if self.is_school_day(d)]
        weekend = [d for d in days if d.weekday() >= 5]
        focus = {year: self.rng.randrange(len(self.ladders)) for year in range(1, 12)}
        for learner in self.learners.values():
            if not school_days:  # the half-term
                if self.rng.random() < HALF_TERM_SENDERS:
                    moment = between(self.rng, self.rng.choice(days), WEEKEND_HOURS)
                    self.push(moment, "send", learner, "holiday", None)
                continue
            for day in self.rng.sample(school_days, min(PIECES_PER_WEEK, len(school_days))):
                context = self._context()
                if context == "lesson":
                    moment = between(self.rng, day, self.rng.choice(LESSON_HOURS))
                    self.push(moment, "send", learner, "lesson", focus[learner.year])
                elif context == "after_school":
                    moment = between(self.rng, day, AFTER_SCHOOL_HOURS)
                    where = "club" if self.rng.random() < 0.3 else "after_school"
                    self.push(moment, "send", learner, where, None)
                elif self.rng.random() < 0.5:
                    self.push(between(self.rng, day, EVENING_HOURS), "send", learner, "home", None)
                else:
                    day = self.rng.choice(weekend)
                    self.push(between(self.rng, day, WEEKEND_HOURS), "send", learner, "home", None)
        for day in school_days:
            self.push(local(day, SWEEP_AT), "sweep")
            for start, stagger, items, checks, part in TEACHER_SESSIONS:
                for teacher in self.teachers:
                    if self.rng.random() < part:
                        moment = local(day, start) + timedelta(minutes=self.rng.uniform(0, stagger))
                        self.push(moment, "teach", teacher, items, checks)

    def _context(self) -> str:
        roll = self.rng.random()
        for context, part in CONTEXT_SHARES:
            if roll < part:
                return context
            roll -= part
        return CONTEXT_SHARES[-1][0]

    # --- what people do ----------------------------------------------------------------------

    def send(self, now: datetime, learner: Learner, context: str, focus: int | None) -> None:
        """A learner sends evidence for a next step, or a new version of work that was not yet
        (or that a teacher returned after the integrity checks held it)."""
        from django.core.exceptions import ValidationError
        from django.db import IntegrityError

        from pbyp.evidence.models import Evidence, Status
        from pbyp.evidence.services import evidence_submit
        from pbyp.ladders.selectors import levels_for

        levels = levels_for(self.school, [learner.uid])
        open_work = list(
            Evidence.objects.filter(
                school=self.school,
                learner=learner.uid,
                status__in=[Status.AWAITING, *SEND_AGAIN],
            ).values_list("pk", "ladder_identifier", "status")
        )
        busy_ladders = {ladder for _, ladder, _ in open_work}
        to_redo = [pk for pk, _, status in open_work if status in SEND_AGAIN]
        free = [
            i
            for i, ladder in enumerate(self.ladders)
            if ladder["ladder"].identifier not in busy_ladders
            and levels.get((learner.uid, ladder["ladder"].identifier), 0) < len(ladder["steps"])
        ]
        again = None
        if to_redo and (not free or self.rng.random() < RESUBMIT_SHARE):
            again = (
                Evidence.objects.select_related("step__ladder")
                .filter(pk=self.rng.choice(to_redo))
                .first()
            )
        if again is None and not free:
            self.count("nothing_to_send")
            return
        if again is not None:
            step = again.step
        else:
            pick = focus if focus in free and self.rng.random() < FOCUS_SHARE else None
            ladder = self.ladders[pick if pick is not None else self.rng.choice(free)]
            level = levels.get((learner.uid, ladder["ladder"].identifier), 0)
            step = ladder["steps"][level + 1]
        copied = bool(self.recent_texts) and self.rng.random() < COPY_SHARE
        if copied:
            owner, reflection, text = self.rng.choice(self.recent_texts)
            copied = owner != learner.uid
        if not copied:
            reflection, text = self.writing(REFLECTION_WORDS), self.writing(TEXT_WORDS)
        try:
            evidence = evidence_submit(
                learner=learner.member,
                step=step,
                reflection=reflection,
                context=context,
                text=text,
                replaces=again,
            )
        except (ValidationError, IntegrityError) as error:
            self.error("evidence_submit", error)
            return
        self.count("sent")
        self.count("sent_again" if again is not None else "sent_new")
        if copied:
            self.count("copied")
            self.copies.add(evidence.pk)
        else:
            self.recent_texts.append((learner.uid, reflection, text))
        quality = TRUE_MEETS_AGAIN if again is not None else TRUE_MEETS
        self.truth[evidence.pk] = self.rng.random() < quality
        if self.rng.random() < CHECK_AFTER_SENDING:
            self.push(now + timedelta(minutes=1), "take", learner, learner.session)

    def writing(self, words: tuple[int, int]) -> str:
        """A learner's own words: different in every piece, so only copies match earlier work."""
        text = " ".join(self.rng.choices(self.vocabulary, k=self.rng.randint(*words)))
        return text[:1].upper() + text[1:] + "."

    def visit(self, now: datetime, learner: Learner) -> None:
        """A learner who was told work is waiting opens the app."""
        from pbyp.evidence.services import notifications_read

        self.pending_visit.discard(learner.uid)
        self.count("visits")
        notifications_read(user=learner.member.user, school=self.school)
        if self.rng.random() < learner.engage:
            self.take(now, learner, learner.session)

    def take(self, now: datetime, learner: Learner, left: int) -> None:
        from pbyp.assessment.services import take_next

        if learner.uid in self.busy or left <= 0:
            return
        if not self.anything_for(learner):
            self.count("saw_nothing")
            return
        review = take_next(assessor=learner.member, now=now)
        if review is None:
            self.count("take_nothing")
            return
        if review.pk in self.left_to_expire:
            return  # they still hold work they will not finish
        self.count("takes")
        roll = self.rng.random()
        if roll < LEAVE_TO_EXPIRE:
            self.left_to_expire.add(review.pk)
            self.count("left_to_expire")
            return
        self.busy.add(learner.uid)
        if roll < LEAVE_TO_EXPIRE + GIVE_BACK:
            self.push(now + timedelta(minutes=self.rng.uniform(1, 5)), "give_back", learner, review)
            return
        median, sigma, low, high = DECIDE_MINUTES
        minutes = max(low, min(high, self.rng.lognormvariate(0, sigma) * median))
        self.push(now + timedelta(minutes=minutes), "decide", learner, review, left)

    def anything_for(self, learner: Learner) -> bool:
        """Could anything be waiting for this learner? What their page would say, worked out by
        the bench from one snapshot per scheduler run of the work waiting for peers (so
        `take_next` is called when it may find work; it can still find none)."""
        from django.db.models import F

        from pbyp.assessment.models import Review
        from pbyp.evidence.models import Evidence, Route, Status
        from pbyp.ladders.models import Achievement, LevelSource

        if self.snapshot_tick != self.tick:
            self.snapshot_tick = self.tick
            for pk, uid, ladder, level in Achievement.objects.filter(
                school=self.school, source=LevelSource.EVIDENCE, pk__gt=self.last_achievement
            ).values_list("pk", "learner", "ladder_identifier", "level"):
                self.last_achievement = max(self.last_achievement, pk)
                self.achieved.setdefault(uid, set()).add((ladder, level))
            waiting = Evidence.objects.filter(
                school=self.school, status=Status.AWAITING, route=Route.PEER
            )
            self.snapshot = {}
            for pk, uid, ladder, level, phase in waiting.filter(
                reviews__lt=F("reviews_wanted")
            ).values_list("pk", "learner", "ladder_identifier", "level", "phase"):
                self.snapshot.setdefault((ladder, level, phase), []).append((pk, uid))
            self.reviewers = {}
            for pk, uid in Review.objects.filter(evidence__in=waiting).values_list(
                "evidence", "assessor"
            ):
                self.reviewers.setdefault(pk, set()).add(uid)
        for ladder, level in self.achieved.get(learner.uid, ()):
            for phase in learner.phases:
                for pk, owner in self.snapshot.get((ladder, level, phase), ()):
                    if owner != learner.uid and learner.uid not in self.reviewers.get(pk, ()):
                        return True
        return False

    def decide(self, now: datetime, learner: Learner, review, left: int) -> None:
        from pbyp.assessment.services import LeaseLost, review_decide
        from pbyp.evidence.services import AlreadyDecided

        self.busy.discard(learner.uid)
        truth = self.truth.get(review.evidence_id, True)
        if learner.approves_all:
            meets = True
        else:
            meets = truth if self.rng.random() < learner.accuracy else not truth
        try:
            review_decide(
                review=review,
                outcome="meets" if meets else "not_yet",
                went_well=self.rng.choice(WENT_WELL),
                even_better_if=self.rng.choice(EVEN_BETTER_IF),
                now=now,
            )
        except AlreadyDecided:
            self.count("peer_too_late_decided")
        except LeaseLost:
            self.count("peer_too_late_lease")
        else:
            self.count("peer_decisions")
        self.push(now + timedelta(minutes=1), "take", learner, left - 1)

    def give_back(self, now: datetime, learner: Learner, review) -> None:
        from pbyp.assessment.services import review_return

        self.busy.discard(learner.uid)
        review_return(review=review)
        self.count("given_back")
        self.check_routes([review.evidence_id], "after a give-back")

    def teach(self, now: datetime, teacher, items: int, checks: int) -> None:
        """A teacher takes the first item of their queue (the product's order: their own tutor
        groups first, then the oldest): held work is released, or returned when it is a copy;
        other work is decided. Then they come back for the next, and to spot checks."""
        from pbyp.assessment.models import SpotCheck
        from pbyp.assessment.services import spot_check_decide
        from pbyp.evidence.models import Route
        from pbyp.evidence.selectors import teacher_queue
        from pbyp.evidence.services import AlreadyDecided, evidence_decide
        from pbyp.integrity.services import held_release, held_return

        step = timedelta(minutes=self.rng.uniform(*TEACHER_MINUTES_PER_ITEM))
        if items > 0:
            work = teacher_queue(self.school, teacher).select_related("school").first()
            if work is not None:
                try:
                    if work.route == Route.HELD and work.pk in self.copies:
                        held_return(evidence=work, by=teacher, note=RETURN_NOTE)
                        self.count("held_returned")
                    elif work.route == Route.HELD:
                        held_release(evidence=work, by=teacher)
                        self.count("held_released")
                    else:
                        evidence_decide(
                            evidence=work,
                            assessor=teacher,
                            outcome=self._teacher_outcome(work.pk),
                            went_well=self.rng.choice(WENT_WELL),
                            even_better_if=self.rng.choice(EVEN_BETTER_IF),
                        )
                        self.count("teacher_decisions")
                except AlreadyDecided:
                    self.count("teacher_too_late")
                self.push(now + step, "teach", teacher, items - 1, checks)
                return
        if checks > 0:
            check = (
                SpotCheck.objects.filter(school=self.school, decided_at__isnull=True)
                .select_related("evidence__school", "evidence__learner", "evidence__step")
                .order_by("created_at", "pk")
                .first()
            )
            if check is not None:
                try:
                    spot_check_decide(
                        check=check,
                        teacher=teacher,
                        outcome=self._teacher_outcome(check.evidence_id),
                        went_well=self.rng.choice(WENT_WELL),
                        even_better_if=self.rng.choice(EVEN_BETTER_IF),
                    )
                    self.count("spot_checks_decided")
                except AlreadyDecided:
                    pass
                self.push(now + step, "teach", teacher, 0, checks - 1)

    def _teacher_outcome(self, evidence_id: int) -> str:
        truth = self.truth.get(evidence_id, True)
        right = self.rng.random() < TEACHER_ACCURACY
        return "meets" if truth == right else "not_yet"

    # --- the scheduler and the checks --------------------------------------------------------

    def scheduler(self, now: datetime) -> None:
        from django.db.models import Q

        from pbyp.assessment.models import Review, ReviewState
        from pbyp.assessment.routing import CHECKING_MINUTES, route_overdue_work
        from pbyp.evidence.models import Evidence, Notification, Route, Status

        moved = route_overdue_work(now=now)
        self.count("scheduler_runs")
        self.count("leases_expired", moved["expired_leases"])
        if moved["expired_leases"]:
            expired = Review.objects.filter(state=ReviewState.EXPIRED, ended_at=now)
            self.check_routes(
                list(expired.values_list("evidence_id", flat=True)), "after a lease ran out"
            )
        overdue = Evidence.objects.filter(
            Q(peer_deadline__lte=now) | Q(peer_deadline__isnull=True),
            school=self.school,
            status=Status.AWAITING,
            route__in=[Route.PEER, Route.NETWORK],
        ).values_list("pk", "peer_deadline")
        for pk, deadline in overdue:
            why = "no peer deadline" if deadline is None else "past its deadline"
            self.mark_stuck(pk, why, f"deadline {deadline}, checked {now} after the scheduler")
        unrouted = Evidence.objects.filter(
            school=self.school,
            status=Status.AWAITING,
            route=Route.CHECKING,
            submitted_at__lte=now - timedelta(minutes=CHECKING_MINUTES),
        ).values_list("pk", "submitted_at")
        for pk, sent_at in unrouted:
            self.mark_stuck(pk, "never routed", f"sent {sent_at}, checked {now}")
        # Whoever the product told about waiting work comes at their next visit.
        told = Notification.objects.filter(
            school=self.school, link="/peer/", pk__gt=self.last_notification
        ).values_list("pk", "user_id")
        for pk, user_id in told:
            self.last_notification = max(self.last_notification, pk)
            learner = self.learners.get(user_id)
            if learner is None or user_id in self.pending_visit:
                continue
            moment = self.next_visit(learner, now)
            if moment is not None and moment < self.end:
                self.pending_visit.add(user_id)
                self.push(moment, "visit", learner)

    def check_routes(self, evidence_ids, when: str) -> None:
        """Items waiting for peers that no eligible peer can take, with room and nobody holding
        them, are without a route (see the module docstring)."""
        from django.db.models import F

        from pbyp.assessment.models import Review, ReviewState
        from pbyp.assessment.queue import eligible_assessors
        from pbyp.evidence.models import Evidence, Route, Status

        waiting = Evidence.objects.filter(
            school=self.school,
            status=Status.AWAITING,
            route__in=[Route.PEER, Route.NETWORK],
            reviews__lt=F("reviews_wanted"),
        )
        if evidence_ids is not None:
            waiting = waiting.filter(pk__in=evidence_ids)
        for evidence in waiting.only(
            "pk", "school", "learner", "ladder_identifier", "level", "phase", "route", "reviews"
        ):
            self.count("route_checks")
            if eligible_assessors(evidence, network=evidence.route == Route.NETWORK).exists():
                continue
            if Review.objects.filter(evidence=evidence.pk, state=ReviewState.LEASED).exists():
                continue
            self.mark_stuck(
                evidence.pk,
                "no eligible peer",
                f"route {evidence.route}, reviews {evidence.reviews}, {when}",
            )

    def mark_stuck(self, pk: int, why: str, detail: str) -> None:
        if pk in self.stuck:
            return
        self.stuck[pk] = why
        if len(self.stuck_examples) < 5:
            self.stuck_examples.append(f"evidence {pk}: {why} ({detail})")

    # --- the run -----------------------------------------------------------------------------

    def run(self) -> dict:
        import time_machine

        from pbyp.evidence.models import Notification

        with time_machine.travel(self.start - timedelta(days=7), tick=False) as traveller:
            self.seed()
            self.assessors_start = self.assessor_count()
            self.last_notification = (
                Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            )
            started = time.perf_counter()
            handlers = {
                "send": self.send,
                "visit": self.visit,
                "take": self.take,
                "decide": self.decide,
                "give_back": self.give_back,
                "teach": self.teach,
                "sweep": lambda now: self.check_routes(None, "in the daily check"),
            }
            tick, week = self.start, 0
            while tick < self.end:
                if tick >= self.start + timedelta(weeks=week):
                    self.plan_week(TERM_START + timedelta(weeks=week))
                    if week:
                        self.progress(week, started)
                    week += 1
                next_tick = tick + TICK
                while self.events and self.events[0][0] < next_tick:
                    moment, _, kind, payload = heapq.heappop(self.events)
                    traveller.move_to(moment)
                    handlers[kind](moment, *payload)
                traveller.move_to(next_tick)
                self.scheduler(next_tick)
                tick = self.tick = next_tick
            self.check_routes(None, "at the end")
            self.progress(week, started)
            self.sim_seconds = time.perf_counter() - started
            return self.figures()

    def progress(self, week: int, started: float) -> None:
        c = self.counts
        print(
            f"  week {week}/{self.weeks + 1}: sent={c.get('sent', 0)} "
            f"peer_decisions={c.get('peer_decisions', 0)} "
            f"teacher_decisions={c.get('teacher_decisions', 0)} stuck={len(self.stuck)} "
            f"seconds={time.perf_counter() - started:.0f}",
            file=sys.stderr,
            flush=True,
        )

    def assessor_count(self) -> int:
        from pbyp.ladders.models import Achievement, LevelSource

        return (
            Achievement.objects.filter(school=self.school, source=LevelSource.EVIDENCE)
            .values("learner")
            .distinct()
            .count()
        )

    # --- the figures -------------------------------------------------------------------------

    def figures(self) -> dict:
        from django.db.models import Count, Exists, OuterRef

        from pbyp.assessment.models import Review, ReviewState, SpotCheck
        from pbyp.evidence.models import Decision, Evidence, Route, RouteReason, Status
        from pbyp.integrity.models import Flag
        from pbyp.schools.calendar import Calendar

        # Decided: by peers or a teacher (work a teacher returned after a check was not assessed).
        decision = Decision.objects.filter(evidence=OuterRef("pk"))
        rows = list(
            Evidence.objects.filter(school=self.school)
            .annotate(assessed=Exists(decision))
            .values_list(
                "pk",
                "phase",
                "status",
                "route",
                "route_reason",
                "decided_by_peers",
                "submitted_at",
                "first_review_at",
                "assessed",
            )
        )
        calendar = Calendar.of(self.school)
        phases = ("primary", "secondary")
        c = self.counts
        lines = [
            f"seed: learners={self.n} teachers={len(self.teachers)} "
            f"prior_achievements={self.prior['evidence']} baselines={self.prior['baseline']} "
            f"assessors_at_start={self.assessors_start} seconds={self.seed_seconds:.1f}",
            f"term: {TERM_START}..{self.term_end} half_term={self.half_term[0]}.."
            f"{self.half_term[1]} scheduler_runs={c.get('scheduler_runs', 0)} "
            f"every_minutes={TICK.seconds // 60}",
            f"activity: sent={c.get('sent', 0)} (new versions {c.get('sent_again', 0)}, "
            f"nothing to send {c.get('nothing_to_send', 0)}) visits={c.get('visits', 0)} "
            f"takes={c.get('takes', 0)} nothing_waiting={c.get('take_nothing', 0)} "
            f"peer_decisions={c.get('peer_decisions', 0)} given_back={c.get('given_back', 0)} "
            f"left_to_expire={c.get('left_to_expire', 0)} "
            f"leases_expired={c.get('leases_expired', 0)} "
            f"teacher_decisions={c.get('teacher_decisions', 0)} "
            f"spot_checks_decided={c.get('spot_checks_decided', 0)}",
        ]

        decided = dict.fromkeys(phases, 0)
        by_peers = dict.fromkeys(phases, 0)
        sent = dict.fromkeys(phases, 0)
        reasons = {(p, r): 0 for p in phases for r in RouteReason.values if r}
        waits = {p: [] for p in phases}
        school_waits = {p: [] for p in phases}
        unreviewed = 0
        right = judged = 0
        for pk, phase, status, route, reason, peers, sent_at, first, assessed in rows:
            sent[phase] += 1
            if route == Route.TEACHER and reason:
                reasons[phase, reason] += 1
            if assessed and status != Status.AWAITING:
                decided[phase] += 1
                by_peers[phase] += peers
                if peers and pk in self.truth:
                    judged += 1
                    right += (status == Status.ACHIEVED) == self.truth[pk]
            if sent_at < self.last_week:
                if first is None:
                    unreviewed += status == Status.AWAITING
                else:
                    waits[phase].append((first - sent_at).total_seconds() / 3600)
                    school_waits[phase].append(calendar.school_days_between(sent_at, first) * 24)
        all_decided, all_peers = sum(decided.values()), sum(by_peers.values())
        peer_share = all_peers / all_decided if all_decided else 0.0
        lines.append(
            f"peer_share: all={share(all_peers, all_decided)} "
            f"primary={share(by_peers['primary'], decided['primary'])} "
            f"secondary={share(by_peers['secondary'], decided['secondary'])} "
            f"(decided={all_decided}: primary {decided['primary']}, "
            f"secondary {decided['secondary']})"
        )
        for label, values in (("first_review", waits), ("first_review_school", school_waits)):
            every = [v for p in phases for v in values[p]]
            text = (
                f"{label}: median_h={percentile(every, 50):.1f} p90_h={percentile(every, 90):.1f}"
            )
            for p in phases:
                text += (
                    f" {p}_median_h={percentile(values[p], 50):.1f}"
                    f" {p}_p90_h={percentile(values[p], 90):.1f}"
                )
            if label == "first_review":
                text += f" (work sent before the last week: {len(every)} reviewed"
                text += f", {unreviewed} still waiting at the end)"
            else:
                text += " (hours of school days only)"
            lines.append(text)
        all_sent = sum(sent.values())
        for p in (None, *phases):
            whole = all_sent if p is None else sent[p]
            parts = []
            for reason in (r for r in RouteReason.values if r):
                n = sum(reasons[q, reason] for q in phases if p in (None, q))
                parts.append(f"{reason}={share(n, whole)}")
            lines.append(
                f"to_teachers{'' if p is None else '_' + p}: {' '.join(parts)} (of {whole} sent)"
            )

        states = dict(
            Review.objects.filter(school=self.school)
            .values_list("state")
            .annotate(n=Count("pk"))
            .values_list("state", "n")
        )
        deadline = Evidence.objects.filter(
            school=self.school, route=Route.TEACHER, route_reason=RouteReason.DEADLINE
        )
        begun = deadline.filter(reviews_taken__isnull=False).distinct().count()
        decided_once = deadline.filter(reviews_taken__state=ReviewState.DONE).distinct().count()
        late = Evidence.objects.filter(
            school=self.school, route=Route.TEACHER, decided_by_peers=True
        ).count()
        checks = SpotCheck.objects.filter(school=self.school, decided_at__isnull=False)
        overturned = sum(1 for check in checks if check.outcome != check.peer_outcome)
        held = Flag.objects.filter(school=self.school, holds=True).values("evidence").distinct()
        held_copies = sum(1 for row in held if row["evidence"] in self.copies)
        lines += [
            f"integrity: held={held.count()} ({share(held.count(), all_sent)} of sent; copies "
            f"among them {held_copies} of {len(self.copies)} sent) released="
            f"{c.get('held_released', 0)} returned={c.get('held_returned', 0)}",
            f"reviews: done={states.get('done', 0)} given_back={states.get('returned', 0)} "
            f"expired={states.get('expired', 0)} still_leased={states.get('leased', 0)}",
            f"deadline_escalations: {deadline.count()} (a peer had taken {begun} of them, "
            f"a peer had decided {decided_once}); decided by peers after going to a teacher: "
            f"{late}",
            f"accuracy: peer-decided outcomes matching the true quality={share(right, judged)} "
            f"spot_checks={SpotCheck.objects.filter(school=self.school).count()} "
            f"decided={checks.count()} teacher_overturned={share(overturned, checks.count())}",
            f"assessors: start={self.assessors_start} end={self.assessor_count()} "
            f"(learners with a step achieved by evidence)",
        ]
        waiting = dict(
            Evidence.objects.filter(school=self.school, status=Status.AWAITING)
            .values_list("route")
            .annotate(n=Count("pk"))
            .values_list("route", "n")
        )
        oldest = (
            Evidence.objects.filter(school=self.school, status=Status.AWAITING, route=Route.TEACHER)
            .order_by("submitted_at")
            .values_list("submitted_at", flat=True)
            .first()
        )
        age = f"{(self.end - oldest).total_seconds() / 3600:.0f}" if oldest else "0"
        lines.append(
            f"at_end: waiting_peer={waiting.get('peer', 0)} "
            f"waiting_network={waiting.get('network', 0)} "
            f"waiting_teacher={waiting.get('teacher', 0)} oldest_teacher_item_h={age}"
        )
        kinds: dict[str, int] = {}
        for why in self.stuck.values():
            kinds[why] = kinds.get(why, 0) + 1
        lines.append(
            f"stuck: {len(self.stuck)} items without a route ("
            f"never routed={kinds.get('never routed', 0)}, "
            f"past its deadline={kinds.get('past its deadline', 0)}, "
            f"no peer deadline={kinds.get('no peer deadline', 0)}, "
            f"no eligible peer={kinds.get('no eligible peer', 0)}; "
            f"{c.get('route_checks', 0)} eligibility checks, after "
            f"{c.get('scheduler_runs', 0)} scheduler runs)"
        )
        lines += [f"stuck_example: {example}" for example in self.stuck_examples]
        if c.get("errors"):
            lines.append(f"errors: {c['errors']} (first: {self.first_error})")
        lines.append(f"term: simulate_seconds={self.sim_seconds:.0f}")
        return {"lines": lines, "peer_share": peer_share, "stuck": len(self.stuck)}


# --- the queue selection at size (PostgreSQL) ---------------------------------------------------

# The SQL of the fill. {names} are the models' table names; values are parameters.
STEPS_TABLE = """
CREATE TEMP TABLE bench_steps AS
SELECT s.id, s.identifier, s.level, l.identifier AS ladder_identifier,
       row_number() OVER (ORDER BY s.id) - 1 AS n
FROM {step} s JOIN {ladder} l ON l.id = s.ladder_id
WHERE l.version_id IN (
    SELECT v.id FROM {frameworkversion} v JOIN {framework} f ON f.id = v.framework_id
    WHERE f.school_id = %s AND v.status = 'published'
)
"""
FILLERS_TABLE = """
CREATE TEMP TABLE bench_fillers AS
SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM {user} WHERE username LIKE %s
"""
ASSESSORS_TABLE = """
CREATE TEMP TABLE bench_assessors AS
SELECT user_id AS id, row_number() OVER (ORDER BY user_id) - 1 AS n
FROM {membership} WHERE school_id = %s AND role = 'learner'
"""
LAST_ID = "SELECT coalesce(max(id), 0) FROM {evidence}"
ANALYZE = "VACUUM ANALYZE {evidence}, {review}"
CHECKPOINT = "CHECKPOINT"  # the fill's writes reach the disk before the timing, not during it
WAITING = "SELECT count(*) FROM {evidence} WHERE status = 'awaiting'"
FILL_EVIDENCE = """
INSERT INTO {evidence} (
    school_id, learner_id, step_id, ladder_identifier, step_identifier, level, version,
    reflection, context, text, status, share_in_gallery, hidden_from_gallery, submitted_at,
    route, route_reason, routed_at, peer_deadline, phase, reviews, reviews_wanted,
    decided_by_peers
)
SELECT CASE WHEN mod(n.g, 10) = 9 THEN %(other)s ELSE %(school)s END,
       u.id, s.id, s.ladder_identifier, s.identifier, s.level, 1,
       'Bench evidence', 'lesson', '', 'awaiting', false, false, n.sent,
       CASE WHEN mod(n.g, 10) = 9 THEN 'network' ELSE 'peer' END, '', n.sent,
       %(now)s + interval '2 days',
       CASE WHEN mod(n.g * 104729, 100) < 45 THEN 'primary' ELSE 'secondary' END,
       CASE WHEN n.r < 60 THEN 0 WHEN n.r < 90 THEN 1 ELSE 2 END,
       CASE WHEN n.r >= 90 AND n.r < 98 THEN 3 ELSE 2 END,
       false
FROM (
    SELECT g, mod(g * 15485863, 100) AS r,
           %(now)s - mod(g * 7919, 43200) * interval '1 minute' AS sent
    FROM generate_series(%(start)s::bigint, %(stop)s::bigint) AS g
) AS n
JOIN bench_steps s ON s.n = mod(n.g, %(steps)s)
JOIN bench_fillers u ON u.n = n.g / %(steps)s
"""
# One done review per review counted (peer decisions already made), by school learners.
FILL_REVIEWS = """
INSERT INTO {review} (
    school_id, assessor_school_id, evidence_id, assessor_id, state, taken_at, expires_at, ended_at
)
SELECT e.school_id, %(school)s, e.id, a.id, 'done', e.submitted_at + interval '1 hour',
       e.submitted_at + interval '25 hours', e.submitted_at + interval '70 minutes'
FROM {evidence} e
JOIN bench_assessors a ON a.n = mod(e.id * 7 + %(k)s, %(assessors)s)
WHERE e.id > %(after)s AND e.reviews > %(k)s
"""


def time_queue(learners: int, sizes: list[int], rng: random.Random) -> dict:
    """next_for's time with sizes[0], then sizes[1], … items waiting (see the module docstring):
    90% for peers at the assessors' school (the worst case: every probe walks its index), 10% in
    the network; spread over every step, both phases, 30 days of sending; 60% with no review
    yet, 30% with one, 8% split with two (wanting a third), 2% with every slot taken."""
    import time_machine
    from django.db import connection, transaction

    from pbyp.accounts.models import User
    from pbyp.assessment.models import Review
    from pbyp.assessment.queue import achieved_steps, next_for, phases_assessed_by
    from pbyp.evidence.models import Evidence
    from pbyp.ladders.models import Framework, FrameworkVersion, Ladder, Step
    from pbyp.schools.demo import seed_school
    from pbyp.schools.models import Membership, Role, School

    if connection.vendor != "postgresql":
        raise BenchError("the queue timing runs on PostgreSQL")
    now = local(TERM_START + timedelta(weeks=6), clock(12, 0))
    lines = []
    started = time.perf_counter()
    with time_machine.travel(now - timedelta(days=31), tick=False), transaction.atomic():
        school = seed_school(
            name="Bench Queue School",
            slug="queue",
            learners=learners,
            years=range(1, 12),
            teachers=4,
            parents=0,
            seed=rng.randrange(1 << 30),
        ).school
        School.objects.filter(pk=school.pk).update(in_network=True)
        school.in_network = True
        other = School.objects.create(name="Network School", slug="network", in_network=True)
        members = list(Membership.objects.filter(school=school, role=Role.LEARNER).order_by("pk"))
        for member in members:
            member.school = school
        seed_levels(school, members, rng)
        User.objects.bulk_create(
            [User(username=f"filler{i}", first_name="Filler") for i in range(QUEUE_FILLERS)],
            batch_size=5000,
        )
    tables = {
        model.__name__.lower(): model._meta.db_table
        for model in (Evidence, Review, Step, Ladder, FrameworkVersion, Framework, User, Membership)
    }
    with connection.cursor() as cursor:
        for statement, params in (
            (STEPS_TABLE, [school.pk]),
            (FILLERS_TABLE, ["filler%"]),
            (ASSESSORS_TABLE, [school.pk]),
        ):
            cursor.execute(statement.format(**tables), params)
        cursor.execute("SELECT count(*) FROM bench_steps")
        steps = cursor.fetchone()[0]
    if sizes[-1] > steps * QUEUE_FILLERS:
        raise BenchError(f"at most {steps * QUEUE_FILLERS} items (one per filler and step)")
    seconds = time.perf_counter() - started
    lines.append(
        f"queue: seeded learners={learners} steps={steps} seconds={seconds:.1f}"
        " (PostgreSQL, a database of its own)"
    )

    with_steps = [m for m in members if achieved_steps(m.user_id)]
    timed = rng.sample(with_steps, min(QUEUE_ASSESSORS, len(with_steps)))
    probes = [len(achieved_steps(m.user_id)) * len(phases_assessed_by(m)) for m in timed]
    have, results = 0, []
    for size in sizes:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(LAST_ID.format(**tables))
            after = cursor.fetchone()[0]
            cursor.execute(
                FILL_EVIDENCE.format(**tables),
                {
                    "school": school.pk,
                    "other": other.pk,
                    "now": now,
                    "start": have,
                    "stop": size - 1,
                    "steps": steps,
                },
            )
            for k in (0, 1):
                cursor.execute(
                    FILL_REVIEWS.format(**tables),
                    {"school": school.pk, "k": k, "assessors": len(members), "after": after},
                )
            for statement in (ANALYZE, CHECKPOINT, WAITING):
                cursor.execute(statement.format(**tables))
            waiting = cursor.fetchone()[0]
        fill = time.perf_counter() - started
        have = size
        for member in timed:  # warm-up: the first call per assessor is not timed
            next_for(member)
        times, found, bands = [], 0, {band: [] for band in PROBE_BANDS}
        for _ in range(QUEUE_ROUNDS):
            for member, n in zip(timed, probes, strict=True):
                begun = time.perf_counter()
                chosen = next_for(member)
                times.append((time.perf_counter() - begun) * 1000)
                found += chosen is not None
                bands[next(b for b in PROBE_BANDS if n <= b[1])].append(times[-1])
        results.append(statistics.median(times))
        lines.append(
            f"queue: items={waiting} median_ms={statistics.median(times):.2f} "
            f"p90_ms={percentile(times, 90):.2f} assessors={len(timed)} calls={len(times)} "
            f"found={found / len(times):.2f} probes_median={statistics.median(probes):.0f} "
            f"fill_seconds={fill:.1f}"
        )
        lines.append(
            f"queue: items={waiting} by achieved steps × phases (probes): "
            + " ".join(
                f"{low}-{high}:median_ms={statistics.median(values):.1f}(n={len(values)})"
                for (low, high), values in bands.items()
                if values
            )
        )
    if len(results) > 1 and results[0]:
        lines.append(
            f"queue: median_ratio={results[-1] / results[0]:.2f} "
            f"({sizes[-1]} items against {sizes[0]})"
        )
    return {"lines": lines}


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main())
