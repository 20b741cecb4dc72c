"""Insureds' accounts: a coordinator invites an insured of one organisation by e-mail, the insured sets a password
through the invitation's link, anyone who forgot a password gets a link the same way, an admin deactivates an
insured. Each public function is a unit of work and commits.

A link is signed for its purpose (hotline/accounts/links.py) and names a row of `account_link` with a nonce; it
works once (the row's used_at is claimed by a conditional update) and only until it expires. A newer link of the
same user and purpose replaces the older ones. Setting a password ends the user's other sessions (their
session_version moves)."""
from __future__ import annotations

import datetime as dt
import secrets

from sqlmodel import Session, select
from werkzeug.security import generate_password_hash

from hotline.accounts.links import AccountSettings, LinkError, make_token, read_token, same_nonce
from hotline.accounts.models import AccountLink
from hotline.audit.service import record
from hotline.auth.models import Role, User
from hotline.auth.service import normalise_email, revoke_tokens_of, update_user
from hotline.db import claim, utcnow
from hotline.errors import Invalid, NotFound
from hotline.i18n import DEFAULT_MESSAGE_LANGUAGE, render
from hotline.orgs.models import Organization
from hotline.outbox.service import send
from vendors.notifier import Notifier
from workflows.text import N_, Text

NOT_SET = "!"  # the password hash of an invited user who has not set a password yet: no password matches it

MAILS = {
    "invitation": (N_("[Cyber incident hotline] Your access to your company's incident page"),
                   N_("Dear %(name)s,\n\nThe cyber incident hotline has opened an account for you to follow the "
                      "incidents of %(organization)s: where each one stands, the deadlines, the costs and what the "
                      "insurer needs from you, and to write to the hotline.\n\nSet your password with this link "
                      "(it works once, until %(until)s JST):\n%(link)s\n\nYour login is this e-mail address. "
                      "If you did not expect this e-mail, you can ignore it.")),
    "password_reset": (N_("[Cyber incident hotline] Setting a new password"),
                       N_("Someone asked to set a new password for the hotline account of this e-mail address.\n\n"
                          "Set a new password with this link (it works once, until %(until)s JST):\n%(link)s\n\n"
                          "If it was not you, ignore this e-mail: your password stays as it is.")),
}


def has_password(user: User) -> bool:
    return not user.password_hash.startswith(NOT_SET)


def _new_link(session: Session, user: User, purpose: str, *, settings: AccountSettings, now: dt.datetime,
              actor) -> tuple[AccountLink, str]:
    """A new link for the user and purpose; the older unused ones stop working. Does not commit."""
    for old in session.exec(select(AccountLink).where(AccountLink.user_id == user.id, AccountLink.purpose == purpose,
                                                      AccountLink.used_at.is_(None))):
        old.used_at = now
        session.add(old)
    link = AccountLink(user_id=user.id, purpose=purpose, nonce=secrets.token_urlsafe(24), created_at=now,
                       expires_at=now + settings.max_age[purpose], created_by_id=getattr(actor, "id", None))
    session.add(link)
    session.flush()
    return link, settings.url(purpose, make_token(settings.secret_key, purpose, link.id, link.nonce))


def _mail(session: Session, notifier: Notifier, user: User, purpose: str, url: str, link: AccountLink,
          **params) -> None:
    lang = user.language or DEFAULT_MESSAGE_LANGUAGE
    subject, body = MAILS[purpose]
    send(session, notifier, channel="email", to=user.email, subject=render(Text(subject), lang),
         body=render(Text(body, link=url, until=link.expires_at, **params), lang), source=f"account_link:{link.id}")


def invite(session: Session, *, organization_id: int, email: str, name: str, language: str | None = None, actor,
           notifier: Notifier, settings: AccountSettings, now: dt.datetime | None = None) -> tuple[User, AccountLink]:
    """Create the insured user of the organisation (or invite again one who has not set a password yet) and
    e-mail the invitation link; commits."""
    now = now or utcnow()
    org = session.get(Organization, organization_id)
    if org is None:
        raise NotFound("organisation")
    email = normalise_email(email)
    user = session.exec(select(User).where(User.email == email)).first()
    if user is None:
        user = User(email=email, role=Role.insured, organization_id=org.id, display_name=name.strip(),
                    language=language, password_hash=NOT_SET + secrets.token_hex(8))
        session.add(user)
        session.flush()
    elif user.role is Role.insured and user.organization_id == org.id and not has_password(user) and user.is_active:
        user.display_name, user.language = name.strip(), language or user.language  # invited again
        session.add(user)
    else:
        raise Invalid({"email": N_("a user with this e-mail already exists")})
    link, url = _new_link(session, user, "invitation", settings=settings, now=now, actor=actor)
    _mail(session, notifier, user, "invitation", url, link, name=user.display_name or user.email,
          organization=org.name)
    record(session, actor=actor, kind="user_invited", entity="user", entity_id=user.id, at=now,
           params={"email": user.email, "organization": org.name})
    session.commit()
    return user, link


