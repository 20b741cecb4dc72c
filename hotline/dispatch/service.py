"""Dispatch: sending a vendor with warnings, answers, escalation and release (the registry is registry.py).

Keyword-only functions over a session. Each one that changes something owns its transaction (it commits)
and writes the case timeline (the audit log) in it. The rules live in `vendors/` (pure).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session, select

from hotline.audit.models import AuditEvent
from hotline.audit.service import record
from hotline.cases.models import Case, facts_of
from hotline.db import claim, lock_due, utcnow
from hotline.dispatch import links, messages, registry
from hotline.dispatch.models import WAITING, Dispatch, DispatchAttempt, Vendor
from hotline.dispatch.schemas import DispatchIn
from hotline.dispatch.settings import DispatchSettings
from hotline.errors import Conflict, Invalid, NeedsOverride, NotFound
from hotline.i18n import DEFAULT_MESSAGE_LANGUAGE, LANGUAGES, render
from hotline.outbox.service import send
from hotline.products.catalogue import get_product
from vendors import capabilities, escalation, gates, selection
from vendors.notifier import Notifier
from workflows.text import N_, Text, from_json

STATUS_WORDS = {"pending": N_("pending"), "accepted": N_("accepted"), "declined": N_("declined"),
                "escalated": N_("escalated"), "expired": N_("expired")}
CHANGED_MEANWHILE = N_("The step changed meanwhile; reload and try again.")


# --- Dispatching --------------------------------------------------------------------------------------
def _consent_required(product):
    """Consent flags and names of the product's cost categories (the product catalogue)."""
    def _category(code):
        try:
            return product.category(code) if product is not None else None
        except (KeyError, LookupError):
            return None

    def required(code: str) -> bool:
        cat = _category(code)
        return bool(cat and cat.consent_required)

    def name(code: str) -> Text | str:
        cat = _category(code)
        return cat.label if cat else code

    return required, name


def consented_categories(session: Session, case_id: int) -> set[str]:
    """Categories for which the insurer's written consent is on record for this case: a cost line of the
    ledger in that category carries a consent reference."""
    from hotline.costs.models import CostLine

    rows = session.exec(select(CostLine.category).where(CostLine.case_id == case_id, CostLine.removed_at.is_(None),
                                                        CostLine.consent_ref.is_not(None), CostLine.consent_ref != ""))
    return set(rows)


def warnings_for(session: Session, case: Case, product_code: str, capability: str, *, now: dt.datetime
                 ) -> list[Text]:
    """What the policy warns of before this work is dispatched (Texts: the API reads English, the page its
    reader's language)."""
    product = get_product(product_code)
    required, name = _consent_required(product)
    consented = consented_categories(session, case.id)
    return gates.dispatch_warnings(capability, facts_of(case), now,
                                   thirty_day=product.thirty_day_rule if product is not None else None,
                                   consent_required=required, category_name=name,
                                   consent_recorded=consented.__contains__)


def warnings_of(dispatch: Dispatch) -> list[Text | str]:
    """The warnings a dispatch was sent despite (stored as Text JSON; rows from before, as their English)."""
    return [from_json(w) for w in dispatch.warnings]


def vendor_language(session: Session, vendor_id: int) -> str:
    """A vendor's messages go in the first of its languages that the catalogue has; Japanese otherwise."""
    vendor = session.get(Vendor, vendor_id)
    return next((lang for lang in (vendor.languages if vendor else []) if lang in LANGUAGES),
                DEFAULT_MESSAGE_LANGUAGE)


def _chain(session: Session, vendor: Vendor, capability: str, now: dt.datetime) -> list[escalation.Step]:
    """The chosen vendor's contacts, then the other active vendors of the capability that are open now,
    in the registry's escalation order, with theirs."""
    def entry(v: Vendor):
        return (v.id, v.name, [(c.name, c.phone) for c in registry.contacts_of(session, v.id)])

    backups = [v for v in registry.list_vendors(session)
               if v.id != vendor.id and v.active and capability in v.capabilities
               and selection.is_open(v.hours, now)]
    return escalation.build_chain(entry(vendor), [entry(v) for v in backups])


