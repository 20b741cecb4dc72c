"""The million-case data set, loaded in bulk (COPY on PostgreSQL, executemany of plain tuples on SQLite) into
the bench's own database, then checked by the product's `init-db` backfill (which must find nothing to add).

At BENCH_SCALE=1: 1,000,000 cases over ten years (5 % open, the newest), 20,000 organisations with one policy
each, six deadline rows and nine phase rows a case, the intake checklist of the open cases, one audit entry a
case, and 1,000,000 pending reminders (20 per open case, all ahead of now, so none falls due during a run).
Closed cases carry no task rows and no sent-reminder history: no figure reads them.

The data set's facts (sizes, users, tokens, sample references) are kept in a table of its own,
`bench_dataset`, so a later figure or run (--reuse) can use the data set without building it again (for half a
day: then its reminders start to fall due).
"""
from __future__ import annotations

import datetime as dt
import json
import random
import time

import sqlalchemy as sa
from sqlmodel import Session

from bench.common import FAST_HASH, PASSWORD, SCALE, backend_of, recreate, scaled
from hotline.db import make_engine, upgrade_schema
from workflows.calendar import TOKYO

UTC = dt.UTC
KINDS = ("insurer_emergency_notice", "appi_preliminary", "appi_final", "gdpr_authority", "card_brand_report",
         "pmark_report")
OPEN_KINDS = ("appi_final", "gdpr_authority", "pmark_report")  # the open deadlines of an open case
PHASES = ("intake", "initial_response", "investigation", "call_center", "pr_reporting", "recovery",
          "recurrence_prevention", "post_incident", "closure")
OFFSETS = (("7d", dt.timedelta(days=7)), ("3d", dt.timedelta(days=3)), ("1d", dt.timedelta(days=1)),
           ("4h", dt.timedelta(hours=4)))
REMINDERS_PER_OPEN_CASE = 20  # of 3 open deadlines × 4 offsets × 2 recipients
PLACES = ("東京", "大阪", "横浜", "名古屋", "札幌", "福岡", "神戸", "京都", "仙台", "広島")
TRADES = ("商事", "製作所", "システム", "物流", "建設", "食品", "薬品", "電機", "不動産", "サービス")
SUMMARY = "従業員が不審なメールの添付ファイルを開いた後、ファイルサーバの一部が暗号化され、脅迫文が表示された。"
CHUNK = 50_000
# A data set is reused for half a day at most: its pending reminders start to fall due a day after it was built.
MAX_AGE = dt.timedelta(hours=12)


