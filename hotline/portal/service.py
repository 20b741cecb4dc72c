"""The insured's view of a case, in plain words: where it stands and what happens next, what the insured must do
for each deadline, the vendors engaged (names, never phone numbers), each cost with what is payable and what the
insured must provide to unblock it, the timeline entries meant for them. Reads only; the claim report
(hotline/claims) builds on the same pieces.

Texts here are msgids rendered in the reader's language; no decision code reaches an insured (staff read the
reasons with their decisions on their own pages)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlmodel import Session, select

from hotline.cases.models import Case
from hotline.costs import receipts as receipt_files
from hotline.costs import service as costs
from hotline.costs.models import CostLine, Receipt
from hotline.coverage.engine import CaseResult, LineResult, PeriodResult
from hotline.deadlines import service as deadlines
from hotline.deadlines.models import Deadline
from hotline.dispatch.models import Dispatch, Vendor
from hotline.orgs.models import Policy
from hotline.phases.models import CasePhase
from hotline.phases.service import phases_of
from hotline.products.catalogue import Category
from vendors import capabilities
from workflows.deadlines import label
from workflows.phases import title
from workflows.text import N_, Text

# Where the case stands, and what happens next, for each phase (Case.phase: the furthest active one).
PHASE_WORDS = {
    "intake": (N_("The hotline has your report and is recording the facts of the incident."),
               N_("A coordinator takes the case and plans the first response with you.")),
    "initial_response": (N_("First response: limiting the damage and keeping the evidence."),
                         N_("An investigation of the cause and of what was affected, with specialist vendors as "
                            "needed.")),
    "investigation": (N_("Investigation: finding the cause and what was affected, and containing it."),
                      N_("Once the cause is known and contained, systems and data are restored.")),
    "call_center": (N_("An enquiry desk answers the people affected while the investigation goes on."),
                    N_("Once the cause is known and contained, systems and data are restored.")),
    "pr_reporting": (N_("Announcements and the reports to the authorities are being prepared."),
                     N_("Once the cause is known and contained, systems and data are restored.")),
    "recovery": (N_("Recovery: systems and data are being restored."),
                 N_("Measures so that it does not happen again.")),
    "recurrence_prevention": (N_("Recurrence prevention: measures so that it does not happen again."),
                              N_("A review of the incident and of how trust is restored.")),
    "post_incident": (N_("Post-incident: the review, and restoring trust."),
                      N_("The costs are gathered for the insurance claim, then the case is closed.")),
    "closure": (N_("Claim and closure: the costs are being gathered for the insurance claim."),
                N_("The case closes once every deadline, cost and vendor is settled.")),
}
CLOSED_WORDS = (N_("The case is closed."),
                N_("Nothing more is needed from you. This page and the claim report stay available."))

# What the insured must do for each deadline (the hotline helps; the report itself is theirs to make).
DUTIES = {
    "insurer_emergency_notice": N_("Nothing more: your call to the hotline was the notice to the insurer. Order "
                                   "emergency work only after that call."),
    "appi_preliminary": N_("Your company reports the leak to the Personal Information Protection Commission (PPC) "
                           "through its online form, with what is known so far. The hotline helps you prepare it; "
                           "tell the hotline when it is sent."),
    "appi_final": N_("Your company sends the final report to the PPC with every item (facts still missing can "
                     "follow). Tell the hotline when it is sent."),
    "gdpr_authority": N_("Your company notifies the EU supervisory authority (through your EU representative if "
                         "you have one). Tell the hotline when it is sent."),
    "card_brand_report": N_("Your company sends the incident report to its card acquirer (the company that "
                            "processes your card payments). Tell the hotline when it is sent."),
    "pmark_report": N_("Your company reports the incident to the body that granted its Privacy Mark. Tell the "
                       "hotline when it is sent."),
}
# The insurer notice is met by the call itself; when the call came after the 30-day window, the insured learns what
# that means for their costs rather than being told that all is well.
LATE_NOTICE = N_("Your call to the hotline came after the 30-day window: only emergency-response costs that arose "
                 "inside the window can be covered. Nothing more to do for this deadline.")
DEADLINE_STATUS = {"open": N_("to do"), "met": N_("done in time"), "missed": N_("late"),
                   "not_applicable": N_("not applicable")}

LINE_STATUS = {"payable": N_("Payable in full"), "reduced": N_("Payable in part"),
               "pending_consent": N_("Waiting for the insurer's consent"),
               "pending_determination": N_("Waiting for a decision"), "not_covered": N_("Not covered")}

NEED_RECEIPT = N_("A receipt or invoice for this cost: add the file here.")
NEED_CONSENT = N_("The insurer's written consent to this cost: your coordinator asks the insurer for it. Send the "
                  "coordinator the quote or contract if they need it.")
NEED_PUBLICATION = N_("The public announcement or the apology letters to the people affected: tell the hotline "
                      "the date they were made.")
NEED_COUNT = N_("How many people or companies it was paid to: write it to the hotline.")
NEED_DETERMINATION = N_("Nothing from you: it is paid only if the investigation finds that no attack occurred.")


def where_it_stands(case: Case) -> tuple[Text, Text, Text]:
    """(the phase's title, where the case stands, what happens next)."""
    if case.status == "closed":
        return Text(N_("Closed")), Text(CLOSED_WORDS[0]), Text(CLOSED_WORDS[1])
    where, after = PHASE_WORDS.get(case.phase, PHASE_WORDS["intake"])
    return title(case.phase), Text(where), Text(after)


@dataclass(frozen=True)
class DeadlineItem:
    row: Deadline
    label: Text
    duty: Text | None  # None when the deadline does not apply
    rule: Text | None  # the rule in plain words (no source: that is a note for staff)
    status: Text


def deadline_items(session: Session, case: Case) -> list[DeadlineItem]:
    rules = deadlines.rules_of(session, case)
    out = []
    for row in deadlines.deadlines_of(session, case.id):
        rule = rules.get(row.kind)
        duty = None
        if row.status != "not_applicable" and row.kind in DUTIES:
            late_notice = row.kind == "insurer_emergency_notice" and row.status == "missed"
            duty = Text(LATE_NOTICE if late_notice else DUTIES[row.kind])
        out.append(DeadlineItem(row=row, label=label(row.kind), rule=rule.rule if rule else None, duty=duty,
                                status=Text(DEADLINE_STATUS.get(row.status, row.status))))
    return out


@dataclass(frozen=True)
class VendorItem:
    name: str
    capability: Text
    since: dt.datetime | None
    finished: dt.datetime | None
    dispatch: Dispatch


def vendor_items(session: Session, case_id: int) -> list[VendorItem]:
    """Vendors that accepted work on the case (those released too, as finished): names only, never a contact."""
    rows = session.exec(select(Vendor.name, Dispatch).join(Dispatch, Dispatch.vendor_id == Vendor.id)
                        .where(Dispatch.case_id == case_id, Dispatch.status == "accepted")
                        .order_by(Dispatch.decided_at, Dispatch.id))
    return [VendorItem(name, capabilities.name(d.capability), d.decided_at, d.released_at, d) for name, d in rows]


def needs(category: Category | None, line: CostLine, case: Case, receipts: int) -> list[Text]:
    """What the insured must provide (or wait for) before the line can be paid in full."""
    out = []
    if receipts == 0:
        out.append(Text(NEED_RECEIPT))
    if category is not None:
        if category.consent_required and not line.consent_ref:
            out.append(Text(NEED_CONSENT))
        if category.needs_publication and case.publication_made_at is None:
            out.append(Text(NEED_PUBLICATION))
        if category.per_head_jpy is not None and line.victims is None:
            out.append(Text(NEED_COUNT))
        if category.false_alarm == "emergency" and case.attack_confirmed == "unknown":
            out.append(Text(NEED_DETERMINATION))
    return out


@dataclass
class LineItem:
    line: CostLine
    result: LineResult | None
    category: Text | str
    status: Text
    needs: list[Text]
    receipts: list[Receipt] = field(default_factory=list)


@dataclass
class Costs:
    items: list[LineItem]
    case: CaseResult
    period: PeriodResult


def cost_items(session: Session, case: Case, policy: Policy) -> Costs:
    product = costs.product_of(policy)
    period = costs.policy_coverage(session, policy)
    case_result = period.cases[case.id]
    results = {r.id: r for r in case_result.lines}
    files = receipt_files.of_case(session, case.id)
    items = []
    for line in costs.list_lines(session, case.id):
        result = results.get(line.id)
        receipts = files.get(line.id, [])
        items.append(LineItem(line=line, result=result, category=costs.category_label(product, line.category),
                              status=Text(LINE_STATUS.get(result.status, result.status)) if result else Text(""),
                              needs=needs(product.category(line.category), line, case, len(receipts)),
                              receipts=receipts))
    return Costs(items=items, case=case_result, period=period)


def phase_items(session: Session, case_id: int) -> list[tuple[CasePhase, Text]]:
    return [(p, title(p.key)) for p in phases_of(session, case_id)]
