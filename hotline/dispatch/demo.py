"""Demo vendors: the partner companies named in the brochures (DOMAIN D.1, D.2), with fictitious contacts.

The phone numbers are deliberately not real: +81-3-0000-xxxx (Tokyo area code 03 followed by a subscriber
number starting with 0). Japanese subscriber numbers never begin with 0 (a leading 0 is the trunk prefix),
so no line in Japan has these numbers; an SMS sent to one by mistake cannot reach anybody.
Contact names are role names, not people. Loading twice adds nothing.
"""
from __future__ import annotations

from sqlmodel import Session, select

from hotline.dispatch.models import Vendor, VendorContact

# name, capabilities, hours, languages, escalation rank, note, number of on-call contacts
VENDORS = [
    ("株式会社ラック (LAC)", ["investigation", "emergency_response", "forensics"], "24x7", ["ja", "en"], 10,
     "Sompo 調査・緊急対応支援 partner (DOMAIN D.1).", 2),
    ("AOSリーガルテック株式会社 (AOS Legaltech)", ["forensics", "data_recovery", "legal"], "business", ["ja"], 20,
     "Digital forensics, eDiscovery, data recovery; mapping to Sompo's functions is medium confidence (H-15).", 1),
    ("株式会社プラップジャパン (PRAP Japan)", ["pr"], "24x7", ["ja", "en"], 10,
     "Sompo 緊急時広報支援 partner: press conferences, press releases, newspaper notices.", 2),
    ("ウェーバー・シャンドウィック ワールドワイド株式会社 (Weber Shandwick)", ["pr"], "business", ["ja", "en"], 20,
     "Sompo 緊急時広報支援 partner, global PR.", 1),
    ("株式会社エルテス (Eltes)", ["social_monitoring", "pr"], "24x7", ["ja"], 30,
     "SNS flare-up support, web monitoring and alerts.", 2),
    ("株式会社ベルシステム24 (Bell System 24)", ["call_center"], "24x7", ["ja", "en"], 10,
     "Sompo コールセンター支援 partner: set-up, operation, closing.", 2),
    ("株式会社アイ・エス・レーティング (I.S. Rating)", ["trust_recovery"], "business", ["ja"], 10,
     "Sompo 信頼回復支援 partner: certificate of recurrence-prevention measures, rating.", 1),
    ("株式会社インターネットイニシアティブ (IIJ)", ["gdpr", "forensics"], "business", ["ja", "en"], 30,
     "Sompo GDPR対応支援 partner (medium-high confidence, H-15).", 1),
    ("SOMPOリスクマネジメント株式会社", ["coordination", "legal", "investigation"], "24x7", ["ja"], 40,
     "Sompo コーディネーション機能; introduces partner law firms.", 2),
    ("東京海上日動 専門事業者紹介サービス (Tokio Marine referral)", ["coordination", "investigation", "call_center"],
     "24x7", ["ja"], 50, "Tokio Marine's referral service at incident time (DOMAIN D.2). A referral only; the "
     "customer contracts and pays the vendor.", 1),
]
ROLES = ["当番窓口 (duty desk)", "副当番 (backup duty)"]


def load(session: Session, orgs, users) -> None:
    for n, (name, caps, hours, langs, rank, note, contacts) in enumerate(VENDORS, start=1):
        if session.exec(select(Vendor).where(Vendor.name == name)).first() is not None:
            continue
        vendor = Vendor(name=name, capabilities=caps, hours=hours, languages=langs, escalation_rank=rank,
                        note=f"DEMO. {note}")
        session.add(vendor)
        session.flush()
        for position in range(contacts):
            session.add(VendorContact(vendor_id=vendor.id, name=ROLES[position], position=position,
                                      phone=f"+8130000{n:02d}{position:02d}"))
    session.flush()
