"""Signed, expiring links that let a vendor's on-call contact answer one step of a dispatch without an
account. The token names the attempt (the step); the database decides whether it may still decide."""
from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SALT = "hotline.dispatch.answer"


class LinkError(Exception):
    def __init__(self, reason: str):  # "expired" | "invalid"
        super().__init__(reason)
        self.reason = reason


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SALT)


def make_token(secret_key: str, attempt_id: int) -> str:
    return _serializer(secret_key).dumps({"a": attempt_id})


def read_token(secret_key: str, token: str, *, max_age: float) -> int:
    """The attempt id in a token, or LinkError('expired' | 'invalid')."""
    try:
        data = _serializer(secret_key).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise LinkError("expired") from exc
    except BadSignature as exc:
        raise LinkError("invalid") from exc
    if not isinstance(data, dict) or not isinstance(data.get("a"), int):
        raise LinkError("invalid")
    return data["a"]
