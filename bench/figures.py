"""The figures of issue 13, each measured beside its floor (bench/floor.py) in rounds interleaved with it.

Every function takes the run's Context and returns rows for the table: the product's figure, the floor's,
their ratio, the goal and whether it is met.
"""
from __future__ import annotations

import datetime as dt
import gc
import multiprocessing
import os
import random
import time
from dataclasses import dataclass, field

import sqlalchemy as sa

from bench import common
from bench.common import (
    BIN,
    HTTP_TIMEOUT,
    ROUNDS,
    Failure,
    Server,
    check,
    closed_loop,
    errors_note,
    median,
    pct,
    scaled,
)

UTC = dt.UTC


@dataclass
class Row:
    figure: str
    unit: str
    product: float
    floor: float | None
    goal: str
    met: bool | None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.floor in (None, 0) or self.product != self.product:
            return None
        return self.product / self.floor


@dataclass
class Context:
    backend: str
    url: str
    facts: dict
    product: Server | None = None
    floor: Server | None = None
    rnd: random.Random = field(default_factory=lambda: random.Random(13))
    _apps: tuple | None = None

    @property
    def token(self) -> str:
        return self.facts["users"]["operator"]["token"]

    def policy_id(self) -> int:
        first, last = self.facts["policy_ids"]
        return self.rnd.randint(first, last)

    def apps(self):
        """The product app and the floor app in this process (Flask test clients: no HTTP server between)."""
        if self._apps is None:
            from bench import floor
            from hotline import create_app

            product = create_app({"DATABASE_URL": self.url, "SECRET_KEY": "bench-secret-key", "TESTING": False,
                                  "PASSWORD_HASH_METHOD": common.FAST_HASH, "TWILIO_ACCOUNT_SID": None})
            self._apps = (product, floor.create_app(self.url))
        return self._apps


def interleaved(measure_product, measure_floor, rounds: int = ROUNDS):
    """Rounds product, floor, product, floor, …; returns the two lists of per-round results."""
    p, f = [], []
    for _ in range(rounds):
        p.append(measure_product())
        f.append(measure_floor())
    return p, f


# --- intake ---------------------------------------------------------------------------------------------

def intake_body(ctx: Context, i: int) -> dict:
    disc = dt.datetime.now(UTC) - dt.timedelta(hours=1 + i % 48)
    return {"policy_id": ctx.policy_id(), "first_discovered_at": disc.isoformat(), "summary": f"ベンチ受付 {i}",
            "caller_name": "ベンチ太郎", "contact_phone": "+819012345678", "personal_records_affected": 120,
            "malicious": True, "eu_data_subjects": i % 3 == 0,
            "coordinator_id": ctx.facts["users"]["coordinator"]["id"]}


def intake_throughput(ctx: Context, clients: int) -> list[Row]:
    def run(server: Server, path: str, warm: bool = False):
        sessions = [common.token_session(ctx.token) for _ in range(clients)]

        def one(s, i):
            check(s.post(f"{server.base}{path}", json=intake_body(ctx, i), timeout=HTTP_TIMEOUT), 201, "intake")
        if warm:
            closed_loop(one, sessions, count=clients * 2)
        return closed_loop(one, sessions, count=100_000)

    run(ctx.product, "/api/v1/cases", warm=True)
    run(ctx.floor, "/floor/cases", warm=True)
    p, f = interleaved(lambda: run(ctx.product, "/api/v1/cases"), lambda: run(ctx.floor, "/floor/cases"))
    product, floor = median([r.throughput for r in p]), median([r.throughput for r in f])
    p95 = pct([x for r in p for x in r.latencies], 95) * 1000
    f95 = pct([x for r in f for x in r.latencies], 95) * 1000
    errors = errors_note(p) + errors_note(f).replace("errors**", "errors** of the floor")
    return [Row(f"intake throughput, {clients} client{'s' if clients > 1 else ''}", "req/s", product, floor,
                "≥ 0.5 × floor", product >= 0.5 * floor and not errors, f"p95 {p95:.0f} ms (floor {f95:.0f} ms){errors}")]


