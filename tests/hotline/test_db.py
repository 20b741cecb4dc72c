"""Instants are stored in UTC and come back aware on both databases; naive datetimes are refused."""
import datetime as dt

import pytest
import sqlalchemy as sa
from sqlmodel import select

from hotline.orgs.models import Policy
from tests.support import jst


def test_tokyo_0830_round_trips_as_the_same_instant(db, factory):
    org = factory.org()
    start = jst(2026, 4, 10, 8, 30)  # = 2026-04-09 23:30 UTC, the previous day in UTC
    policy = factory.policy(org, start=start, end=jst(2027, 4, 10, 8, 30))
    db.expire_all()
    loaded = db.get(Policy, policy.id)
    assert loaded.period_start == start
    assert loaded.period_start.tzinfo is not None
    assert loaded.period_start.utcoffset() == dt.timedelta(0)
    assert loaded.period_start.astimezone(dt.UTC) == dt.datetime(2026, 4, 9, 23, 30, tzinfo=dt.UTC)


def test_comparisons_use_the_instant_not_the_wall_clock(db, factory):
    org = factory.org()
    factory.policy(org, start=jst(2026, 4, 10, 8, 30), end=jst(2027, 1, 1))
    # 23:00 UTC on the 9th is 08:00 JST on the 10th: before the start.
    before = dt.datetime(2026, 4, 9, 23, 0, tzinfo=dt.UTC)
    after = dt.datetime(2026, 4, 9, 23, 45, tzinfo=dt.UTC)
    assert db.exec(select(Policy).where(Policy.period_start > before)).first() is not None
    assert db.exec(select(Policy).where(Policy.period_start > after)).first() is None


def test_naive_datetime_is_refused(db, factory):
    org = factory.org()
    db.add(Policy(organization_id=org.id, product="tm-juas-2026", plan="A", policy_number="NAIVE-1",
                  period_start=dt.datetime(2026, 3, 1, 16, 0), period_end=jst(2027, 3, 1, 16, 0)))
    with pytest.raises(sa.exc.StatementError, match="naive"):
        db.flush()
    db.rollback()


def test_audit_log_is_append_only_in_the_database(db, factory):
    from hotline.audit.models import AuditEvent

    factory.user("operator")  # creating a user writes an audit row
    event = db.exec(select(AuditEvent)).first()
    with pytest.raises(sa.exc.DatabaseError):
        db.execute(sa.text("UPDATE audit_event SET summary = 'tampered' WHERE id = :id"), {"id": event.id})
        db.flush()
    db.rollback()
    with pytest.raises(sa.exc.DatabaseError):
        db.execute(sa.text("DELETE FROM audit_event WHERE id = :id"), {"id": event.id})
        db.flush()
    db.rollback()


def test_claim_wins_once(db, factory):
    from hotline.db import claim, utcnow
    from hotline.outbox.models import OutboxMessage

    row = OutboxMessage(channel="sms", to="+819012345678", body="x")
    db.add(row)
    db.commit()
    assert claim(db, OutboxMessage, row.id, column="provider_id", value="first") is True
    assert claim(db, OutboxMessage, row.id, column="provider_id", value="second") is False
    db.commit()
    db.expire_all()
    assert db.get(OutboxMessage, row.id).provider_id == "first"
    assert utcnow().tzinfo is not None


def test_a_database_url_with_a_percent_sign_migrates(tmp_path):
    """Alembic's configuration interpolates '%': an encoded password or socket path must still work."""
    from hotline.db import upgrade_schema

    folder = tmp_path / "100%_sure"
    folder.mkdir()
    upgrade_schema(f"sqlite:///{folder}/hotline.sqlite")
    assert (folder / "hotline.sqlite").stat().st_size > 0
