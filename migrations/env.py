"""Alembic environment: the URL comes from the caller (hotline.db.alembic_config) or DATABASE_URL."""
import os

from alembic import context
from sqlalchemy import engine_from_config, pool
from sqlmodel import SQLModel

import hotline.models  # noqa: F401  every table must be imported for autogenerate
from hotline.db import UTCDateTime, in_models

config = context.config
url = config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL")
target_metadata = SQLModel.metadata


def render_item(type_, obj, autogen_context):
    """Render our UTC type as a plain DateTime so migrations never import app code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and obj.__class__.__module__.startswith("sqlmodel"):
        return f"sa.String(length={obj.length})" if getattr(obj, "length", None) else "sa.String()"
    return False


def run_migrations_online() -> None:
    engine = engine_from_config({"sqlalchemy.url": url}, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_item=render_item,
                          render_as_batch=connection.dialect.name == "sqlite", compare_type=True,
                          include_name=in_models)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
