"""The claim report of a case: what the insurer's adjuster needs in one document. The facts, the timeline, each
deadline and how and when it was met, the vendors and their dispatches, every cost line with its payable amount
and its reasons, the totals against each limit for the case and for the policy period, the receipts.

`build` gathers it once, rendered in one language for one reader: an insured reads no decision code, no staff
contact, no internal entry (dispatch briefs, notes, warning overrides); staff read the decisions as well. The page,
the PDF (WeasyPrint, hotline/claims/pdf.py) and the CSV are made from the same report. Reads only."""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from sqlmodel import Session, select

from hotline.audit.models import AuditEvent
from hotline.auth.models import Role, User
from hotline.cases.events import FACT_LABELS, VALUE_WORDS
from hotline.cases.models import Case
from hotline.costs import service as costs
from hotline.db import utcnow
from hotline.dispatch.models import Dispatch, Vendor
from hotline.formatting import spreadsheet_safe
from hotline.i18n import deadline_when, instant, render
from hotline.orgs.models import Organization, Policy
from hotline.portal import service as portal
from hotline.timeline.render import EventView, actor_name, views
from hotline.timeline.service import case_timeline
from vendors import capabilities
from workflows.text import N_, Text

DISPATCH_STATUS = {"pending": N_("waiting for an answer"), "accepted": N_("accepted"), "declined": N_("declined"),
                   "escalated": N_("passed to the next contact"), "expired": N_("nobody accepted")}
SCOPES = {"incident": N_("this incident"), "claim": N_("per claim"), "period": N_("policy period")}
FACTS = ("first_discovered_at", "reported_at", "discovery_source", "summary", "personal_records_affected",
         "card_data", "sensitive_data", "malicious", "eu_data_subjects", "attack_confirmed", "publication_made_at")


@dataclass(frozen=True)
class DeadlineLine:
    label: str
    due: str
    status: str
    met_at: dt.datetime | None
    how: str


@dataclass(frozen=True)
class VendorLine:
    name: str
    capability: str
    status: str
    requested_at: dt.datetime
    decided_at: dt.datetime | None
    released_at: dt.datetime | None
    brief: str | None  # staff only


@dataclass(frozen=True)
class CostLineView:
    id: int
    category: str
    arose_on: dt.date
    claimed_jpy: int
    payable_jpy: int
    status: str
    reasons: list[str]
    consent_ref: str | None
    invoice_ref: str | None
    note: str
    receipts: list  # hotline.costs.models.Receipt


@dataclass(frozen=True)
class LimitLine:
    label: str
    scope: str
    limit_jpy: int
    used_jpy: int
    remaining_jpy: int


@dataclass(frozen=True)
class ClaimReport:
    lang: str
    staff: bool
    generated_at: dt.datetime
    case: Case
    policy: Policy
    organization: Organization
    product_name: str
    plan: str
    coordinator: str | None
    facts: list[tuple[str, str]]
    phase: str
    deadlines: list[DeadlineLine]
    vendors: list[VendorLine]
    lines: list[CostLineView]
    claimed_jpy: int
    payable_jpy: int
    period_claimed_jpy: int
    period_payable_jpy: int
    case_limits: list[LimitLine]
    period_limits: list[LimitLine]
    timeline: list[EventView]


def _fact(case: Case, name: str, lang: str) -> str:
    value = getattr(case, name)
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return instant(value, lang)
    if isinstance(value, bool):
        return render(value, lang)
    if name in VALUE_WORDS:
        return render(Text(VALUE_WORDS[name].get(value, value)), lang)
    return render(value, lang)


def _how(case: Case, row, lang: str, recorded_by: dict[str, str]) -> str:
    if row.status == "not_applicable":
        return render(Text(N_("Does not apply")), lang)
    if row.kind == "insurer_emergency_notice":
        return render(Text(N_("By the call to the hotline at %(when)s") if row.status == "met"
                           else N_("The call to the hotline at %(when)s came after the deadline"),
                           when=case.reported_at), lang)
    if row.met_at is None:
        return render(Text(N_("Not made yet") if row.status == "open" else N_("Not made by the deadline")), lang)
    said = Text(N_("Report made at %(when)s") if row.status == "met" else N_("Report made late, at %(when)s"),
                when=row.met_at)
    who = recorded_by.get(row.kind)
    return render(Text(N_("%(what)s (recorded by %(who)s)"), what=said, who=who) if who else said, lang)