class StatementCounter:
    """SQL statements and round trips as SQLAlchemy sees them: every cursor execution (an executemany counts once:
    psycopg pipelines it), plus BEGIN, COMMIT and ROLLBACK, plus the ping of a pool that pings at checkout."""

    def __init__(self, engine: sa.Engine):
        self.statements = self.round_trips = 0
        sa.event.listen(engine, "before_cursor_execute", self._execute)
        for name in ("begin", "commit", "rollback"):
            sa.event.listen(engine, name, self._trip)
        if getattr(engine.pool, "_pre_ping", False):
            sa.event.listen(engine, "checkout", self._trip)

    def _execute(self, conn, cursor, statement, parameters, context, executemany):
        self.statements += 1
        self.round_trips += 1

    def _trip(self, *args):
        self.round_trips += 1

    def reset(self) -> None:
        self.statements = self.round_trips = 0


def intake_in_process(ctx: Context, n: int = 30) -> list[Row]:
    product, floor_app = ctx.apps()
    counters = (StatementCounter(product.extensions["hotline.engine"]),
                StatementCounter(floor_app.extensions["floor.engine"]))
    headers = {"Authorization": f"Bearer {ctx.token}"}
    clients = (product.test_client(), floor_app.test_client())
    paths = ("/api/v1/cases", "/floor/cases")

    def run(which: int, count: int = n):
        times, statements, trips = [], [], []
        for i in range(count):
            body = intake_body(ctx, i)
            counters[which].reset()
            t = time.perf_counter()
            r = clients[which].post(paths[which], json=body, headers=headers)
            times.append(time.perf_counter() - t)
            if r.status_code != 201:
                raise Failure(f"in-process intake: {r.status_code} {r.get_data(as_text=True)[:300]}")
            statements.append(counters[which].statements)
            trips.append(counters[which].round_trips)
        return times, statements, trips

    run(0, 10), run(1, 10)  # warm-up: imports, compiled statements, pools
    p, f = interleaved(lambda: run(0), lambda: run(1))
    pt, ft = [x for r in p for x in r[0]], [x for r in f for x in r[0]]
    ps, fs = max(x for r in p for x in r[1]), max(x for r in f for x in r[1])
    pr, fr = max(x for r in p for x in r[2]), max(x for r in f for x in r[2])
    return [Row("one intake in process, time", "ms", median(pt) * 1000, median(ft) * 1000, "", None,
                f"median of {len(pt)}"),
            Row("one intake in process, SQL statements", "", ps, fs, "≤ 6", ps <= 6, "most of any intake"),
            Row("one intake in process, round trips", "", pr, fr, "≤ 6", pr <= 6,
                "statements + BEGIN/COMMIT/ROLLBACK + pool pings")]


# --- coverage -------------------------------------------------------------------------------------------

COVERAGE_CASES = 50