def create_dispatch(session: Session, *, case: Case, product_code: str, data: DispatchIn, actor,
                    notifier: Notifier, settings: DispatchSettings, now: dt.datetime | None = None) -> Dispatch:
    now = now or utcnow()
    vendor = session.get(Vendor, data.vendor_id)
    if vendor is None or not vendor.active:
        raise Invalid({"vendor_id": N_("no such active vendor")})
    if data.capability not in vendor.capabilities:
        raise Invalid({"capability": f"{vendor.name} does not offer {data.capability}"})
    if case.status == "closed":
        raise Conflict(Text(N_("The case is closed; reopen it before dispatching a vendor.")), code="case_closed")
    warnings = warnings_for(session, case, product_code, data.capability, now=now)
    if warnings and not data.override_warnings:
        raise NeedsOverride(Text(N_("The policy calls for attention before this dispatch; send override_warnings=true "
                                    "to dispatch anyway.")), warnings=warnings)
    chain = _chain(session, vendor, data.capability, now)
    if not chain or chain[0].vendor_id != vendor.id:
        raise Invalid({"vendor_id": f"{vendor.name} has no on-call contact"})
    dispatch = Dispatch(case_id=case.id, requested_vendor_id=vendor.id, vendor_id=vendor.id,
                        capability=data.capability, brief=data.brief.strip(), chain=[s.as_json() for s in chain],
                        warnings=[w.json() for w in warnings], warnings_overridden=bool(warnings), created_at=now,
                        created_by_id=getattr(actor, "id", None))
    session.add(dispatch)
    session.flush()
    record(session, actor=actor, kind="vendor_dispatched", entity="dispatch", entity_id=dispatch.id,
           case_id=case.id, at=now, params={"vendor": vendor.name, "capability": data.capability,
                                            "brief": dispatch.brief[:200]})
    if warnings:
        record(session, actor=actor, kind="warnings_overridden", entity="dispatch", entity_id=dispatch.id,
               case_id=case.id, at=now, params={"warnings": warnings})
    _notify(session, dispatch, case, 0, now=now, notifier=notifier, settings=settings)
    session.commit()
    return dispatch


def brief_of(case: Case, company: str, lang: str) -> str:
    """A brief pre-filled from the case for the vendor, in the vendor's language: who, what, since when, how
    many people and what kind of data. The coordinator may edit it before sending."""
    parts = [Text(N_("%(company)s: %(summary)s"), company=company, summary=" ".join(case.summary.split())[:300]),
             Text(N_("First discovered %(when)s JST."), when=case.first_discovered_at)]
    if case.personal_records_affected:
        parts.append(Text(N_("About %(n)s personal records affected."), n=f"{case.personal_records_affected:,}"))
    parts += [Text(msgid) for flag, msgid in (
        (case.card_data, N_("Card data involved.")), (case.sensitive_data, N_("Sensitive personal data involved.")),
        (case.malicious, N_("Possibly malicious (unauthorised access, ransomware or insider).")),
        (case.eu_data_subjects, N_("EU data subjects affected."))) if flag]
    return " ".join(render(p, lang) for p in parts)


def covered_capabilities(session: Session, case_id: int) -> dict[str, Dispatch]:
    """The capabilities a dispatch of the case already covers (waiting for an answer, or engaged and not
    released), with that dispatch."""
    out: dict[str, Dispatch] = {}
    for d in dispatches_for_case(session, case_id):
        if (d.status in WAITING or (d.status == "accepted" and d.released_at is None)) and d.capability not in out:
            out[d.capability] = d
    return out


def answer_url(settings: DispatchSettings, attempt_id: int) -> str:
    return f"{settings.base_url}/dispatch/answer/{links.make_token(settings.secret_key, attempt_id)}"


def voice_url(settings: DispatchSettings, attempt_id: int) -> str:
    return f"{settings.base_url}/twilio/dispatch/{links.make_token(settings.secret_key, attempt_id)}/voice"


