"""Signed-in home pages against a trivial view, on the real server, with a big school.

    .venv/bin/python bench/pages.py [--learners 2000] [--database sqlite|postgres]
                                    [--requests 300] [--concurrency 4] [--workers 2] [--port P]

Seeds a school of --learners learners into a throwaway database (a SQLite file in a temporary
PBYP_VAR_DIR, or a `pbyp_bench_<random>` PostgreSQL database on 127.0.0.1:5432 as `postgres`),
starts `pbyp serve` (gunicorn + worker + scheduler), signs each role in through the real /login/
form, and measures requests/s and p50/p95 latency for every page in PAGES and for /ping/ (the same
middleware stack doing no work), in the same run. Everything is removed at the end, also on
failure or Ctrl-C.

The client is this process (standard library only: http.client in threads), so it shares the
machine with the server; the baseline pays the same client cost, which is why the ratio to it is
the figure to compare between runs. Last line: `pages: worst_ratio=R`, the slowest page's
requests/s divided by the baseline's.
"""

import argparse
import contextlib
import http.client
import importlib.metadata
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from pbyp.ladders.defaults import stable_id

# The pages measured: (name, role, path). The role is a username from the seeded named cast
# (`seed_school(named_cast=True)` plus an operator), each signed in once. Add pages here.
PRESENTING = stable_id("pbyp-life-skills", "EP1")  # the same ladder identifier in every school

PAGES = [
    ("learner_home", "learner", "/me/"),
    ("my_ladders", "learner", "/ladders/"),
    ("next_steps", "learner", "/ladders/next/"),
    ("ladder_page", "learner", f"/ladders/{PRESENTING}/"),
    ("progress_grid", "tutor", "/progress/"),
    ("teacher_queue", "tutor", "/assess/"),
    ("portfolio", "learner", "/portfolio/"),
    ("tutor_home", "tutor", "/tutor/"),
    ("school_overview", "manager", "/school/"),
    ("learner_list", "manager", "/school/learners/"),
    ("parent_home", "parent", "/parent/"),
    ("operator_home", "operator", "/operator/"),
]
BASELINE = ("baseline", None, "/ping/")

HOST = "127.0.0.1"
POSTGRES = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
WARMUP_REQUESTS = 20
START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 20  # `pbyp serve` gives its children 10 s to stop
PBYP = [sys.executable, "-m", "pbyp.cli"]  # the same as .venv/bin/pbyp

SEED_CODE = """
from django.contrib.auth.hashers import make_password
from django.db import transaction
from pbyp.accounts.models import User
from pbyp.evidence.services import evidence_decide, evidence_submit
from pbyp.ladders.models import Ladder, Step
from pbyp.ladders.services import baseline_set
from pbyp.schools.demo import DEMO_PASSWORD, seed_school
from pbyp.schools.models import Membership

n = {learners}
with transaction.atomic():
    seeded = seed_school(name="Bench Academy", slug="bench", learners=n, named_cast=True,
                         teachers=max(4, n // 25), parents=n // 5)
    # Levels to show: Years 8 and up start at level (year - 6) on every ladder.
    ladders = list(Ladder.objects.filter(school=seeded.school))
    for year in range(8, 12):
        members = list(Membership.objects.learners().filter(school=seeded.school, year=year))
        baseline_set(school=seeded.school, learners=members, ladders=ladders, level=year - 6,
                     by=None)
    # Evidence: a fifth of the learners sent work for step 1 of "Presenting"; half of it met the
    # step and was shared (the ladder page's gallery), the rest waits in the teachers' queue.
    tutor = User.objects.get(username="tutor")
    first = Step.objects.get(school=seeded.school, ladder__code="EP1", level=1)
    young = Membership.objects.learners().filter(school=seeded.school, year__lte=7)
    for i, member in enumerate(young.select_related("school")[: n // 5]):
        work = evidence_submit(learner=member, step=first, context="lesson", share_in_gallery=True,
                               reflection=f"I did a show-and-tell about my hobby ({{i}}).")
        if i % 2:
            evidence_decide(evidence=work, assessor=tutor, outcome="meets",
                            went_well="Clear and confident.", even_better_if="Ask a question.")
    learner = Membership.objects.get(school=seeded.school, user__username="learner")
    for code in ("IE1", "CT1", "TW1"):
        step = Step.objects.get(school=seeded.school, ladder__code=code, level=3)
        evidence_submit(learner=learner, step=step, context="home", reflection="My evidence.")
    User.objects.create(username="operator", first_name="Pat", last_name="Operator",
                        email="operator@pbyp.example", is_operator=True,
                        password=make_password(DEMO_PASSWORD))
print(DEMO_PASSWORD)  # the bench reads it here: importing pbyp.schools.demo needs Django set up
"""


