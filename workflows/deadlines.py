"""The clocks of a case as pure rules: which deadlines apply, when each is due, and in what words.

Over plain data (workflows.facts.CaseFacts); no Flask, no session. Every date rule is counted on the Asia/Tokyo
calendar (workflows.calendar). `due_at` is the first instant that is late: for day-based rules
00:00 JST of the day after `last_day` (shared/API.md). Sources: DOMAIN C.3, C.7, G.1, G.3, G.4, G.5
and the product decisions I-5, I-10, I-11, I-12.

Clock start instants (DOMAIN C.7, the clocks do not all start together): the insurer's 30-day rule
starts at the insured's first discovery; APPI at when the business "knew" (`appi_known_at`); GDPR at
awareness (`gdpr_aware_at`); card brands at knowledge of the compromise (`card_known_at`); P-mark at
発覚日 (`pmark_discovered_at`). Each defaults to `first_discovered_at` when not recorded.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from workflows.calendar import (
    add_business_days,
    roll_to_business_day,
    start_of_day,
    tokyo_date,
    why_not_business_day,
)
from workflows.facts import CaseFacts
from workflows.thirty_day import ThirtyDayRule

KINDS = ("insurer_emergency_notice", "appi_preliminary", "appi_final", "gdpr_authority", "card_brand_report",
         "pmark_report")
# Kinds met by recording that the report was made (the insurer notice is met by `reported_at`).
RECORDABLE = frozenset(KINDS) - {"insurer_emergency_notice"}

LABELS = {  # English labels; pages translate them, SMS bodies use LABELS_JA
    "insurer_emergency_notice": "Notice to the insurer (30-day rule)",
    "appi_preliminary": "APPI preliminary report to the PPC",
    "appi_final": "APPI final report to the PPC",
    "gdpr_authority": "GDPR notification to the supervisory authority",
    "card_brand_report": "Card-brand incident report to the acquirer",
    "pmark_report": "P-mark incident report to the review body",
}
LABELS_JA = {
    "insurer_emergency_notice": "保険会社への事故連絡（30日ルール）",
    "appi_preliminary": "個人情報保護委員会への速報",
    "appi_final": "個人情報保護委員会への確報",
    "gdpr_authority": "GDPR監督機関への通知",
    "card_brand_report": "カードブランド（加盟店契約会社）への報告",
    "pmark_report": "プライバシーマーク審査機関への報告",
}

APPI_BULK_THRESHOLD = 1000  # "more than 1,000 people" (G.1 trigger 4)


@dataclass(frozen=True)
class Computed:
    """One deadline as the rules see it. `met_at` is only set where the rule itself knows it."""
    kind: str
    applies: bool
    due_at: dt.datetime | None
    last_day: dt.date | None
    rule: str
    starts_at: dt.datetime | None = None
    met_at: dt.datetime | None = None
    rule_ja: str = ""  # the same rule in Japanese, for the case page


def status(due_at: dt.datetime | None, met_at: dt.datetime | None, applies: bool, now: dt.datetime) -> str:
    """open | met | missed | not_applicable. A report made at or after due_at is late: missed."""
    if not applies or due_at is None:
        return "not_applicable"
    if met_at is not None:
        return "met" if met_at < due_at else "missed"
    return "missed" if now >= due_at else "open"


def _d(day: dt.date) -> str:
    return f"{day.isoformat()} ({day.strftime('%a')})"


_WD_JA = "月火水木金土日"


def _dj(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日（{_WD_JA[day.weekday()]}）"


def _day_rule(kind: str, start: dt.datetime, last_day: dt.date, rule: str, rule_ja: str = "") -> Computed:
    return Computed(kind, True, start_of_day(last_day + dt.timedelta(days=1)), last_day, rule, starts_at=start,
                    rule_ja=rule_ja)


def _na(kind: str, why: str, why_ja: str = "発生条件に該当しません") -> Computed:
    return Computed(kind, False, None, None, f"Not applicable: {why}.", rule_ja=f"対象外：{why_ja}。")


def insurer_emergency_notice(f: CaseFacts, thirty_day: ThirtyDayRule | None, product: str) -> Computed:
    """C.3 / I-5: notice by the last day of the product's window (D0+30 for tm-juas-2026), no roll-over; the
    hotline call is the notice. Not applicable when the policy's product has no such rule."""
    if thirty_day is None:
        return _na("insurer_emergency_notice",
                   f"the policy's product ({product}) has no 30-day notice rule for emergency-response costs",
                   f"契約の保険商品（{product}）には緊急対応費用の30日ルールがありません")
    w, n, dec = thirty_day.window(f.first_discovered_at), thirty_day.window_last_day, thirty_day.decision
    rule = (f"Decision {dec} (DOMAIN C.3): the insurer or the hotline must be told by the end of day {n} counted "
            f"from the day after first discovery ({_d(w.discovery_date)} JST), i.e. by {_d(w.last)} 24:00 JST, "
            f"with no weekend or holiday roll-over, and before any emergency-response cost is ordered. The hotline "
            f"call (reported_at) is that notice.")
    ja = (f"方針{dec}（C.3）：最初の発見日{_dj(w.discovery_date)}の翌日から{n}日以内、すなわち{_dj(w.last)}24時までに、"
          f"緊急対応費用の発注より前に保険会社（ホットラインを含む）へ連絡。土日祝日の繰り延べはありません。"
          f"ホットラインへの連絡がこの連絡にあたります。")
    return Computed("insurer_emergency_notice", True, w.ends_at, w.last, rule, starts_at=f.first_discovered_at,
                    met_at=f.reported_at, rule_ja=ja)