def _notify(session: Session, dispatch: Dispatch, case: Case, step: int, *, now: dt.datetime,
            notifier: Notifier, settings: DispatchSettings) -> DispatchAttempt:
    """Open `step`: the contact gets an SMS with a signed answer link (and a call if configured)."""
    target = escalation.Step.from_json(dispatch.chain[step])
    attempt = DispatchAttempt(dispatch_id=dispatch.id, step=step, vendor_id=target.vendor_id,
                              contact_name=target.contact_name, phone=target.phone, sent_at=now,
                              deadline=now + settings.ack_timeout)
    session.add(attempt)
    session.flush()
    dispatch.current_step, dispatch.step_deadline, dispatch.vendor_id = step, attempt.deadline, target.vendor_id
    dispatch.status = "pending" if step == 0 else "escalated"
    session.add(dispatch)
    source = f"dispatch:{dispatch.id}"
    sms = messages.sms(case.reference, dispatch, target, attempt.deadline, answer_url(settings, attempt.id),
                       lang=vendor_language(session, target.vendor_id))
    send(session, notifier, channel="sms", to=target.phone, body=sms, case_id=case.id, source=source)
    if settings.voice:
        send(session, notifier, channel="voice", to=target.phone, body=messages.voice_script(case.reference, dispatch),
             case_id=case.id, source=source, voice_url=voice_url(settings, attempt.id))
    record(session, actor="clock" if step else None, kind="vendor_notified", entity="dispatch",
           entity_id=dispatch.id, case_id=case.id, at=now,
           # no phone number here: insureds read the timeline of their case
           params={"vendor": target.vendor_name, "contact": target.contact_name, "voice": settings.voice or None,
                   "step": step + 1, "steps": len(dispatch.chain)})
    return attempt


def _advance(session: Session, dispatch: Dispatch, case: Case, attempt: DispatchAttempt, *, declined: bool,
             now: dt.datetime, notifier: Notifier, settings: DispatchSettings, actor) -> None:
    """After `attempt` closed without an acceptance: the next contact, the next vendor, or the end."""
    chain = [escalation.Step.from_json(s) for s in dispatch.chain]
    decision = escalation.next_step(chain, attempt.step, deadline=attempt.deadline, now=now, declined=declined)
    here = chain[attempt.step]
    if decision.action == "wait":  # cannot happen for a closed step; kept explicit for safety
        return
    if decision.action == "expire":
        dispatch.status, dispatch.decided_at, dispatch.step_deadline = ("declined" if declined else "expired"), now, None
        session.add(dispatch)
        record(session, actor=actor, kind="dispatch_expired", entity="dispatch", entity_id=dispatch.id,
               case_id=case.id, at=now, params={"vendor": here.vendor_name, "declined": declined or None})
        return
    nxt = chain[decision.step]
    record(session, actor=actor, kind="dispatch_escalated", entity="dispatch", entity_id=dispatch.id,
           case_id=case.id, at=now,
           params={"vendor": here.vendor_name, "contact": here.contact_name, "declined": declined or None,
                   "deadline": None if declined else attempt.deadline,
                   "next_contact": nxt.contact_name if decision.action == "next_contact" else None,
                   "next_vendor": nxt.vendor_name if decision.action != "next_contact" else None})
    _notify(session, dispatch, case, decision.step, now=now, notifier=notifier, settings=settings)


def _accept(session: Session, dispatch: Dispatch, case: Case, attempt: DispatchAttempt, *, via: str,
            now: dt.datetime, actor, note: str = "", colleague: bool = False) -> None:
    """`colleague`: the company accepted through an earlier message to a colleague (a late answer)."""
    attempt.outcome, attempt.answered_via = "accepted", via
    dispatch.status, dispatch.vendor_id, dispatch.decided_at, dispatch.step_deadline = \
        "accepted", attempt.vendor_id, now, None
    session.add_all([attempt, dispatch])
    vendor = session.get(Vendor, attempt.vendor_id)
    record(session, actor=actor, kind="vendor_accepted", entity="dispatch", entity_id=dispatch.id,
           case_id=case.id, at=now, params={"vendor": vendor.name, "contact": attempt.contact_name, "via": via,
                                            "note": note or None, "colleague": colleague or None})


