"""The load test: the app under gunicorn on PostgreSQL with its clock process, driven from this process over
127.0.0.1 by 50 operators and coordinators for 5 minutes; then every message is checked against the reminder rows
and the deadlines.

    .venv/bin/python -m bench.load                         # 5 minutes, 50 users, the bench data set (BENCH_SCALE)
    .venv/bin/python -m bench.load --seconds 60 --users 20 --reuse

Operators open cases (some of them discovered 68 hours ago, so their GDPR "4 h before" reminder falls due during
the run), search, read cases and their dashboard; coordinators change facts (the deadlines are recomputed and the
reminders rescheduled), record costs, read coverage, lists, searches and their dashboard. Each user waits
`--think` seconds on average between two requests. Prints throughput and p50/p95/p99 per endpoint, errors, and
the reminders sent versus due; exits 1, loudly, on any error, any lost or duplicated message.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import subprocess
import sys
import threading
import time
from collections import defaultdict

import requests
import sqlalchemy as sa

from bench import common, dataset
from bench.common import BIN, HTTP_TIMEOUT, PG_URL, Failure, Server, login_session, median, pct

UTC = dt.UTC
IDLE_SECONDS = 15
OFFSETS = (("7d", dt.timedelta(days=7)), ("3d", dt.timedelta(days=3)), ("1d", dt.timedelta(days=1)),
           ("4h", dt.timedelta(hours=4)))  # the product's default REMINDER_OFFSETS, which the run uses


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)

    def count(self) -> int:
        with self.lock:
            return sum(len(v) for v in self.latencies.values()) + sum(len(v) for v in self.errors.values())

    def call(self, name: str, session: requests.Session, method: str, url: str, status: int, **kw):
        # Like a browser, a user does not reuse a connection idle for longer than the server keeps it open
        # (gunicorn --keep-alive 30): else the server may close it just as the request goes out.
        if time.monotonic() - getattr(session, "last_used", 0) > IDLE_SECONDS:
            session.close()
        t = time.perf_counter()
        try:
            r = session.request(method, url, timeout=HTTP_TIMEOUT, **kw)
        except requests.RequestException as exc:
            with self.lock:
                self.errors[name].append(repr(exc)[:200])
            return None
        took = time.perf_counter() - t
        session.last_used = time.monotonic()
        with self.lock:
            self.latencies[name].append(took)
            if r.status_code != status:
                self.errors[name].append(f"{r.status_code}: {r.text[:200]}")
                return None
        return r


class Users:
    """Accounts for the run: operators and coordinators, each with a token and a browser session."""

    def __init__(self, url: str, base: str, n_users: int):
        from sqlmodel import Session

        from hotline.auth.service import create_user, issue_token
        from hotline.db import make_engine

        engine = make_engine(url)
        stamp = time.time_ns() % 10**8
        self.operators, self.coordinators = [], []
        with Session(engine, expire_on_commit=False) as s:
            for i in range(n_users):
                role = "operator" if i % 5 < 2 else "coordinator"  # 2 operators for 3 coordinators
                email = f"load-{stamp}-{i}@bench.example"
                user = create_user(s, email=email, role=role, password=common.PASSWORD, hash_method=common.FAST_HASH,
                                   phone=f"+8170{stamp % 10**4:04d}{i:04d}" if role == "coordinator" else None)
                account = {"id": user.id, "email": email, "token": issue_token(s, user), "role": role}
                (self.operators if role == "operator" else self.coordinators).append(account)
        engine.dispose()
        for account in self.operators + self.coordinators:
            account["web"] = login_session(base, account["email"])
            account["api"] = common.token_session(account["token"])


class Scenario:
    def __init__(self, base: str, facts: dict, users: Users, stats: Stats, end: float, think: float, seed: int,
                 max_requests: int):
        from hotline.products.catalogue import get_product

        self.base, self.facts, self.users, self.stats, self.end, self.think = base, facts, users, stats, end, think
        self.categories = [c.code for c in get_product("tm-juas-2026").categories]
        self.opened: list[str] = []  # references of the cases opened during the run
        self.lock = threading.Lock()
        self.seed, self.max_requests = seed, max_requests

    def api(self, path: str) -> str:
        return f"{self.base}/api/v1{path}"

    def run(self, account: dict, n: int) -> None:
        rnd = random.Random(self.seed * 1000 + n)
        time.sleep(rnd.uniform(0, self.think))  # users do not all start at the same instant
        actions = self.operator_actions() if account["role"] == "operator" else self.coordinator_actions()
        names, weights = zip(*actions, strict=True)
        while time.monotonic() < self.end and self.stats.count() < self.max_requests:
            getattr(self, rnd.choices(names, weights)[0])(account, rnd)
            time.sleep(rnd.uniform(0.5, 1.5) * self.think)

    @staticmethod
    def operator_actions():
        return (("open_case", 35), ("search", 20), ("dashboard", 25), ("read_case", 20))

    @staticmethod
    def coordinator_actions():
        return (("change_facts", 20), ("record_cost", 20), ("coverage", 20), ("dashboard", 15), ("list_open", 10),
                ("search", 10), ("read_case", 5))

    def a_case(self, rnd) -> str:
        with self.lock:
            if self.opened:
                return rnd.choice(self.opened)
        return rnd.choice(self.facts["sample_references"])

    # -- operators
    def open_case(self, account, rnd):
        now = dt.datetime.now(UTC)
        left = max(10.0, self.end - time.monotonic())
        if rnd.random() < 0.5:  # GDPR applies; its 4 h reminder falls due during the run
            disc = now - dt.timedelta(hours=68) + dt.timedelta(seconds=rnd.uniform(5, left))
        else:
            disc = now - dt.timedelta(hours=rnd.uniform(1, 60))
        first, last = self.facts["policy_ids"]
        body = {"policy_id": rnd.randint(first, last), "first_discovered_at": disc.isoformat(),
                "summary": "負荷試験：ランサムウェアの疑い", "caller_name": "負荷太郎",
                "contact_phone": f"+8180{rnd.randrange(10**8):08d}", "personal_records_affected": rnd.choice([0, 50, 2000]),
                "malicious": True, "eu_data_subjects": disc < now - dt.timedelta(hours=60),
                "coordinator_id": rnd.choice(self.users.coordinators)["id"]}
        r = self.stats.call("POST /cases", account["api"], "POST", self.api("/cases"), 201, json=body)
        if r is not None:
            with self.lock:
                self.opened.append(r.json()["reference"])

    def search(self, account, rnd):
        q = (rnd.choice(self.facts["sample_references"]) if rnd.random() < 0.5
             else rnd.choice(("東京商事", "大阪物流", "横浜システム", "名古屋建設")))
        self.stats.call("GET /cases?q=", account["api"], "GET", self.api("/cases"), 200, params={"q": q})

    def dashboard(self, account, rnd):
        self.stats.call("GET /dashboard", account["web"], "GET", f"{self.base}/dashboard", 200)

    def read_case(self, account, rnd):
        self.stats.call("GET /cases/<ref>", account["api"], "GET", self.api(f"/cases/{self.a_case(rnd)}"), 200)

    # -- coordinators
    def change_facts(self, account, rnd):
        change = rnd.choice(({"sensitive_data": rnd.random() < 0.5}, {"personal_records_affected": rnd.randrange(0, 5000)},
                             {"attack_confirmed": rnd.choice(("yes", "no", "unknown"))}))
        self.stats.call("PATCH /cases/<ref>", account["api"], "PATCH", self.api(f"/cases/{self.a_case(rnd)}"), 200,
                        json=change)

    def record_cost(self, account, rnd):
        today = dt.datetime.now(UTC).astimezone(dt.timezone(dt.timedelta(hours=9))).date()
        body = {"category": rnd.choice(self.categories), "amount_jpy": rnd.randrange(10_000, 3_000_000),
                "arose_on": today.isoformat(), "victims": rnd.randrange(1, 100)}
        self.stats.call("POST /cases/<ref>/costs", account["api"], "POST", self.api(f"/cases/{self.a_case(rnd)}/costs"),
                        201, json=body)

    def coverage(self, account, rnd):
        self.stats.call("GET /cases/<ref>/coverage", account["api"], "GET",
                        self.api(f"/cases/{self.a_case(rnd)}/coverage"), 200)

    def list_open(self, account, rnd):
        self.stats.call("GET /cases?status=open", account["api"], "GET", self.api("/cases"), 200,
                        params={"status": "open"})


def drain(engine: sa.Engine, until: dt.datetime, clock: subprocess.Popen, seconds: float = 180) -> int:
    """Wait until the clock has handled every reminder due by `until`; returns how many are still pending."""
    query = sa.text("select count(*) from reminder where status = 'pending' and send_at <= :t")
    limit = time.monotonic() + seconds
    while True:
        with engine.connect() as conn:
            left = conn.execute(query, {"t": until}).scalar_one()
        if left == 0 or time.monotonic() > limit or clock.poll() is not None:
            return left
        time.sleep(1)


def audit(engine: sa.Engine, started: dt.datetime, ended: dt.datetime) -> dict:
    """The messages of the run against the reminder rows and the deadlines."""
    q = {
        # reminders of the run due by the end: how each ended
        "due": "select status, count(*) from reminder where created_at >= :s and send_at <= :e group by status",
        # the same reminder sent twice
        "duplicated": "select count(*) from (select source from outbox_message where created_at >= :s and "
                      "source is not null group by source having count(*) > 1) d",
        # a reminder marked sent without its message, or a message whose reminder is not marked sent with it
        "sent_without_message": "select count(*) from reminder r where r.created_at >= :s and r.status = 'sent' "
                                "and not exists (select 1 from outbox_message o where o.id = r.outbox_id and "
                                "o.source = 'reminder:' || r.id)",
        "message_without_reminder": "select count(*) from outbox_message o where o.created_at >= :s and o.source "
                                    "like 'reminder:%' and not exists (select 1 from reminder r where "
                                    "'reminder:' || r.id = o.source and r.status = 'sent' and r.outbox_id = o.id)",
        "delays": "select extract(epoch from o.created_at - r.send_at) from reminder r join outbox_message o on "
                  "o.id = r.outbox_id where r.created_at >= :s and r.send_at <= :e and r.status = 'sent'",
        "skipped": "select reason, count(*) from reminder where created_at >= :s and status = 'skipped' "
                   "group by reason",
    }
    with engine.connect() as conn:
        p = {"s": started, "e": ended}
        out = {"due": dict(conn.execute(sa.text(q["due"]), p).all()),
               "duplicated": conn.execute(sa.text(q["duplicated"]), p).scalar_one(),
               "sent_without_message": conn.execute(sa.text(q["sent_without_message"]), p).scalar_one(),
               "message_without_reminder": conn.execute(sa.text(q["message_without_reminder"]), p).scalar_one(),
               "delays": [float(x) for (x,) in conn.execute(sa.text(q["delays"]), p)],
               "skipped": dict(conn.execute(sa.text(q["skipped"]), p).all())}
        # Every reminder the deadlines call for: each open deadline of a case opened during the run, each offset
        # whose send time fell after the deadline last changed and before the end, each recipient of the case.
        missing = 0
        rows = conn.execute(sa.text(
            "select d.id, d.due_at, d.updated_at, c.contact_phone, u.phone from deadline d "
            "join incident_case c on c.id = d.case_id left join app_user u on u.id = c.coordinator_id "
            "where c.created_at >= :s and c.status = 'open' and d.status = 'open' and d.due_at is not null"), p).all()
        sent = {(did, label, to, due) for did, label, to, due in conn.execute(sa.text(
            "select r.deadline_id, r.offset_label, r.recipient, r.for_due_at from reminder r "
            "where r.created_at >= :s and r.status = 'sent'"), p)}
        for did, due, changed, contact, coordinator in rows:
            for label, delta in OFFSETS:
                if changed < due - delta <= ended:
                    missing += sum((did, label, to, due) not in sent for to in (contact, coordinator) if to)
        out["expected_from_deadlines"] = sum(1 for did, due, changed, *_r in rows for _l, delta in OFFSETS
                                             if changed < due - delta <= ended)
        out["missing_from_deadlines"] = missing
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=300, help="how long the users work (default 300)")
    parser.add_argument("--users", type=int, default=50, help="concurrent operators and coordinators (default 50)")
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between two requests of a user")
    parser.add_argument("--max-requests", type=int, default=100_000, help="stop after this many (default 100,000)")
    parser.add_argument("--reuse", action="store_true", help="keep the bench data set already in the database")
    args = parser.parse_args(argv)
    url = PG_URL
    print(f"load test: {args.users} users for {args.seconds:g} s, think {args.think:g} s; "
          f"load before: {common.uptime()}", flush=True)
    facts = dataset.ensure(url, reuse=args.reuse)
    from hotline.db import make_engine

    engine = make_engine(url)
    workers, threads = common.gunicorn_settings("postgresql")
    clock = common.start_clock([str(BIN / "flask"), "--app", "hotline", "clock"], url, "load")
    stats = Stats()
    try:
        with Server("hotline:create_app()", url) as web:
            users = Users(url, web.base, args.users)
            # Reminders already due (left by earlier runs' intakes) are sent first: the run's own are measured.
            backlog = drain(engine, dt.datetime.now(UTC), clock, seconds=600)
            if backlog:
                raise Failure(f"the clock did not send the {backlog} reminders already due within 600 s")
            started = dt.datetime.now(UTC)
            end = time.monotonic() + args.seconds
            scenario = Scenario(web.base, facts, users, stats, end, args.think, seed=7, max_requests=args.max_requests)
            accounts = users.operators + users.coordinators
            threads_ = [threading.Thread(target=scenario.run, args=(a, n), daemon=True) for n, a in enumerate(accounts)]
            print(f"  gunicorn {workers} worker(s) × {threads} threads, the clock ticking every second; "
                  f"{len(users.operators)} operators, {len(users.coordinators)} coordinators", flush=True)
            for t in threads_:
                t.start()
            for t in threads_:
                t.join(max(1.0, end - time.monotonic()) + 2 * HTTP_TIMEOUT)
            wall = (dt.datetime.now(UTC) - started).total_seconds()
            ended = dt.datetime.now(UTC)
            hung = sum(t.is_alive() for t in threads_)
        left = drain(engine, ended, clock)
    finally:
        common.stop(clock)
    if clock.returncode not in (0, -15):
        print(common.log_tail("load", 3000))
    report = audit(engine, started, ended)
    engine.dispose()

    total = sum(len(v) for v in stats.latencies.values())
    errors = sum(len(v) for v in stats.errors.values())
    print(f"\nload after: {common.uptime()}\n")
    print(f"{total:,} requests in {wall:.0f} s: {total / wall:.1f} req/s; {errors} errors\n")
    print("| endpoint | requests | errors | p50 | p95 | p99 |\n|---|---:|---:|---:|---:|---:|")
    for name in sorted(stats.latencies):
        lat = [x * 1000 for x in stats.latencies[name]]
        print(f"| {name} | {len(lat):,} | {len(stats.errors[name])} | {median(lat):.0f} ms | {pct(lat, 95):.0f} ms "
              f"| {pct(lat, 99):.0f} ms |")
    due = report["due"]
    print(f"\nreminders due during the run: {sum(due.values()):,} — sent {due.get('sent', 0):,}, skipped "
          f"{due.get('skipped', 0):,}, still pending {due.get('pending', 0):,}; due → sent p50 "
          f"{median(report['delays']):.2f} s, p99 {pct(report['delays'], 99):.2f} s")
    for reason, n in report["skipped"].items():
        print(f"  skipped {n}: {reason}")
    print(f"deadlines of the run's cases called for {report['expected_from_deadlines']:,} reminder slots: "
          f"{report['missing_from_deadlines']} messages missing")
    print(f"messages duplicated: {report['duplicated']}; reminders sent without a message: "
          f"{report['sent_without_message']}; messages without their reminder: {report['message_without_reminder']}")
    problems = []
    if errors:
        problems.append(f"{errors} request errors: " + "; ".join(f"{k}: {v[0]}" for k, v in stats.errors.items() if v))
    if hung:
        problems.append(f"{hung} users still waiting for an answer at the end")
    if left or due.get("pending"):
        problems.append(f"{max(left, due.get('pending', 0))} due reminders never sent (lost)")
    for key in ("duplicated", "sent_without_message", "message_without_reminder", "missing_from_deadlines"):
        if report[key]:
            problems.append(f"{key.replace('_', ' ')}: {report[key]}")
    if problems:
        print("\nLOAD TEST FAILED:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    print("\nload test passed: no error, no message lost or duplicated")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Failure as exc:
        print(f"LOAD TEST FAILED: {exc}", file=sys.stderr)
        sys.exit(1)
