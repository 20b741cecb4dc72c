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
from hotline.db import alembic_config, in_models, upgrade_schema

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
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": in_models})
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


def test_0009_keeps_what_happened_and_drops_the_sentences(empty_url):
    """Rows written the old way (English and Japanese sentences) get their parameters, from the row itself and
    the rows it names; a sentence that cannot be taken apart stays as the legacy text of the same kind; the
    overdue-task reminder's old sentence, which named the recipient's address, keeps no address. Deadlines
    lose their stored rule text, tasks their second title; users and cases gain their languages."""
    import datetime as dt
    from types import SimpleNamespace

    from hotline.i18n import render
    from hotline.timeline.render import summary
    from workflows.text import from_json

    cfg = alembic_config(empty_url)
    command.upgrade(cfg, "0008_thirty_day_rule")
    engine = sa.create_engine(empty_url)
    t = sa.MetaData()
    t.reflect(engine)
    at = dt.datetime(2026, 4, 10, 14, 30, tzinfo=dt.UTC)
    with engine.begin() as conn:
        def insert(table, **values):
            return conn.execute(t.tables[table].insert().values(**values)).inserted_primary_key[0]

        org = insert("organization", name="サンプル商事", created_at=at)
        policy = insert("policy", organization_id=org, product="tm-juas-2026", plan="A", policy_number="P-1",
                        period_start=at, period_end=at + dt.timedelta(days=365), created_at=at)
        case = insert("incident_case", reference="CY-2026-000001", policy_id=policy, status="open",
                      phase="intake", caller_name="", first_discovered_at=at, discovery_basis="caller_statement",
                      reported_at=at, discovery_source="internal", summary="x", card_data=False,
                      sensitive_data=False, malicious=False, eu_data_subjects=False, attack_confirmed="unknown",
                      created_at=at)
        user = insert("app_user", email="co@hotline.example", display_name="", password_hash="x",
                      role="coordinator", is_active=True, session_version=1, created_at=at)
        line = insert("cost_line", case_id=case, category="system_restoration", amount_jpy=400000,
                      arose_on=dt.date(2026, 4, 15), note="", created_at=at, updated_at=at)
        generated = insert("case_task", case_id=case, phase_key="intake", template_key="record_call",
                           title_en="Record the call and the facts", title_ja="受付内容と事実の記録", status="open",
                           created_at=at)
        typed = insert("case_task", case_id=case, phase_key="recovery", template_key=None,
                       title_en="Call the vendor back", title_ja="業者へ折り返し", status="open", created_at=at)
        insert("deadline", case_id=case, kind="appi_final", status="open", rule="Decision I-10 (DOMAIN G.1): …",
               updated_at=at)

        def event(kind, summary, summary_ja=None, entity="case", entity_id=None, **kw):
            return insert("audit_event", at=at, actor="clock", case_id=case, entity=entity, entity_id=entity_id,
                          kind=kind, summary=summary, summary_ja=summary_ja, **kw)

        ids = {
            "opened": event("case_opened", "Case CY-2026-000001 opened on policy P-1", "案件CY-2026-000001を受付"),
            "fact": event("fact_changed", "malicious changed", "事実を変更：malicious", field="malicious",
                          old="false", new="true"),
            "missed": event("deadline_missed", "APPI final report to the PPC was due 2026-05-10 00:00 JST and is "
                                               "not met", entity="deadline", field="appi_final"),
            "reminded": event("reminder_sent", "Reminder (4h before) for APPI final report to the PPC sent to the "
                                               "coordinator by outbox (queued)", entity="reminder",
                              field="appi_final", new="coordinator"),
            "task_reminded": event("reminder_sent", "Overdue task reminder sent to co@hotline.example: Record the "
                                                    "call and the facts", "期限超過タスクのリマインダーを送信：受付内容と事実の記録",
                                   entity="case_task", entity_id=generated, field="record_call"),
            "note": event("note_added", "被保険者から電話"),
            "cost": event("cost_recorded", "Cost recorded: ⑤ コンピュータシステム復旧費用 ¥400,000 (arose 2026-04-15, "
                                           f"line {line})", entity="cost_line", entity_id=line, field="amount_jpy",
                          new="400000"),
            "skipped": event("phase_skipped", "Phase skipped: Call center (被害者なし)", entity="case_phase",
                             field="call_center", old="not_started", new="skipped"),
            "done": event("task_done", "Task done: Call the vendor back", entity="case_task", entity_id=typed,
                          field="task", old="open", new="done"),
            "escalated": event("dispatch_escalated", "LAC (当番) did not answer by 04/11 10:00; passing to the next "
                                                     "vendor, IIJ", "LAC（当番）から04/11 10:00までに回答なし。次の業者（IIJ）へ",
                               entity="dispatch", entity_id=1),
        }

    command.upgrade(cfg, "0009_audit_params")
    t = sa.MetaData()
    t.reflect(engine)
    assert {"summary", "summary_ja"}.isdisjoint(t.tables["audit_event"].c.keys())
    assert "rule" not in t.tables["deadline"].c.keys()
    assert {"title_en", "title_ja"}.isdisjoint(t.tables["case_task"].c.keys())
    with engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(sa.select(t.tables["audit_event"]))}
        titles = dict(conn.execute(sa.select(t.tables["case_task"].c.id, t.tables["case_task"].c.title)).all())
        language = conn.execute(sa.select(t.tables["app_user"].c.language).where(t.tables["app_user"].c.id == user))
        contact = conn.execute(sa.select(t.tables["incident_case"].c.contact_language))
        language, contact = language.scalar_one(), contact.scalar_one()
    params = {name: rows[i].params for name, i in ids.items()}
    assert params["opened"] == {"reference": "CY-2026-000001", "policy": "P-1"}
    assert params["fact"] == {} and params["note"] == {"text": "被保険者から電話"}
    assert params["missed"] == {"due_at": {"instant": "2026-05-10T00:00:00+09:00"}}
    assert params["reminded"] == {"offset": "4h", "adapter": "outbox", "status": "queued"}
    assert params["task_reminded"] == {"phase": "intake", "title": "Record the call and the facts", "sent": True}
    assert "hotline.example" not in str(params)  # the old sentence named the address an insured read
    assert params["skipped"] == {"reason": "被害者なし"}
    assert params["escalated"]["legacy"] == {
        "en": "LAC (当番) did not answer by 04/11 10:00; passing to the next vendor, IIJ",
        "ja": "LAC（当番）から04/11 10:00までに回答なし。次の業者（IIJ）へ"}
    assert titles == {generated: "Record the call and the facts", typed: "Call the vendor back / 業者へ折り返し"}
    assert (language, contact) == (None, "ja")

    def reads(name, lang):
        row = rows[ids[name]]
        said = summary(SimpleNamespace(**row._mapping))
        return said(lang) if callable(said) else render(said, lang)

    assert reads("opened", "en") == "Case CY-2026-000001 opened on policy P-1"
    assert reads("opened", "ja") == "案件CY-2026-000001を受付（保険契約P-1）"
    assert reads("missed", "ja") == "個人情報保護委員会への確報：期限2026年5月10日 0:00を過ぎ、未了です"
    assert reads("task_reminded", "ja") == "期限超過タスクのリマインダーを送信：受付内容と事実の記録"
    assert reads("cost", "en") == (f"Cost recorded: ⑤ Computer-system restoration ¥400,000 (arose 2026-04-15, "
                                   f"line {line})")
    assert reads("cost", "ja") == f"費用を記録：⑤ コンピュータシステム復旧費用 ¥400,000（2026-04-15発生、明細{line}）"
    assert reads("escalated", "ja").startswith("LAC（当番）から") and reads("escalated", "en").startswith("LAC (当番)")
    assert from_json(params["cost"]["cost"]).params["line"] == line
    with engine.connect() as conn, pytest.raises(sa.exc.DatabaseError):  # still append-only
        conn.execute(sa.text("UPDATE audit_event SET kind = 'x'"))
    engine.dispose()
    command.downgrade(cfg, "0008_thirty_day_rule")  # and back: the sentences return as their legacy texts
    upgrade_schema(empty_url)