def appi_triggers(f: CaseFacts) -> list[str]:
    """The APPI reporting triggers that hold (G.1): any one of them, with personal data involved."""
    if not f.personal_data_involved:
        return []
    found = []
    if f.sensitive_data:
        found.append("sensitive personal data (要配慮個人情報)")
    if f.card_data:
        found.append("data whose misuse causes financial loss (card data)")
    if f.malicious:
        found.append("possibly done for a wrongful purpose (unauthorised access, ransomware, insider theft)")
    if (f.personal_records_affected or 0) > APPI_BULK_THRESHOLD:
        found.append(f"more than {APPI_BULK_THRESHOLD:,} people")
    return found


def appi_preliminary(f: CaseFacts) -> Computed:
    """I-10: 速報, target D0+3, last day D0+5 where the day the business knew is day 0 (no roll-over)."""
    triggers = appi_triggers(f)
    if not triggers:
        return _na("appi_preliminary", "no APPI reporting trigger holds (G.1: sensitive data, card data, "
                                       "wrongful purpose or more than 1,000 people, with personal data affected)",
                   "個人情報保護法の報告対象事態（要配慮個人情報、カード情報、不正の目的、1,000人超）に該当しません")
    start = f.appi_known_at or f.first_discovered_at
    d0 = tokyo_date(start)
    target, last = d0 + dt.timedelta(days=3), d0 + dt.timedelta(days=5)
    rule = (f"Decision I-10 (DOMAIN G.1): preliminary report (速報) to the PPC promptly after the business knew "
            f"({_d(d0)} JST); target {_d(target)}, last day {_d(last)}. Triggers: {'; '.join(triggers)}. "
            f"Confirm with the PPC guidelines.")
    ja = (f"方針I-10（G.1）：事業者が知った日{_dj(d0)}から速やかに個人情報保護委員会へ速報。"
          f"目安{_dj(target)}、最終日{_dj(last)}。個人情報保護委員会のガイドラインで確認してください。")
    return _day_rule("appi_preliminary", start, last, rule, ja)


def appi_final(f: CaseFacts) -> Computed:
    """I-10: 確報 in 30 days (60 if wrongful purpose), the day the business knew is day 1; a last day on a
    weekend, national holiday or 12/29–1/3 moves to the next business day."""
    triggers = appi_triggers(f)
    if not triggers:
        return _na("appi_final", "no APPI reporting trigger holds (G.1)", "個人情報保護法の報告対象事態に該当しません")
    start = f.appi_known_at or f.first_discovered_at
    d0 = tokyo_date(start)
    days = 60 if f.malicious else 30
    counted = d0 + dt.timedelta(days=days - 1)
    last = roll_to_business_day(counted, year_end_closure=True)
    moved = ""
    if last != counted:
        moved = (f" Day {days} is {_d(counted)}, a {why_not_business_day(counted, year_end_closure=True)}, so the "
                 f"last day moves to the next business day.")
    rule = (f"Decision I-10 (DOMAIN G.1): final report (確報) to the PPC within {days} days of when the business "
            f"knew, counting that day ({_d(d0)} JST) as day 1: last day {_d(last)}."
            f"{moved} {days} days because "
            f"{'the leak was possibly for a wrongful purpose' if f.malicious else 'no wrongful purpose is known'}."
            f" Confirm with the PPC guidelines.")
    ja = (f"方針I-10（G.1）：知った日{_dj(d0)}を1日目として{days}日以内に確報。最終日{_dj(last)}"
          f"（{days}日目が土日祝日・年末年始（12/29〜1/3）なら翌営業日）。"
          f"{'不正の目的のおそれがあるため60日。' if f.malicious else ''}個人情報保護委員会のガイドラインで確認してください。")
    return _day_rule("appi_final", start, last, rule, ja)


