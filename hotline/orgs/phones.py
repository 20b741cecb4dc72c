"""Which insured organisations a phone number belongs to, and their open cases.

Numbers are compared in E.164 after normalising every stored phone (insured users, case callers and contacts)
with the validators' reader (hotline/validation.py `read_phone`), so '090-1234-5678' stored by hand matches
'+819012345678' from Twilio. The database only narrows the candidates by their last four digits (separators
removed); the exact comparison is the normalised one.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, select

from hotline.auth.models import Role, User
from hotline.cases.models import Case
from hotline.orgs.models import Organization, Policy
from hotline.validation import E164, read_phone


def _digits_only(column):
    for sign in ("-", " ", "(", ")", ".", "+"):
        column = sa.func.replace(column, sign, "")
    return column


def _tail_matches(column, e164: str):
    return _digits_only(column).like(f"%{e164[-4:]}")


def _same(stored: str | None, e164: str) -> bool:
    return bool(stored) and read_phone(stored) == e164


def organizations_for_phone(session: Session, e164: str) -> list[Organization]:
    """The organisations whose insured users, case callers or case contacts have this number (several when
    it is shared, e.g. a group's IT department), by name. Nothing for a number that is not E.164."""
    if not e164 or not E164.match(e164):
        return []
    ids: set[int] = set()
    for org_id, phone in session.exec(select(User.organization_id, User.phone)
                                      .where(User.role == Role.insured, User.is_active,
                                             _tail_matches(User.phone, e164))):
        if _same(phone, e164):
            ids.add(org_id)
    for org_id, caller, contact in session.exec(
            select(Policy.organization_id, Case.caller_phone, Case.contact_phone)
            .join(Policy, Policy.id == Case.policy_id)
            .where(sa.or_(_tail_matches(Case.caller_phone, e164), _tail_matches(Case.contact_phone, e164)))):
        if _same(caller, e164) or _same(contact, e164):
            ids.add(org_id)
    if not ids:
        return []
    return list(session.exec(select(Organization).where(Organization.id.in_(ids)).order_by(Organization.name)))


def open_cases_for_phone(session: Session, e164: str) -> list[Case]:
    """The open cases of those organisations, newest first."""
    orgs = [o.id for o in organizations_for_phone(session, e164)]
    if not orgs:
        return []
    return list(session.exec(select(Case).join(Policy, Policy.id == Case.policy_id)
                             .where(Policy.organization_id.in_(orgs), Case.status == "open")
                             .order_by(Case.created_at.desc(), Case.id.desc())))
