"""The deadline rules as pure functions, with hand-computed dates (DOMAIN C.3, G.1, G.3–G.5, I-5, I-10, I-11).

2026 calendar used below: 04-10 Fri; 04-29 Wed Showa Day; 05-03..05-06 Golden Week (05-06 substitute
holiday); 05-09 Sat; 06-08 Mon; 12-29 Tue .. 2027-01-03 Sun year-end closure; 2027-01-04 Mon.
"""
import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.i18n import render
from workflows import calendar
from workflows.deadlines import (
    appi_final,
    appi_preliminary,
    card_brand_report,
    compute,
    gdpr_authority,
    insurer_emergency_notice,
    pmark_report,
    status,
)
from workflows.facts import CaseFacts
from workflows.thirty_day import ThirtyDayRule

TOKYO = calendar.TOKYO
TM, TM_RULE = "tm-juas-2026", ThirtyDayRule(window_first_day=1, window_last_day=30, decision="I-5")  # its data
UTC = dt.UTC


def jst(*a):
    return dt.datetime(*a, tzinfo=TOKYO)


def facts(discovered, **kw):
    return CaseFacts(first_discovered_at=discovered, reported_at=kw.pop("reported_at", discovered), **kw)


PERSONAL = {"personal_records_affected": 10}


def test_tokyo_date_trap_0830_jst_is_the_previous_day_in_utc():
    discovered = jst(2026, 4, 10, 8, 30)
    assert discovered.astimezone(UTC).date() == dt.date(2026, 4, 9)  # the trap
    d = insurer_emergency_notice(facts(discovered), TM_RULE, TM)
    assert d.last_day == dt.date(2026, 5, 10)  # D0 = 04-10 (JST) + 30; UTC would give 05-09
    assert d.due_at == jst(2026, 5, 11, 0, 0)
    # the same instant given in UTC computes the same Tokyo-calendar deadline
    assert insurer_emergency_notice(facts(discovered.astimezone(UTC)), TM_RULE, TM).last_day == dt.date(2026, 5, 10)


def test_discovery_at_2359_and_0000_jst():
    assert insurer_emergency_notice(facts(jst(2026, 4, 10, 23, 59)), TM_RULE, TM).last_day == dt.date(2026, 5, 10)
    d = insurer_emergency_notice(facts(jst(2026, 4, 11, 0, 0)), TM_RULE, TM)
    assert d.last_day == dt.date(2026, 5, 11) and d.due_at == jst(2026, 5, 12, 0, 0)
    # 23:59 JST on 04-10 is 14:59 UTC; 00:00 JST on 04-11 is 15:00 UTC on 04-10: UTC dates would not differ
    f = facts(jst(2026, 4, 10, 23, 59), sensitive_data=True, **PERSONAL)
    assert appi_final(f).last_day == dt.date(2026, 5, 11)  # 05-09 Sat → Mon 05-11
    f = facts(jst(2026, 4, 11, 0, 0), sensitive_data=True, **PERSONAL)
    assert appi_final(f).last_day == dt.date(2026, 5, 11)  # day 30 = 05-10 Sun → Mon 05-11


def test_insurer_notice_last_day_no_rollover_and_met_by_reported_at():
    discovered = jst(2026, 4, 10, 23, 30)  # DOMAIN C.3 worked example: day 30 = 05-10 (Sun), no roll-over
    on_time = insurer_emergency_notice(facts(discovered, reported_at=jst(2026, 5, 10, 23, 59, 59)), TM_RULE, TM)
    assert on_time.last_day == dt.date(2026, 5, 10) and on_time.met_at == jst(2026, 5, 10, 23, 59, 59)
    now = jst(2026, 6, 1, 0, 0)
    assert status(on_time.due_at, on_time.met_at, True, now) == "met"
    late = insurer_emergency_notice(facts(discovered, reported_at=jst(2026, 5, 11, 0, 0)), TM_RULE, TM)
    assert status(late.due_at, late.met_at, True, now) == "missed"  # 05-11 00:00 is the first late instant


