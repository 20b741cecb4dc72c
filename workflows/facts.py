"""The facts of a case that the rules read: one frozen dataclass for every rule module (the deadline clocks,
the 30-day rule, the coverage engine, the vendor gates). hotline.cases.models.facts_of builds it from a case
row; tests build it directly. Keyword-only, so a fact can never land in the wrong field."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class CaseFacts:
    first_discovered_at: dt.datetime  # aware: the insured's first discovery, start of the 30-day rule (C.3)
    reported_at: dt.datetime  # the hotline call, which is the notice to the insurer (C.3)
    id: int = 0
    reference: str = ""
    discovery_source: str = "internal"  # 外部通報 when public_body or security_provider (I-9)
    attack_confirmed: str = "unknown"  # unknown | yes | no
    publication_made_at: dt.datetime | None = None  # 公表等の措置 (I-3)
    personal_records_affected: int | None = None
    card_data: bool = False
    sensitive_data: bool = False
    malicious: bool = False
    eu_data_subjects: bool = False
    pmark_holder: bool = False
    # DOMAIN C.7: each regulator's clock starts at its own moment; None means first discovery.
    appi_known_at: dt.datetime | None = None
    gdpr_aware_at: dt.datetime | None = None
    card_known_at: dt.datetime | None = None
    pmark_discovered_at: dt.datetime | None = None

    @property
    def personal_data_involved(self) -> bool:
        """Personal data is (possibly) affected: records counted, or card or sensitive data named, or a
        wrongful act (ransomware, unauthorised access) whose reach is not counted yet. The possibility is
        enough to start the APPI clock (G.1 "発生したおそれ"); entering 0 records stops it."""
        if self.personal_records_affected is None and self.malicious:
            return True
        return (self.personal_records_affected or 0) > 0 or self.card_data or self.sensitive_data