def _limits(rows: list[dict], lang: str) -> list[LimitLine]:
    return [LimitLine(render(r["label"], lang), render(Text(SCOPES.get(r["scope"], r["scope"])), lang), r["limit_jpy"],
                      r["used_jpy"], r["remaining_jpy"]) for r in rows]


def build(session: Session, case: Case, policy: Policy, *, reader: User, lang: str,
          now: dt.datetime | None = None) -> ClaimReport:
    staff = reader.role is not Role.insured
    product = costs.product_of(policy)
    organization = session.get(Organization, policy.organization_id)
    coordinator = session.get(User, case.coordinator_id) if case.coordinator_id else None
    # Deadlines, and who recorded each report (the timeline's deadline_met entries), as the reader may see them.
    met_events = list(session.exec(select(AuditEvent).where(AuditEvent.case_id == case.id,
                                                            AuditEvent.kind == "deadline_met")
                                   .order_by(AuditEvent.at, AuditEvent.id)))
    users = {u.id: u for u in session.exec(select(User).where(User.id.in_({e.actor_id for e in met_events
                                                                          if e.actor_id})))}
    recorded_by = {e.field: actor_name(e, reader, users, lang) for e in met_events if e.field}
    deadlines = [DeadlineLine(render(d.label, lang), deadline_when(d.row.due_at, d.row.last_day, lang, now=now) or "—",
                              render(d.status, lang), d.row.met_at, _how(case, d.row, lang, recorded_by))
                 for d in portal.deadline_items(session, case)]
    vendors = [VendorLine(name, render(capabilities.name(d.capability), lang),
                          render(Text(DISPATCH_STATUS.get(d.status, d.status)), lang) +
                          (render(Text(N_("; work finished")), lang) if d.released_at else ""),
                          d.created_at, d.decided_at, d.released_at, d.brief if staff else None)
               for name, d in session.exec(select(Vendor.name, Dispatch).join(Vendor, Vendor.id == Dispatch.vendor_id)
                                           .where(Dispatch.case_id == case.id)
                                           .order_by(Dispatch.created_at, Dispatch.id))
               if staff or d.status == "accepted"]  # an insured reads the vendors engaged, not the search for one
    cost = portal.cost_items(session, case, policy)
    lines = [CostLineView(
        id=i.line.id, category=render(i.category, lang), arose_on=i.line.arose_on, claimed_jpy=i.line.amount_jpy,
        payable_jpy=i.result.payable_jpy if i.result else 0, status=render(i.status, lang),
        reasons=[costs.in_words(r, lang, with_decision=staff) for r in (i.result.reasons if i.result else [])],
        consent_ref=i.line.consent_ref, invoice_ref=i.line.invoice_ref, note=i.line.note, receipts=i.receipts)
        for i in cost.items]
    events = case_timeline(session, case.id, insured_view=not staff)
    return ClaimReport(
        lang=lang, staff=staff, generated_at=now or utcnow(), case=case, policy=policy, organization=organization,
        product_name=render(Text(product.name), lang), plan=policy.plan,
        coordinator=(coordinator.label if staff else coordinator.display_name or render(Text(N_("Coordinator")), lang))
        if coordinator else None,
        facts=[(render(Text(FACT_LABELS[f]), lang), _fact(case, f, lang)) for f in FACTS],
        phase=render(portal.where_it_stands(case)[0], lang), deadlines=deadlines, vendors=vendors, lines=lines,
        claimed_jpy=cost.case.claimed_jpy, payable_jpy=cost.case.payable_jpy,
        period_claimed_jpy=cost.period.claimed_jpy, period_payable_jpy=cost.period.payable_jpy,
        case_limits=_limits(cost.case.limits, lang), period_limits=_limits(cost.period.limits, lang),
        timeline=views(session, events, reader=reader, lang=lang))