def test_appi_final_30_days_rolls_weekend_to_monday():
    f = facts(jst(2026, 4, 10, 23, 30), card_data=True, **PERSONAL)  # G.1 worked example, decision I-10
    d = appi_final(f)
    assert d.last_day == dt.date(2026, 5, 11)  # day 30 = 05-09 Sat → next business day Mon 05-11
    assert d.due_at == jst(2026, 5, 12, 0, 0)
    assert "Saturday" in render(d.rule, "en")


def test_appi_final_60_days_for_wrongful_purpose():
    d = appi_final(facts(jst(2026, 4, 10, 23, 30), malicious=True, **PERSONAL))
    assert d.last_day == dt.date(2026, 6, 8)  # 04-10 + 59 = Mon 06-08, a business day


def test_appi_final_rolls_over_golden_week_holidays():
    # knew 04-05: day 30 = 05-04 (Greenery Day) → 05-05 (Children's Day) → 05-06 (substitute) → Thu 05-07
    d = appi_final(facts(jst(2026, 4, 5, 12, 0), sensitive_data=True, **PERSONAL))
    assert d.last_day == dt.date(2026, 5, 7) and d.due_at == jst(2026, 5, 8, 0, 0)


def test_appi_final_rolls_over_the_year_end_closure():
    # knew 11-30: day 30 = 12-29 (Tue, closure) .. 01-03 (Sun) → Mon 2027-01-04
    d = appi_final(facts(jst(2026, 11, 30, 9, 0), sensitive_data=True, **PERSONAL))
    assert d.last_day == dt.date(2027, 1, 4) and d.due_at == jst(2027, 1, 5, 0, 0)
    assert "year-end closure" in render(d.rule, "en")


def test_appi_preliminary_day_five_no_rollover():
    d = appi_preliminary(facts(jst(2026, 4, 10, 23, 30), card_data=True, **PERSONAL))
    assert d.last_day == dt.date(2026, 4, 15) and d.due_at == jst(2026, 4, 16, 0, 0)
    assert "target 2026-04-13" in render(d.rule, "en")


def test_appi_triggers_and_not_applicable():
    discovered = jst(2026, 4, 10, 10, 0)
    assert not appi_final(facts(discovered)).applies  # no personal data
    # A wrongful act whose reach is not counted yet may have leaked personal data: the clock starts ...
    assert appi_final(facts(discovered, malicious=True)).applies
    # ... and stops once the operator records that no personal record was affected.
    assert not appi_final(facts(discovered, malicious=True, personal_records_affected=0)).applies
    assert not appi_final(facts(discovered, personal_records_affected=1000)).applies  # 1,000 is not "more than"
    assert appi_final(facts(discovered, personal_records_affected=1001)).applies
    assert appi_final(facts(discovered, malicious=True, personal_records_affected=1)).applies
    na = appi_preliminary(facts(discovered))
    assert na.due_at is None and na.last_day is None and status(na.due_at, None, na.applies, discovered) == \
        "not_applicable"


def test_appi_clock_starts_when_the_business_knew_not_at_discovery():
    f = facts(jst(2026, 4, 1, 10, 0), sensitive_data=True, appi_known_at=jst(2026, 4, 10, 23, 30), **PERSONAL)
    assert appi_final(f).last_day == dt.date(2026, 5, 11)
    assert insurer_emergency_notice(f, TM_RULE, TM).last_day == dt.date(2026, 5, 1)  # still from first discovery


def test_gdpr_72_hours_across_a_date_change():
    d = gdpr_authority(facts(jst(2026, 4, 10, 23, 30), eu_data_subjects=True))  # G.5 worked example
    assert d.due_at == jst(2026, 4, 13, 23, 30) and d.last_day is None
    assert d.due_at.astimezone(UTC) == dt.datetime(2026, 4, 13, 14, 30, tzinfo=UTC)
    # aware 22:00 UTC on 04-10 = 07:00 JST on 04-11: 72 h later is 07:00 JST on 04-14 (weekend counted)
    d = gdpr_authority(facts(jst(2026, 4, 1), eu_data_subjects=True,
                             gdpr_aware_at=dt.datetime(2026, 4, 10, 22, 0, tzinfo=UTC)))
    assert d.due_at == jst(2026, 4, 14, 7, 0)
    assert not gdpr_authority(facts(jst(2026, 4, 10))).applies


