"""The clocks of a case as pure rules: which deadlines apply, when each is due, and in what words.

Over plain data (workflows.facts.CaseFacts); no Flask, no session. Every date rule is counted on the Asia/Tokyo
calendar (workflows.calendar). Rule texts are Texts (workflows.text), rendered in the reader's language. `due_at` is the first instant that is late: for day-based rules
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
from workflows.text import N_, Text
from workflows.thirty_day import ThirtyDayRule

KINDS = ("insurer_emergency_notice", "appi_preliminary", "appi_final", "gdpr_authority", "card_brand_report",
         "pmark_report")
# Kinds met by recording that the report was made (the insurer notice is met by `reported_at`).
RECORDABLE = frozenset(KINDS) - {"insurer_emergency_notice"}

LABELS = {  # msgids: pages, messages and the timeline render them in the reader's language
    "insurer_emergency_notice": N_("Notice to the insurer (30-day rule)"),
    "appi_preliminary": N_("APPI preliminary report to the PPC"),
    "appi_final": N_("APPI final report to the PPC"),
    "gdpr_authority": N_("GDPR notification to the supervisory authority"),
    "card_brand_report": N_("Card-brand incident report to the acquirer"),
    "pmark_report": N_("P-mark incident report to the review body"),
}

APPI_BULK_THRESHOLD = 1000  # "more than 1,000 people" (G.1 trigger 4)


def label(kind: str) -> Text:
    return Text(LABELS[kind]) if kind in LABELS else Text(kind)


@dataclass(frozen=True)
class Computed:
    """One deadline as the rules see it. `met_at` is only set where the rule itself knows it.

    `rule` says the rule in plain words for anyone, the insured included; `source` names where it comes from
    (the product decision and the DOMAIN section, e.g. "Decision I-10 (DOMAIN G.1)"), a note for staff and the
    API's English `rule`, never shown to insureds."""
    kind: str
    applies: bool
    due_at: dt.datetime | None
    last_day: dt.date | None
    rule: Text
    starts_at: dt.datetime | None = None
    met_at: dt.datetime | None = None
    source: Text | None = None


def status(due_at: dt.datetime | None, met_at: dt.datetime | None, applies: bool, now: dt.datetime) -> str:
    """open | met | missed | not_applicable. A report made at or after due_at is late: missed."""
    if not applies or due_at is None:
        return "not_applicable"
    if met_at is not None:
        return "met" if met_at < due_at else "missed"
    return "missed" if now >= due_at else "open"


def _decision(decision: str, section: str) -> Text:
    return Text(N_("Decision %(decision)s (DOMAIN %(section)s)"), decision=decision, section=section)


def _day_rule(kind: str, start: dt.datetime, last_day: dt.date, rule: Text, source: Text) -> Computed:
    return Computed(kind, True, start_of_day(last_day + dt.timedelta(days=1)), last_day, rule, starts_at=start,
                    source=source)


def _na(kind: str, why: Text) -> Computed:
    return Computed(kind, False, None, None, Text(N_("Not applicable: %(why)s."), why=why))


def insurer_emergency_notice(f: CaseFacts, thirty_day: ThirtyDayRule | None, product: str) -> Computed:
    """C.3 / I-5: notice by the last day of the product's window (D0+30 for tm-juas-2026), no roll-over; the
    hotline call is the notice. Not applicable when the policy's product has no such rule."""
    if thirty_day is None:
        return _na("insurer_emergency_notice",
                   Text(N_("the policy's product (%(product)s) has no 30-day notice rule for emergency-response "
                           "costs"), product=product))
    w, n = thirty_day.window(f.first_discovered_at), thirty_day.window_last_day
    rule = Text(N_("The insurer or the hotline must be told by the end of day %(n)s counted from the day after "
                   "first discovery (%(discovery)s JST), i.e. by %(last)s 24:00 JST, with no weekend or holiday "
                   "roll-over, and before any emergency-response cost is ordered. The hotline call is that "
                   "notice."), n=n, discovery=w.discovery_date, last=w.last)
    return Computed("insurer_emergency_notice", True, w.ends_at, w.last, rule, starts_at=f.first_discovered_at,
                    met_at=f.reported_at, source=_decision(thirty_day.decision, "C.3"))


