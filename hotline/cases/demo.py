"""Demo cases on the demo policies, so every clock shows something on day one. Loading twice adds nothing."""
from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from hotline.cases.models import Case
from hotline.cases.schemas import CaseIn
from hotline.cases.service import create_case
from hotline.db import utcnow
from hotline.orgs.models import Policy

# (organisation index, days ago discovered, facts); the summary identifies the demo case. Contact phones
# are +81-3-0000-xxxx, which no Japanese line can have, so demo reminders reach nobody even with Twilio set.
DEMO = [
    (0, 25, {"summary": "【デモ】社内ファイルサーバから顧客名簿（健康情報を含む）が外部に送信された痕跡",
             "personal_records_affected": 300, "sensitive_data": True, "discovery_source": "internal",
             "caller_name": "サンプル商事 情報システム部 佐藤", "contact_name": "佐藤 一郎",
             "contact_phone": "+81300009101"}),
    (1, 2, {"summary": "【デモ】ランサムウェアによる基幹サーバの暗号化、従業員・取引先情報の窃取の可能性",
            "personal_records_affected": 12000, "malicious": True, "attack_confirmed": "yes",
            "discovery_source": "security_provider", "caller_name": "みなと精密 総務部 鈴木",
            "contact_phone": "+81300009102", "pmark_holder": True}),
    (2, 1.25, {"summary": "【デモ】ECサイトの決済画面改ざん（Webスキミング）、EU在住顧客を含むカード情報漏えいの疑い",
               "personal_records_affected": 850, "card_data": True, "malicious": True, "eu_data_subjects": True,
               "discovery_source": "public_body", "caller_name": "さくらオンライン販売 高橋",
               "contact_phone": "+81300009103"}),
]


def load(session: Session, orgs, users) -> None:
    now = utcnow()
    operator, coordinator = users.get("operator"), users.get("coordinator")
    for org_index, days_ago, facts in DEMO:
        if session.exec(select(Case).where(Case.summary == facts["summary"])).first():
            continue
        policy = session.exec(select(Policy).where(Policy.organization_id == orgs[org_index].id)).first()
        if policy is None:
            continue
        discovered = now - dt.timedelta(days=days_ago)
        data = CaseIn(policy_id=policy.id, first_discovered_at=discovered,
                      reported_at=discovered + dt.timedelta(hours=3),
                      coordinator_id=coordinator.id if coordinator else None, **facts)
        create_case(session, data, actor=operator or "demo", now=now)