def coverage_policy(ctx: Context) -> dict:
    """A policy of plan C with 50 cases, opened through the product's API (discovered every 5 days of the period),
    and 1,000 cost lines a case (scaled), loaded in bulk. Returns the policy id and the references."""
    from sqlmodel import Session

    from bench.dataset import bulk
    from hotline.orgs.models import Organization, Policy
    from hotline.products.catalogue import get_product
    from workflows.calendar import TOKYO

    per_case = int(os.environ.get("BENCH_COVERAGE_LINES", 0)) or scaled(1000, 10)
    product_app, _floor = ctx.apps()
    engine = product_app.extensions["hotline.engine"]
    product = get_product("tm-juas-2026")
    codes = [c.code for c in product.categories]
    rnd = random.Random(4)
    now = dt.datetime.now(UTC)
    stamp = time.time_ns() % 10**9
    t = time.perf_counter()
    with Session(engine, expire_on_commit=False) as s:
        org = Organization(name=f"カバレッジ検証株式会社{stamp}")
        s.add(org)
        s.flush()
        start = dt.datetime(now.year - 1, 3, 1, 16, tzinfo=TOKYO)
        policy = Policy(organization_id=org.id, product=product.code, plan="C", policy_number=f"COVER-{stamp}",
                        period_start=start, period_end=start.replace(year=start.year + 1))
        s.add(policy)
        s.commit()
    client = product_app.test_client()
    headers = {"Authorization": f"Bearer {ctx.facts['users']['coordinator']['token']}"}
    cases = []
    for n in range(COVERAGE_CASES):
        disc = start + dt.timedelta(days=9, hours=17) + dt.timedelta(days=5 * n)
        r = client.post("/api/v1/cases", headers=headers, json={
            "policy_id": policy.id, "first_discovered_at": disc.isoformat(),
            "reported_at": (disc + dt.timedelta(hours=1)).isoformat(), "summary": "coverage bench",
            "discovery_source": rnd.choice(["internal", "public_body"]),
            "attack_confirmed": rnd.choice(["yes", "no", "unknown"]),
            "publication_made_at": (disc + dt.timedelta(days=1)).isoformat()})
        check_test(r, 201)
        cases.append((r.get_json()["id"], r.get_json()["reference"], disc))

    def lines():
        for case_id, _ref, disc in cases:
            d0 = disc.astimezone(TOKYO).date()
            for _ in range(per_case):
                yield (case_id, rnd.choice(codes), rnd.randrange(0, 2_000_000), d0 + dt.timedelta(days=rnd.randrange(1, 200)),
                       disc + dt.timedelta(days=1), rnd.randrange(1, 500), rnd.choice([None, "TM-1"]), "", disc, disc)

    bulk(engine, "cost_line", ("case_id", "category", "amount_jpy", "arose_on", "ordered_at", "victims",
                               "consent_ref", "note", "created_at", "updated_at"), lines())
    print(f"    coverage policy: {COVERAGE_CASES} cases opened by the API, {COVERAGE_CASES} × {per_case:,} lines "
          f"loaded, {time.perf_counter() - t:.1f} s", flush=True)
    return {"policy_id": policy.id, "references": [c[1] for c in cases], "per_case": per_case,
            "early": (start + dt.timedelta(days=10)).date().isoformat()}


