"""Reading the audit log: each row rendered in the reader's language, with who did it as the reader may see it.

Every domain describes its own event kinds (its `events.py`); they are imported here, so a kind whose module
fails to import stops the app at start-up, and a kind described twice is refused. A description is looked up
as "<entity>/<kind>" first (one kind written by two domains, e.g. a deadline's and a task's reminder_sent),
then by kind. A row written before events stored parameters keeps its old sentences in params["legacy"]
({"en", "ja"}, migration 0009), shown in the reader's language.

Who did it: staff read the actor as it was recorded (a name or an e-mail address); an insured never reads a
staff member's e-mail address or phone: a coordinator reads as "Coordinator", an operator or admin as
"Hotline", a colleague of the same company by name, the clock and the system as "System". The API and its
CSV give English; the pages and the page's CSV the reader's language.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlmodel import Session, select

from hotline.accounts.events import KINDS as ACCOUNTS
from hotline.audit.events import EventKind, merge
from hotline.audit.models import AuditEvent
from hotline.auth.events import KINDS as AUTH
from hotline.auth.models import Role, User
from hotline.cases.events import KINDS as CASES
from hotline.costs.events import KINDS as COSTS
from hotline.deadlines.events import KINDS as DEADLINES
from hotline.dispatch.events import KINDS as DISPATCH
from hotline.formatting import iso, spreadsheet_safe
from hotline.i18n import render
from hotline.messages.events import KINDS as MESSAGES
from hotline.orgs.events import KINDS as ORGS
from hotline.phases.events import KINDS as PHASES
from hotline.timeline.events import KINDS as TIMELINE
from workflows.text import N_, Text, from_json

EVENT_KINDS: dict[str, EventKind] = merge(CASES, DEADLINES, COSTS, PHASES, DISPATCH, TIMELINE, AUTH, ORGS, ACCOUNTS,
                                          MESSAGES)
COLUMNS = ("at", "actor", "kind", "summary", "field", "old", "new")

SYSTEM_ACTORS = {"clock": N_("System (clock)"), "system": N_("System"), "demo": N_("System")}
ROLE_AS_SEEN_BY_INSUREDS = {Role.coordinator: N_("Coordinator"), Role.operator: N_("Hotline"),
                            Role.admin: N_("Hotline")}


def kind_of(event: AuditEvent) -> EventKind | None:
    return EVENT_KINDS.get(f"{event.entity}/{event.kind}") or EVENT_KINDS.get(event.kind)


def kind_label(kind: str) -> Text:
    described = EVENT_KINDS.get(kind) or next((k for key, k in EVENT_KINDS.items()
                                               if key.endswith(f"/{kind}")), None)
    return Text(described.label) if described is not None else Text(kind)


def summary(event: AuditEvent) -> Text | str:
    params = {k: from_json(v) for k, v in (event.params or {}).items()}
    legacy = params.get("legacy")
    if isinstance(legacy, dict):
        return _Legacy(legacy)
    described = kind_of(event)
    return described.summary(event, params) if described is not None else event.kind


def change(event: AuditEvent) -> Text | None:
    described = kind_of(event)
    if described is None or described.change is None or (event.params or {}).get("legacy"):
        return None
    return described.change(event, {k: from_json(v) for k, v in (event.params or {}).items()})


class _Legacy:
    """The sentences of a row written before the catalogue (migration 0009), by language."""

    def __init__(self, texts: dict):
        self.texts = texts

    def __call__(self, lang: str) -> str:
        return self.texts.get(lang) or self.texts.get("en") or ""


def _say(value, lang: str) -> str:
    return value(lang) if isinstance(value, _Legacy) else render(value, lang)


# --- Who did it ------------------------------------------------------------------------------------------
def _is_staff(reader) -> bool:
    role = getattr(reader, "role", None)
    return role is not None and role is not Role.insured


def actor_name(event: AuditEvent, reader, users: dict[int, User], lang: str) -> str:
    """The actor as `reader` may see it, in `lang` (see the module's docstring)."""
    staff = _is_staff(reader)
    if event.actor_id is not None:
        if staff:
            return event.actor or ""
        user = users.get(event.actor_id)
        if user is None:
            return render(Text(N_("Hotline")), lang)
        if user.role is Role.insured:
            if user.organization_id == getattr(reader, "organization_id", None):
                return user.display_name or user.email
            return render(Text(N_("Insured")), lang)
        return render(Text(ROLE_AS_SEEN_BY_INSUREDS.get(user.role, N_("Hotline"))), lang)
    actor = event.actor
    if actor is None:
        return ""
    if actor in SYSTEM_ACTORS:
        return render(Text(SYSTEM_ACTORS[actor] if staff else N_("System")), lang)
    if actor.startswith("vendor:"):  # "vendor:<company> (<contact>)": the vendor's company and its person
        return render(Text(N_("Vendor: %(name)s"), name=actor.removeprefix("vendor:")), lang)
    return actor if staff else render(Text(N_("System")), lang)


def _users(session: Session, events: list[AuditEvent]) -> dict[int, User]:
    ids = {e.actor_id for e in events if e.actor_id is not None}
    return {u.id: u for u in session.exec(select(User).where(User.id.in_(ids)))} if ids else {}


# --- Rows ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EventView:
    """One timeline row as a reader reads it."""
    event: AuditEvent
    actor: str
    label: str
    summary: str
    change: str

    def __getattr__(self, name):  # at, kind, field, old, new … of the row itself
        return getattr(self.event, name)


def views(session: Session, events: list[AuditEvent], *, reader, lang: str) -> list[EventView]:
    users = _users(session, events)
    return [EventView(e, actor_name(e, reader, users, lang), render(kind_label(e.kind), lang),
                      _say(summary(e), lang), render(change(e), lang)) for e in events]


def _row(v: EventView, reader, *, api: bool) -> dict:
    # The API gives staff the actor as recorded ("clock", a name); pages and insureds read it in words.
    actor = v.event.actor if api and _is_staff(reader) else v.actor or None
    row = {"at": iso(v.at), "actor": actor, "kind": v.kind, "summary": v.summary, "field": v.field,
           "old": v.old, "new": v.new}
    if _is_staff(reader):  # what an insured reads is never internal; staff see which entries are
        row["internal"] = bool(v.event.internal)
    return row


def event_json(session: Session, events: list[AuditEvent], *, reader) -> list[dict]:
    """The API's timeline entries (shared/API.md): English, the actor as `reader` may see it."""
    return [_row(v, reader, api=True) for v in views(session, events, reader=reader, lang="en")]


def to_csv(session: Session, events: list[AuditEvent], *, reader, lang: str, api: bool) -> str:
    """UTF-8 with a BOM so that Excel in Japan opens Japanese text correctly; the columns of the API. The API's
    CSV reads English; a page's, the reader's language."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for v in views(session, events, reader=reader, lang=lang):
        row = _row(v, reader, api=api)
        writer.writerow(["" if row[c] is None else spreadsheet_safe(row[c]) for c in COLUMNS])
    return out.getvalue()
