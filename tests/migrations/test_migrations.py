"""The schema comes from Alembic: empty → head on both databases, the models match it, twice is safe."""
import os
import subprocess
import sys
import uuid

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

import hotline.models  # noqa: F401
from hotline.db import alembic_config, upgrade_schema

PG_URL = os.environ.get("TEST_DATABASE_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
        return
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"hotline_mig_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_empty_to_head_matches_the_models_and_is_idempotent(empty_url):
    upgrade_schema(empty_url)
    upgrade_schema(empty_url)  # twice is safe
    engine = sa.create_engine(empty_url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        heads = set(ScriptDirectory.from_config(alembic_config(empty_url)).get_heads())
        assert set(ctx.get_current_heads()) == heads
        diff = compare_metadata(ctx, SQLModel.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


def test_downgrade_to_base_and_back(empty_url):
    upgrade_schema(empty_url)
    command.downgrade(alembic_config(empty_url), "base")
    upgrade_schema(empty_url)


def test_init_db_command_twice(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}", "SECRET_KEY": "x"}
    for _ in range(2):
        out = subprocess.run([sys.executable, "-m", "flask", "--app", "hotline", "init-db"], env=env,
                             capture_output=True, text=True, check=True)
        assert "up to date" in out.stdout


def test_0008_makes_the_insurer_notice_of_a_product_without_the_rule_not_applicable(empty_url):
    """Rows written before the 30-day rule read the product: a Sompo case's 'met' insurer notice becomes
    not_applicable with the rule's own text and a timeline entry; its pending reminders go; TM is untouched."""
    import datetime as dt

    from hotline.i18n import render
    from workflows.deadlines import insurer_emergency_notice
    from workflows.facts import CaseFacts

    cfg = alembic_config(empty_url)
    command.upgrade(cfg, "0007")
    engine = sa.create_engine(empty_url)
    t = sa.MetaData()
    t.reflect(engine)
    at = dt.datetime(2026, 4, 10, 14, 30, tzinfo=dt.UTC)  # 23:30 JST
    told, due = at + dt.timedelta(minutes=45), dt.datetime(2026, 5, 10, 15, 0, tzinfo=dt.UTC)  # 05-11 00:00 JST
    with engine.begin() as conn:
        org = conn.execute(t.tables["organization"].insert().values(name="x", created_at=at)).inserted_primary_key[0]
        cases = {}
        for product, plan in (("tm-juas-2026", "A"), ("sj-cyber-2018", "individual")):
            policy = conn.execute(t.tables["policy"].insert().values(
                organization_id=org, product=product, plan=plan, policy_number=product, period_start=at,
                period_end=at + dt.timedelta(days=365), created_at=at)).inserted_primary_key[0]
            cases[product] = conn.execute(t.tables["incident_case"].insert().values(
                reference=f"CY-2026-00000{len(cases) + 1}", policy_id=policy, status="open", phase="intake",
                caller_name="", first_discovered_at=at, discovery_basis="caller_statement", reported_at=told,
                discovery_source="internal", summary="x", card_data=False, sensitive_data=False, malicious=False,
                eu_data_subjects=False, attack_confirmed="unknown", created_at=at)).inserted_primary_key[0]
        deadline = t.tables["deadline"]
        old = {"kind": "insurer_emergency_notice", "status": "met", "due_at": due, "last_day": dt.date(2026, 5, 10),
               "starts_at": at, "met_at": told, "rule": "Decision I-5 (DOMAIN C.3): …", "updated_at": at}
        ids = {p: conn.execute(deadline.insert().values(case_id=c, **old)).inserted_primary_key[0]
               for p, c in cases.items()}
        appi = conn.execute(deadline.insert().values(case_id=cases["sj-cyber-2018"], kind="appi_final",
                                                     status="open", due_at=due, rule="I-10",
                                                     updated_at=at)).inserted_primary_key[0]
        for status in ("pending", "sent"):
            conn.execute(t.tables["reminder"].insert().values(
                deadline_id=ids["sj-cyber-2018"], case_id=cases["sj-cyber-2018"], offset_label=status,
                for_due_at=due, send_at=at, channel="sms", recipient="+81300009001", recipient_role="contact",
                status=status, created_at=at))

    command.upgrade(cfg, "0008_thirty_day_rule")
    with engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(sa.select(deadline))}
        reminders = [r.status for r in conn.execute(sa.select(t.tables["reminder"]))]
        events = conn.execute(sa.select(t.tables["audit_event"])).all()
    engine.dispose()
    sompo = rows[ids["sj-cyber-2018"]]
    expected = insurer_emergency_notice(CaseFacts(first_discovered_at=at, reported_at=told), None, "sj-cyber-2018")
    assert (sompo.status, sompo.due_at, sompo.last_day, sompo.starts_at, sompo.met_at) == \
        ("not_applicable", None, None, None, None)
    assert sompo.rule == render(expected.rule, "en")  # the very text the rule gives such a case now
    tm = rows[ids["tm-juas-2026"]]
    assert (tm.status, tm.last_day, tm.rule) == ("met", dt.date(2026, 5, 10), old["rule"])
    assert rows[appi].status == "open"
    assert reminders == ["sent"]
    assert [(e.case_id, e.kind, e.field, e.old, e.new, e.actor) for e in events] == [
        (cases["sj-cyber-2018"], "deadline_changed", "insurer_emergency_notice", "met, last day 2026-05-10",
         "not_applicable", "system")]
    assert "sj-cyber-2018" in events[0].summary and events[0].summary_ja
    upgrade_schema(empty_url)  # on to head, and again: nothing more changes
    upgrade_schema(empty_url)
