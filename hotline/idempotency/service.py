"""Idempotency keys: a client that retries a creating request (a dropped connection) with the same
`Idempotency-Key` gets the first answer again, and nothing is created twice.

The key is claimed before the request runs (a unique row per user and key, committed), and the answer is kept
when it succeeded (2xx). A failed request frees its key, so the retry runs again: only a success is final. The
same key with another method, path or body is refused (422); the same key while the first request still runs
is a conflict (409). Keys last `TTL`; an older one is forgotten and may be used again."""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from hotline.db import utcnow
from hotline.errors import Conflict, Invalid
from hotline.idempotency.models import IdempotencyKey
from workflows.text import N_, Text

TTL = dt.timedelta(hours=24)
MAX_KEY = 255


@dataclass(frozen=True)
class Replay:
    status: int
    body: str


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\0".join((method.encode(), path.encode(), body))).hexdigest()


def check_key(key: str) -> str:
    if not key or len(key) > MAX_KEY or not key.isascii() or not key.isprintable():
        raise Invalid({"Idempotency-Key": f"1 to {MAX_KEY} printable ASCII characters, e.g. a UUID"})
    return key


def claim(session: Session, *, user_id: int, key: str, request: str, now: dt.datetime | None = None
          ) -> Replay | None:
    """Claim the key for this request (commits), or the first answer to replay. Raises Invalid when the key came
    with another request, Conflict while the first one (with this key) still runs."""
    now = now or utcnow()
    session.execute(sa.delete(IdempotencyKey).where(IdempotencyKey.created_at < now - TTL))
    row = session.exec(select(IdempotencyKey).where(IdempotencyKey.user_id == user_id,
                                                    IdempotencyKey.key == key)).first()
    if row is None:
        session.add(IdempotencyKey(user_id=user_id, key=key, request=request, created_at=now))
        try:
            session.commit()
        except IntegrityError:  # the same key in a request running at the same moment
            session.rollback()
            raise _in_use() from None
        return None
    session.commit()
    if row.status is None:
        raise _in_use()
    if row.request != request:
        raise Invalid({"Idempotency-Key": "already used with another request (method, path or body) in the last "
                                          "24 hours; use a new key for a new request"},
                      Text(N_("This idempotency key was used for another request.")))
    return Replay(row.status, row.body or "")


def _in_use() -> Conflict:
    return Conflict(Text(N_("A request with this idempotency key is still running; retry in a moment.")),
                    code="idempotency_key_in_use")


def keep(session: Session, *, user_id: int, key: str, status: int, body: str) -> None:
    """The request succeeded: its answer is the one every retry gets; commits."""
    session.execute(sa.update(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
                    .values(status=status, body=body))
    session.commit()


def release(session: Session, *, user_id: int, key: str) -> None:
    """The request failed: the key is free again for a retry; commits."""
    session.rollback()
    session.execute(sa.delete(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key,
                                                    IdempotencyKey.status.is_(None)))
    session.commit()
