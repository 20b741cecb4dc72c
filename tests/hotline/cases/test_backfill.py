"""Cases without deadlines or phases (older databases, rows loaded in bulk) are completed once, by `init-db`,
exactly as intake would have opened them; pages and the API only read."""
import datetime as dt

from sqlmodel import select

from hotline.cases.models import Case
from hotline.cases.service import backfill
from hotline.deadlines.models import Deadline, Reminder
from hotline.phases.models import CasePhase, CaseTask
from tests.support import jst
from workflows.deadlines import KINDS
from workflows.phases import PHASE_KEYS


def bare_case(db, policy, n, **facts) -> Case:
    """A case row and nothing else, as an older database or the benchmark's bulk load has it."""
    case = Case(reference=f"CY-2026-{800000 + n:06d}", policy_id=policy.id, caller_name="山田", summary="x",
                first_discovered_at=jst(2026, 4, 10, 23, 30), reported_at=jst(2026, 4, 11, 0, 15), **facts)
    db.add(case)
    db.commit()
    return case


def test_backfill_gives_each_case_what_intake_gives_it_once(db, factory):
    policy = factory.policy()
    coordinator = factory.user("coordinator", phone="+819011112222")
    now = jst(2026, 4, 11, 9, 0)
    gdpr = bare_case(db, policy, 1, eu_data_subjects=True, coordinator_id=coordinator.id)
    plain = bare_case(db, policy, 2)
    assert backfill(db, now=now, batch=1) == 2  # batches of one: both cases, each in its own commit
    for case in (gdpr, plain):
        assert {d.kind for d in db.exec(select(Deadline).where(Deadline.case_id == case.id))} == set(KINDS)
        phases = db.exec(select(CasePhase).where(CasePhase.case_id == case.id).order_by(CasePhase.position)).all()
        assert [p.key for p in phases] == list(PHASE_KEYS)
        assert (phases[0].status, phases[0].started_at) == ("active", jst(2026, 4, 11, 0, 15))
        tasks = db.exec(select(CaseTask).where(CaseTask.case_id == case.id)).all()
        assert {t.template_key for t in tasks} == {"record_call", "assign_coordinator", "confirm_policy"}
    # the GDPR clock (72 h from 2026-04-10 23:30 JST) is open at `now`: its reminders are scheduled
    due = db.exec(select(Deadline).where(Deadline.case_id == gdpr.id, Deadline.kind == "gdpr_authority")).one()
    assert due.status == "open" and due.due_at == jst(2026, 4, 13, 23, 30)
    assert {r.send_at for r in db.exec(select(Reminder).where(Reminder.case_id == gdpr.id))} == {
        due.due_at - dt.timedelta(days=1), due.due_at - dt.timedelta(hours=4), now}  # 3d before: past, at once
    assert db.get(Case, gdpr.id).next_due_at == due.due_at
    assert backfill(db, now=now) == 0  # a second run finds nothing to do


def test_a_case_missing_only_its_phases_keeps_its_deadlines(db, factory):
    case = factory.case()  # complete
    for row in [*db.exec(select(CaseTask).where(CaseTask.case_id == case.id)),
                *db.exec(select(CasePhase).where(CasePhase.case_id == case.id))]:
        db.delete(row)
    db.commit()
    ids = {d.id for d in db.exec(select(Deadline).where(Deadline.case_id == case.id))}
    assert backfill(db) == 1
    assert {d.id for d in db.exec(select(Deadline).where(Deadline.case_id == case.id))} == ids
    assert len(db.exec(select(CasePhase).where(CasePhase.case_id == case.id)).all()) == 9


def test_init_db_runs_the_backfill(app, db, factory):
    bare_case(db, factory.policy(), 3)
    runner = app.test_cli_runner()
    out = runner.invoke(args=["init-db"])
    assert out.exit_code == 0 and "1 older cases were given their deadlines and phases" in out.output, out.output
    out = runner.invoke(args=["init-db"])
    assert out.exit_code == 0 and out.output.strip() == "Schema is up to date."
