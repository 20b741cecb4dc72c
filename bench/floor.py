"""The floor: what each measured request costs at the least, on the same database and tables, so the product's
figures can be read as a ratio to it. A bare Flask app with SQLAlchemy Core statements on the product's tables
(their column types, so instants are stored as the product stores them), served by the same gunicorn settings;
and a bare reminder sender for the clock figure.

    gunicorn "bench.floor:create_app()"            # DATABASE_URL as for the product
    python -m bench.floor clock                    # the bare sender, one tick a second

Each endpoint checks the bearer token as the product must (one indexed join: token → active user), then runs
the smallest statements that answer the same question:
  POST /floor/cases             one case-like INSERT and one audit INSERT, one transaction
  GET  /floor/cases             the 100 newest cases with policy and organisation (an index walk on the key)
  GET  /floor/cases?q=REF       the case of that reference (a unique-index lookup)
  GET  /floor/cases/REF/lines   the case's cost lines, as JSON (what the coverage of one case must read)
  POST /floor/login, GET /floor/dashboard
                                a signed-cookie session; the 50 open cases nearest their deadline (the
                                (status, next_due_at) index), rendered by one Jinja template
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import sys
import threading
import time
from contextlib import nullcontext

import sqlalchemy as sa
from flask import Flask, abort, jsonify, request, session

from hotline.audit.models import AuditEvent
from hotline.auth.models import ApiToken, User
from hotline.cases.models import Case
from hotline.costs.models import CostLine
from hotline.orgs.models import Organization, Policy
from hotline.outbox.models import OutboxMessage

UTC = dt.UTC
case_t, audit_t, token_t, user_t = Case.__table__, AuditEvent.__table__, ApiToken.__table__, User.__table__
policy_t, org_t, line_t = Policy.__table__, Organization.__table__, CostLine.__table__

TOKEN_USER = (sa.select(user_t.c.id, user_t.c.email, user_t.c.role).join(token_t, token_t.c.user_id == user_t.c.id)
              .where(token_t.c.token_hash == sa.bindparam("h"), token_t.c.revoked_at.is_(None),
                     user_t.c.is_active.is_(True)))
LISTED = (sa.select(case_t, policy_t.c.policy_number, policy_t.c.organization_id, org_t.c.name.label("organization_name"))
          .join(policy_t, policy_t.c.id == case_t.c.policy_id).join(org_t, org_t.c.id == policy_t.c.organization_id))
DASHBOARD = """<!doctype html><html lang="ja"><meta charset="utf-8"><title>floor</title><table>
{% for r in rows %}<tr><td>{{ r.reference }}</td><td>{{ r.organization_name }}</td>
<td>{{ r.next_due_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") }}</td><td>{{ r.summary[:60] }}</td></tr>
{% endfor %}</table></html>"""


def engine_for(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # the product's, so both pay the same foreign-key checks
            dbapi_conn.execute("PRAGMA foreign_keys=ON")
            dbapi_conn.execute("PRAGMA journal_mode=WAL")
            dbapi_conn.execute("PRAGMA busy_timeout=30000")

        return engine
    return sa.create_engine(url, pool_size=10, max_overflow=20)


def _json(row) -> dict:
    return {k: (v.isoformat() if isinstance(v, dt.datetime | dt.date) else v) for k, v in row._mapping.items()}


def create_app(url: str | None = None) -> Flask:
    from workflows.calendar import TOKYO

    app = Flask(__name__)
    app.secret_key = os.environ.get("SECRET_KEY", "floor")
    engine = app.extensions["floor.engine"] = engine_for(url or os.environ["DATABASE_URL"])
    # SQLite has one writer: threads of a worker queue here, as the product's intake does.
    writer = threading.Lock() if engine.dialect.name == "sqlite" else nullcontext()
    dashboard = app.jinja_env.from_string(DASHBOARD)

    def bearer_user(conn=None):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            abort(401)
        with nullcontext(conn) if conn is not None else engine.connect() as c:
            user = c.execute(TOKEN_USER, {"h": hashlib.sha256(token.strip().encode()).hexdigest()}).first()
        if user is None:
            abort(401)
        return user

    @app.get("/login")
    def up():
        return "floor"

    @app.post("/floor/cases")
    def intake():
        body = request.get_json()
        try:
            disc = dt.datetime.fromisoformat(body["first_discovered_at"])
            policy_id, summary = int(body["policy_id"]), str(body["summary"]).strip()
        except (KeyError, TypeError, ValueError):
            abort(422)
        if disc.tzinfo is None or not summary:
            abort(422)
        now = dt.datetime.now(UTC)
        reference = f"FL-{secrets.token_hex(8)}"
        with writer, engine.begin() as conn:  # one transaction: the token check, the case, the audit entry
            user = bearer_user(conn)
            case_id = conn.execute(case_t.insert().returning(case_t.c.id), {
                "reference": reference, "policy_id": policy_id, "status": "open", "phase": "intake",
                "caller_name": body.get("caller_name") or "", "contact_phone": body.get("contact_phone"),
                "first_discovered_at": disc, "discovery_basis": "caller_statement", "reported_at": now,
                "discovery_source": "internal", "summary": summary,
                "personal_records_affected": body.get("personal_records_affected"),
                "card_data": bool(body.get("card_data")), "sensitive_data": bool(body.get("sensitive_data")),
                "malicious": bool(body.get("malicious")), "eu_data_subjects": bool(body.get("eu_data_subjects")),
                "attack_confirmed": "unknown", "pmark_holder": False, "created_by_id": user.id,
                "created_at": now}).scalar_one()
            conn.execute(audit_t.insert(), {"at": now, "actor_id": user.id, "actor": user.email, "case_id": case_id,
                                            "entity": "case", "entity_id": case_id, "kind": "case_opened",
                                            "params": {"reference": reference, "policy": str(policy_id)}})
        return jsonify({"id": case_id, "reference": reference}), 201

    @app.get("/floor/cases")
    def cases():
        bearer_user()
        q = request.args.get("q", "").strip()
        query = LISTED.where(case_t.c.reference == q) if q else LISTED.order_by(case_t.c.id.desc())
        with engine.connect() as conn:
            rows = conn.execute(query.limit(100)).all()
        return jsonify([_json(r) for r in rows])

    @app.get("/floor/cases/<reference>/lines")
    def lines(reference: str):
        bearer_user()
        case_id = sa.select(case_t.c.id).where(case_t.c.reference == reference).scalar_subquery()
        with engine.connect() as conn:
            rows = conn.execute(sa.select(line_t.c.id, line_t.c.category, line_t.c.amount_jpy, line_t.c.arose_on,
                                          line_t.c.victims, line_t.c.consent_ref, line_t.c.ordered_at)
                                .where(line_t.c.case_id == case_id, line_t.c.removed_at.is_(None))).all()
        return jsonify({"reference": reference, "lines": [_json(r) for r in rows]})

    @app.post("/floor/login")
    def login():
        session["uid"] = bearer_user().id
        return "", 204

    @app.get("/floor/dashboard")
    def board():
        if "uid" not in session:
            abort(401)
        with engine.connect() as conn:
            if conn.execute(sa.select(user_t.c.id).where(user_t.c.id == session["uid"],
                                                         user_t.c.is_active.is_(True))).first() is None:
                abort(401)
            rows = conn.execute(LISTED.where(case_t.c.status == "open", case_t.c.next_due_at.is_not(None))
                                .order_by(case_t.c.status, case_t.c.next_due_at).limit(50)).all()
        return dashboard.render(rows=rows, tz=TOKYO)

    return app


# --- the bare reminder sender ----------------------------------------------------------------------------

def send_due(engine: sa.Engine, now: dt.datetime, batch: int = 1000) -> int:
    """Claim up to `batch` due reminders in one statement, write their outbox rows in one multi-row INSERT,
    commit. Returns how many."""
    from hotline.deadlines.models import Reminder

    rem_t, out_t = Reminder.__table__, OutboxMessage.__table__
    due = (sa.select(rem_t.c.id).where(rem_t.c.status == "pending", rem_t.c.send_at <= now)
           .order_by(rem_t.c.send_at).limit(batch))
    if engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    with engine.begin() as conn:
        claimed = conn.execute(sa.update(rem_t).where(rem_t.c.id.in_(due.scalar_subquery()))
                               .values(status="sent", claimed_at=now, sent_at=now)
                               .returning(rem_t.c.id, rem_t.c.case_id, rem_t.c.recipient, rem_t.c.channel)).all()
        if claimed:
            at = dt.datetime.now(UTC)
            conn.execute(out_t.insert(), [{"channel": ch, "to": to, "body": f"reminder {rid}", "status": "queued",
                                           "adapter": "outbox", "case_id": cid, "source": f"reminder:{rid}",
                                           "created_at": at} for rid, cid, to, ch in claimed])
    return len(claimed)


def clock(url: str, tick: float = 1.0) -> None:
    """Every `tick` seconds, send every due reminder in batches; until SIGTERM."""
    import signal

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    engine = engine_for(url)
    while not stop.is_set():
        started = time.monotonic()
        while send_due(engine, dt.datetime.now(UTC)):
            pass
        stop.wait(max(0.0, tick - (time.monotonic() - started)))
    engine.dispose()


if __name__ == "__main__":
    if sys.argv[1:] != ["clock"]:
        raise SystemExit("usage: python -m bench.floor clock   (DATABASE_URL in the environment)")
    clock(os.environ["DATABASE_URL"], float(os.environ.get("CLOCK_TICK_SECONDS", "1")))
