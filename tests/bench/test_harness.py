"""The benchmark harness runs and prints every figure, at a tiny scale. No timing is checked: only that each figure
was measured (a number beside its floor) and that the load test's message checks pass."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("TEST_DATABASE_URL")
FIGURES = ("GET /api/v1/cases at", "search ?q=", "operator dashboard", "coverage after a back-dated line",
           "coverage after an edit", "coverage after a removal", "worker memory holding that coverage",
           "memory kept after serving it", "reminder due → sent", "intake throughput, 1 client",
           "intake throughput, 16 clients", "one intake in process, time", "one intake in process, SQL statements",
           "one intake in process, round trips")

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.fixture
def bench_env(tmp_path):
    """A tiny scale, short rounds, results in a temporary folder and, on PostgreSQL, a database of its own."""
    name = f"bench_smoke_{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "BENCH_SCALE": "0.0004", "BENCH_ROUNDS": "1", "BENCH_ROUND_SECONDS": "0.2",
           "BENCH_OUT": str(tmp_path)}
    if PG_URL:
        env["BENCH_PG_URL"] = sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    yield env
    if PG_URL:
        admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=800)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_every_figure_is_measured_beside_its_floor(bench_env, backend):
    if backend == "postgresql" and not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    done = run(bench_env, "-m", "bench", "--db", backend)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ") and not line.startswith("| figure")]
    for figure in FIGURES:
        row = next((r for r in rows if r.startswith(f"| {figure}")), None)
        assert row is not None, f"{figure!r} missing from:\n{done.stdout[-3000:]}"
        product, floor = (cell.strip() for cell in row.split("|")[2:4])
        assert re.match(r"^[\d.,]+", product) and re.match(r"^[\d.,]+", floor), row
    assert list(Path(bench_env["BENCH_OUT"]).glob("results-*.json"))


def test_load_test_checks_every_message(bench_env):
    if not PG_URL:
        pytest.skip("the load test runs on PostgreSQL: TEST_DATABASE_URL is not set")
    done = run(bench_env, "-m", "bench.load", "--seconds", "5", "--users", "5", "--think", "0.3")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "load test passed" in done.stdout
    assert re.search(r"reminders due during the run: \d+", done.stdout)
