"""Incoming texts (SMS to the hotline's number): a vendor's YES / NO to its pending dispatch, an insured contact's
question about a case, or anything else (a short help text). One public function, `answer_text`, which records
what happened (the case's timeline, the reply in the outbox), commits, and returns the reply to send back.

What an unknown number learns: nothing. Whether a reference exists, and whose it is, never changes the reply
to a number that does not belong to that case's organisation.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlmodel import Session, select

from hotline.audit.service import record
from hotline.auth.models import Role, User
from hotline.cases.models import Case
from hotline.deadlines.models import Deadline
from hotline.dispatch import messages as dispatch_messages
from hotline.dispatch import service as dispatch_service
from hotline.dispatch.models import Dispatch, DispatchAttempt
from hotline.dispatch.settings import DispatchSettings
from hotline.i18n import DEFAULT_MESSAGE_LANGUAGE, LANGUAGES, deadline_view, render
from hotline.orgs.models import Policy
from hotline.orgs.phones import organizations_for_phone
from hotline.outbox.service import record_reply
from hotline.validation import E164, normalise, read_phone
from vendors.notifier import Notifier
from workflows.deadlines import label as deadline_label
from workflows.phases import title as phase_title
from workflows.text import N_, Text

BODY_CHARS = 320  # what the timeline keeps of a text (an SMS is at most 1,600 characters)
ANSWERS = {"YES": "accept", "Y": "accept", "はい": "accept", "NO": "decline", "N": "decline", "いいえ": "decline"}
# 'YES', 'はい 12' (the dispatch number when a vendor has several requests waiting), 'Yes.', 'ＹＥＳ！'
ANSWER = re.compile(r"(YES|Y|はい|NO|N|いいえ)\s*(?:#?\s*(\d{1,9}))?[\s.!。！]*", re.IGNORECASE)
# 'CY-2026-000123', 'HL-2026-000123', '2026-000123', '000123', '123' (full-width too: normalised first)
REFERENCE = re.compile(r"(?<![\dA-Z])(?:[A-Z]{2}\s*-\s*)?(?:(20\d\d)\s*-\s*)?(\d{1,6})(?!\d)")

HELP = N_("[hotline] To see where your case stands, text its reference (e.g. CY-2026-000123). For anything "
          "else, please call the hotline.")
NOT_FOUND = N_("[hotline] We found no case with this reference for your phone number. Please check the reference "
               "or call the hotline.")
STATUS = N_("[hotline] %(reference)s: %(phase)s. Next deadline: %(deadline)s, %(when)s (%(left)s).")
STATUS_NO_DEADLINE = N_("[hotline] %(reference)s: %(phase)s. No deadline is open.")
CLOSED = N_("[hotline] %(reference)s: the case is closed.")
SEVERAL = N_("[hotline] You have several requests waiting. Reply YES or NO followed by the request number: %(list)s")
ANSWER_UNKNOWN = N_("[hotline] No request of yours has this number. Waiting: %(list)s")


@dataclass(frozen=True)
class Reply:
    body: str
    case_id: int | None = None


def clean_body(value: str | None) -> str:
    """The text as typed, without control characters (a NUL cannot be stored), bounded."""
    value = value or ""
    return "".join(c for c in value if c in "\n\t" or c.isprintable())[:1600]


def sender_number(value: str | None) -> str | None:
    """Twilio's From in E.164; anything else (a short code, an alphanumeric sender, garbage) is unknown."""
    value = normalise(value or "")
    return value if E164.match(value) else None


def answer_text(session: Session, *, sender: str | None, body: str, notifier: Notifier, settings: DispatchSettings,
                now: dt.datetime) -> Reply:
    """Handle one incoming text and return the reply; commits (the timeline entry and the reply's outbox row)."""
    text = normalise(body)
    reply = None
    answer = ANSWER.fullmatch(text)
    if sender and answer:
        reply = _vendor_answer(session, sender, ANSWERS[answer.group(1).upper()],
                               int(answer.group(2)) if answer.group(2) else None, body=body,
                               notifier=notifier, settings=settings, now=now)
    if reply is None:
        reply = _insured_question(session, sender, text, body=body, now=now)
    record_reply(session, to=sender or "", body=reply.body, case_id=reply.case_id, at=now)
    session.commit()
    return reply


# --- Vendors ------------------------------------------------------------------------------------------
def _vendor_answer(session: Session, sender: str, answer: str, number: int | None, *, body: str,
                   notifier: Notifier, settings: DispatchSettings, now: dt.datetime) -> Reply | None:
    """The sender's open dispatch step (or, when none is open, its latest one within the link's lifetime, so
    a late answer is recorded for the coordinator as the link would). None: the sender is no vendor contact."""
    waiting = list(session.exec(select(DispatchAttempt).where(DispatchAttempt.phone == sender,
                                                              DispatchAttempt.closed_at.is_(None))
                                .order_by(DispatchAttempt.sent_at.desc(), DispatchAttempt.id.desc())))
    candidates = waiting or list(session.exec(
        select(DispatchAttempt).where(DispatchAttempt.phone == sender,
                                      DispatchAttempt.sent_at >= now - dt.timedelta(seconds=settings.link_max_age))
        .order_by(DispatchAttempt.sent_at.desc(), DispatchAttempt.id.desc()).limit(1)))
    if not candidates:
        return None
    lang = dispatch_service.vendor_language(session, candidates[0].vendor_id)
    if number is not None:
        chosen = [a for a in candidates if a.dispatch_id == number]
        if not chosen:
            return Reply(render(Text(ANSWER_UNKNOWN, list=_numbers(session, candidates)), lang))
    elif len(candidates) > 1:
        return Reply(render(Text(SEVERAL, list=_numbers(session, candidates)), lang))
    else:
        chosen = candidates
    attempt = chosen[0]
    dispatch = session.get(Dispatch, attempt.dispatch_id)
    record(session, actor=f"vendor:{attempt.contact_name}", kind="text_received", entity="dispatch",
           entity_id=dispatch.id, case_id=dispatch.case_id, at=now,
           params={"sender": "vendor", "name": attempt.contact_name, "body": body[:BODY_CHARS]})
    session.commit()
    outcome = dispatch_service.respond(session, attempt_id=attempt.id, answer=answer, via="sms", notifier=notifier,
                                       settings=settings, now=now)
    return Reply(render(Text(dispatch_messages.OUTCOME_TEXT[outcome]), lang), dispatch.case_id)