# --- Answers ------------------------------------------------------------------------------------------
def respond(session: Session, *, attempt_id: int, answer: str, via: str, notifier: Notifier,
            settings: DispatchSettings, now: dt.datetime | None = None, actor=None, note: str = "") -> str:
    """A vendor's answer (accept | decline) to one step. Returns what happened, for the page:
    accepted, declined, already_used (this link decided before), superseded (the step was closed: the
    request went to someone else or ended; the answer is recorded for the coordinator)."""
    now = now or utcnow()
    attempt = session.get(DispatchAttempt, attempt_id)
    if attempt is None:
        raise NotFound("dispatch request")
    if attempt.outcome in ("accepted", "declined") or attempt.late_answer:
        return "already_used"
    dispatch = session.get(Dispatch, attempt.dispatch_id)
    case = session.get(Case, dispatch.case_id)
    actor = actor or f"vendor:{escalation.Step.from_json(dispatch.chain[attempt.step]).vendor_name}" \
                     f" ({attempt.contact_name})"
    # Claiming closed_at is the exactly-once guard against the clock escalating the same step.
    if claim(session, DispatchAttempt, attempt.id, column="closed_at", value=now):
        session.refresh(attempt)
        session.refresh(dispatch)
        if answer == "accept":
            _accept(session, dispatch, case, attempt, via=via, now=now, actor=actor, note=note)
        else:
            attempt.outcome, attempt.answered_via = "declined", via
            session.add(attempt)
            record(session, actor=actor, kind="vendor_declined", entity="dispatch", entity_id=dispatch.id,
                   case_id=case.id, at=now, params={"contact": attempt.contact_name, "via": via,
                                                    "note": note or None})
            _advance(session, dispatch, case, attempt, declined=True, now=now, notifier=notifier,
                     settings=settings, actor=actor)
        session.commit()
        return "accepted" if answer == "accept" else "declined"
    session.rollback()
    return _late(session, attempt_id, answer=answer, via=via, now=now, actor=actor)


def _late(session: Session, attempt_id: int, *, answer: str, via: str, now: dt.datetime, actor) -> str:
    """An answer to a step that was already closed. When the same company is still being asked through
    another contact, its acceptance counts (no duplicate work). Otherwise the answer is only recorded:
    another vendor has the request, or the chain ended, and the coordinator decides."""
    attempt = session.get(DispatchAttempt, attempt_id)
    session.refresh(attempt)
    if attempt.outcome in ("accepted", "declined") or attempt.late_answer:
        return "already_used"
    dispatch = session.get(Dispatch, attempt.dispatch_id)
    session.refresh(dispatch)
    case = session.get(Case, dispatch.case_id)
    if not claim(session, DispatchAttempt, attempt.id, column="late_answer", value=answer):
        session.rollback()
        return "already_used"
    if answer == "accept" and dispatch.status in WAITING and dispatch.vendor_id == attempt.vendor_id:
        current = session.exec(select(DispatchAttempt).where(DispatchAttempt.dispatch_id == dispatch.id,
                                                             DispatchAttempt.step == dispatch.current_step)).one()
        if claim(session, DispatchAttempt, current.id, column="closed_at", value=now):
            session.refresh(current)
            current.outcome = "superseded"
            _accept(session, dispatch, case, attempt, via=via, now=now, actor=actor, colleague=True)
            session.commit()
            return "accepted"
    engaged = session.get(Vendor, dispatch.vendor_id)
    record(session, actor=actor, kind="vendor_late_answer", entity="dispatch", entity_id=dispatch.id,
           case_id=case.id, at=now, params={"answer": answer, "contact": attempt.contact_name, "via": via,
                                            "state": dispatch.status, "engaged": engaged.name})
    session.commit()
    return "superseded"


