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


@pytest.mark.slow
def test_clock_process_starts_logs_and_stops_cleanly(cli_env):
    proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "hotline", "clock"],
                            env={**cli_env, "CLOCK_TICK_SECONDS": "0.2"}, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    started = ""
    while "clock: started" not in started and time.monotonic() < deadline:
        started += proc.stderr.readline()
    assert "clock: started" in started, started
    time.sleep(0.5)  # a few ticks
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, started + err
    assert "stopped cleanly" in err
