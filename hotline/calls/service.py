"""Calls: recording a call the moment it rings, the caller's way through the menu, ringing the people on duty in
roster order, missed calls and their call-back, linking a call to a case, and reading calls for the pages and API.

Every public function commits its unit of work; `link_case` is a building block that does not (intake opens a
case from a call in one transaction).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session, select

from hotline.audit.service import record
from hotline.auth.models import Role, User
from hotline.calls.models import Call, RosterEntry, RosterWarning
from hotline.calls.settings import CallSettings
from hotline.cases.models import Case
from hotline.db import claim, lock_due
from hotline.errors import Invalid, NotFound
from hotline.i18n import DEFAULT_MESSAGE_LANGUAGE, render
from hotline.orgs.models import Organization, Policy
from hotline.orgs.phones import normalised, open_cases_for_phone, organizations_for_phone
from hotline.outbox.service import send
from vendors.notifier import Notifier
from workflows import roster
from workflows.calendar import TOKYO
from workflows.text import N_, Text

LIVE_FOR = dt.timedelta(minutes=30)  # the operators' panel shows calls of the last half hour, and the open ones
OPEN_FOR = dt.timedelta(hours=2)  # …an open call for at most this long (its end was never reported)
# A call still in the menu after this long was hung up there: every menu step times out within seconds and
# silence goes to a person, so only a caller who hangs up stays "ringing" (Twilio's status callback, when set,
# says so at once: POST /twilio/status → call_ended).
MENU_ABANDONED_AFTER = dt.timedelta(minutes=10)
OPEN_STATUSES = ("ringing", "connecting")


# --- The roster ----------------------------------------------------------------------------------------
def slot_of(entry: RosterEntry) -> roster.Slot:
    return roster.Slot(user_id=entry.user_id, weekdays=frozenset(int(d) for d in entry.weekdays),
                       starts=entry.starts, ends=entry.ends, position=entry.position)


def roster_entries(session: Session) -> list[tuple[RosterEntry, User]]:
    return list(session.exec(select(RosterEntry, User).join(User, User.id == RosterEntry.user_id)
                             .order_by(RosterEntry.position, RosterEntry.id)))


def _reachable(user: User) -> bool:
    return user.is_active and bool(user.phone) and user.role is not Role.insured


def on_duty(session: Session, at: dt.datetime) -> list[User]:
    """The people on duty at `at` who can be rung (active, with a phone), in roster order."""
    rows = roster_entries(session)
    users = {u.id: u for _e, u in rows}
    return [users[i] for i in roster.on_duty([slot_of(e) for e, _u in rows], at) if _reachable(users[i])]


def add_roster_entry(session: Session, *, user_id: int, weekdays: str, starts: dt.time, ends: dt.time,
                     position: int, actor) -> RosterEntry:
    user = session.get(User, user_id)
    if user is None or not user.is_active or user.role not in (Role.operator, Role.coordinator):
        raise Invalid({"user_id": N_("not an active operator or coordinator")})
    if not user.phone:
        raise Invalid({"user_id": N_("has no phone number to ring")})
    entry = RosterEntry(user_id=user_id, weekdays=weekdays, starts=starts, ends=ends, position=position)
    session.add(entry)
    session.commit()
    return entry


def remove_roster_entry(session: Session, entry_id: int) -> None:
    entry = session.get(RosterEntry, entry_id)
    if entry is None:
        raise NotFound("roster entry")
    session.delete(entry)
    session.commit()


def roster_gaps(session: Session, *, now: dt.datetime, ahead: dt.timedelta) -> list[tuple[dt.datetime, dt.datetime]]:
    """Windows with nobody reachable on duty between now and `ahead`, each with its real start (from JST midnight
    of the day before at the earliest), so a gap keeps one identity from tick to tick."""
    rows = [(e, u) for e, u in roster_entries(session) if _reachable(u)]
    since = dt.datetime.combine(now.astimezone(TOKYO).date() - dt.timedelta(days=1), dt.time(0), tzinfo=TOKYO)
    return [(a, b) for a, b in roster.gaps([slot_of(e) for e, _u in rows], since, now + ahead) if b > now]


# --- A call rings, the caller chooses -----------------------------------------------------------------------
def ring(session: Session, *, sid: str, from_number: str, to_number: str, now: dt.datetime) -> Call:
    """The call row, written as it rings, with what its number matches now. Twilio may repeat a request: the same
    CallSid gives the same row."""
    call = session.exec(select(Call).where(Call.sid == sid)).first()
    if call is not None:
        return call
    e164 = normalised(from_number)
    orgs = organizations_for_phone(session, e164) if e164 else []
    cases = open_cases_for_phone(session, e164) if e164 else []
    call = Call(sid=sid, from_number=from_number[:64], from_e164=e164, to_number=to_number[:64],
                started_at=now.replace(microsecond=0),  # whole seconds: the API's reported_at compares equal
                organization_ids=[o.id for o in orgs], case_ids=[c.id for c in cases])
    session.add(call)
    try:
        session.commit()
    except sa.exc.IntegrityError:  # the same CallSid, posted twice at once
        session.rollback()
        return session.exec(select(Call).where(Call.sid == sid)).one()
    return call


def call_by_sid(session: Session, sid: str) -> Call | None:
    return session.exec(select(Call).where(Call.sid == sid)).first()


def set_language(session: Session, call: Call, language: str) -> None:
    call.language = language
    session.add(call)
    session.commit()


def verified_case(session: Session, call: Call, reference: str, *, now: dt.datetime) -> Case | None:
    """The case a caller keyed in, only when the calling number belongs to that case's organisation (then the call
    is linked to it). None otherwise, whether the case does not exist or is another company's: the caller learns
    nothing either way."""
    row = session.exec(select(Case, Policy).join(Policy, Policy.id == Case.policy_id)
                       .where(Case.reference == reference)).first()
    call.choice = "existing"
    session.add(call)
    if row is None or not call.from_e164:
        session.commit()
        return None
    case, policy = row
    if policy.organization_id not in {o.id for o in organizations_for_phone(session, call.from_e164)}:
        session.commit()
        return None
    if call.case_id is None:
        link_case(session, call, case, actor="system", now=now)
    session.commit()
    return case


def connect(session: Session, call: Call, *, choice: str, now: dt.datetime) -> User | None:
    """Ring the first person on duty; None when nobody is on duty (the call is then missed)."""
    if call.choice is None or choice == "new":
        call.choice = choice
    call.roster_step = 0
    return _ring_step(session, call, now=now)


def _ring_step(session: Session, call: Call, *, now: dt.datetime) -> User | None:
    people = on_duty(session, now)
    if call.roster_step < len(people):
        user = people[call.roster_step]
        call.status, call.ringing_user_id = "connecting", user.id
    else:
        user = None
        _end(session, call, status="missed", now=now)
    session.add(call)
    session.commit()
    return user


def dial_result(session: Session, call: Call, *, step: int, answered: bool, duration: int | None, caller_gone: bool,
                now: dt.datetime) -> tuple[str, User | None]:
    """The leg to a person on duty ended. Returns ("answered", who), ("next", who is rung now), ("missed", None),
    or ("stale", None) for a repeated or out-of-date request (nothing changes)."""
    if call.status != "connecting" or step != call.roster_step:
        return "stale", None
    if answered:
        call.answered_by_id, call.duration_seconds = call.ringing_user_id, duration
        call.answered_at = now - dt.timedelta(seconds=duration or 0)
        _end(session, call, status="answered", now=now)
        session.add(call)
        session.commit()
        return "answered", session.get(User, call.answered_by_id)
    if caller_gone:  # the caller hung up while we rang: still a call nobody took
        _end(session, call, status="missed", now=now)
        session.add(call)
        session.commit()
        return "missed", None
    call.roster_step += 1
    user = _ring_step(session, call, now=now)
    return ("next", user) if user is not None else ("missed", None)


def call_ended(session: Session, sid: str, *, now: dt.datetime) -> Call | None:
    """Twilio's status callback says the call is over: a caller who hung up in the menu abandoned the call; one
    who hung up while people were rung missed it. Answered, missed and abandoned calls stay as they are."""
    call = call_by_sid(session, sid)
    if call is None or call.status not in OPEN_STATUSES:
        return call
    _end(session, call, status="abandoned" if call.status == "ringing" else "missed", now=now)
    session.add(call)
    session.commit()
    return call


def close_abandoned(session: Session, *, now: dt.datetime) -> int:
    """Calls left in the menu for MENU_ABANDONED_AFTER: abandoned. Commits; returns how many."""
    stale = session.exec(select(Call).where(Call.status == "ringing", Call.started_at <= now - MENU_ABANDONED_AFTER)
                         .order_by(Call.id).limit(200)).all()
    for call in stale:
        _end(session, call, status="abandoned", now=now)
        session.add(call)
    session.commit()
    return len(stale)


def _end(session: Session, call: Call, *, status: str, now: dt.datetime) -> None:
    call.status, call.ended_at, call.ringing_user_id = status, now, None
    if call.case_id is not None:
        record(session, actor="system", kind="call_ended", entity="call", entity_id=call.id, case_id=call.case_id,
               params=_call_params(session, call), at=now)


# --- Calls and cases ------------------------------------------------------------------------------------
def _call_params(session: Session, call: Call) -> dict:
    answerer = session.get(User, call.answered_by_id) if call.answered_by_id else None
    return {"number": call.from_e164 or call.from_number, "at": call.started_at, "status": call.status,
            "answerer": answerer.label if answerer else None, "duration": call.duration_seconds}


def link_case(session: Session, call: Call, case: Case, *, actor, now: dt.datetime) -> None:
    """The call is about this case: on its timeline. Does not commit."""
    call.case_id = case.id
    session.add(call)
    record(session, actor=actor, kind="call_linked", entity="call", entity_id=call.id, case_id=case.id,
           params=_call_params(session, call), at=now)


def call_for_intake(session: Session, call_id: int) -> Call:
    """The call a new case is opened from: it must exist and not be about another case already."""
    call = session.get(Call, call_id)
    if call is None:
        raise Invalid({"call_id": N_("no such call")})
    if call.case_id is not None:
        raise Invalid({"call_id": N_("this call is already linked to a case")})
    return call


def attach_to_case(session: Session, call: Call, case: Case, *, actor, now: dt.datetime) -> None:
    """'Open the case this call is about': the call goes on that case's timeline. Commits."""
    if call.case_id is None:
        link_case(session, call, case, actor=actor, now=now)
    elif call.case_id != case.id:
        raise Invalid({"call_id": N_("this call is already linked to a case")})
    session.commit()


