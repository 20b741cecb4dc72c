"""Demo: the company A example of DOMAIN E.1 entered as cost lines (E.2 reading 2: the lawyer fees as ④),
on a plan A case and a plan B case, so a new user reads the E.2 totals (¥39,500,000 and ¥40,500,000).
Loading twice adds nothing."""
from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from hotline.cases.models import Case
from hotline.cases.schemas import CaseIn
from hotline.cases.service import create_case
from hotline.costs.schemas import CostIn
from hotline.costs.service import record_cost
from hotline.db import utcnow
from hotline.orgs.models import Policy
from workflows.calendar import tokyo_date

SUMMARY = "【デモ】DOMAIN E.1 A社の例：業務PCでマルウェア検知、顧客情報約3,000件漏えい（費用の記録例・プラン{plan}）"
# (days after discovery, category, amount, victims, consent reference, note)
LINES = [
    (1, "investigation", 1_000_000, None, None, "被害状況の把握"),
    (2, "investigation", 2_000_000, None, None, "原因調査・証拠保全の実施"),
    (10, "other.consolation_individual", 1_500_000, 3_000, "TM-DEMO-0001", "見舞金支払い（1名500円 × 3,000名）"),
    (10, "advisory", 3_000_000, None, "TM-DEMO-0002", "弁護士費用（E.2 読み方2：④相談費用）"),
    (11, "system_restoration", 3_000_000, None, "TM-DEMO-0003", "データ復旧費用"),
    (30, "liability.damages", 30_000_000, None, "TM-DEMO-0004", "損害賠償金（プライバシー侵害訴訟の和解）"),
]


def load(session: Session, orgs, users) -> None:
    now = utcnow()
    actor = users.get("coordinator") or "demo"
    for org_index in (0, 1):  # plan A and plan B demo companies
        policy = session.exec(select(Policy).where(Policy.organization_id == orgs[org_index].id)).first()
        if policy is None:
            continue
        summary = SUMMARY.format(plan=policy.plan)
        if session.exec(select(Case).where(Case.summary == summary)).first():
            continue
        # Inside the demo policy period even when the demo is loaded after it ended.
        discovered = min(now, policy.period_end) - dt.timedelta(days=40)
        case = create_case(session, CaseIn(
            policy_id=policy.id, first_discovered_at=discovered, reported_at=discovered + dt.timedelta(hours=2),
            summary=summary, discovery_source="internal", attack_confirmed="yes", malicious=True,
            personal_records_affected=3_000, publication_made_at=discovered + dt.timedelta(days=1),
            caller_name="デモ A社 情報システム部"), actor=actor, now=now)
        d0 = tokyo_date(discovered)
        for days, category, amount, victims, consent, note in LINES:
            record_cost(session, case=case, policy=policy, actor=actor, data=CostIn(
                category=category, amount_jpy=amount, arose_on=d0 + dt.timedelta(days=days), victims=victims,
                consent_ref=consent, consent_on=d0 + dt.timedelta(days=days - 1) if consent else None, note=note))