def coordinator_action(session: Session, *, dispatch: Dispatch, action: str, actor, notifier: Notifier,
                       settings: DispatchSettings, note: str = "", now: dt.datetime | None = None) -> Dispatch:
    now = now or utcnow()
    case = session.get(Case, dispatch.case_id)
    if action == "release":
        if dispatch.status != "accepted" or dispatch.released_at is not None:
            raise Conflict(Text(N_("Only an accepted dispatch that is not released yet can be released.")),
                           code="state")
        dispatch.released_at = now
        session.add(dispatch)
        vendor = session.get(Vendor, dispatch.vendor_id)
        record(session, actor=actor, kind="dispatch_released", entity="dispatch", entity_id=dispatch.id,
               case_id=case.id, at=now, params={"vendor": vendor.name, "note": note or None})
        session.commit()
        return dispatch
    if dispatch.status not in WAITING:
        raise Conflict(Text(N_("The dispatch is %(status)s; only a waiting one can be accepted, declined or "
                               "withdrawn."), status=Text(STATUS_WORDS.get(dispatch.status, dispatch.status))),
                       code="state")
    current = session.exec(select(DispatchAttempt).where(DispatchAttempt.dispatch_id == dispatch.id,
                                                         DispatchAttempt.step == dispatch.current_step)).one()
    if action in ("accept", "decline"):
        outcome = respond(session, attempt_id=current.id, answer=action, via="coordinator", notifier=notifier,
                          settings=settings, now=now, actor=actor, note=note)
        if outcome not in ("accepted", "declined"):
            raise Conflict(Text(CHANGED_MEANWHILE), code="state")
    elif claim(session, DispatchAttempt, current.id, column="closed_at", value=now):  # withdraw
        session.refresh(current)
        session.refresh(dispatch)
        current.outcome = "withdrawn"
        dispatch.status, dispatch.decided_at, dispatch.step_deadline = "expired", now, None
        session.add_all([current, dispatch])
        record(session, actor=actor, kind="dispatch_expired", entity="dispatch", entity_id=dispatch.id,
               case_id=case.id, at=now, params={"withdrawn": True, "note": note or None})
        session.commit()
    else:
        session.rollback()
        raise Conflict(Text(CHANGED_MEANWHILE), code="state")
    session.refresh(dispatch)
    return dispatch


# --- The clock ----------------------------------------------------------------------------------------
def escalate_one(session: Session, *, now: dt.datetime, notifier: Notifier, settings: DispatchSettings) -> bool:
    """Close one overdue step and open the next, in one transaction with its messages. False: none due.

    FOR UPDATE SKIP LOCKED keeps two clocks on different rows (PostgreSQL); the claim on closed_at makes
    the step close exactly once even against a vendor answering at the same moment (both databases).
    """
    query = lock_due(select(DispatchAttempt).where(DispatchAttempt.closed_at.is_(None),
                                                   DispatchAttempt.deadline <= now)
                     .order_by(DispatchAttempt.deadline, DispatchAttempt.id).limit(1))
    attempt = session.exec(query).first()
    if attempt is None:
        session.rollback()
        return False
    if not claim(session, DispatchAttempt, attempt.id, column="closed_at", value=now):
        session.rollback()
        return True  # someone else closed it; look again
    session.refresh(attempt)
    attempt.outcome = "no_answer"
    session.add(attempt)
    dispatch = session.get(Dispatch, attempt.dispatch_id)
    session.refresh(dispatch)
    case = session.get(Case, dispatch.case_id)
    _advance(session, dispatch, case, attempt, declined=False, now=now, notifier=notifier, settings=settings,
             actor="clock")
    if dispatch.status == "expired":
        _tell_coordinator(session, dispatch, case, notifier=notifier)
    session.commit()
    return True


def _tell_coordinator(session: Session, dispatch: Dispatch, case: Case, *, notifier: Notifier) -> None:
    from hotline.auth.models import User

    for user_id in {dispatch.created_by_id, case.coordinator_id} - {None}:
        user = session.get(User, user_id)
        if user is not None and user.phone:
            body = Text(N_("[hotline] %(reference)s: dispatch #%(id)s (%(capability)s) ended with no vendor accepting. "
                           "Dispatch again."), reference=case.reference, id=dispatch.id,
                        capability=capabilities.name(dispatch.capability))
            send(session, notifier, channel="sms", to=user.phone, case_id=case.id, source=f"dispatch:{dispatch.id}",
                 body=render(body, user.language or DEFAULT_MESSAGE_LANGUAGE))