def coverage(ctx: Context) -> list[Row]:
    product, floor_app = ctx.apps()
    cover = ctx.facts.setdefault("coverage", coverage_policy(ctx))
    ref = cover["references"][len(cover["references"]) // 2]
    coordinator = ctx.facts["users"]["coordinator"]["token"]
    headers = {"Authorization": f"Bearer {coordinator}"}
    pc, fc = product.test_client(), floor_app.test_client()

    def timed(client, path) -> float:
        t = time.perf_counter()
        r = client.get(path, headers=headers)
        took = time.perf_counter() - t
        if r.status_code != 200:
            raise Failure(f"{path}: {r.status_code} {r.get_data(as_text=True)[:300]}")
        return took * 1000

    cold = timed(pc, f"/api/v1/cases/{ref}/coverage")
    lines = pc.get(f"/api/v1/cases/{ref}/costs", headers=headers).get_json()
    ids = [x["id"] for x in lines]
    rnd = random.Random(5)

    def back_dated():
        check_test(pc.post(f"/api/v1/cases/{ref}/costs", headers=headers,
                           json={"category": "other.staff", "amount_jpy": 1000, "arose_on": cover["early"]}), 201)

    def edit():
        check_test(pc.patch(f"/api/v1/cases/{ref}/costs/{ids.pop(rnd.randrange(len(ids)))}", headers=headers,
                            json={"amount_jpy": rnd.randrange(1, 2_000_000)}), 200)

    def removal():
        check_test(pc.delete(f"/api/v1/cases/{ref}/costs/{ids.pop(rnd.randrange(len(ids)))}", headers=headers),
                   (200, 204))

    rows = []
    changes = {"a back-dated line": back_dated, "an edit": edit, "a removal": removal}
    results = {name: ([], []) for name in changes}
    for _ in range(ROUNDS):
        for name, change in changes.items():
            change()
            results[name][0].append(timed(pc, f"/api/v1/cases/{ref}/coverage"))
            results[name][1].append(timed(fc, f"/floor/cases/{ref}/lines"))
    for name, (p, f) in results.items():
        rows.append(Row(f"coverage after {name}", "ms", median(p), median(f), "< 100 ms", median(p) < 100,
                        f"{COVERAGE_CASES} × {cover['per_case']:,} lines; worst {max(p):.0f} ms"))
    unchanged = [timed(pc, f"/api/v1/cases/{ref}/coverage") for _ in range(ROUNDS)]
    floor_lines = [timed(fc, f"/floor/cases/{ref}/lines") for _ in range(ROUNDS)]
    rows.append(Row("coverage, ledger unchanged", "ms", median(unchanged), median(floor_lines), "", None,
                    f"first call in this process (cold): {cold:.0f} ms"))
    return rows


def check_test(response, status) -> None:
    if response.status_code not in (status if isinstance(status, tuple) else (status,)):
        raise Failure(f"{response.request.method} {response.request.path}: {response.status_code} "
                      f"{response.get_data(as_text=True)[:300]}")


def _memory_probe(url: str, token: str, ref: str, which: str, traced: bool) -> dict:
    """In a fresh process (a worker's life): warm up on another request, then serve the coverage of one case of
    the policy (the floor: its lines) and report what the process holds afterwards."""
    import tracemalloc

    from bench.common import rss_kib

    headers = {"Authorization": f"Bearer {token}"}
    if which == "product":
        from hotline import create_app

        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-secret-key", "TWILIO_ACCOUNT_SID": None})
        warm, path = f"/api/v1/cases/{ref}", f"/api/v1/cases/{ref}/coverage"
    else:
        from bench.floor import create_app

        app = create_app(url)
        warm, path = f"/floor/cases?q={ref}", f"/floor/cases/{ref}/lines"
    client = app.test_client()
    for _ in range(3):
        assert client.get(warm, headers=headers).status_code == 200
    gc.collect()
    if traced:
        tracemalloc.start()
    before = rss_kib()
    assert client.get(path, headers=headers).status_code == 200
    gc.collect()
    out = {"rss_before_kib": before, "rss_after_kib": rss_kib()}
    if traced:
        out["retained_bytes"] = tracemalloc.get_traced_memory()[0]
    return out


def memory(ctx: Context) -> list[Row]:
    cover = ctx.facts.get("coverage") or ctx.facts.setdefault("coverage", coverage_policy(ctx))
    ref = cover["references"][len(cover["references"]) // 2]
    token = ctx.facts["users"]["coordinator"]["token"]
    spawn = multiprocessing.get_context("spawn")
    out = {}
    with spawn.Pool(1, maxtasksperchild=1) as pool:
        for which in ("product", "floor"):
            for traced in (False, True):
                out[which, traced] = pool.apply(_memory_probe, (ctx.url, token, ref, which, traced))
    mib = 1024
    p, f = out["product", False], out["floor", False]
    p_delta, f_delta = (p["rss_after_kib"] - p["rss_before_kib"]) / mib, (f["rss_after_kib"] - f["rss_before_kib"]) / mib
    p_kept, f_kept = out["product", True]["retained_bytes"] / 2**20, out["floor", True]["retained_bytes"] / 2**20
    return [Row("worker memory holding that coverage (RSS growth)", "MB", p_delta, f_delta, "", None,
                f"worker RSS {p['rss_after_kib'] / mib:.0f} MB after (floor {f['rss_after_kib'] / mib:.0f} MB)"),
            Row("memory kept after serving it (the cached result)", "MB", p_kept, f_kept, "≤ 20 MB", p_kept <= 20,
                "tracemalloc: Python objects still alive after gc")]


# --- lists, search, dashboard ----------------------------------------------------------------------------

def _latencies(ctx: Context, product_request, floor_request, product_sessions, floor_sessions):
    closed_loop(product_request, product_sessions, count=len(product_sessions), seconds=0)  # warm-up
    closed_loop(floor_request, floor_sessions, count=len(floor_sessions), seconds=0)
    p, f = interleaved(lambda: closed_loop(product_request, product_sessions, count=100_000),
                       lambda: closed_loop(floor_request, floor_sessions, count=100_000))
    ms = [x * 1000 for r in p for x in r.latencies], [x * 1000 for r in f for x in r.latencies]
    note = (f"{len(ms[0])} requests, median {median(ms[0]):.0f} ms" + errors_note(p)
            + errors_note(f).replace("errors**", "errors** of the floor"))
    return ms[0], ms[1], note, not any(r.errors for r in p)


def case_list(ctx: Context, clients: int) -> list[Row]:
    def product(s, i):
        r = check(s.get(f"{ctx.product.base}/api/v1/cases", timeout=HTTP_TIMEOUT), 200, "list")
        if len(r.json()) != 100:
            raise Failure("the list did not give 100 cases")

    def floor(s, i):
        check(s.get(f"{ctx.floor.base}/floor/cases", timeout=HTTP_TIMEOUT), 200, "floor list")

    p, f, note, ok = _latencies(ctx, product, floor, [common.token_session(ctx.token) for _ in range(clients)],
                                [common.token_session(ctx.token) for _ in range(clients)])
    goal = 50 if clients == 1 else 300
    return [Row(f"GET /api/v1/cases at {ctx.facts['counts']['cases']:,} cases, {clients} client"
                f"{'s' if clients > 1 else ''}, p95", "ms", pct(p, 95), pct(f, 95), f"< {goal} ms",
                ok and pct(p, 95) < goal, note)]


def search(ctx: Context) -> list[Row]:
    refs = ctx.facts["sample_references"]

    def product(s, i):
        q = refs[i % len(refs)]
        r = check(s.get(f"{ctx.product.base}/api/v1/cases", params={"q": q}, timeout=HTTP_TIMEOUT), 200, "search")
        if q not in {c["reference"] for c in r.json()}:
            raise Failure(f"search for {q} did not find it")

    def floor(s, i):
        q = refs[i % len(refs)]
        r = check(s.get(f"{ctx.floor.base}/floor/cases", params={"q": q}, timeout=HTTP_TIMEOUT), 200, "floor search")
        if len(r.json()) != 1:
            raise Failure(f"floor search for {q} did not find it")

    p, f, note, ok = _latencies(ctx, product, floor, [common.token_session(ctx.token)],
                                [common.token_session(ctx.token)])
    return [Row("search ?q=<reference>, 1 client, p95", "ms", pct(p, 95), pct(f, 95), "< 50 ms",
                ok and pct(p, 95) < 50, note)]


def dashboard(ctx: Context, clients: int = 16) -> list[Row]:
    def product(s, i):
        r = check(s.get(f"{ctx.product.base}/dashboard", timeout=HTTP_TIMEOUT), 200, "dashboard")
        if "CY-" not in r.text:
            raise Failure("the dashboard shows no case")

    def floor(s, i):
        check(s.get(f"{ctx.floor.base}/floor/dashboard", timeout=HTTP_TIMEOUT), 200, "floor dashboard")

    email = ctx.facts["users"]["operator"]["email"]
    psessions = [common.login_session(ctx.product.base, email) for _ in range(clients)]
    fsessions = [common.token_session(ctx.token) for _ in range(clients)]
    for s in fsessions:
        check(s.post(f"{ctx.floor.base}/floor/login", timeout=HTTP_TIMEOUT), 204, "floor login")
        del s.headers["Authorization"]
    p, f, note, ok = _latencies(ctx, product, floor, psessions, fsessions)
    return [Row(f"operator dashboard, {clients} clients, p95", "ms", pct(p, 95), pct(f, 95), "< 200 ms",
                ok and pct(p, 95) < 200, note)]


# --- reminders ------------------------------------------------------------------------------------------

def burst(engine: sa.Engine, size: int, recipient: str, at: dt.datetime) -> None:
    """`size` reminders of open deadlines, all due at `at`, for each deadline's current due instant (so they are
    sent, not skipped as moved)."""
    from hotline.cases.models import Case
    from hotline.deadlines.models import Deadline, Reminder

    dl, case = Deadline.__table__, Case.__table__
    with engine.begin() as conn:
        rows = conn.execute(sa.select(dl.c.id, dl.c.case_id, dl.c.due_at).join(case, case.c.id == dl.c.case_id)
                            .where(dl.c.status == "open", case.c.status == "open", dl.c.due_at > at)
                            .order_by(dl.c.id).limit(size)).all()
        if len(rows) < size:
            raise Failure(f"only {len(rows)} open deadlines for a burst of {size}")
        conn.execute(sa.insert(Reminder.__table__), [
            {"deadline_id": did, "case_id": cid, "offset_label": "4h", "for_due_at": due, "send_at": at,
             "channel": "sms", "recipient": recipient, "recipient_role": "coordinator", "status": "pending",
             "created_at": dt.datetime.now(UTC)} for did, cid, due in rows])


def _param(engine: sa.Engine, instant: dt.datetime):
    """An instant as a bare parameter of a text() statement, as hotline.db.UTCDateTime stores it."""
    return instant.replace(tzinfo=None) if engine.dialect.name == "sqlite" else instant


def _as_utc(v) -> dt.datetime:
    if isinstance(v, str):
        v = dt.datetime.fromisoformat(v)
    return v.replace(tzinfo=UTC) if v.tzinfo is None else v


def reminderburst(ctx: Context, label: str, command: list[str], size: int) -> dict:
    from hotline.db import make_engine

    engine = make_engine(ctx.url)
    recipient = f"+8199{time.time_ns() % 10**9:09d}"  # one burst's rows, told apart from every other
    clock = common.start_clock(command, ctx.url, label)
    due_now = sa.text("select count(*) from reminder where status = 'pending' and send_at <= :now")
    try:
        # Started and ticking, and no backlog left: reminders already due (earlier intakes send their nearest
        # past reminder at once) are sent before the burst, so the burst is measured alone.
        limit = time.monotonic() + 600
        while True:
            time.sleep(2)
            if clock.poll() is not None:
                raise Failure(f"{label} clock exited: {common.log_tail(label)}")
            with engine.connect() as conn:
                backlog = conn.execute(due_now, {"now": _param(engine, dt.datetime.now(UTC))}).scalar_one()
            if not backlog:
                break
            if time.monotonic() > limit:
                raise Failure(f"{label} clock: {backlog} reminders still due after 600 s")
        at = dt.datetime.now(UTC) + dt.timedelta(seconds=2)
        burst(engine, size, recipient, at)
        limit = time.monotonic() + 60 + size * 0.05
        count = sa.text("select count(*) from reminder where recipient = :r and status = 'pending'")
        left = size
        while time.monotonic() < limit:
            time.sleep(0.5)
            with engine.connect() as conn:
                left = conn.execute(count, {"r": recipient}).scalar_one()
            if left == 0:
                break
    finally:
        common.stop(clock)
    with engine.connect() as conn:
        got = conn.execute(sa.text(
            "select r.send_at, o.created_at, r.status from reminder r left join outbox_message o "
            "on o.source = 'reminder:' || r.id where r.recipient = :r"), {"r": recipient}).all()
    engine.dispose()
    delays = [(_as_utc(o) - _as_utc(s)).total_seconds() for s, o, _st in got if o is not None]
    return {"delays": delays, "sent": sum(1 for _s, _o, st in got if st == "sent"), "left": left, "rows": len(got)}


def reminders(ctx: Context) -> list[Row]:
    size = scaled(10_000, 50)
    rounds = common.CLOCK_ROUNDS
    product_cmd = [str(BIN / "flask"), "--app", "hotline", "clock"]
    floor_cmd = [str(BIN / "python"), "-m", "bench.floor", "clock"]
    p, f = interleaved(lambda: reminderburst(ctx, "product", product_cmd, size),
                       lambda: reminderburst(ctx, "floor", floor_cmd, size), rounds=rounds)
    pd, fd = [x for r in p for x in r["delays"]], [x for r in f for x in r["delays"]]
    unsent = sum(r["rows"] - len(r["delays"]) for r in p)
    p99 = pct(pd, 99) if not unsent else float("inf")
    note = (f"{sum(r['sent'] for r in p):,}/{size * rounds:,} sent; median {median(pd):.2f} s, max "
            f"{max(pd, default=float('nan')):.2f} s; clock tick 1 s")
    if unsent:
        note += f"; {unsent} NOT SENT within the time allowed"
    return [Row(f"reminder due → sent, p99, burst of {size:,} among "
                f"{ctx.facts['counts']['pending_reminders']:,} pending", "s", p99, pct(fd, 99), "< 2 s", p99 < 2,
                note)]
