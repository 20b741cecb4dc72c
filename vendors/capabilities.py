"""What partner vendors can do, and which cost categories of the product their work produces.

Codes are the API's capability codes (shared/API.md). The functions follow DOMAIN D.1 (Sompo's support
functions) and D.2 (Tokio Marine's referral services). The cost mapping follows DOMAIN B.1 and D.3 and is
what the dispatch warnings read: a capability whose costs fall in a consent-required category warns.
"""
from __future__ import annotations

from dataclasses import dataclass

from workflows.text import N_, Text


@dataclass(frozen=True)
class Capability:
    code: str
    name: str  # English msgid, rendered in the reader's language
    # Cost categories of tm-juas-2026 that the work produces, once an attack is confirmed (or irrelevant).
    categories: tuple[str, ...]
    # Same, while the attack is unknown or turned out not to be one (① emergency-response costs, B.1).
    categories_unconfirmed: tuple[str, ...] | None = None


CAPABILITIES: dict[str, Capability] = {c.code: c for c in (
    Capability("investigation", N_("Investigation and emergency support"),
               ("attack_response", "investigation"), ("emergency_response",)),
    Capability("emergency_response", N_("On-site emergency response (isolation)"),
               ("attack_response",), ("emergency_response",)),
    Capability("forensics", N_("Digital forensics"),
               ("investigation",), ("emergency_response",)),
    Capability("legal", N_("Legal advice"), ("advisory",)),
    # Press notices are ⑥オ (no consent); consulting to contain reputational harm is ④ウ (consent).
    Capability("pr", N_("Emergency PR"), ("other.public_notice", "advisory")),
    Capability("social_monitoring", N_("Social-media and web monitoring"), ("advisory",)),
    Capability("call_center", N_("Call centre"), ("other.communications",)),
    Capability("data_recovery", N_("Data and system recovery"), ("system_restoration",)),
    Capability("trust_recovery", N_("Trust recovery and rating"), ("recurrence_prevention",)),
    Capability("gdpr", N_("GDPR support"), ("advisory",)),
    # The insurer's coordination service is part of its free support (DOMAIN D.1, D.2): no cost category.
    Capability("coordination", N_("Coordination"), ()),
)}

CODES = tuple(CAPABILITIES)


def is_capability(code: str) -> bool:
    return code in CAPABILITIES


def cost_categories(capability: str, attack_confirmed: str = "unknown") -> tuple[str, ...]:
    """The cost category codes the work of `capability` falls under, given the case's attack_confirmed."""
    cap = CAPABILITIES[capability]
    if attack_confirmed != "yes" and cap.categories_unconfirmed is not None:
        return cap.categories_unconfirmed
    return cap.categories


def name(capability: str) -> Text:
    """The capability's name, to render in the reader's language (an unknown code reads as itself)."""
    cap = CAPABILITIES.get(capability)
    return Text(cap.name) if cap is not None else Text(capability)