def sizes() -> dict:
    cases = scaled(1_000_000, 400)
    return {"cases": cases, "open": max(20, cases // 20), "organizations": max(5, cases // 50)}


# --- writing rows in bulk --------------------------------------------------------------------------------

def _sqlite_value(v):
    if isinstance(v, dt.datetime):  # the UTC wall clock, as hotline.db.UTCDateTime stores it
        return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, bool):
        return int(v)
    return v


def bulk(engine: sa.Engine, table: str, columns: tuple[str, ...], rows) -> int:
    """Write an iterable of tuples; returns how many. COPY on PostgreSQL, executemany on SQLite."""
    n = 0
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        if engine.dialect.name == "postgresql":
            with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    n += 1
        else:
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            batch = []
            for row in rows:
                batch.append(tuple(_sqlite_value(v) for v in row))
                if len(batch) >= CHUNK:
                    conn.executemany(sql, batch)
                    n += len(batch)
                    batch = []
            if batch:
                conn.executemany(sql, batch)
                n += len(batch)
        conn.commit()
    finally:
        raw.close()
    return n


# --- the data set ----------------------------------------------------------------------------------------

def _people(engine: sa.Engine, size: dict, now: dt.datetime) -> dict:
    """Organisations, policies and the users, through the ORM and the product's own services."""
    from hotline.auth.service import create_user, issue_token
    from hotline.orgs.models import Organization, Policy

    with Session(engine, expire_on_commit=False) as s:
        orgs = [Organization(name=f"{PLACES[i % 10]}{TRADES[i // 10 % 10]}{i:05d}株式会社", created_at=now)
                for i in range(size["organizations"])]
        s.add_all(orgs)
        s.flush()
        s.add_all([Policy(organization_id=o.id, product="tm-juas-2026", plan="B", policy_number=f"BENCH-{o.id:06d}",
                          period_start=now - dt.timedelta(days=3660), period_end=now + dt.timedelta(days=365),
                          created_at=now) for o in orgs])
        s.commit()
        users = {}
        for role, phone in (("operator", None), ("coordinator", "+819000000000"), ("admin", None)):
            user = create_user(s, email=f"{role}@bench.example", role=role, password=PASSWORD,
                               hash_method=FAST_HASH, phone=phone, display_name=f"ベンチ{role}")
            users[role] = {"id": user.id, "email": user.email, "phone": phone, "token": issue_token(s, user)}
        policy_ids = [p for (p,) in s.execute(sa.text("select id from policy order by id"))]
    return {"users": users, "policy_ids": [policy_ids[0], policy_ids[-1]]}


def _cases(size: dict, now: dt.datetime, policy_first: int, policies: int, coordinator: int, operator: int):
    """Yields one dict of facts per case, oldest first (ids 1..n); the newest `open` are open."""
    n, n_open = size["cases"], size["open"]
    closed_span = dt.timedelta(days=3650 - 30)
    counters: dict[int, int] = {}  # references: CY-<year>-<number within the year>
    for i in range(n):
        is_open = i >= n - n_open
        if is_open:
            j = i - (n - n_open)
            disc = now - dt.timedelta(days=25) + dt.timedelta(days=24) * (j / n_open)
        else:
            disc = now - dt.timedelta(days=3650) + closed_span * (i / (n - n_open))
        year = disc.astimezone(TOKYO).year
        counters[year] = counters.get(year, 0) + 1
        yield {"id": i + 1, "open": is_open, "j": i - (n - n_open), "disc": disc,
               "reference": f"CY-{year}-{counters[year]:06d}", "policy_id": policy_first + (i * 7919) % policies,
               "coordinator": coordinator, "operator": operator}


def _due(c: dict, kind: str, now: dt.datetime) -> dt.datetime:
    """Due instants of an open case's open deadlines: 8 to 48 days ahead, so every reminder is still to come."""
    return now + dt.timedelta(days=8 + (c["j"] * 7 + KINDS.index(kind) * 11) % 40, hours=c["j"] % 24)


def _missed(c: dict) -> bool:
    return c["open"] and c["j"] % 100 == 0  # 1 % of the open cases have an overdue APPI preliminary report


def build(url: str) -> dict:
    """Drop and recreate the database, migrate it to the newest schema, load the data set; returns its facts."""
    from hotline.cases.service import backfill

    t0 = time.perf_counter()
    recreate(url)
    upgrade_schema(url)
    engine = make_engine(url)
    size = sizes()
    now = dt.datetime.now(UTC).replace(microsecond=0)
    facts = _people(engine, size, now)
    first, last = facts["policy_ids"]
    coordinator, operator = facts["users"]["coordinator"]["id"], facts["users"]["operator"]["id"]
    coordinator_phone = facts["users"]["coordinator"]["phone"]
    counts = {}

    def cases():
        return _cases(size, now, first, last - first + 1, coordinator, operator)

    def case_rows():
        for c in cases():
            disc, is_open = c["disc"], c["open"]
            next_due = None
            if is_open:
                next_due = (now - dt.timedelta(days=1)) if _missed(c) else min(_due(c, k, now) for k in OPEN_KINDS)
            i = c["id"]
            yield (i, c["reference"], c["policy_id"], "open" if is_open else "closed",
                   "investigation" if is_open else "closure", f"ベンチ太郎{i % 1000}", f"+8190{i:08d}", disc,
                   "caller_statement", disc + dt.timedelta(hours=2), "internal", f"{SUMMARY}（{i}）", 50 + i % 500,
                   i % 7 == 0, i % 3 == 0, i % 2 == 0, i % 10 == 0, "unknown", False, next_due, c["coordinator"],
                   c["operator"], disc + dt.timedelta(hours=2), None if is_open else disc + dt.timedelta(days=60))

    counts["cases"] = bulk(engine, "incident_case", (
        "id", "reference", "policy_id", "status", "phase", "caller_name", "contact_phone", "first_discovered_at",
        "discovery_basis", "reported_at", "discovery_source", "summary", "personal_records_affected", "card_data",
        "sensitive_data", "malicious", "eu_data_subjects", "attack_confirmed", "pmark_holder", "next_due_at",
        "coordinator_id", "created_by_id", "created_at", "closed_at"), case_rows())

    def deadline_rows():
        for c in cases():
            disc, reported = c["disc"], c["disc"] + dt.timedelta(hours=2)
            for k, kind in enumerate(KINDS):
                due = met = None
                if kind == "insurer_emergency_notice":
                    status, due, met = "met", disc + dt.timedelta(days=30), reported
                elif kind == "appi_preliminary":
                    if _missed(c):
                        status, due = "missed", now - dt.timedelta(days=1)
                    else:
                        status, due, met = "met", disc + dt.timedelta(days=5), disc + dt.timedelta(days=2)
                elif c["open"] and kind in OPEN_KINDS:
                    status, due = "open", _due(c, kind, now)
                elif kind == "appi_final":
                    status, due, met = "met", disc + dt.timedelta(days=30), disc + dt.timedelta(days=20)
                else:
                    status = "not_applicable"
                yield ((c["id"] - 1) * 6 + k + 1, c["id"], kind, status, due, None, disc, met, now)

    counts["deadlines"] = bulk(engine, "deadline", (
        "id", "case_id", "kind", "status", "due_at", "last_day", "starts_at", "met_at", "updated_at"),
        deadline_rows())

    def phase_rows():
        for c in cases():
            disc = c["disc"]
            for p, key in enumerate(PHASES):
                if not c["open"]:
                    status, started, ended = "done", disc + dt.timedelta(days=p), disc + dt.timedelta(days=p + 1)
                elif p < 2:
                    status, started, ended = "done", disc + dt.timedelta(hours=2 + p), disc + dt.timedelta(hours=3 + p)
                elif p == 2:
                    status, started, ended = "active", disc + dt.timedelta(hours=4), None
                else:
                    status, started, ended = "not_started", None, None
                yield ((c["id"] - 1) * 9 + p + 1, c["id"], key, p, status, started, ended)

    counts["phases"] = bulk(engine, "case_phase",
                            ("id", "case_id", "key", "position", "status", "started_at", "ended_at"), phase_rows())

    def task_rows():
        from workflows.tasks import checklist

        n = 0
        for c in cases():
            if not c["open"]:
                continue
            start = c["disc"] + dt.timedelta(hours=2)
            for item in checklist("intake", {"eu_data_subjects": c["id"] % 10 == 0, "personal_records_affected": 50,
                                             "card_data": c["id"] % 7 == 0}, start):
                n += 1
                yield (n, c["id"], "intake", item["template_key"], item["title"],
                       item["owner_role"], item["cost_category"], item["due_at"], "done",
                       start + dt.timedelta(hours=1), start)

    counts["tasks"] = bulk(engine, "case_task", (
        "id", "case_id", "phase_key", "template_key", "title", "owner_role", "cost_category",
        "due_at", "status", "done_at", "created_at"), task_rows())

    def reminder_rows():
        n = 0
        for c in cases():
            if not c["open"]:
                continue
            slots = [(kind, label, delta, phone, role) for kind in OPEN_KINDS for label, delta in OFFSETS
                     for phone, role in ((coordinator_phone, "coordinator"), (f"+8190{c['id']:08d}", "contact"))]
            for kind, label, delta, phone, role in slots[:REMINDERS_PER_OPEN_CASE]:
                n += 1
                due = _due(c, kind, now)
                yield (n, (c["id"] - 1) * 6 + KINDS.index(kind) + 1, c["id"], label, due, due - delta, "sms", phone,
                       role, "pending", now)

    counts["pending_reminders"] = bulk(engine, "reminder", (
        "id", "deadline_id", "case_id", "offset_label", "for_due_at", "send_at", "channel", "recipient",
        "recipient_role", "status", "created_at"), reminder_rows())

    def audit_rows():
        for c in cases():
            yield (c["disc"] + dt.timedelta(hours=2), operator, "ベンチoperator", c["id"], "case", c["id"],
                   "case_opened", json.dumps({"reference": c["reference"], "policy": "BENCH"}))

    counts["audit_events"] = bulk(engine, "audit_event", (
        "at", "actor_id", "actor", "case_id", "entity", "entity_id", "kind", "params"),
        audit_rows())
    loaded = time.perf_counter() - t0

    with engine.begin() as conn:  # the year counters continue after the loaded references
        conn.execute(sa.text("delete from case_reference_counter"))
        conn.execute(sa.text("insert into case_reference_counter (year, last) select cast(substr(reference, 4, 4) "
                             "as integer), count(*) from incident_case group by substr(reference, 4, 4)"))
        if engine.dialect.name == "postgresql":
            for table in ("incident_case", "deadline", "case_phase", "case_task", "reminder"):
                conn.execute(sa.text(f"select setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"coalesce((select max(id) from {table}), 1))"))
    analyze(engine)
    t1 = time.perf_counter()
    with Session(engine, expire_on_commit=False) as s:  # what `init-db` does: it must find nothing to complete
        completed = backfill(s)
    backfill_s = time.perf_counter() - t1
    if completed:
        raise SystemExit(f"the backfill completed {completed} bulk-loaded cases: the bulk rows are incomplete")
    rnd = random.Random(13)
    with engine.connect() as conn:  # open cases only: a closed case refuses changes (409 case_closed)
        open_refs = list(conn.execute(sa.text("select reference from incident_case where status = 'open' "
                                              "order by id")).scalars())
    refs = sorted(rnd.sample(open_refs, min(2000, len(open_refs))))
    facts.update(scale=SCALE, built_at=now.isoformat(), counts=counts, sample_references=refs,
                 load_seconds=round(loaded, 1), total_seconds=round(time.perf_counter() - t0, 1),
                 backfill_seconds=round(backfill_s, 1), backfill_completed=completed)
    with engine.begin() as conn:
        conn.execute(sa.text("create table bench_dataset (facts text not null)"))
        conn.execute(sa.text("insert into bench_dataset (facts) values (:f)"), {"f": json.dumps(facts)})
    engine.dispose()
    return facts


def analyze(engine: sa.Engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))


def existing(url: str) -> dict | None:
    """The facts of a data set already in that database at this scale, migrated to the newest schema; else None."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            facts = json.loads(conn.execute(sa.text("select facts from bench_dataset")).scalar_one())
    except Exception:  # noqa: BLE001 - no database, no table: nothing to reuse
        return None
    finally:
        engine.dispose()
    age = dt.datetime.now(UTC) - dt.datetime.fromisoformat(facts["built_at"])
    if facts.get("scale") != SCALE or age > MAX_AGE:
        return None
    upgrade_schema(url)  # the schema of today's code (a migration on a million rows is part of the story)
    return facts


def ensure(url: str, *, reuse: bool) -> dict:
    facts = existing(url) if reuse else None
    if facts is not None:
        print(f"  data set: reusing {facts['counts']['cases']:,} cases in {_where(url)} (built {facts['built_at']})",
              flush=True)
        return facts
    print(f"  data set: building {sizes()['cases']:,} cases in {_where(url)} ...", flush=True)
    facts = build(url)
    c = facts["counts"]
    print(f"  data set: {c['cases']:,} cases, {c['deadlines']:,} deadlines, {c['phases']:,} phases, "
          f"{c['tasks']:,} tasks, {c['pending_reminders']:,} pending reminders, {c['audit_events']:,} audit events "
          f"in {facts['load_seconds']} s; the init-db backfill found {facts['backfill_completed']} to complete "
          f"({facts['backfill_seconds']} s); {facts['total_seconds']} s in all", flush=True)
    return facts


def _where(url: str) -> str:
    u = sa.make_url(url)
    return f"PostgreSQL database {u.database!r}" if backend_of(url) == "postgresql" else u.database