class BenchError(Exception):
    """A step failed; the message says which and why."""


@dataclass
class Result:
    name: str
    path: str
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    first_error: str = ""

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: int) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] * 1000 if self.latencies else 0.0
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1] * 1000


# --- the throwaway environment ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def postgres_admin():
    import psycopg  # a dependency of PbyP already; imported here so SQLite runs never need it

    return psycopg.connect(dbname="postgres", autocommit=True, **POSTGRES)


def postgres_create(name: str) -> None:
    from psycopg import sql

    with postgres_admin() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def postgres_drop(name: str) -> None:
    from psycopg import sql

    with postgres_admin() as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def postgres_url(name: str) -> str:
    p = POSTGRES
    return f"postgres://{p['user']}@{p['host']}:{p['port']}/{name}"


def clean_up(bench: str, var_dir: Path, databases: list[str]) -> None:
    """Remove a run's temporary folder and databases, whatever happened (every bench's finally)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not skip the clean-up
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    shutil.rmtree(var_dir, ignore_errors=True)
    for name in databases:
        try:
            postgres_drop(name)
        except Exception as error:  # noqa: BLE001 - say so, and leave the exit code as it is
            print(f"{bench}: could not drop database {name}: {error}", file=sys.stderr)


def bench_env(var_dir: Path, database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    # Nothing inherited may point the run at real data or change how the server behaves.
    for name in ("SECRET_KEY", "MEDIA_ROOT", "EMAIL_BACKEND", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    env.update(
        PBYP_VAR_DIR=str(var_dir),
        DATABASE_URL=database_url,
        ALLOWED_HOSTS=f"{HOST},localhost",
        LOG_LEVEL="WARNING",
        PBYP_ENV="local",
        DEBUG="false",
    )
    return env


def run_pbyp(args: list[str], env: dict[str, str], what: str) -> tuple[float, str]:
    """Runs a `pbyp` command; returns its time and its last line of output."""
    started = time.perf_counter()
    done = subprocess.run([*PBYP, *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise BenchError(f"{what} failed (exit {done.returncode}):\n{done.stdout}{done.stderr}")
    last = done.stdout.strip().splitlines()[-1:] or [""]
    return time.perf_counter() - started, last[0]


def log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


def start_server(env, port, workers, log_path) -> subprocess.Popen:
    with open(log_path, "wb") as log:
        # Its own session: a Ctrl-C at the terminal reaches only this script, which then stops the
        # server itself (so it never dies half-way while we still talk to it).
        server = subprocess.Popen(
            [*PBYP, "serve", "--host", HOST, "--port", str(port), "--workers", str(workers)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchError(
                f"the server stopped (exit {server.returncode}):\n{log_tail(log_path)}"
            )
        with contextlib.suppress(OSError, http.client.HTTPException):
            if get(port, "/ping/", {})[0] == 200:
                return server
        time.sleep(0.25)
    raise BenchError(
        f"/ping/ did not answer 200 within {START_TIMEOUT_SECONDS} s:\n{log_tail(log_path)}"
    )


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=STOP_TIMEOUT_SECONDS)
    # Anything of ours still running in the server's process group (gunicorn, worker, scheduler).
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(server.pid, signal.SIGKILL)
    server.wait()


# --- HTTP --------------------------------------------------------------------------------------


def get(port: int, path: str, headers: dict[str, str]) -> tuple[int, http.client.HTTPResponse, str]:
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def take_cookies(response: http.client.HTTPResponse, jar: dict[str, str]) -> None:
    for header in response.msg.get_all("Set-Cookie") or []:
        cookie = SimpleCookie()
        cookie.load(header)
        for name, morsel in cookie.items():
            jar[name] = morsel.value


def cookie_header(jar: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in jar.items())


def sign_in(port: int, username: str, password: str) -> dict[str, str]:
    """The real login form: its CSRF cookie and token, then the POST. Returns request headers."""
    jar: dict[str, str] = {}
    status, response, body = get(port, "/login/", {})
    if status != 200:
        raise BenchError(f"GET /login/ answered {status}")
    take_cookies(response, jar)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if not token or "csrftoken" not in jar:
        raise BenchError("the login page has no CSRF token")
    form = urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)}
    )
    origin = f"http://{HOST}:{port}"
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request(
            "POST",
            "/login/",
            body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": cookie_header(jar),
                "Referer": f"{origin}/login/",
                "Origin": origin,
            },
        )
        response = conn.getresponse()
        response.read()
    finally:
        conn.close()
    take_cookies(response, jar)
    if response.status != 302 or "sessionid" not in jar:
        raise BenchError(
            f"signing in as {username!r} failed (POST /login/ answered {response.status})"
        )
    return {"Cookie": cookie_header(jar)}


def measure(port, name, path, headers, requests, concurrency) -> Result:
    result = Result(name=name, path=path)
    lock = threading.Lock()

    def client(count: int, record: bool) -> None:
        # One connection per thread, reused where the server keeps it open (gunicorn's sync
        # workers close it after each response; http.client then reconnects by itself).
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        latencies, errors, first_error = [], 0, ""
        for _ in range(count):
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                conn.close()
                status = repr(error)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                errors += 1
                first_error = first_error or f"answered {status}"
        conn.close()
        if record:
            with lock:
                result.latencies.extend(latencies)
                result.errors += errors
                result.first_error = result.first_error or first_error

    client(WARMUP_REQUESTS, record=False)
    shares = [requests // concurrency + (i < requests % concurrency) for i in range(concurrency)]
    threads = [threading.Thread(target=client, args=(n, True), daemon=True) for n in shares if n]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    result.requests = len(result.latencies)
    return result


# --- the run -----------------------------------------------------------------------------------


def line(result: Result, baseline_rps: float) -> str:
    ratio = result.rps / baseline_rps if baseline_rps else 0.0
    text = (
        f"page={result.name:<16} path={result.path:<18} rps={result.rps:8.1f} "
        f"p50_ms={result.percentile(50):7.1f} p95_ms={result.percentile(95):7.1f} "
        f"ratio={ratio:5.2f}"
    )
    if result.errors:
        text += f" errors={result.errors} ({result.first_error})"
    return text


def run(args, var_dir: Path, database_url: str) -> int:
    env = bench_env(var_dir, database_url)
    run_pbyp(["migrate", "--no-input"], env, "migrate")
    code = SEED_CODE.format(learners=args.learners)
    seconds, password = run_pbyp(["shell", "-c", code], env, "seeding")
    print(f"seed: learners={args.learners} seconds={seconds:.1f}", flush=True)

    port = args.port or free_port()
    server = start_server(env, port, args.workers, var_dir / "server.log")
    try:
        headers = {
            role: sign_in(port, role, password)
            for role in dict.fromkeys(role for _, role, _ in PAGES)
        }
        name, _, path = BASELINE
        baseline = measure(port, name, path, {}, args.requests, args.concurrency)
        results = [
            measure(port, name, path, headers[role], args.requests, args.concurrency)
            for name, role, path in PAGES
        ]
    finally:
        stop_server(server)

    print(line(baseline, baseline.rps))
    for result in results:
        print(line(result, baseline.rps))
    failed = [r for r in [baseline, *results] if r.errors]
    for r in failed:
        print(
            f"FAILED: {r.path} {r.errors} of {r.requests} requests {r.first_error}", file=sys.stderr
        )
    worst = min(r.rps for r in results) / baseline.rps if baseline.rps else 0.0
    print(f"pages: worst_ratio={worst:.2f}", flush=True)
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=2000)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--requests", type=int, default=300, help="timed requests per page")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    args = parser.parse_args()
    if args.learners < 5 or args.requests < 1 or args.concurrency < 1 or args.workers < 1:
        parser.error(
            "--learners must be at least 5; --requests, --concurrency, --workers at least 1"
        )

    def terminate(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)  # clean up on `kill` as on Ctrl-C

    print(
        f"pages: learners={args.learners} database={args.database} workers={args.workers} "
        f"concurrency={args.concurrency} requests={args.requests} "
        f"python={platform.python_version()} django={importlib.metadata.version('django')}",
        flush=True,
    )
    var_dir = Path(tempfile.mkdtemp(prefix="pbyp_bench_"))
    database = None
    try:
        if args.database == "postgres":
            database = f"pbyp_bench_{secrets.token_hex(4)}"
            postgres_create(database)
            database_url = postgres_url(database)
        else:
            database_url = f"sqlite:///{var_dir / 'pbyp.sqlite3'}"
        return run(args, var_dir, database_url)
    except BenchError as error:
        print(f"pages: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("pages: interrupted", file=sys.stderr)
        return 130
    finally:
        clean_up("pages", var_dir, [database] if database else [])


if __name__ == "__main__":
    sys.exit(main())
