"""What every figure shares: sizes, the bench databases, the processes under test and the HTTP client.

Sizes scale with BENCH_SCALE (1 = the sizes of issue 13: 1,000,000 cases). Everything runs on 127.0.0.1 and is
bounded in time: a round stops starting requests after BENCH_ROUND_SECONDS, a process that does not come up
or drain in time fails the run.
"""
from __future__ import annotations

import datetime as dt
import math
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
OUT = Path(os.environ.get("BENCH_OUT", ROOT / "bench" / "out")).resolve()
UTC = dt.UTC

SCALE = float(os.environ.get("BENCH_SCALE", "1"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))  # interleaved rounds: product, floor, product, floor, ...
CLOCK_ROUNDS = int(os.environ.get("BENCH_CLOCK_ROUNDS", "1"))  # bursts of due reminders, product then floor
ROUND_SECONDS = float(os.environ.get("BENCH_ROUND_SECONDS", "8"))  # a round starts no request after this
# The full-size data set lives in the database `bench`; other scales in their own, so a quick run never drops it.
PG_URL = os.environ.get("BENCH_PG_URL") or ("postgresql+psycopg://postgres@127.0.0.1:5432/bench" + (
    "" if SCALE == 1 else f"_s{SCALE:g}".replace(".", "_")))
FAST_HASH = "pbkdf2:sha256:1000"  # logins are not what is measured
PASSWORD = "bench-password-1"
HTTP_TIMEOUT = 120


def scaled(n: int, minimum: int = 1) -> int:
    return max(minimum, int(round(n * SCALE)))


def database_url(backend: str) -> str:
    if backend == "postgresql":
        return PG_URL
    return f"sqlite:///{OUT / f'bench-{SCALE:g}.sqlite'}"


def recreate(url: str) -> None:
    """An empty database of that name: PostgreSQL drops and creates it (never `test`), SQLite removes the file."""
    u = sa.make_url(url)
    if u.get_backend_name() == "postgresql":
        if u.database in ("test", "postgres", "template0", "template1"):
            raise SystemExit(f"refusing to drop the database {u.database!r}: the bench needs its own")
        admin = sa.create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{u.database}"'))
        admin.dispose()
    else:
        path = Path(u.database)
        path.parent.mkdir(parents=True, exist_ok=True)
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            p.unlink(missing_ok=True)


def backend_of(url: str) -> str:
    return sa.make_url(url).get_backend_name()


# --- statistics ----------------------------------------------------------------------------------------

def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile; nan for no values."""
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values), max(1, math.ceil(p / 100 * len(values)))) - 1]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def uptime() -> str:
    """`uptime`'s line (the machine's load), or /proc/loadavg where procps is missing."""
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except FileNotFoundError:
        return f"{time.strftime('%H:%M:%S')} load average: {', '.join(Path('/proc/loadavg').read_text().split()[:3])}"


# --- processes -----------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def env_for(url: str, **extra) -> dict:
    return {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-secret-key", "SESSION_COOKIE_SECURE": "0",
            "PASSWORD_HASH_METHOD": FAST_HASH, "PYTHONPATH": str(ROOT), "CLOCK_TICK_SECONDS": "1",
            "PUBLIC_BASE_URL": "http://127.0.0.1", **extra}


def gunicorn_settings(backend: str) -> tuple[int, int]:
    """(workers, threads). SQLite has one writer: one process whose threads queue on an in-process lock does
    better than two processes polling SQLite's busy handler. PostgreSQL: one worker per core. 16 threads in all."""
    workers = int(os.environ.get("BENCH_WORKERS") or (1 if backend == "sqlite" else 2))
    return workers, max(1, 16 // workers)


@dataclass
class Server:
    """A gunicorn serving `app` (the product, or the floor) on 127.0.0.1, with the bench's settings."""
    app: str
    url: str
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        workers, threads = gunicorn_settings(backend_of(self.url))
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", str(workers), "--threads", str(threads), "-k", "gthread",
             "--bind", f"127.0.0.1:{self.port}", "--keep-alive", "30", "--timeout", "300", "--log-level", "warning",
             self.app], env=env_for(self.url), cwd=ROOT)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn {self.app} exited with {self.proc.returncode}")
            try:
                requests.get(f"{self.base}/login", timeout=5)
                return self
            except requests.RequestException:
                time.sleep(0.25)
        self.stop()
        raise SystemExit(f"gunicorn {self.app} did not answer within 90 s")

    def stop(self) -> None:
        stop(self.proc)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def start_clock(command: list[str], url: str, label: str) -> subprocess.Popen:
    """A clock process (the product's or the floor's), its log in bench/out/ (a pipe nobody reads would fill up and
    block it)."""
    OUT.mkdir(parents=True, exist_ok=True)
    log = open(OUT / f"clock-{label}.log", "w")  # noqa: SIM115 - the child keeps it open; closed by the OS at exit
    return subprocess.Popen(command, env=env_for(url), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)


