"""Account links: the signed, expiring, single-use links of an invitation and of a password reset.

The link itself is an itsdangerous token (hotline/accounts/links.py) naming a row here and carrying its nonce;
the row says whether it was used and until when it is valid, so a link works once, and only until it expires."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hotline.db import UTCDateTime, utcnow

PURPOSES = ("invitation", "password_reset")


class AccountLink(SQLModel, table=True):
    __tablename__ = "account_link"
    __table_args__ = (sa.CheckConstraint("purpose in ('invitation','password_reset')", name="ck_account_link_purpose"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    purpose: str = Field(sa_type=sa.String(20))
    nonce: str = Field(sa_type=sa.String(64))  # random; in the signed token too, compared on use
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    used_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)  # used, or replaced by a newer link
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
