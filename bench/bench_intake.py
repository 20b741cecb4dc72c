"""Intake, dashboard and reminder-delivery benchmark (issue 3). Not part of the test suite.

    .venv/bin/python bench/bench_intake.py                      # SQLite file in a temp folder
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench .venv/bin/python bench/bench_intake.py

Loads 100,000 cases (10,000 open, with their deadlines) and 100,000 pending reminders with bulk inserts,
completes them as `init-db` does (the backfill: deadlines of the closed cases, phases and intake checklists),
starts the real web app (gunicorn, gthread: 1 worker × 16 threads on SQLite, 2 × 8 on PostgreSQL) and measures, from a pool of HTTP clients:
intake (POST /api/v1/cases) req/s and p95 at 16 concurrent clients, the operator dashboard p95, and
with a real clock process (`flask --app hotline clock`) the delay between a reminder's send time and
its outbox row (p99). Prints the figures. Targets: intake p95 < 50 ms, dashboard p95 < 100 ms,
reminder delay p99 < 5 s.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hotline.db import make_engine, upgrade_schema  # noqa: E402

UTC = dt.UTC
N_CASES, N_OPEN, N_REMINDERS = 100_000, 10_000, 100_000
CHUNK = 5_000
FAST_HASH = "pbkdf2:sha256:1000"
PASSWORD = "bench-password-1"


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def fresh_database() -> str:
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        return f"sqlite:///{tempfile.mkdtemp(prefix='bench-intake-')}/bench.sqlite"
    if url.startswith("postgresql"):  # a clean database of that name
        u = sa.make_url(url)
        admin = sa.create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{u.database}"'))
        admin.dispose()
    return url


def load(url: str) -> dict:
    """Bulk rows, not the API: organisations, policies, users, 100k cases, deadlines, 100k reminders."""
    from sqlmodel import Session

    from hotline.auth.service import create_user, issue_token
    from hotline.cases.models import Case, CaseReferenceCounter
    from hotline.deadlines.models import Deadline, Reminder
    from hotline.orgs.models import Organization, Policy

    upgrade_schema(url)
    engine = make_engine(url)
    now = dt.datetime.now(UTC)
    t0 = time.perf_counter()
    with Session(engine) as s:
        orgs = [Organization(name=f"ベンチ株式会社{i:03d}") for i in range(200)]
        s.add_all(orgs)
        s.flush()
        policies = [Policy(organization_id=o.id, product="tm-juas-2026", plan="B", policy_number=f"BENCH-{o.id:05d}",
                           period_start=now - dt.timedelta(days=200), period_end=now + dt.timedelta(days=165))
                    for o in orgs]
        s.add_all(policies)
        s.flush()
        operator = create_user(s, email="operator@bench.example", role="operator", password=PASSWORD,
                               hash_method=FAST_HASH)
        coordinator = create_user(s, email="coordinator@bench.example", role="coordinator", password=PASSWORD,
                                  hash_method=FAST_HASH, phone="+819000000000")
        token = issue_token(s, operator)
        s.add(CaseReferenceCounter(year=now.year, last=N_CASES))
        s.commit()
        policy_ids = [p.id for p in policies]
        coordinator_id = coordinator.id

    case_t, dl_t, rem_t = Case.__table__, Deadline.__table__, Reminder.__table__
    with engine.begin() as conn:
        for start in range(0, N_CASES, CHUNK):
            rows = []
            for i in range(start, min(start + CHUNK, N_CASES)):
                is_open = i < N_OPEN
                disc = now - dt.timedelta(days=(i % 25) + (0 if is_open else 30), hours=i % 24)
                rows.append({"reference": f"CY-{now.year}-{i + 1:06d}", "policy_id": policy_ids[i % len(policy_ids)],
                             "status": "open" if is_open else "closed", "phase": "investigation",
                             "caller_name": "ベンチ", "first_discovered_at": disc, "discovery_basis": "caller_statement",
                             "reported_at": disc + dt.timedelta(hours=2), "discovery_source": "internal",
                             "summary": "bench", "personal_records_affected": 50, "card_data": False,
                             "sensitive_data": True, "malicious": bool(i % 2), "eu_data_subjects": False,
                             "attack_confirmed": "unknown", "pmark_holder": False, "coordinator_id": coordinator_id,
                             "contact_phone": "+819011112222", "created_at": disc + dt.timedelta(hours=2),
                             "closed_at": None if is_open else now,
                             # the APPI final report is the nearest unmet deadline of each open case
                             "next_due_at": (disc + dt.timedelta(days=30 if i % 2 == 0 else 60)) if is_open else None})
            conn.execute(case_t.insert(), rows)
        open_ids = [r[0] for r in conn.execute(sa.select(case_t.c.id, case_t.c.next_due_at)
                                                .where(case_t.c.status == "open").order_by(case_t.c.id))]
        due = dict(conn.execute(sa.select(case_t.c.id, case_t.c.next_due_at).where(case_t.c.status == "open")).all())
        deadline_rows = []
        for cid in open_ids:
            for kind in ("insurer_emergency_notice", "appi_preliminary", "appi_final", "gdpr_authority",
                         "card_brand_report", "pmark_report"):
                applies = kind == "appi_final"
                deadline_rows.append({"case_id": cid, "kind": kind, "status": "open" if applies else "not_applicable",
                                      "due_at": due[cid] if applies else None, "last_day": None, "starts_at": None,
                                      "met_at": None, "updated_at": now})
        for start in range(0, len(deadline_rows), CHUNK):
            conn.execute(dl_t.insert(), deadline_rows[start:start + CHUNK])
        finals = conn.execute(sa.select(dl_t.c.id, dl_t.c.case_id, dl_t.c.due_at)
                              .where(dl_t.c.kind == "appi_final")).all()
        rows = []
        per_case = N_REMINDERS // len(finals)
        for did, cid, due_at in finals:
            due_at = due_at.replace(tzinfo=UTC) if due_at.tzinfo is None else due_at
            for k in range(per_case):  # future send times, distinct recipients keep the slots unique
                rows.append({"deadline_id": did, "case_id": cid, "offset_label": "1d", "for_due_at": due_at,
                             "send_at": max(due_at - dt.timedelta(days=1), now + dt.timedelta(hours=1)),
                             "channel": "sms", "recipient": f"+8190{k:08d}", "recipient_role": "contact",
                             "status": "pending", "created_at": now})
        for start in range(0, len(rows), CHUNK):
            conn.execute(rem_t.insert(), rows[start:start + CHUNK])
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
    print(f"loaded {N_CASES:,} cases ({N_OPEN:,} open), {len(deadline_rows):,} deadlines, {len(rows):,} pending "
          f"reminders in {time.perf_counter() - t0:.1f} s")
    backfill_cases(engine)
    engine.dispose()
    return {"token": token, "policy_ids": policy_ids, "coordinator_id": coordinator_id}


def backfill_cases(engine) -> None:
    """What `init-db` does to rows loaded in bulk: every case gets what intake gives it. The bulk cases are in
    their investigation phase, so their intake checklists are marked done (else the clock would spend the
    reminder measurement reminding 30,000 overdue tasks that a real database would not have)."""
    from sqlmodel import Session

    from hotline.cases.service import backfill
    from hotline.phases.models import CaseTask

    t0 = time.perf_counter()
    with Session(engine, expire_on_commit=False) as s:
        completed = backfill(s)
    took = time.perf_counter() - t0
    with engine.begin() as conn:
        conn.execute(sa.update(CaseTask.__table__).values(status="done", done_at=dt.datetime.now(UTC)))
    print(f"backfill (init-db): {completed:,} cases completed in {took:.1f} s ({took / completed * 1000:.2f} ms a case)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def env_for(url: str) -> dict:
    return {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "SESSION_COOKIE_SECURE": "0",
            "PASSWORD_HASH_METHOD": FAST_HASH, "PYTHONPATH": str(ROOT), "CLOCK_TICK_SECONDS": "1"}


def wait_up(base: str) -> None:
    for _ in range(120):
        try:
            requests.get(f"{base}/login", timeout=5)
            return
        except requests.RequestException:
            time.sleep(0.25)
    raise SystemExit("the web app did not start")


def bench_intake(base: str, token: str, policy_ids: list[int], n: int = 1600, clients: int = 16):
    sessions = [requests.Session() for _ in range(clients)]
    for s in sessions:
        s.headers["Authorization"] = f"Bearer {token}"

    def one(i):
        s = sessions[i % clients]
        disc = dt.datetime.now(UTC) - dt.timedelta(hours=1 + i % 48)
        body = {"policy_id": policy_ids[i % len(policy_ids)], "first_discovered_at": disc.isoformat(),
                "summary": f"ベンチ受付 {i}", "caller_name": "ベンチ太郎", "contact_phone": "+819012345678",
                "personal_records_affected": 120, "malicious": True, "eu_data_subjects": bool(i % 3 == 0)}
        t = time.perf_counter()
        r = s.post(f"{base}/api/v1/cases", json=body, timeout=30)
        took = time.perf_counter() - t
        assert r.status_code == 201, r.text[:300]
        return took

    for i in range(clients * 2):  # warm up the workers' connections and caches
        one(i)
    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        lat = list(pool.map(one, range(n)))
    wall = time.perf_counter() - t0
    return n / wall, pct(lat, 95) * 1000, statistics.median(lat) * 1000


def bench_dashboard(base: str, n: int = 300, clients: int = 1):
    def login():
        s = requests.Session()
        page = s.get(f"{base}/login").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        r = s.post(f"{base}/login", data={"email": "operator@bench.example", "password": PASSWORD, "csrf_token": csrf},
                   allow_redirects=False)
        assert r.status_code == 302, r.status_code
        return s

    sessions = [login() for _ in range(clients)]

    def one(i):
        t = time.perf_counter()
        r = sessions[i % clients].get(f"{base}/dashboard", timeout=30)
        took = time.perf_counter() - t
        assert r.status_code == 200 and "CY-" in r.text
        return took

    for i in range(10):
        one(i)
    with ThreadPoolExecutor(clients) as pool:
        lat = list(pool.map(one, range(n)))
    return pct(lat, 95) * 1000, statistics.median(lat) * 1000


def bench_reminders(url: str, n: int = 300, spread_s: float = 20.0):
    """Reminders of open deadlines falling due over the next `spread_s` seconds, a real clock process sending."""
    engine = make_engine(url)
    from hotline.deadlines.models import Deadline, Reminder

    dl_t, rem_t = Deadline.__table__, Reminder.__table__
    now = dt.datetime.now(UTC)
    start = now + dt.timedelta(seconds=3)
    with engine.begin() as conn:
        finals = conn.execute(sa.select(dl_t.c.id, dl_t.c.case_id, dl_t.c.due_at)
                              .where(dl_t.c.kind == "appi_final", dl_t.c.status == "open").limit(n)).all()
        rows = [{"deadline_id": did, "case_id": cid, "offset_label": "4h",
                 "for_due_at": due.replace(tzinfo=UTC) if due.tzinfo is None else due,
                 "send_at": start + dt.timedelta(seconds=spread_s * k / n), "channel": "sms",
                 "recipient": "+819099990000", "recipient_role": "coordinator", "status": "pending",
                 "created_at": now} for k, (did, cid, due) in enumerate(finals)]
        conn.execute(rem_t.insert(), rows)
    clock = subprocess.Popen([str(ROOT / ".venv/bin/flask"), "--app", "hotline", "clock"], env=env_for(url),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    try:
        deadline = time.monotonic() + spread_s + 60
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                left = conn.execute(sa.select(sa.func.count()).select_from(rem_t)
                                    .where(rem_t.c.recipient == "+819099990000",
                                           rem_t.c.status == "pending")).scalar_one()
            if left == 0:
                break
            time.sleep(0.5)
    finally:
        clock.terminate()
        clock.wait(20)
    with engine.connect() as conn:
        got = conn.execute(sa.text(
            "select r.send_at, o.created_at, r.status from reminder r left join outbox_message o "
            "on o.source = 'reminder:' || r.id where r.recipient = '+819099990000'")).all()
    engine.dispose()

    def aware(v):
        if isinstance(v, str):
            v = dt.datetime.fromisoformat(v)
        return v.replace(tzinfo=UTC) if v.tzinfo is None else v

    delays = [(aware(o) - aware(s)).total_seconds() for s, o, st in got if o is not None]
    return len(delays), len(got), pct(delays, 99), statistics.median(delays), max(delays)


def main():
    url = fresh_database()
    print(f"database: {sa.make_url(url).render_as_string(hide_password=True)}")
    ctx = load(url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # SQLite has one writer: one worker process whose threads queue on an in-process lock beats two processes
    # polling SQLite's busy handler. PostgreSQL: one worker per core.
    workers = os.environ.get("BENCH_WORKERS") or ("1" if url.startswith("sqlite") else "2")
    threads = str(16 // int(workers))
    print(f"server: gunicorn, {workers} worker(s) × {threads} threads")
    web = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "--workers", workers, "--threads", threads, "-k", "gthread",
                            "--bind", f"127.0.0.1:{port}", "--keep-alive", "30", "--log-level", "warning", "hotline:create_app()"],
                           env=env_for(url), cwd=ROOT)
    try:
        wait_up(base)
        _rps, p95, p50 = bench_intake(base, ctx["token"], ctx["policy_ids"], n=300, clients=1)
        print(f"intake, 1 client: p95 {p95:.1f} ms, median {p50:.1f} ms")
        rps, p95, p50 = bench_intake(base, ctx["token"], ctx["policy_ids"])
        print(f"intake: {rps:.0f} req/s at 16 concurrent clients, p95 {p95:.1f} ms, median {p50:.1f} ms "
              f"(target p95 < 50 ms)")
        d95, d50 = bench_dashboard(base)
        print(f"dashboard (operator, 1 client): p95 {d95:.1f} ms, median {d50:.1f} ms (target p95 < 100 ms)")
        d95, d50 = bench_dashboard(base, n=320, clients=16)
        print(f"dashboard (operator, 16 clients): p95 {d95:.1f} ms, median {d50:.1f} ms")
    finally:
        web.terminate()
        web.wait(20)
    sent, total, p99, med, worst = bench_reminders(url)
    print(f"reminders: {sent}/{total} sent by a real clock (tick 1 s) among {N_REMINDERS:,} pending; due→send delay "
          f"p99 {p99:.2f} s, median {med:.2f} s, max {worst:.2f} s (target p99 < 5 s)")


if __name__ == "__main__":
    main()