def test_0018_clears_a_consent_an_insured_recorded_and_says_so(empty_url):
    """Only the hotline records the insurer's consent (issue 14): a line whose consent was last recorded by an
    insured loses it, with a timeline entry; a consent recorded by staff, even after an insured's, stays."""
    import datetime as dt

    cfg = alembic_config(empty_url)
    command.upgrade(cfg, "0011_portal")
    engine = sa.create_engine(empty_url)
    t = sa.MetaData()
    t.reflect(engine)
    at = dt.datetime(2026, 4, 10, 14, 30, tzinfo=dt.UTC)
    with engine.begin() as conn:
        org = conn.execute(t.tables["organization"].insert().values(name="x", created_at=at)).inserted_primary_key[0]
        policy = conn.execute(t.tables["policy"].insert().values(
            organization_id=org, product="tm-juas-2026", plan="A", policy_number="P-1", period_start=at,
            period_end=at + dt.timedelta(days=365), created_at=at)).inserted_primary_key[0]
        case = conn.execute(t.tables["incident_case"].insert().values(
            reference="CY-2026-000001", policy_id=policy, status="open", phase="intake", caller_name="",
            first_discovered_at=at, discovery_basis="caller_statement", reported_at=at, discovery_source="internal",
            summary="x", card_data=False, sensitive_data=False, malicious=False, eu_data_subjects=False,
            attack_confirmed="unknown", created_at=at)).inserted_primary_key[0]
        users = {role: conn.execute(t.tables["app_user"].insert().values(
            email=f"{role}@example.jp", display_name="", password_hash="x", role=role, is_active=True,
            session_version=1, organization_id=org if role == "insured" else None, created_at=at)
        ).inserted_primary_key[0] for role in ("insured", "coordinator")}
        lines = {}
        for name, recorders in (("forged", ["insured"]), ("confirmed", ["insured", "coordinator"]),
                                ("staff", ["coordinator"])):
            lines[name] = conn.execute(t.tables["cost_line"].insert().values(
                case_id=case, category="system_restoration", amount_jpy=1_000_000, arose_on=at.date(),
                consent_ref=f"TM-{name}", consent_on=at.date(), note="", created_at=at, updated_at=at)
            ).inserted_primary_key[0]
            for role in recorders:
                conn.execute(t.tables["audit_event"].insert().values(
                    at=at, actor_id=users[role], actor=role, case_id=case, entity="cost_line",
                    entity_id=lines[name], kind="consent_recorded", params={}, field="consent_ref",
                    new=f"TM-{name}"))
    upgrade_schema(empty_url)
    with engine.connect() as conn:
        refs = {r.id: (r.consent_ref, r.consent_on) for r in conn.execute(sa.select(t.tables["cost_line"]))}
        events = conn.execute(sa.text("SELECT entity_id, kind, field, old, new, actor, internal FROM audit_event "
                                      "WHERE kind = 'cost_changed'")).all()
    engine.dispose()
    assert refs[lines["forged"]] == (None, None)
    assert refs[lines["confirmed"]][0] == "TM-confirmed" and refs[lines["staff"]][0] == "TM-staff"
    assert [tuple(e) for e in events] == [(lines["forged"], "cost_changed", "consent_ref", "TM-forged", None,
                                           "system", False)]
