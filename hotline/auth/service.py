"""Users, passwords and API tokens. Each function that changes something commits its unit of work."""
from __future__ import annotations

import functools
import hashlib
import secrets

from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash

from hotline.audit.service import record
from hotline.auth.models import ApiToken, Role, User
from hotline.auth.schemas import MIN_PASSWORD
from hotline.db import utcnow
from hotline.errors import Invalid, NotFound
from hotline.orgs.models import Organization
from hotline.validation import E164, EMAIL
from workflows.text import N_


@functools.cache
def dummy_hash(method: str) -> str:
    """Checked when the e-mail is unknown: made by the same method and cost as real hashes, so that a login takes
    as long whether the address has an account or not (no enumeration by timing)."""
    return generate_password_hash(secrets.token_urlsafe(24), method=method)


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


LANGUAGES = ("ja", "en")


def validate_user_fields(*, email: str, role: str, organization_id: int | None, password: str | None,
                         phone: str | None, session: Session, language: str | None = None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if language is not None and language not in LANGUAGES:
        errors["language"] = "one of ja, en"
    if not EMAIL.match(email):
        errors["email"] = "not an e-mail address"
    if role not in {r.value for r in Role}:
        errors["role"] = "one of operator, coordinator, insured, admin"
    elif role == Role.insured.value and organization_id is None:
        errors["organization_id"] = N_("an insured user belongs to one organisation")
    if organization_id is not None and session.get(Organization, organization_id) is None:
        errors["organization_id"] = N_("no such organisation")
    if password is not None and len(password) < MIN_PASSWORD:
        errors["password"] = f"at least {MIN_PASSWORD} characters"
    if phone and not E164.match(phone):
        errors["phone"] = "a phone number in E.164 form, e.g. +819012345678"
    return errors


def create_user(session: Session, *, email: str, role: str, password: str, organization_id: int | None = None,
                display_name: str = "", phone: str | None = None, language: str | None = None,
                hash_method: str = "scrypt", actor=None) -> User:
    email = normalise_email(email)
    errors = validate_user_fields(email=email, role=role, organization_id=organization_id, password=password,
                                  phone=phone, session=session, language=language)
    if session.exec(select(User).where(User.email == email)).first():
        errors["email"] = N_("a user with this e-mail already exists")
    if errors:
        raise Invalid(errors)
    user = User(email=email, role=Role(role), organization_id=organization_id if role == "insured" else None,
                display_name=display_name.strip(), phone=phone or None, language=language or None,
                password_hash=generate_password_hash(password, method=hash_method))
    session.add(user)
    session.flush()
    record(session, actor=actor, kind="user_created", entity="user", entity_id=user.id,
           params={"email": email, "role": role})
    session.commit()
    return user


def update_user(session: Session, user: User, *, role: str | None = None, organization_id: int | None = None,
                display_name: str | None = None, phone: str | None = None, is_active: bool | None = None,
                language: str | None = None, password: str | None = None, hash_method: str = "scrypt",
                actor=None) -> User:
    new_role = role or user.role.value
    new_org = organization_id if new_role == "insured" else None
    errors = validate_user_fields(email=user.email, role=new_role, organization_id=new_org,
                                  password=password, phone=phone, session=session, language=language or None)
    if errors:
        raise Invalid(errors)
    changes = {"role": (user.role.value, new_role), "organization_id": (user.organization_id, new_org),
               "is_active": (user.is_active, user.is_active if is_active is None else is_active)}
    if display_name is not None:
        changes["display_name"] = (user.display_name, display_name.strip())
    if phone is not None:
        changes["phone"] = (user.phone, phone or None)
    if language is not None:
        changes["language"] = (user.language, language or None)
    for field, (old, new) in changes.items():
        if old != new:
            setattr(user, field, Role(new) if field == "role" else new)
            record(session, actor=actor, kind="user_changed", entity="user", entity_id=user.id,
                   field=field, old=old, new=new, params={"email": user.email})
    if password:
        user.password_hash = generate_password_hash(password, method=hash_method)
        record(session, actor=actor, kind="password_changed", entity="user", entity_id=user.id,
               params={"email": user.email})
        revoke_tokens_of(session, user, actor=actor)
    if password or changes["role"][0] != new_role or changes["is_active"][0] != changes["is_active"][1]:
        user.session_version += 1  # log out everywhere
    session.add(user)
    session.commit()
    return user


def set_language(session: Session, user: User, language: str) -> User:
    """The user's own choice of language (pages and messages); commits."""
    if language not in LANGUAGES:
        raise Invalid({"language": "one of ja, en"})
    if user.language != language:
        record(session, actor=user, kind="user_changed", entity="user", entity_id=user.id, field="language",
               old=user.language, new=language, params={"email": user.email})
        user.language = language
        session.add(user)
        session.commit()
    return user


def authenticate(session: Session, email: str, password: str, *, hash_method: str = "scrypt") -> User | None:
    """The active user with this e-mail and password, or None. `hash_method`: PASSWORD_HASH_METHOD, the method
    of the hash checked when no account has the address."""
    user = session.exec(select(User).where(User.email == normalise_email(email))).first()
    if user is None:
        check_password_hash(dummy_hash(hash_method), password)
        return None
    if not user.is_active or not check_password_hash(user.password_hash, password):
        return None
    return user


def end_sessions(session: Session, user: User) -> None:
    """Logging out: every session and remember cookie of the user stops being accepted, also a copy of the
    cookie taken before (the user loader checks the version); commits."""
    user.session_version += 1
    session.add(user)
    session.commit()


def load_session_user(session: Session, user_id: str) -> User | None:
    """Flask-Login's user loader: '<id>:<session_version>'; a bumped version ends old sessions."""
    try:
        uid, version = (int(p) for p in user_id.split(":", 1))
    except ValueError:
        return None
    user = session.get(User, uid)
    if user is None or not user.is_active or user.session_version != version:
        return None
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User, *, label: str = "", actor=None) -> str:
    """Create a token and return it; only its hash is stored, so it is shown once."""
    token = "hl_" + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=_digest(token), prefix=token[:10], label=label)
    session.add(row)
    session.flush()
    record(session, actor=actor or user, kind="token_issued", entity="api_token", entity_id=row.id,
           params={"token": row.prefix, "email": user.email})
    session.commit()
    return token


def revoke_token(session: Session, token_id: int, *, actor=None) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound("token")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        record(session, actor=actor, kind="token_revoked", entity="api_token", entity_id=row.id,
               params={"token": row.prefix})
        session.commit()
    return row


def revoke_tokens_of(session: Session, user: User, *, actor=None) -> int:
    """Revoke every live API token of the user (a password change: whoever had the old password may have made
    one). Does not commit: the caller's unit of work does."""
    rows = list(session.exec(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))))
    for row in rows:
        row.revoked_at = utcnow()
        session.add(row)
        record(session, actor=actor, kind="token_revoked", entity="api_token", entity_id=row.id,
               params={"token": row.prefix})
    return len(rows)


def user_for_token(session: Session, token: str) -> User | None:
    """The active user of an unrevoked token, or None; one indexed join."""
    return session.exec(select(User).join(ApiToken, ApiToken.user_id == User.id)
                        .where(ApiToken.token_hash == _digest(token), ApiToken.revoked_at.is_(None),
                               User.is_active)).first()