# --- CSV: blocks of rows, each with a title and its own header, for Excel in Japan ---------------------------
def to_csv(report: ClaimReport) -> str:
    """UTF-8 with a BOM (Excel in Japan opens it as UTF-8); no cell runs as a formula."""
    lang = report.lang

    def t(msgid: str) -> str:
        return render(Text(msgid), lang)

    def when(value: dt.datetime | None) -> str:
        return instant(value, lang) if value else ""

    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")

    def block(title: str, header: list[str], rows: list[list]) -> None:
        writer.writerow([spreadsheet_safe(title)])
        writer.writerow([spreadsheet_safe(h) for h in header])
        for row in rows:
            writer.writerow([spreadsheet_safe("" if v is None else v) for v in row])
        writer.writerow([])

    c = report.case
    block(t(N_("Claim report")), [t(N_("Item")), t(N_("Value"))], [
        [t(N_("Case")), c.reference], [t(N_("Company")), report.organization.name],
        [t(N_("Policy")), report.policy.policy_number], [t(N_("Product")), report.product_name],
        [t(N_("Plan")), report.plan], [t(N_("Phase")), report.phase],
        [t(N_("Coordinator")), report.coordinator or ""], [t(N_("Report made")), when(report.generated_at)],
        *[[label, value] for label, value in report.facts]])
    block(t(N_("Deadlines")), [t(N_("Deadline")), t(N_("Until (JST)")), t(N_("Status")), t(N_("How and when it was met"))],
          [[d.label, d.due, d.status, d.how] for d in report.deadlines])
    block(t(N_("Vendors")), [t(N_("Vendor")), t(N_("Work")), t(N_("Status")), t(N_("Requested")), t(N_("Answered")),
                             t(N_("Released")), *([t(N_("Brief"))] if report.staff else [])],
          [[v.name, v.capability, v.status, when(v.requested_at), when(v.decided_at), when(v.released_at),
            *([v.brief] if report.staff else [])] for v in report.vendors])
    block(t(N_("Costs")), [t(N_("Line")), t(N_("Category")), t(N_("Arose on")), t(N_("Claimed (yen)")),
                           t(N_("Payable (yen)")), t(N_("Status")), t(N_("Why")), t(N_("Consent")), t(N_("Invoice")),
                           t(N_("Receipts")), t(N_("Note"))],
          [[x.id, x.category, x.arose_on.isoformat(), x.claimed_jpy, x.payable_jpy, x.status, " / ".join(x.reasons),
            x.consent_ref or "", x.invoice_ref or "", " / ".join(r.filename for r in x.receipts), x.note]
           for x in report.lines])
    block(t(N_("Totals")), [t(N_("Item")), t(N_("Claimed (yen)")), t(N_("Payable (yen)"))],
          [[t(N_("This incident")), report.claimed_jpy, report.payable_jpy],
           [t(N_("The policy period (every case of the policy)")), report.period_claimed_jpy,
            report.period_payable_jpy]])
    block(t(N_("Limits")), [t(N_("Limit")), t(N_("Scope")), t(N_("Limit (yen)")), t(N_("Used (yen)")),
                            t(N_("Remaining (yen)"))],
          [[x.label, x.scope, x.limit_jpy, x.used_jpy, x.remaining_jpy]
           for x in report.case_limits + report.period_limits])
    block(t(N_("Receipts")), [t(N_("Line")), t(N_("File")), t(N_("Type")), t(N_("Size (bytes)")), t(N_("Added")),
                              "SHA-256"],
          [[x.id, r.filename, r.content_type, r.size, when(r.created_at), r.sha256]
           for x in report.lines for r in x.receipts])
    block(t(N_("Timeline")), [t(N_("When (JST)")), t(N_("Who")), t(N_("What")), t(N_("Details")), t(N_("Change"))],
          [[when(e.at), e.actor, e.label, e.summary, e.change] for e in report.timeline])
    return out.getvalue()


def filename(report: ClaimReport, extension: str) -> str:
    return f"{report.case.reference}-claim-report.{extension}"