def test_card_brand_three_business_days():
    d = card_brand_report(facts(jst(2026, 4, 10, 23, 30), card_data=True))  # Fri → Mon, Tue, Wed
    assert d.last_day == dt.date(2026, 4, 15) and d.due_at == jst(2026, 4, 16, 0, 0)
    assert "(2026-04-24 (Fri))" in render(d.rule, "en")  # account numbers: 10 business days (G.4 worked date)
    # knew Tue 04-28: 04-29 holiday, Thu 04-30 (1), Fri 05-01 (2), weekend, 05-04..06 holidays, Thu 05-07 (3)
    assert card_brand_report(facts(jst(2026, 4, 28, 15, 0), card_data=True)).last_day == dt.date(2026, 5, 7)
    # the Tokyo date decides: 16:00 UTC on Fri 04-10 is already Sat 04-11 in Tokyo → Mon, Tue, Wed 04-15
    late_friday_utc = dt.datetime(2026, 4, 10, 16, 0, tzinfo=UTC)
    assert card_brand_report(facts(late_friday_utc, card_data=True)).last_day == dt.date(2026, 4, 15)
    assert card_brand_report(facts(jst(2026, 4, 9, 10, 0), card_data=True)).last_day == dt.date(2026, 4, 14)


def test_pmark_report_30_or_60_days_without_rollover():
    base = {"pmark_holder": True, **PERSONAL}
    assert pmark_report(facts(jst(2026, 4, 10, 9, 0), **base)).last_day == dt.date(2026, 5, 9)  # Sat, kept
    assert pmark_report(facts(jst(2026, 4, 10, 9, 0), malicious=True, **base)).last_day == dt.date(2026, 6, 8)
    assert not pmark_report(facts(jst(2026, 4, 10), **PERSONAL)).applies
    assert not pmark_report(facts(jst(2026, 4, 10), pmark_holder=True)).applies


def test_status_rules():
    due = jst(2026, 5, 11, 0, 0)
    assert status(due, None, True, jst(2026, 5, 10, 23, 59)) == "open"
    assert status(due, None, True, due) == "missed"
    assert status(due, jst(2026, 5, 10, 12, 0), True, jst(2026, 6, 1)) == "met"
    assert status(due, due, True, jst(2026, 6, 1)) == "missed"  # a report at the first late instant is late
    assert status(due, None, False, due) == "not_applicable"


def test_compute_returns_every_kind_in_order():
    kinds = [d.kind for d in compute(facts(jst(2026, 4, 10)), thirty_day=TM_RULE, product=TM)]
    assert kinds == ["insurer_emergency_notice", "appi_preliminary", "appi_final", "gdpr_authority",
                     "card_brand_report", "pmark_report"]


def test_calendar_helpers():
    assert calendar.is_business_day(dt.date(2026, 4, 10))
    assert not calendar.is_business_day(dt.date(2026, 4, 29))  # Showa Day
    assert calendar.is_business_day(dt.date(2026, 12, 29))  # a weekday: only APPI uses the closure
    assert not calendar.is_business_day(dt.date(2026, 12, 29), year_end_closure=True)
    assert calendar.add_business_days(dt.date(2026, 4, 10), 10) == dt.date(2026, 4, 24)


@settings(max_examples=150, deadline=None)
@given(st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2030, 12, 31),
                    timezones=st.just(TOKYO)), st.booleans())
def test_day_rules_due_at_is_midnight_after_last_day_and_appi_lands_on_a_business_day(t, malicious):
    f = facts(t, malicious=malicious, sensitive_data=True, **PERSONAL)
    d0 = t.date()
    for d in compute(f, thirty_day=TM_RULE, product=TM):
        if d.last_day is not None:
            assert d.due_at == jst(d.last_day.year, d.last_day.month, d.last_day.day) + dt.timedelta(days=1)
            assert d.last_day > d0
    final = appi_final(f)
    counted = d0 + dt.timedelta(days=59 if malicious else 29)
    assert calendar.is_business_day(final.last_day, year_end_closure=True)
    assert counted <= final.last_day <= counted + dt.timedelta(days=10)
    assert all(not calendar.is_business_day(counted + dt.timedelta(days=i), year_end_closure=True)
               for i in range((final.last_day - counted).days))