def open_link(session: Session, purpose: str, token: str, *, settings: AccountSettings,
              now: dt.datetime | None = None) -> tuple[AccountLink, User]:
    """The link and its user while it may still be used, or LinkError ("invalid", "expired", "used"). Reads only."""
    now = now or utcnow()
    link_id, nonce = read_token(settings.secret_key, purpose, token, max_age=settings.max_age[purpose])
    link = session.get(AccountLink, link_id)
    if link is None or link.purpose != purpose or not same_nonce(link.nonce, nonce):
        raise LinkError("invalid")
    user = session.get(User, link.user_id)
    if user is None or not user.is_active:
        raise LinkError("invalid")
    if link.used_at is not None:
        raise LinkError("used")
    if now >= link.expires_at:
        raise LinkError("expired")
    return link, user


def set_password(session: Session, purpose: str, token: str, password: str, *, settings: AccountSettings,
                 hash_method: str = "scrypt", now: dt.datetime | None = None) -> User:
    """Set the user's password through a link, which then stops working; commits. Two requests with the same link:
    the first wins, the second gets LinkError("used")."""
    now = now or utcnow()
    link, user = open_link(session, purpose, token, settings=settings, now=now)
    if not claim(session, AccountLink, link.id, column="used_at", value=now):
        session.rollback()
        raise LinkError("used")
    first = not has_password(user)
    user.password_hash = generate_password_hash(password, method=hash_method)
    user.session_version += 1  # every other session and remember cookie ends
    revoke_tokens_of(session, user, actor=user)  # and every API token made with the old password
    session.add(user)
    for other in session.exec(select(AccountLink).where(AccountLink.user_id == user.id, AccountLink.id != link.id,
                                                        AccountLink.used_at.is_(None))):
        other.used_at = now
        session.add(other)
    record(session, actor=user, kind="invitation_accepted" if first else "password_changed", entity="user",
           entity_id=user.id, params={"email": user.email}, at=now)
    session.commit()
    return user


def request_reset(session: Session, *, email: str, notifier: Notifier, settings: AccountSettings,
                  now: dt.datetime | None = None) -> None:
    """E-mail a password link to the active account with this address, if there is one; says nothing either way
    (the page reads the same whether the address exists); commits."""
    now = now or utcnow()
    user = session.exec(select(User).where(User.email == normalise_email(email))).first()
    if user is None or not user.is_active:
        return
    link, url = _new_link(session, user, "password_reset", settings=settings, now=now, actor=None)
    _mail(session, notifier, user, "password_reset", url, link)
    record(session, actor="system", kind="password_reset_requested", entity="user", entity_id=user.id, at=now,
           params={"email": user.email})
    session.commit()


def insureds_of(session: Session, organization_id: int) -> list[tuple[User, AccountLink | None]]:
    """The organisation's insured users, each with its newest invitation link."""
    users = list(session.exec(select(User).where(User.organization_id == organization_id, User.role == Role.insured)
                              .order_by(User.display_name, User.email)))
    links: dict[int, AccountLink] = {}
    if users:
        for link in session.exec(select(AccountLink).where(AccountLink.user_id.in_([u.id for u in users]),
                                                           AccountLink.purpose == "invitation")
                                 .order_by(AccountLink.created_at)):
            links[link.user_id] = link
    return [(u, links.get(u.id)) for u in users]


def status(user: User, link: AccountLink | None, now: dt.datetime) -> str:
    """active | invited | invitation_expired | deactivated."""
    if not user.is_active:
        return "deactivated"
    if has_password(user):
        return "active"
    return "invited" if link is not None and link.used_at is None and now < link.expires_at else "invitation_expired"


def set_active(session: Session, *, organization_id: int, user_id: int, active: bool, actor) -> User:
    """Deactivate (or reactivate) an insured of the organisation: a deactivated user's sessions, remember cookie
    and API tokens stop working at once; commits."""
    user = session.get(User, user_id)
    if user is None or user.role is not Role.insured or user.organization_id != organization_id:
        raise NotFound("user")
    return update_user(session, user, organization_id=user.organization_id, is_active=active, actor=actor)
