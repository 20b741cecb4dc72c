"""Input of the login and user-management forms and of the create-user command (hotline/validation.py types)."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict

from hotline.validation import BlankIsNone, Email, Flag, Id, Phone, text

RoleName = Literal["operator", "coordinator", "insured", "admin"]
Language = Literal["ja", "en"]  # pages and messages; none chosen: Japanese messages, browser pages
MIN_PASSWORD = 10
Password = text(200, min_length=MIN_PASSWORD, strip=False)
DisplayName = text(200)
OptionalPhone = Annotated[Phone | None, BlankIsNone]  # SMS reminders


class LoginIn(BaseModel):
    email: text(254, required=True)
    password: text(200, required=True, strip=False)


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Email
    role: RoleName
    password: Password
    organization_id: Id | None = None
    display_name: DisplayName = ""
    phone: OptionalPhone = None
    language: Language | None = None


class UserPatch(BaseModel):
    """The admin's row for a user: blank password keeps it, blank phone clears it, blank language is 'not
    chosen' (a form without the field keeps it)."""
    model_config = ConfigDict(extra="forbid")
    role: RoleName
    organization_id: Id | None = None
    display_name: DisplayName = ""
    phone: OptionalPhone = None
    language: Language | None = None
    is_active: Flag = False
    password: Password | None = None
