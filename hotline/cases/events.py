"""How the case's own events read (hotline/timeline/render.py gathers every domain's): opened, a fact changed."""
from __future__ import annotations

from hotline.audit.events import EventKind, changed, instant_or_text, word
from workflows.text import N_, Text

FACT_LABELS = {
    "caller_name": N_("Caller name"), "caller_phone": N_("Caller phone"), "caller_email": N_("Caller e-mail"),
    "contact_name": N_("Contact at the insured"), "contact_phone": N_("Contact phone"),
    "contact_email": N_("Contact e-mail"), "contact_language": N_("Contact's language"),
    "first_discovered_at": N_("First discovered"), "reported_at": N_("Reported to the hotline"),
    "discovery_basis": N_("How it is known"), "discovery_source": N_("Discovered through"),
    "summary": N_("What happened"), "personal_records_affected": N_("Personal records affected"),
    "card_data": N_("Payment-card data"), "sensitive_data": N_("Sensitive personal data"),
    "malicious": N_("Malicious act"), "eu_data_subjects": N_("EU data subjects (GDPR)"),
    "attack_confirmed": N_("Attack confirmed"), "pmark_holder": N_("Privacy Mark holder"),
    "publication_made_at": N_("Public announcement or letters to victims"),
    "appi_known_at": N_("APPI: the business knew"), "gdpr_aware_at": N_("GDPR: awareness"),
    "card_known_at": N_("Card brands: knowledge"), "pmark_discovered_at": N_("P-mark: discovery date"),
    "coordinator_id": N_("Coordinator"), "policy_id": N_("Policy"),
}
VALUE_WORDS = {  # the coded facts, as the intake form names them
    "attack_confirmed": {"unknown": N_("unknown"), "yes": N_("yes"), "no": N_("no")},
    "discovery_source": {"internal": N_("internal"), "public_body": N_("public body"),
                         "security_provider": N_("security provider"), "customer": N_("customer"),
                         "other": N_("other")},
    "discovery_basis": {"caller_statement": N_("caller's statement"), "logs": N_("logs or records"),
                        "third_party_notice": N_("third-party notice"), "estimate": N_("estimate")},
    "contact_language": {"ja": N_("Japanese"), "en": N_("English")},
}
YES_NO = {"true": N_("yes"), "false": N_("no")}


def fact_label(field: str | None) -> Text:
    return Text(FACT_LABELS[field]) if field in FACT_LABELS else Text(field or "")


def _value(field: str, value: str | None, params: dict, side: str):
    if field == "coordinator_id":  # the names were recorded with the change (never an e-mail address)
        return params.get(side) or (Text(N_("a coordinator")) if value else None)
    if field in VALUE_WORDS:
        return word(VALUE_WORDS[field], value)
    if value in YES_NO:
        return word(YES_NO, value)
    return instant_or_text(value)


def _fact_change(e, p):
    return changed(fact_label(e.field), _value(e.field, e.old, p, "old"), _value(e.field, e.new, p, "new"))


def _opened(e, p):
    if p.get("outside"):
        return Text(N_("Case %(reference)s opened on policy %(policy)s (discovered outside the policy period)"),
                    reference=p.get("reference", ""), policy=p.get("policy", ""))
    return Text(N_("Case %(reference)s opened on policy %(policy)s"), reference=p.get("reference", ""),
                policy=p.get("policy", ""))


KINDS = {
    "case_opened": EventKind(N_("Case opened"), _opened),
    "fact_changed": EventKind(N_("Fact changed"), lambda e, p: Text(N_("%(fact)s changed"), fact=fact_label(e.field)),
                              _fact_change),
}
