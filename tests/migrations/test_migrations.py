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
