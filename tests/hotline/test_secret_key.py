"""The generated SECRET_KEY: several processes (gunicorn workers, the clock) starting at the same instant on a fresh
instance folder all end up with the same key, kept in one file of mode 600, and nothing else is left behind."""
from __future__ import annotations

import multiprocessing
import os
import stat
import threading

from hotline.config import _secret_key

PROCESSES = 8
ROUNDS = 15


def _start_together(barrier, folder, out):
    os.environ.pop("SECRET_KEY", None)
    barrier.wait()
    out.put(_secret_key(folder))


def test_processes_starting_at_once_on_a_fresh_folder_share_one_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    ctx = multiprocessing.get_context("fork")
    for round_ in range(ROUNDS):
        folder = tmp_path / f"instance{round_}"
        folder.mkdir()
        barrier, out = ctx.Barrier(PROCESSES), ctx.Queue()
        procs = [ctx.Process(target=_start_together, args=(barrier, folder, out)) for _ in range(PROCESSES)]
        for p in procs:
            p.start()
        keys = {out.get(timeout=60) for _ in procs}
        for p in procs:
            p.join(timeout=60)
            assert p.exitcode == 0
        assert len(keys) == 1, f"round {round_}: {len(keys)} different keys"
        assert keys == {(folder / "secret_key").read_text().strip()} and len(keys.pop()) >= 64
        assert stat.S_IMODE((folder / "secret_key").stat().st_mode) == 0o600
        assert sorted(p.name for p in folder.iterdir()) == ["secret_key"]  # no candidate left behind


def test_threads_starting_at_once_share_one_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    for round_ in range(ROUNDS):
        folder = tmp_path / f"instance{round_}"
        folder.mkdir()
        barrier, keys = threading.Barrier(PROCESSES), []

        def start(barrier=barrier, folder=folder, keys=keys):
            barrier.wait()
            keys.append(_secret_key(folder))

        threads = [threading.Thread(target=start) for _ in range(PROCESSES)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert len(keys) == PROCESSES and len(set(keys)) == 1, f"round {round_}"


def test_the_environment_wins_and_a_kept_key_is_reused(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert _secret_key(tmp_path) == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()
    monkeypatch.delenv("SECRET_KEY")
    first = _secret_key(tmp_path)
    assert _secret_key(tmp_path) == first
