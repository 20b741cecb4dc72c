"""Users, their roles and their API tokens."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hotline.db import UTCDateTime, utcnow
from workflows.text import N_


class Role(enum.StrEnum):
    operator = "operator"        # hotline operator: opens cases
    coordinator = "coordinator"  # runs cases, dispatches vendors
    insured = "insured"          # a person of an insured company: sees only that company
    admin = "admin"              # manages users, organisations, policies, vendors

    @property
    def is_staff(self) -> bool:
        return self is not Role.insured


ROLE_NAMES = (N_("operator"), N_("coordinator"), N_("insured"), N_("admin"))  # pages show them translated


class User(SQLModel, table=True):
    __tablename__ = "app_user"
    __table_args__ = (
        sa.CheckConstraint("role in ('operator','coordinator','insured','admin')", name="ck_user_role"),
        sa.CheckConstraint("role <> 'insured' or organization_id is not null", name="ck_insured_has_org"),
        sa.CheckConstraint("language is null or language in ('ja','en')", name="ck_user_language"),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(sa_type=sa.String(254), unique=True, index=True)
    display_name: str = Field(default="", sa_type=sa.String(200))
    password_hash: str = Field(sa_type=sa.String(255))
    role: Role = Field(sa_type=sa.Enum(Role, native_enum=False, length=20, create_constraint=False))
    organization_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    phone: str | None = Field(default=None, sa_type=sa.String(20))  # E.164, for SMS reminders
    # ja | en, chosen by the user or an admin: the language of their messages (Japanese until chosen) and of
    # their pages (until chosen, their browser's).
    language: str | None = Field(default=None, sa_type=sa.String(2))
    is_active: bool = Field(default=True)
    # Bumped on password or role change: old sessions and remember cookies stop working.
    session_version: int = Field(default=1)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def label(self) -> str:
        return self.display_name or self.email


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    token_hash: str = Field(sa_type=sa.String(64), unique=True)  # sha256 hex; the token itself is never stored
    prefix: str = Field(sa_type=sa.String(12))  # shown to people to tell tokens apart
    label: str = Field(default="", sa_type=sa.String(200))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    revoked_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
