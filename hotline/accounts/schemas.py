"""Input of the invitation (page and API), the password forms and the forgotten-password form."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from hotline.auth.schemas import Language, Password
from hotline.validation import Email, text


class InvitationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Email
    name: text(200, required=True)
    language: Language | None = None  # of the invitation e-mail and later messages; none: Japanese


class PasswordIn(BaseModel):
    password: Password
    confirm: text(200, required=True, strip=False)


class ForgotIn(BaseModel):
    email: text(254, required=True)


class InsuredAction(BaseModel):
    action: text(20, required=True)
