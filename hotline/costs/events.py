"""How the cost ledger's events read: a cost recorded, changed, removed, a consent recorded."""
from __future__ import annotations

from hotline.audit.events import EventKind, changed, day_or_text, instant_or_text, yen_or_text
from workflows.text import N_, Text

FIELD_LABELS = {
    "category": N_("Category"), "amount_jpy": N_("Amount"), "arose_on": N_("Arose on"),
    "ordered_at": N_("Ordered at"), "victims": N_("Victims / companies"), "consent_ref": N_("Consent"),
    "consent_on": N_("Consent date"), "vendor_id": N_("Vendor"), "dispatch_id": N_("Dispatch"),
    "invoice_ref": N_("Invoice"), "note": N_("Note"),
}
_VALUES = {"amount_jpy": yen_or_text, "arose_on": day_or_text, "consent_on": day_or_text,
           "ordered_at": instant_or_text}


def _change(e, p):
    shown = _VALUES.get(e.field, lambda v: v)
    label = Text(FIELD_LABELS[e.field]) if e.field in FIELD_LABELS else e.field or ""
    return changed(label, shown(e.old), shown(e.new))


def _consent(e, p):
    if "cost" in p:
        return Text(N_("Insurer's written consent %(ref)s of %(day)s recorded for %(cost)s"), ref=e.new or "",
                    day=p.get("on", ""), cost=p["cost"])
    if e.old is not None or "line" not in p:  # a consent reference changed on the line
        return Text(N_("Cost line %(line)s: %(field)s changed"), line=p.get("line", ""), field=Text(FIELD_LABELS["consent_ref"]))
    return Text(N_("Consent %(ref)s recorded for line %(line)s"), ref=e.new or "", line=p["line"])


KINDS = {
    "cost_recorded": EventKind(N_("Cost recorded"), lambda e, p: Text(N_("Cost recorded: %(cost)s"),
                                                                    cost=p.get("cost", ""))),
    "cost_changed": EventKind(N_("Cost changed"), lambda e, p: Text(N_("Cost line %(line)s: %(field)s changed"),
                                                                  line=p.get("line", ""),
                                                                  field=Text(FIELD_LABELS.get(e.field, e.field or ""))),
                              _change),
    "cost_removed": EventKind(N_("Cost removed"), lambda e, p: Text(N_("Cost removed: %(cost)s"),
                                                                  cost=p.get("cost", ""))),
    "consent_recorded": EventKind(N_("Consent recorded"), _consent, _change),
    "receipt_added": EventKind(N_("Receipt added"), lambda e, p: Text(N_("Receipt %(file)s added to cost line %(line)s"),
                                                                    file=p.get("file", ""), line=p.get("line", ""))),
}
