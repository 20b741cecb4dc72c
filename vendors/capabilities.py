"""What partner vendors can do, and which cost categories of the product their work produces.

Codes are the API's capability codes (shared/API.md). The functions follow DOMAIN D.1 (Sompo's support
functions) and D.2 (Tokio Marine's referral services). The cost mapping follows DOMAIN B.1 and D.3 and is
what the dispatch warnings read: a capability whose costs fall in a consent-required category warns.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Capability:
    code: str
    name_ja: str
    name_en: str
    # Cost categories of tm-juas-2026 that the work produces, once an attack is confirmed (or irrelevant).
    categories: tuple[str, ...]
    # Same, while the attack is unknown or turned out not to be one (① emergency-response costs, B.1).
    categories_unconfirmed: tuple[str, ...] | None = None


CAPABILITIES: dict[str, Capability] = {c.code: c for c in (
    Capability("investigation", "調査・緊急対応支援", "Investigation and emergency support",
               ("attack_response", "investigation"), ("emergency_response",)),
    Capability("emergency_response", "駆けつけ・遮断対応", "On-site emergency response (isolation)",
               ("attack_response",), ("emergency_response",)),
    Capability("forensics", "フォレンジック調査", "Digital forensics",
               ("investigation",), ("emergency_response",)),
    Capability("legal", "法律相談", "Legal advice", ("advisory",)),
    # Press notices are ⑥オ (no consent); consulting to contain reputational harm is ④ウ (consent).
    Capability("pr", "緊急時広報支援", "Emergency PR", ("other.public_notice", "advisory")),
    Capability("social_monitoring", "SNS・Webモニタリング", "Social-media and web monitoring", ("advisory",)),
    Capability("call_center", "コールセンター支援", "Call centre", ("other.communications",)),
    Capability("data_recovery", "データ・システム復旧", "Data and system recovery", ("system_restoration",)),
    Capability("trust_recovery", "信頼回復・レーティング", "Trust recovery and rating", ("recurrence_prevention",)),
    Capability("gdpr", "GDPR対応支援", "GDPR support", ("advisory",)),
    # The insurer's coordination service is part of its free support (DOMAIN D.1, D.2): no cost category.
    Capability("coordination", "コーディネーション", "Coordination", ()),
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


def name(capability: str, lang: str = "en") -> str:
    cap = CAPABILITIES.get(capability)
    if cap is None:
        return capability
    return cap.name_ja if lang == "ja" else cap.name_en