def log_tail(label: str, chars: int = 2000) -> str:
    path = OUT / f"clock-{label}.log"
    return path.read_text(errors="replace")[-chars:] if path.exists() else ""


def stop(proc: subprocess.Popen | None, timeout: float = 30) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def rss_kib() -> int:
    """This process's resident memory (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


# --- HTTP clients --------------------------------------------------------------------------------------

class Failure(Exception):
    pass


def token_session(token: str) -> requests.Session:
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {token}"
    return s


def login_session(base: str, email: str) -> requests.Session:
    """A browser-like session of the product: the login form with its CSRF token."""
    s = requests.Session()
    page = s.get(f"{base}/login", timeout=HTTP_TIMEOUT).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = s.post(f"{base}/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf},
               allow_redirects=False, timeout=HTTP_TIMEOUT)
    if r.status_code != 302:
        raise Failure(f"login as {email}: {r.status_code}")
    return s


@dataclass
class Round:
    latencies: list[float]
    wall: float
    errors: list[str] = field(default_factory=list)  # answers that were wrong (a 500 under load is a figure too)

    @property
    def throughput(self) -> float:
        """Correct answers a second."""
        return (len(self.latencies) - len(self.errors)) / self.wall if self.wall else float("nan")


def closed_loop(request, sessions: list, *, count: int, seconds: float = ROUND_SECONDS) -> Round:
    """`len(sessions)` clients, each sending its next request when the previous one is answered, until `count`
    requests were sent or `seconds` passed (each client sends at least one). `request(session, i)` sends
    request number i and raises Failure when the answer is wrong: that is counted as an error, with its latency.
    Returns the latencies (s), the wall time and the errors; any other exception stops the round and is raised."""
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    crashed: list[BaseException] = []
    counter = iter(range(count))
    start = time.perf_counter()
    stop_at = start + seconds

    def client(session):
        first = True
        while True:
            with lock:
                i = next(counter, None)
            if i is None or (not first and time.perf_counter() > stop_at) or crashed:
                return
            first = False
            t = time.perf_counter()
            try:
                request(session, i)
                error = None
            except (Failure, requests.RequestException) as exc:
                error = str(exc)[:300]
            except BaseException as exc:  # noqa: BLE001 - a bug of the harness: re-raised in the caller's thread
                crashed.append(exc)
                return
            took = time.perf_counter() - t
            with lock:
                latencies.append(took)
                if error:
                    errors.append(error)

    threads = [threading.Thread(target=client, args=(s,), daemon=True) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 2 * HTTP_TIMEOUT)
    wall = time.perf_counter() - start
    if crashed:
        raise crashed[0]
    return Round(latencies, wall, errors)


def errors_note(rounds: list[Round]) -> str:
    errors = [e for r in rounds for e in r.errors]
    if not errors:
        return ""
    return f"; **{len(errors)} errors** of {sum(len(r.latencies) for r in rounds)} requests, e.g. {errors[0][:160]}"


def check(response: requests.Response, status: int, what: str) -> requests.Response:
    if response.status_code != status:
        raise Failure(f"{what}: expected {status}, got {response.status_code}: {response.text[:300]}")
    return response