def _numbers(session: Session, attempts: list[DispatchAttempt]) -> str:
    refs = dict(session.exec(select(Dispatch.id, Case.reference).join(Case, Case.id == Dispatch.case_id)
                             .where(Dispatch.id.in_([a.dispatch_id for a in attempts]))).all())
    return ", ".join(f"#{a.dispatch_id} ({refs.get(a.dispatch_id, '')})" for a in attempts)


# --- Insureds -----------------------------------------------------------------------------------------
def find_case(session: Session, sender: str | None, text: str) -> Case | None:
    """The case the text names, among the cases of the organisations the sender's number belongs to (the
    newest when only the number is given and two years share it). None for any other number."""
    match = REFERENCE.search(text.upper())
    if match is None or sender is None:
        return None
    orgs = [o.id for o in organizations_for_phone(session, sender)]
    if not orgs:
        return None
    year, number = match.group(1), int(match.group(2))
    suffix = f"-{year}-{number:06d}" if year else f"-{number:06d}"
    return session.exec(select(Case).join(Policy, Policy.id == Case.policy_id)
                        .where(Policy.organization_id.in_(orgs), Case.reference.endswith(suffix))
                        .order_by(Case.created_at.desc(), Case.id.desc())).first()


def sender_language(session: Session, sender: str | None, case: Case | None) -> str | None:
    """The case contact's language when the sender is that contact, else an insured user's chosen one."""
    if sender is None:
        return None
    if case is not None and sender in {read_phone(p) for p in (case.contact_phone, case.caller_phone) if p}:
        return case.contact_language or DEFAULT_MESSAGE_LANGUAGE
    for phone, chosen in session.exec(select(User.phone, User.language).where(
            User.role == Role.insured, User.is_active, User.language.is_not(None), User.phone.is_not(None))
            .where(User.phone.endswith(sender[-4:]))):
        if read_phone(phone) == sender and chosen in LANGUAGES:
            return chosen
    return None


def _insured_question(session: Session, sender: str | None, text: str, *, body: str, now: dt.datetime) -> Reply:
    case = find_case(session, sender, text)
    if case is None:
        lang = sender_language(session, sender, None)
        msgid = NOT_FOUND if REFERENCE.search(text.upper()) else HELP
        # Someone we do not know reads it in both languages, Japanese first.
        return Reply(render(Text(msgid), lang) if lang else f"{render(Text(msgid), 'ja')}\n{render(Text(msgid), 'en')}")
    lang = sender_language(session, sender, case) or DEFAULT_MESSAGE_LANGUAGE
    record(session, actor=sender, kind="text_received", entity="case", entity_id=case.id, case_id=case.id,
           at=now, params={"sender": "insured", "phone": sender, "body": body[:BODY_CHARS]})
    return Reply(status_text(session, case, now=now, lang=lang), case.id)


def status_text(session: Session, case: Case, *, now: dt.datetime, lang: str) -> str:
    """Where the case stands and its nearest open deadline, as the case's pages say them."""
    if case.status != "open":
        return render(Text(CLOSED, reference=case.reference), lang)
    deadline = session.exec(select(Deadline).where(Deadline.case_id == case.id, Deadline.status == "open",
                                                   Deadline.due_at.is_not(None))
                            .order_by(Deadline.due_at)).first()
    if deadline is None:
        return render(Text(STATUS_NO_DEADLINE, reference=case.reference, phase=phase_title(case.phase)), lang)
    view = deadline_view(deadline, lang, now)
    return render(Text(STATUS, reference=case.reference, phase=phase_title(case.phase),
                       deadline=deadline_label(deadline.kind), when=view.when, left=view.left), lang)


# --- For the admin's simulator ------------------------------------------------------------------------
def examples(session: Session, limit: int = 4) -> list[tuple[str, str, str]]:
    """(who, number, a text to try): insured contacts of open cases, and vendor contacts asked right now."""
    from hotline.orgs.models import Organization

    out = [(name, phone, reference) for reference, phone, name in session.exec(
        select(Case.reference, Case.contact_phone, Organization.name).join(Policy, Policy.id == Case.policy_id)
        .join(Organization, Organization.id == Policy.organization_id)
        .where(Case.status == "open", Case.contact_phone.is_not(None))
        .order_by(Case.created_at.desc()).limit(limit))]
    out += [(contact, phone, "はい") for contact, phone in session.exec(
        select(DispatchAttempt.contact_name, DispatchAttempt.phone).where(DispatchAttempt.closed_at.is_(None))
        .order_by(DispatchAttempt.sent_at.desc()).limit(limit))]
    return out
