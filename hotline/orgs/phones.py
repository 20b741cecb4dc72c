"""Who is calling: the organisations and open cases a phone number belongs to.

Numbers are compared in E.164 after normalising every stored phone with the one reader of phone numbers
(`hotline.validation.read_phone`), so a number typed as `03-1234-5678` on a case matches a call from
`+81312345678`. The phones looked at: the organisation's main number, its insured users, the callers and contacts
of its cases.
A number may match several organisations: every one is returned, and the caller learns nothing from that.

The database narrows the rows first (a LIKE on the last digits of the number, in order, whatever is written
between them), then each candidate is normalised and compared exactly.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, select

from hotline.auth.models import Role, User
from hotline.cases.models import Case
from hotline.orgs.models import Organization, Policy
from hotline.validation import read_phone

# What Twilio sends as From for a withheld, restricted, blocked or unavailable caller ID: no number to match or
# to call back.
TWILIO_WITHHELD = frozenset({"anonymous", "restricted", "unknown", "unavailable", "+266696687", "+7378742833",
                             "+2562533", "+8656696", "+86282452253"})


def normalised(number: str | None) -> str | None:
    """A phone as stored or as Twilio sends it → E.164, or None when it cannot be one (a withheld number
    arrives as 'anonymous' or '+266696687')."""
    if not number or not isinstance(number, str) or len(number) > 40 or number.strip().lower() in TWILIO_WITHHELD:
        return None
    return read_phone(number)


def _digits_pattern(e164: str) -> str:
    """'%5%6%7%8%' for +81…5678: a stored phone that can be this number has these digits in this order."""
    return "%" + "%".join(e164[-4:]) + "%"


def _same(stored: str | None, e164: str) -> bool:
    return stored is not None and normalised(stored) == e164


def organizations_for_phone(session: Session, number_e164: str) -> list[Organization]:
    """The organisations whose main number, insured users or case callers and contacts have this number, by name."""
    e164 = normalised(number_e164)
    if e164 is None:
        return []
    like = _digits_pattern(e164)
    ids: set[int] = set()
    orgs = session.exec(select(Organization.id, Organization.phone).where(Organization.phone.like(like)))
    ids.update(org for org, phone in orgs if _same(phone, e164))
    users = session.exec(select(User.organization_id, User.phone)
                         .where(User.role == Role.insured, User.organization_id.is_not(None), User.phone.like(like)))
    ids.update(org for org, phone in users if _same(phone, e164))
    phones = (Case.caller_phone, Case.contact_phone)
    rows = session.exec(select(Policy.organization_id, *phones).join(Case, Case.policy_id == Policy.id)
                        .where(sa.or_(*(p.like(like) for p in phones))))
    ids.update(org for org, *stored in rows if any(_same(p, e164) for p in stored))
    if not ids:
        return []
    return list(session.exec(select(Organization).where(Organization.id.in_(ids))
                             .order_by(Organization.name, Organization.id)))


def open_cases_for_phone(session: Session, number_e164: str) -> list[Case]:
    """The open cases of every organisation this number belongs to (a caller may ring about any case of their
    company, not only the ones they called about), newest first."""
    e164 = normalised(number_e164)
    if e164 is None:
        return []
    org_ids = [o.id for o in organizations_for_phone(session, e164)]
    if not org_ids:
        return []
    return list(session.exec(select(Case).join(Policy, Policy.id == Case.policy_id)
                             .where(Case.status == "open", Policy.organization_id.in_(org_ids))
                             .order_by(Case.reported_at.desc(), Case.id.desc())))
