"""The `demo` command as a container or a service manager runs it: started on a free port, it serves pages (its
access log naming no token of a vendor's link), and SIGTERM, SIGINT or SIGHUP stops all of it: the command,
gunicorn's master and workers and the clock, and the port is free again. Waits by polling (up to two minutes),
never for a fixed margin."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
WAIT = 120.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def session_members(sid: int) -> list[int]:
    """The processes of a session (the demo command's: its children keep it in their own process groups)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # ended meanwhile
        if fields[0] != "Z" and int(fields[3]) == sid:
            members.append(int(stat.parent.name))
    return members


def wait_until(check, what: str):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"still not {what} after {WAIT:.0f} s")


def answers(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return None


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=["TERM", "INT", "HUP"])
def test_a_stop_signal_stops_the_web_app_and_the_clock_and_frees_the_port(tmp_path, sig):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "SMTP_", "SECRET_KEY"))}
    env.update(INSTANCE_PATH=str(tmp_path / "instance"), DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite'}",
               PASSWORD_HASH_METHOD="pbkdf2:sha256:1000", CLOCK_TICK_SECONDS="1")
    log = open(tmp_path / "demo.log", "w+")
    demo = subprocess.Popen([sys.executable, "-m", "flask", "--app", "hotline", "demo", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until(lambda: answers(f"http://127.0.0.1:{port}/login") == 200, "serving")
        token = "eyJhIjoxMjN9.Zz1a2b.SECRET-part_of_the_link"
        assert answers(f"http://127.0.0.1:{port}/dispatch/answer/{token}") == 404  # not a valid link
        wait_until(lambda: "/dispatch/answer/" in (tmp_path / "demo.log").read_text(), "logged")
        running = session_members(demo.pid)
        assert len(running) >= 4, running  # the command, gunicorn's master and two workers, the clock

        demo.send_signal(sig)
        assert demo.wait(timeout=WAIT) == 0
        wait_until(lambda: not session_members(demo.pid), "stopped: no child left")
        wait_until(lambda: port_is_free(port), "free: the port")
        text = (tmp_path / "demo.log").read_text()
        assert "SECRET-part" not in text and "GET /dispatch/answer/[token] HTTP/1.1\" 404" in text
        assert (tmp_path / "instance" / "demo_logins.txt").exists()  # the instance folder is the one asked for
    finally:
        if demo.poll() is None or session_members(demo.pid):
            for pid in session_members(demo.pid):
                os.kill(pid, signal.SIGKILL)
        demo.wait(timeout=WAIT)
        log.close()
