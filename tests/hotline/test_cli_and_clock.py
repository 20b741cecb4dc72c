"""The command line of the contract, and the clock process starting, ticking and stopping cleanly."""
import os
import signal
import subprocess
import sys
import time

import pytest

from hotline import clock
from tests.support import jst


def _flask(env, *args, check=True):
    return subprocess.run([sys.executable, "-m", "flask", "--app", "hotline", *args], env=env,
                          capture_output=True, text=True, check=check)


@pytest.fixture
def cli_env(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}", "SECRET_KEY": "x",
           "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
    _flask(env, "init-db")
    return env


def test_create_user_and_issue_token(cli_env, tmp_path):
    out = _flask(cli_env, "create-user", "Ops@Example.jp", "--role", "operator", "--password", "long-password-1")
    assert "Created operator ops@example.jp" in out.stdout
    token = _flask(cli_env, "issue-token", "ops@example.jp").stdout.strip().splitlines()[-1]
    assert token.startswith("hl_")
    from hotline import create_app

    app = create_app({"DATABASE_URL": cli_env["DATABASE_URL"], "SECRET_KEY": "x"})
    r = app.test_client().get("/api/v1/organizations", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200


def test_create_user_refuses_bad_input(cli_env):
    out = _flask(cli_env, "create-user", "x@example.jp", "--role", "insured", "--password", "long-password-1",
                 check=False)
    assert out.returncode != 0 and "organization_id" in out.stderr
    out = _flask(cli_env, "create-user", "x@example.jp", "--role", "pilot", "--password", "long-password-1",
                 check=False)
    assert out.returncode != 0
    out = _flask(cli_env, "issue-token", "nobody@example.jp", check=False)
    assert out.returncode != 0 and "no user" in out.stderr


def test_tick_runs_every_job_and_survives_a_failing_one(app, monkeypatch):
    calls = []

    def _boom(app, now):
        raise RuntimeError("a broken job")

    def _count(app, now):
        calls.append(now)
        return 1

    monkeypatch.setattr(clock, "JOBS", (_boom, _count))
    at = jst(2026, 4, 11, 9, 0)
    assert clock.tick(app, now=at) == {f"{__name__}._count": 1}
    assert calls == [at]  # every job runs at the instant the tick was given


def start_clock(database_url: str, log_path) -> subprocess.Popen:
    """`flask --app hotline clock` as production runs it (0.2 s ticks, outbox notifier), logging to a file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWILIO_")}
    env.update(DATABASE_URL=database_url, SECRET_KEY="x", CLOCK_TICK_SECONDS="0.2")
    log = open(log_path, "w")  # a file, not a pipe: a chatty clock can never block on a full pipe
    proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "hotline", "clock"], env=env, stderr=log,
                            stdout=log, text=True)
    proc.log_path = log_path
    log.close()
    return proc


def stop_clock(proc: subprocess.Popen) -> str:
    """SIGTERM, then the clock finishes its tick and exits 0; returns its log."""
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=300)
    log = open(proc.log_path).read()
    assert proc.returncode == 0 and "stopped cleanly" in log, log
    return log


@pytest.mark.slow
def test_clock_process_sends_a_reminder_due_in_a_second_and_stops_cleanly(cli_env, tmp_path):
    """End to end: a real clock process, a reminder due one second after it is written, the outbox row
    observed (never before its send time), then SIGTERM and a clean stop. The wait is long, not tight."""
    import datetime as dt

    from sqlmodel import Session, select

    from hotline import create_app
    from hotline.cases.schemas import CaseIn
    from hotline.cases.service import create_case
    from hotline.db import utcnow
    from hotline.deadlines.models import Reminder
    from hotline.outbox.models import OutboxMessage
    from tests.support import Factory

    app = create_app({"DATABASE_URL": cli_env["DATABASE_URL"], "SECRET_KEY": "x", "TWILIO_ACCOUNT_SID": None})
    with Session(app.extensions["hotline.engine"], expire_on_commit=False) as s:
        factory = Factory(s)
        coordinator = factory.user("coordinator", phone="+819000000001")
        now = utcnow()
        case = create_case(s, CaseIn(policy_id=factory.policy(end=jst(2099, 1, 1)).id, summary="x",
                                     first_discovered_at=now - dt.timedelta(hours=70), eu_data_subjects=True,
                                     coordinator_id=coordinator.id), actor=coordinator, now=now)
        reminder = s.exec(select(Reminder).where(Reminder.case_id == case.id)).one()  # the 4h one, at once
        reminder.send_at = utcnow() + dt.timedelta(seconds=1)
        s.add(reminder)
        s.commit()
    proc = start_clock(cli_env["DATABASE_URL"], tmp_path / "clock.log")
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with Session(app.extensions["hotline.engine"]) as s:
                sent = s.exec(select(OutboxMessage).where(OutboxMessage.source == f"reminder:{reminder.id}")).all()
            if sent or proc.poll() is not None:
                break
            time.sleep(0.1)
    finally:
        log = stop_clock(proc)
    assert "clock: started" in log
    (message,) = sent
    assert message.created_at >= reminder.send_at and case.reference in message.body
    app.extensions["hotline.engine"].dispose()