def gdpr_authority(f: CaseFacts) -> Computed:
    """G.5: 72 hours from awareness, by the clock (weekends count, no calendar)."""
    if not f.eu_data_subjects:
        return _na("gdpr_authority", "no EU data subjects are affected", "EU域内の本人は含まれていません")
    start = f.gdpr_aware_at or f.first_discovered_at
    due = start + dt.timedelta(hours=72)
    rule = ("GDPR Art. 33(1) (DOMAIN G.5): notify the competent supervisory authority without undue delay and "
            "not later than 72 hours after becoming aware; weekends and holidays are not excluded. "
            "Late notices must give reasons.")
    ja = ("GDPR第33条1項（G.5）：認識してから72時間以内に監督機関へ通知。土日祝日も数えます。"
          "遅れた場合は理由を添えます。")
    return Computed("gdpr_authority", True, due, None, rule, starts_at=start, rule_ja=ja)


CARD_BUSINESS_DAYS = 3  # I-11, configurable: "confirm with the acquirer"
CARD_ACCOUNT_NUMBER_DAYS = 10


def card_brand_report(f: CaseFacts, *, business_days: int = CARD_BUSINESS_DAYS) -> Computed:
    """I-11: incident report due `business_days` Japanese business days after knowledge."""
    if not f.card_data:
        return _na("card_brand_report", "no payment-card data is involved", "クレジットカード情報は含まれていません")
    start = f.card_known_at or f.first_discovered_at
    d0 = tokyo_date(start)
    last = add_business_days(d0, business_days)
    numbers = add_business_days(d0, CARD_ACCOUNT_NUMBER_DAYS)
    rule = (f"Decision I-11 (DOMAIN G.4): incident report to the acquirer (Visa WTDIC) within {business_days} "
            f"Japanese business days after knowledge ({_d(d0)} JST), weekends and national holidays not counted: "
            f"last day {_d(last)}. Potentially compromised account numbers within "
            f"{CARD_ACCOUNT_NUMBER_DAYS} business days ({_d(numbers)}). Confirm with the acquirer.")
    ja = (f"方針I-11（G.4）：把握した日{_dj(d0)}から{business_days}営業日（土日祝日を除く）以内、{_dj(last)}までに"
          f"加盟店契約会社へ報告。漏えいのおそれのあるカード番号は{CARD_ACCOUNT_NUMBER_DAYS}営業日以内"
          f"（{_dj(numbers)}）。加盟店契約会社に確認してください。")
    return _day_rule("card_brand_report", start, last, rule, ja)


def pmark_report(f: CaseFacts) -> Computed:
    """G.3: P-mark holders report every personal-data incident within 30 days of 発覚日 (60 if possibly
    malicious). Counted like APPI (the day of 発覚 is day 1) but without roll-over: it is a contract with the
    review body and no holiday rule is published, so the earliest reading is the target."""
    if not f.pmark_holder:
        return _na("pmark_report", "the insured does not hold the Privacy Mark", "プライバシーマーク取得事業者ではありません")
    if not f.personal_data_involved:
        return _na("pmark_report", "no personal data is affected", "個人データは影響を受けていません")
    start = f.pmark_discovered_at or f.first_discovered_at
    d0 = tokyo_date(start)
    days = 60 if f.malicious else 30
    last = d0 + dt.timedelta(days=days - 1)
    rule = (f"PMK500 (DOMAIN G.3): final report to the P-mark review body within {days} days of the discovery "
            f"date ({_d(d0)} JST, counted as day 1): last day {_d(last)}, no roll-over. A preliminary report "
            f"within about 3–5 days is expected for serious cases.")
    ja = (f"PMK500（G.3）：発覚日{_dj(d0)}を1日目として{days}日以内、{_dj(last)}までに審査機関へ報告"
          f"（繰り延べなし）。重大な事案は3〜5日程度で速報。")
    return _day_rule("pmark_report", start, last, rule, ja)


REGULATORS = (appi_preliminary, appi_final, gdpr_authority, card_brand_report, pmark_report)


def compute(f: CaseFacts, *, thirty_day: ThirtyDayRule | None, product: str) -> list[Computed]:
    """Every deadline kind, in the order of KINDS, applicable or not. The insurer notice follows the
    product's 30-day rule (None: the product has none); `product` names it in the rule text."""
    return [insurer_emergency_notice(f, thirty_day, product), *(rule(f) for rule in REGULATORS)]
