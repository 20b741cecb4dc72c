"""The pure vendor rules: capabilities → cost categories, selection, escalation policy, dispatch warnings."""
import datetime as dt

from hotline.i18n import render
from tests.support import jst
from vendors import escalation, gates, selection
from vendors.capabilities import CAPABILITIES, cost_categories
from workflows.facts import CaseFacts
from workflows.thirty_day import ThirtyDayRule


def _v(id, name, caps=("forensics",), hours="24x7", rank=100, load=0, contacts=1, active=True):
    return selection.VendorInfo(id, name, tuple(caps), hours, rank, load, contacts, active)


def test_capability_catalogue_and_cost_mapping():
    assert {"investigation", "forensics", "legal", "pr", "social_monitoring", "call_center", "data_recovery",
            "trust_recovery", "gdpr", "coordination"} <= set(CAPABILITIES)
    assert cost_categories("forensics", "unknown") == ("emergency_response",)
    assert cost_categories("forensics", "no") == ("emergency_response",)
    assert cost_categories("forensics", "yes") == ("investigation",)
    assert cost_categories("legal") == ("advisory",)
    assert cost_categories("data_recovery") == ("system_restoration",)
    assert cost_categories("call_center") == ("other.communications",)
    assert cost_categories("trust_recovery") == ("recurrence_prevention",)
    assert cost_categories("pr") == ("other.public_notice", "advisory")


def test_business_hours_follow_the_tokyo_calendar():
    assert selection.is_open("business", jst(2026, 4, 10, 10, 0))  # Friday
    assert not selection.is_open("business", jst(2026, 4, 10, 18, 0))  # closing time
    assert not selection.is_open("business", jst(2026, 4, 11, 10, 0))  # Saturday
    assert not selection.is_open("business", jst(2026, 5, 4, 10, 0))  # みどりの日, a Monday
    assert not selection.is_open("business", jst(2026, 12, 30, 10, 0))  # year-end closure
    # 08:30 JST on a weekday is 23:30 UTC the day before: the check is in Tokyo time.
    assert not selection.is_open("business", dt.datetime(2026, 4, 9, 23, 30, tzinfo=dt.UTC))
    assert selection.is_open("24x7", jst(2026, 1, 1, 3, 0))
    # Friday 2026-05-01 19:00 → Golden Week (5/2 Sat … 5/6 Wed holiday) → Thursday 5/7 09:00
    assert selection.next_opening("business", jst(2026, 5, 1, 19, 0)) == jst(2026, 5, 7, 9, 0)


def test_ranking_open_first_then_load_then_escalation_order_with_reasons():
    night = jst(2026, 4, 11, 2, 0)  # Saturday 02:00
    vendors = [_v(1, "Busy24", load=2, rank=1), _v(2, "Office", hours="business", rank=0),
               _v(3, "Free24", load=0, rank=5), _v(4, "Tied24", load=0, rank=3), _v(5, "Legal", caps=("legal",)),
               _v(6, "Off", active=False), _v(7, "NoPhone", contacts=0)]
    ranked = selection.rank(vendors, "forensics", night)
    assert [r.vendor.name for r in ranked] == ["Tied24", "Free24", "Busy24", "Office", "NoPhone"]
    assert render(list(ranked[0].reasons), "en") == "available 24/7; 0 active dispatches; escalation order 3"
    assert render(list(ranked[3].reasons), "en").startswith("business hours, closed now; opens 2026-04-13 09:00 JST")
    assert render(list(ranked[3].reasons), "ja").startswith("営業時間外（次の受付 2026年4月13日 9:00）")
    by_day = selection.rank(vendors, "forensics", jst(2026, 4, 13, 10, 0))
    assert by_day[0].vendor.name == "Office" and "open now" in render(list(by_day[0].reasons), "en")


def test_chain_and_escalation_steps():
    chain = escalation.build_chain((1, "A", [("a1", "+81300000001"), ("a2", "+81300000002")]),
                                   [(2, "B", [("b1", "+81300000003")]), (1, "A", [("dup", "+8130000009")])])
    assert [(s.vendor_id, s.contact_name) for s in chain] == [(1, "a1"), (1, "a2"), (2, "b1")]
    t = jst(2026, 4, 11, 1, 0)
    assert escalation.next_step(chain, 0, deadline=t, now=t - dt.timedelta(seconds=1)).action == "wait"
    assert escalation.next_step(chain, 0, deadline=t, now=t) == escalation.Decision("next_contact", 1)
    assert escalation.next_step(chain, 1, deadline=t, now=t) == escalation.Decision("next_vendor", 2)
    assert escalation.next_step(chain, 2, deadline=t, now=t) == escalation.Decision("expire")
    # a decline skips the rest of that company's contacts
    assert escalation.next_step(chain, 0, deadline=t, now=t - dt.timedelta(hours=1), declined=True) == \
        escalation.Decision("next_vendor", 2)
    assert escalation.next_step(chain[:2], 0, deadline=t, now=t, declined=True).action == "expire"


TM_RULE = ThirtyDayRule(window_first_day=1, window_last_day=30, decision="I-5")  # tm-juas-2026's data


def _warn(cap, facts, now, thirty_day=TM_RULE):
    """The warnings as an English reader reads them (the rule gives Texts)."""
    return [render(w, "en") for w in gates.dispatch_warnings(
        cap, facts, now, thirty_day=thirty_day, consent_required=lambda c: c in {"advisory", "system_restoration"},
        category_name=lambda c: {"advisory": "④ 相談費用"}.get(c, c))]


def test_warnings_for_consent_categories_and_emergency_work_before_notice():
    facts = CaseFacts(first_discovered_at=jst(2026, 4, 10, 23, 30), reported_at=jst(2026, 4, 11, 0, 15))
    now = jst(2026, 4, 11, 9, 0)
    assert _warn("forensics", facts, now) == []  # notice first, inside the window: no warning
    assert _warn("call_center", facts, now) == []
    (w,) = _warn("legal", facts, now)
    assert "④ 相談費用, which needs" in w and "written consent" in w
    assert len(_warn("data_recovery", facts, now)) == 1
    # emergency work ordered before the notice is on record
    early = CaseFacts(first_discovered_at=jst(2026, 4, 10, 23, 30), reported_at=jst(2026, 4, 11, 12, 0))
    (w,) = _warn("forensics", early, now)
    assert "before the insurer notice" in w
    # attack confirmed: forensics is ③, no 30-day rule
    confirmed = CaseFacts(first_discovered_at=facts.first_discovered_at, reported_at=jst(2026, 4, 11, 12, 0),
                          attack_confirmed="yes")
    assert _warn("forensics", confirmed, now) == []
    # notice after the window: D0 2026-04-10, last day 05-10; told 05-11 00:00
    late = CaseFacts(first_discovered_at=jst(2026, 4, 10, 23, 30), reported_at=jst(2026, 5, 11, 0, 0),
                     attack_confirmed="no")
    (w,) = _warn("investigation", late, jst(2026, 5, 11, 1, 0))
    assert "last day 2026-05-10" in w and "has ended" in w
    assert TM_RULE.window(jst(2026, 4, 10, 8, 30)).ends_at == jst(2026, 5, 11, 0, 0)
