"""The tokens of account links: itsdangerous, one salt per purpose, carrying the link row's id and nonce.

A token signed for one purpose never reads as another (an invitation link cannot reset a password); its age is
checked by the signature's timestamp, and the row (hotline/accounts/models.py) decides whether it is still
unused and unexpired, so it works once."""
from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SALTS = {"invitation": "hotline.account.invitation", "password_reset": "hotline.account.password-reset"}
PATHS = {"invitation": "/account/setup/", "password_reset": "/password/reset/"}


@dataclass(frozen=True)
class AccountSettings:
    secret_key: str
    base_url: str  # PUBLIC_BASE_URL: the links in the e-mails are absolute
    max_age: dict[str, dt.timedelta]  # purpose → how long its links are valid

    @classmethod
    def from_config(cls, config) -> AccountSettings:
        return cls(secret_key=config["SECRET_KEY"],
                   base_url=str(config.get("PUBLIC_BASE_URL") or "http://localhost:8000").rstrip("/"),
                   max_age={"invitation": config["INVITATION_LINK_MAX_AGE"],
                            "password_reset": config["PASSWORD_RESET_LINK_MAX_AGE"]})

    def url(self, purpose: str, token: str) -> str:
        return f"{self.base_url}{PATHS[purpose]}{token}"


class LinkError(Exception):
    def __init__(self, reason: str):  # "invalid" (forged, another purpose) | "expired" | "used"
        super().__init__(reason)
        self.reason = reason


def _serializer(secret_key: str, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SALTS[purpose])


def make_token(secret_key: str, purpose: str, link_id: int, nonce: str) -> str:
    return _serializer(secret_key, purpose).dumps({"l": link_id, "n": nonce})


def read_token(secret_key: str, purpose: str, token: str, *, max_age: dt.timedelta) -> tuple[int, str]:
    """(link id, nonce) of a token signed for `purpose`, or LinkError."""
    try:
        data = _serializer(secret_key, purpose).loads(token, max_age=max_age.total_seconds())
    except SignatureExpired as exc:
        raise LinkError("expired") from exc
    except BadSignature as exc:
        raise LinkError("invalid") from exc
    if not (isinstance(data, dict) and isinstance(data.get("l"), int) and isinstance(data.get("n"), str)):
        raise LinkError("invalid")
    return data["l"], data["n"]


def same_nonce(stored: str, given: str) -> bool:
    return hmac.compare_digest(stored.encode(), given.encode())
