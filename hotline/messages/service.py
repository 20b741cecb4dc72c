"""The message thread of a case: its insureds and the hotline write; the other side is told by e-mail, in each
recipient's language, with a link and never the words (they stay behind the login). An insured's message is new
for the hotline until a staff member answers on the case or marks it read; the staff dashboards list them."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import sqlalchemy as sa
from sqlmodel import Session, select

from hotline.audit.service import record
from hotline.auth.models import Role, User
from hotline.cases.models import Case
from hotline.db import utcnow
from hotline.i18n import DEFAULT_MESSAGE_LANGUAGE, render
from hotline.messages.models import CaseMessage
from hotline.orgs.models import Organization, Policy
from hotline.outbox.service import send
from vendors.notifier import Notifier
from workflows.text import N_, Text

SUBJECT = N_("[Cyber incident hotline] New message on case %(reference)s")
BODY = {True: N_("%(organization)s wrote a new message on case %(reference)s.\n\nRead and answer it here:\n%(link)s"),
        False: N_("The cyber incident hotline wrote you a new message on case %(reference)s.\n\nRead and answer it "
                  "here (log in with this e-mail address):\n%(link)s")}


def thread(session: Session, case_id: int) -> list[CaseMessage]:
    """Oldest first."""
    return list(session.exec(select(CaseMessage).where(CaseMessage.case_id == case_id)
                             .order_by(CaseMessage.created_at, CaseMessage.id)))


def authors(session: Session, messages: list[CaseMessage]) -> dict[int, User]:
    ids = {m.author_id for m in messages}
    return {u.id: u for u in session.exec(select(User).where(User.id.in_(ids)))} if ids else {}


def author_name(message: CaseMessage, reader, users: dict[int, User], lang: str) -> str:
    """The author as the reader may see them: the timeline's rule (an insured reads a coordinator as
    'Coordinator', never a staff member's e-mail address)."""
    from hotline.timeline.render import actor_name

    user = users.get(message.author_id)
    row = SimpleNamespace(actor_id=message.author_id, actor=user.label if user else None)
    return actor_name(row, reader, users, lang)


def recipients(session: Session, case: Case, policy: Policy, *, from_insured: bool) -> list[User]:
    """An insured's message goes to the case's coordinator (every active coordinator while none is assigned); the
    hotline's to the case's organisation's active insureds who have set a password."""
    from hotline.accounts.service import has_password

    if from_insured:
        coordinator = session.get(User, case.coordinator_id) if case.coordinator_id else None
        if coordinator is not None and coordinator.is_active:
            return [coordinator]
        return list(session.exec(select(User).where(User.role == Role.coordinator, User.is_active.is_(True))))
    return [u for u in session.exec(select(User).where(User.role == Role.insured, User.is_active.is_(True),
                                                       User.organization_id == policy.organization_id))
            if has_password(u)]


def post(session: Session, *, case: Case, policy: Policy, author: User, body: str, notifier: Notifier, base_url: str,
         now: dt.datetime | None = None) -> CaseMessage:
    """Add a message to the case's thread and tell the other side; a staff answer marks the insureds' messages
    read. Commits."""
    now = now or utcnow()
    from_insured = author.role is Role.insured
    message = CaseMessage(case_id=case.id, author_id=author.id, from_insured=from_insured, body=body, created_at=now)
    session.add(message)
    session.flush()
    if not from_insured:
        _mark_read(session, case.id, author, now)
    record(session, actor=author, kind="message_posted", entity="case_message", entity_id=message.id,
           case_id=case.id, params={"from_insured": from_insured}, at=now)
    organization = session.get(Organization, policy.organization_id)
    for user in recipients(session, case, policy, from_insured=from_insured):
        if user.id == author.id:
            continue
        lang = user.language or DEFAULT_MESSAGE_LANGUAGE
        link = (f"{base_url}/cases/{case.reference}/messages" if user.role.is_staff
                else f"{base_url}/incidents/{case.reference}#messages")
        send(session, notifier, channel="email", to=user.email, case_id=case.id, source=f"message:{message.id}",
             subject=render(Text(SUBJECT, reference=case.reference), lang),
             body=render(Text(BODY[from_insured], reference=case.reference, link=link,
                              organization=organization.name if organization else ""), lang))
    session.commit()
    return message


def _mark_read(session: Session, case_id: int, reader: User, now: dt.datetime) -> int:
    table = CaseMessage.__table__
    result = session.execute(sa.update(table).where(table.c.case_id == case_id, table.c.from_insured.is_(True),
                                                    table.c.read_at.is_(None))
                             .values(read_at=now, read_by_id=reader.id))
    return result.rowcount


def mark_read(session: Session, *, case: Case, reader: User, now: dt.datetime | None = None) -> int:
    """The hotline has read the insureds' messages of the case; commits. Returns how many were new."""
    count = _mark_read(session, case.id, reader, now or utcnow())
    session.commit()
    return count


def unread_count(session: Session, case_id: int) -> int:
    return session.execute(select(sa.func.count(CaseMessage.id)).where(
        CaseMessage.case_id == case_id, CaseMessage.from_insured.is_(True), CaseMessage.read_at.is_(None))).scalar_one()


def unread_by_case(session: Session, *, limit: int = 50) -> list[dict]:
    """For the staff dashboards: cases with insureds' messages nobody at the hotline has read, oldest first."""
    rows = session.execute(
        select(Case.reference, Organization.name, sa.func.count(CaseMessage.id), sa.func.min(CaseMessage.created_at))
        .join(Case, Case.id == CaseMessage.case_id).join(Policy, Policy.id == Case.policy_id)
        .join(Organization, Organization.id == Policy.organization_id)
        .where(CaseMessage.from_insured.is_(True), CaseMessage.read_at.is_(None))
        .group_by(Case.reference, Organization.name).order_by(sa.func.min(CaseMessage.created_at)).limit(limit)).all()
    return [{"reference": r, "organization": o, "count": n, "since": since} for r, o, n, since in rows]