def mark_called_back(session: Session, call: Call, *, actor, now: dt.datetime) -> None:
    if call.status != "missed":
        raise Invalid({"call_id": N_("only a missed call is called back")})
    if call.called_back_at is None:
        call.called_back_at, call.called_back_by_id = now, getattr(actor, "id", None)
        session.add(call)
        if call.case_id is not None:
            record(session, actor=actor, kind="call_back", entity="call", entity_id=call.id, case_id=call.case_id,
                   params={"number": call.from_e164 or call.from_number, "at": call.started_at}, at=now)
    session.commit()


# --- The clock: missed calls not called back, roster windows with nobody ---------------------------------------
def _coordinators(session: Session, call: Call) -> list[User]:
    case = session.get(Case, call.case_id) if call.case_id else None
    if case is not None and case.coordinator_id:
        return [session.get(User, case.coordinator_id)]
    return list(session.exec(select(User).where(User.role == Role.coordinator, User.is_active.is_(True))))


def alert_missed_one(session: Session, *, now: dt.datetime, settings: CallSettings, notifier: Notifier) -> bool:
    """One missed call not called back within the alert time: an SMS to the first person on duty and to the
    coordinator (the case's, else every active one), once. False: none due."""
    query = lock_due(select(Call).where(Call.status == "missed", Call.called_back_at.is_(None),
                                        Call.callback_alerted_at.is_(None),
                                        Call.ended_at <= now - settings.callback_alert)
                     .order_by(Call.ended_at, Call.id).limit(1))
    call = session.exec(query).first()
    if call is None:
        session.rollback()
        return False
    if not claim(session, Call, call.id, column="callback_alerted_at", value=now):
        session.rollback()
        return True
    session.refresh(call)
    people = {u.id: u for u in [*on_duty(session, now)[:1], *_coordinators(session, call)] if u is not None}
    minutes = int((now - call.ended_at).total_seconds() // 60)
    number = call.from_e164 or call.from_number or "—"
    for user in people.values():
        if user.phone and user.is_active:
            body = Text(N_("[hotline] Missed call from %(number)s at %(at)s JST not called back for %(minutes)s "
                           "minutes. Call back and mark it on the caller log."),
                        number=number, at=f"{call.started_at.astimezone(TOKYO):%H:%M}", minutes=minutes)
            send(session, notifier, channel="sms", to=user.phone, case_id=call.case_id, source=f"call:{call.id}",
                 body=render(body, user.language or DEFAULT_MESSAGE_LANGUAGE))
    session.commit()
    return True


def warn_roster_gaps(session: Session, *, now: dt.datetime, settings: CallSettings, notifier: Notifier) -> int:
    """Each coming window with nobody on duty, once: an SMS to every active admin and coordinator with a phone.
    An empty roster warns of nothing: the phone line is not in use (no roster, no one to ring)."""
    warned = 0
    if session.exec(select(RosterEntry.id)).first() is None:
        return 0
    for start, end in roster_gaps(session, now=now, ahead=settings.roster_lookahead):
        if session.exec(select(RosterWarning.id).where(RosterWarning.gap_starts_at == start)).first():
            continue
        session.add(RosterWarning(gap_starts_at=start, gap_ends_at=end, warned_at=now))
        try:
            session.flush()
        except sa.exc.IntegrityError:  # another clock warned first
            session.rollback()
            continue
        people = session.exec(select(User).where(User.role.in_((Role.admin, Role.coordinator)),
                                                 User.is_active.is_(True), User.phone.is_not(None)))
        for user in people:
            body = Text(N_("[hotline] Nobody is on phone duty from %(start)s to %(end)s JST. Update the roster."),
                        start=f"{start.astimezone(TOKYO):%m/%d %H:%M}", end=f"{end.astimezone(TOKYO):%m/%d %H:%M}")
            send(session, notifier, channel="sms", to=user.phone, source="roster",
                 body=render(body, user.language or DEFAULT_MESSAGE_LANGUAGE))
        session.commit()
        warned += 1
    return warned


# --- Reading -------------------------------------------------------------------------------------------
def get_call(session: Session, call_id: int) -> Call:
    call = session.get(Call, call_id)
    if call is None:
        raise NotFound("call")
    return call


def list_calls(session: Session, *, from_number: str | None = None, case_id: int | None = None,
               status: str | None = None, since: dt.datetime | None = None, limit: int = 100,
               offset: int = 0) -> list[Call]:
    """Calls newest first; `from_number` matches in E.164 (written any way), `status` 'open' means ringing or
    connecting, and 'to_call_back' the missed ones nobody has called back."""
    query = select(Call)
    if from_number:
        query = query.where(Call.from_e164 == (normalised(from_number) or from_number))
    if case_id is not None:
        query = query.where(Call.case_id == case_id)
    if status == "open":
        query = query.where(Call.status.in_(OPEN_STATUSES))
    elif status == "to_call_back":
        query = query.where(Call.status == "missed", Call.called_back_at.is_(None))
    elif status:
        query = query.where(Call.status == status)
    if since is not None:
        query = query.where(Call.started_at >= since)
    return list(session.exec(query.order_by(Call.started_at.desc(), Call.id.desc()).offset(offset).limit(limit)))


def live_calls(session: Session, *, now: dt.datetime) -> list[Call]:
    """What the operators' panel shows: calls still ringing, every call of the last half hour, and missed calls
    nobody has called back yet."""
    query = select(Call).where(sa.or_(sa.and_(Call.status.in_(OPEN_STATUSES), Call.started_at >= now - OPEN_FOR),
                                      Call.started_at >= now - LIVE_FOR,
                                      sa.and_(Call.status == "missed", Call.called_back_at.is_(None))))
    return list(session.exec(query.order_by(Call.started_at.desc(), Call.id.desc()).limit(20)))


def related(session: Session, calls: list[Call]) -> dict:
    """What the pages and the API show beside calls: organisations, cases (with their policies) and people, by id."""
    org_ids = {i for c in calls for i in c.organization_ids or []}
    case_ids = {i for c in calls for i in c.case_ids or []} | {c.case_id for c in calls if c.case_id}
    user_ids = {i for c in calls for i in (c.answered_by_id, c.ringing_user_id, c.called_back_by_id) if i}
    orgs = {o.id: o for o in session.exec(select(Organization).where(Organization.id.in_(org_ids)))} if org_ids else {}
    cases = ({c.id: c for c in session.exec(select(Case).where(Case.id.in_(case_ids)))} if case_ids else {})
    policies: dict[int, list[Policy]] = {}
    if org_ids:
        for p in session.exec(select(Policy).where(Policy.organization_id.in_(org_ids)).order_by(Policy.id)):
            policies.setdefault(p.organization_id, []).append(p)
    users = {u.id: u for u in session.exec(select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    return {"orgs": orgs, "cases": cases, "policies": policies, "users": users}