# --- Reading ------------------------------------------------------------------------------------------
def dispatches_for_case(session: Session, case_id: int) -> list[Dispatch]:
    return list(session.exec(select(Dispatch).where(Dispatch.case_id == case_id)
                             .order_by(Dispatch.created_at.desc(), Dispatch.id.desc())))


def attempts_for(session: Session, dispatch_ids: list[int]) -> dict[int, list[DispatchAttempt]]:
    out: dict[int, list[DispatchAttempt]] = {i: [] for i in dispatch_ids}
    if dispatch_ids:
        for a in session.exec(select(DispatchAttempt).where(DispatchAttempt.dispatch_id.in_(dispatch_ids))
                              .order_by(DispatchAttempt.step)):
            out[a.dispatch_id].append(a)
    return out


def history_for(session: Session, dispatch_ids: list[int]) -> dict[int, list[AuditEvent]]:
    """The timeline entries of each dispatch, oldest first: the dispatch history is the audit log."""
    out: dict[int, list[AuditEvent]] = {i: [] for i in dispatch_ids}
    if dispatch_ids:
        for e in session.exec(select(AuditEvent).where(AuditEvent.entity == "dispatch",
                                                       AuditEvent.entity_id.in_(dispatch_ids))
                              .order_by(AuditEvent.at, AuditEvent.id)):
            out[e.entity_id].append(e)
    return out


def get_dispatch(session: Session, case: Case, dispatch_id: int) -> Dispatch:
    dispatch = session.get(Dispatch, dispatch_id)
    if dispatch is None or dispatch.case_id != case.id:
        raise NotFound("dispatch")
    return dispatch


def board(session: Session, *, now: dt.datetime | None = None) -> list[tuple[Dispatch, str, str]]:
    """For the coordinator's dashboard: dispatches waiting for an answer, and those that ended without a
    vendor in the last 24 hours (someone must dispatch again). (dispatch, case reference, vendor name)."""
    since = (now or utcnow()) - dt.timedelta(hours=24)
    rows = session.exec(select(Dispatch, Case.reference, Vendor.name)
                        .join(Case, Case.id == Dispatch.case_id).join(Vendor, Vendor.id == Dispatch.vendor_id)
                        .where(sa.or_(Dispatch.status.in_(WAITING),
                                      sa.and_(Dispatch.status.in_(("expired", "declined")),
                                              Dispatch.decided_at >= since)))
                        .order_by(Dispatch.status.in_(WAITING).desc(), Dispatch.step_deadline, Dispatch.id))
    return list(rows)


def engaged_vendors(session: Session, case_id: int) -> list[tuple[Vendor, Dispatch]]:
    """Vendors that accepted work on the case and have not been released (what an insured may see)."""
    rows = session.exec(select(Vendor, Dispatch).join(Dispatch, Dispatch.vendor_id == Vendor.id)
                        .where(Dispatch.case_id == case_id, Dispatch.status == "accepted",
                               Dispatch.released_at.is_(None)).order_by(Dispatch.decided_at))
    return list(rows)


def active_dispatch_summaries(session: Session, case_id: int) -> list[Text]:
    """Dispatches that still hold the case open: waiting for an answer, or accepted and not released.
    The phases' closure guard names them."""
    names = {v.id: v.name for v in registry.list_vendors(session)}
    out = []
    for d in dispatches_for_case(session, case_id):
        params = {"id": d.id, "vendor": names.get(d.vendor_id, d.vendor_id),
                  "capability": capabilities.name(d.capability)}
        if d.status in WAITING:
            out.append(Text(N_("dispatch #%(id)s: %(vendor)s (%(capability)s) is waiting for an answer"), **params))
        elif d.status == "accepted" and d.released_at is None:
            out.append(Text(N_("dispatch #%(id)s: %(vendor)s (%(capability)s) is engaged and not released"), **params))
    return out
