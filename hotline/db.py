"""Persistence plumbing: the UTC column type, the engine, sessions and schema migration."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, create_engine

UTC = dt.UTC
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class UTCDateTime(TypeDecorator):
    """An instant: stored in UTC, returned aware in UTC, and naive datetimes are refused.

    SQLite's DateTime drops the offset and keeps the wall clock, so we normalise to UTC
    before storing (the text then sorts correctly) and re-attach UTC when reading.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise ValueError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime refused: an instant needs an offset")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(UTC)


# Connections a process may hold: one per thread of a gunicorn worker (`--threads`) and the clock's job threads,
# with room to spare. A pool smaller than the threads gives QueuePool timeouts under load (15 < 16 did).
POOL_SIZE, POOL_OVERFLOW = 20, 20


def make_engine(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")  # web and clock processes share the file
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    # No pool_pre_ping: it costs a round trip at every checkout, i.e. every request. Instead connections are
    # replaced after 30 minutes (before a proxy or firewall drops an idle one), TCP keepalives find a dead peer,
    # and a connection that fails with a disconnect error is discarded with every older one of the pool
    # (SQLAlchemy's invalidation), so after a database restart one request per process fails, the next reconnect.
    return create_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, pool_recycle=1800,
                         connect_args={"keepalives": 1, "keepalives_idle": 60, "keepalives_interval": 10,
                                       "keepalives_count": 3})


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))  # configparser interpolates %
    return cfg


def fts_table(table: str) -> str:
    """The SQLite full-text (FTS5, trigram) table that keeps the search keys of `table` (organization, policy)
    for the case search; made and kept in step by triggers of migration 0014_case_search."""
    return f"{table}_search_fts"


def in_models(name: str | None, type_: str, parent_names) -> bool:
    """For Alembic's comparison of the models with a database: the full-text tables of fts_table (and the
    shadow tables FTS5 keeps for them) live outside the models."""
    return not (type_ == "table" and name and "_search_fts" in name)


def upgrade_schema(url: str) -> None:
    """Create or upgrade the schema to the newest revision; safe to run twice."""
    from alembic import command

    command.upgrade(alembic_config(url), "head")


def lock_due(query, of=None):
    """Add FOR UPDATE SKIP LOCKED (PostgreSQL) so two clock processes pick different due rows; `of`: the table
    whose rows are locked, when the query joins others.

    SQLite ignores it; there `claim` below is what keeps two processes from taking the same row.
    """
    return query.with_for_update(skip_locked=True, of=of)


def claim(session: Session, model, row_id: int, *, column: str, value) -> bool:
    """Atomically set `column` on one row if it is still NULL; True if this caller won the row.

    The conditional UPDATE is the exactly-once guard: on PostgreSQL a second process blocks on the row
    lock and then sees the column set; on SQLite the writer lock serialises it the same way.
    """
    table = model.__table__
    result = session.execute(sa.update(table).where(table.c.id == row_id, table.c[column].is_(None))
                             .values({column: value}))
    return result.rowcount == 1