TRIGGERS = {  # G.1: why the APPI clocks apply, in words
    "sensitive": N_("sensitive personal data (要配慮個人情報)"),
    "card": N_("data whose misuse causes financial loss (card data)"),
    "malicious": N_("possibly done for a wrongful purpose (unauthorised access, ransomware, insider theft)"),
    "bulk": N_("more than %(n)s people"),
}


def appi_triggers(f: CaseFacts) -> list[Text]:
    """The APPI reporting triggers that hold (G.1): any one of them, with personal data involved."""
    if not f.personal_data_involved:
        return []
    found = []
    if f.sensitive_data:
        found.append(Text(TRIGGERS["sensitive"]))
    if f.card_data:
        found.append(Text(TRIGGERS["card"]))
    if f.malicious:
        found.append(Text(TRIGGERS["malicious"]))
    if (f.personal_records_affected or 0) > APPI_BULK_THRESHOLD:
        found.append(Text(TRIGGERS["bulk"], n=f"{APPI_BULK_THRESHOLD:,}"))
    return found


_NO_APPI_TRIGGER = N_("no APPI reporting trigger holds (sensitive data, card data, a wrongful purpose or more "
                      "than 1,000 people, with personal data affected)")


def appi_preliminary(f: CaseFacts) -> Computed:
    """I-10: 速報, target D0+3, last day D0+5 where the day the business knew is day 0 (no roll-over)."""
    triggers = appi_triggers(f)
    if not triggers:
        return _na("appi_preliminary", Text(_NO_APPI_TRIGGER))
    start = f.appi_known_at or f.first_discovered_at
    d0 = tokyo_date(start)
    target, last = d0 + dt.timedelta(days=3), d0 + dt.timedelta(days=5)
    rule = Text(N_("Preliminary report (速報) to the PPC promptly after the business knew (%(known)s JST); target "
                   "%(target)s, last day %(last)s. The report is required because of: %(triggers)s. Confirm with "
                   "the PPC guidelines."), known=d0, target=target, last=last, triggers=triggers)
    return _day_rule("appi_preliminary", start, last, rule, _decision("I-10", "G.1"))


def appi_final(f: CaseFacts) -> Computed:
    """I-10: 確報 in 30 days (60 if wrongful purpose), the day the business knew is day 1; a last day on a
    weekend, national holiday or 12/29–1/3 moves to the next business day."""
    triggers = appi_triggers(f)
    if not triggers:
        return _na("appi_final", Text(_NO_APPI_TRIGGER))
    start = f.appi_known_at or f.first_discovered_at
    d0 = tokyo_date(start)
    days = 60 if f.malicious else 30
    counted = d0 + dt.timedelta(days=days - 1)
    last = roll_to_business_day(counted, year_end_closure=True)
    why = Text(N_("the leak was possibly for a wrongful purpose") if f.malicious else
               N_("no wrongful purpose is known"))
    params = {"days": days, "known": d0, "last": last, "why": why, "triggers": triggers}
    if last != counted:
        rule = Text(N_("Final report (確報) to the PPC within %(days)s days of when the business knew, counting that "
                       "day (%(known)s JST) as day 1: last day %(last)s. Day %(days)s is %(counted)s, a %(closed)s, "
                       "so the last day moves to the next business day. %(days)s days because %(why)s. The report "
                       "is required because of: %(triggers)s. Confirm with the PPC guidelines."),
                    counted=counted, closed=why_not_business_day(counted, year_end_closure=True), **params)
    else:
        rule = Text(N_("Final report (確報) to the PPC within %(days)s days of when the business knew, counting that "
                       "day (%(known)s JST) as day 1: last day %(last)s. %(days)s days because %(why)s. The report "
                       "is required because of: %(triggers)s. Confirm with the PPC guidelines."), **params)
    return _day_rule("appi_final", start, last, rule, _decision("I-10", "G.1"))


def gdpr_authority(f: CaseFacts) -> Computed:
    """G.5: 72 hours from awareness, by the clock (weekends count, no calendar)."""
    if not f.eu_data_subjects:
        return _na("gdpr_authority", Text(N_("no EU data subjects are affected")))
    start = f.gdpr_aware_at or f.first_discovered_at
    due = start + dt.timedelta(hours=72)
    rule = Text(N_("Notify the competent supervisory authority without undue delay and not later than 72 hours "
                   "after becoming aware (%(aware)s JST), i.e. by %(due)s JST; weekends and holidays are not "
                   "excluded. Late notices must give reasons."), aware=start, due=due)
    return Computed("gdpr_authority", True, due, None, rule, starts_at=start,
                    source=Text(N_("GDPR Art. 33(1) (DOMAIN G.5)")))


CARD_BUSINESS_DAYS = 3  # I-11, configurable: "confirm with the acquirer"
CARD_ACCOUNT_NUMBER_DAYS = 10


def card_brand_report(f: CaseFacts, *, business_days: int = CARD_BUSINESS_DAYS) -> Computed:
    """I-11: incident report due `business_days` Japanese business days after knowledge."""
    if not f.card_data:
        return _na("card_brand_report", Text(N_("no payment-card data is involved")))
    start = f.card_known_at or f.first_discovered_at
    d0 = tokyo_date(start)
    last = add_business_days(d0, business_days)
    numbers = add_business_days(d0, CARD_ACCOUNT_NUMBER_DAYS)
    rule = Text(N_("Incident report to the acquirer (Visa WTDIC) within %(n)s Japanese business days after "
                   "knowledge (%(known)s JST), weekends and national holidays not counted: last day %(last)s. "
                   "Potentially compromised account numbers within %(m)s business days (%(numbers)s). Confirm "
                   "with the acquirer."), n=business_days, known=d0, last=last, m=CARD_ACCOUNT_NUMBER_DAYS,
                numbers=numbers)
    return _day_rule("card_brand_report", start, last, rule, _decision("I-11", "G.4"))


def pmark_report(f: CaseFacts) -> Computed:
    """G.3: P-mark holders report every personal-data incident within 30 days of 発覚日 (60 if possibly
    malicious). Counted like APPI (the day of 発覚 is day 1) but without roll-over: it is a contract with the
    review body and no holiday rule is published, so the earliest reading is the target."""
    if not f.pmark_holder:
        return _na("pmark_report", Text(N_("the insured does not hold the Privacy Mark")))
    if not f.personal_data_involved:
        return _na("pmark_report", Text(N_("no personal data is affected")))
    start = f.pmark_discovered_at or f.first_discovered_at
    d0 = tokyo_date(start)
    days = 60 if f.malicious else 30
    last = d0 + dt.timedelta(days=days - 1)
    rule = Text(N_("Final report to the P-mark review body within %(days)s days of the discovery date "
                   "(%(discovered)s JST, counted as day 1): last day %(last)s, no roll-over. A preliminary report "
                   "within about 3–5 days is expected for serious cases."), days=days, discovered=d0, last=last)
    return _day_rule("pmark_report", start, last, rule, Text(N_("PMK500 (DOMAIN G.3)")))


REGULATORS = (appi_preliminary, appi_final, gdpr_authority, card_brand_report, pmark_report)


def compute(f: CaseFacts, *, thirty_day: ThirtyDayRule | None, product: str) -> list[Computed]:
    """Every deadline kind, in the order of KINDS, applicable or not. The insurer notice follows the
    product's 30-day rule (None: the product has none); `product` names it in the rule text."""
    return [insurer_emergency_notice(f, thirty_day, product), *(rule(f) for rule in REGULATORS)]
