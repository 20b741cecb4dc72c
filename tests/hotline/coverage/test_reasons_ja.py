"""Every reason the engine gives reads in Japanese too, with the same amounts, from the one catalogue."""
import re

from hotline.i18n import render
from tests.hotline.coverage.test_engine import D, Ledger, case, e1_ledger, en, run
from tests.support import jst

YEN = re.compile(r"¥[\d,]+")


def test_e2_reduction_in_japanese():
    advisory = run(e1_ledger(), plan="A").lines[5]
    assert [render(r, "ja") for r in advisory.reasons] == ["¥1,000,000はプランAの②③④共通支払限度額¥5,000,000（1事故あたり）を超過"]
    assert en(advisory) == ["¥1,000,000 over the shared ②③④ limit of ¥5,000,000 for plan A (per incident)"]


def test_every_reason_has_a_japanese_twin_with_the_same_amounts():
    ledger = Ledger()
    ledger.add("emergency_response", 2_000_000, D(2026, 4, 15), case=1)            # coinsurance 90%
    ledger.add("emergency_response", 500_000, D(2026, 4, 10), case=2,               # 30-day rule broken, on D0
               ordered_at=jst(2026, 4, 10, 23, 50))
    ledger.add("attack_response", 400_000, case=2)                                  # false alarm, internal source
    ledger.add("recurrence_prevention", 300_000, case=2)                            # false alarm: only ① and ②
    ledger.add("advisory", 1_000_000, consent=None)                                 # pending consent
    ledger.add("other.consolation_individual", 5_000_000, victims=1_000)            # per-victim cap
    ledger.add("other.consolation_corporate", 100_000)                              # count missing
    ledger.add("system_restoration", 4_000_000)                                     # own limit
    ledger.add("investigation", 9_000_000, D(2028, 1, 1))                           # outside 事故対応期間
    ledger.add("no.such.category", 1)
    cases = [case(1, attack="no", source="public_body"),
             case(2, attack="no", reported=jst(2026, 4, 12, 9, 0)),
             case(3, attack="unknown", discovered=jst(2027, 3, 1, 16, 0), reported=jst(2027, 3, 1, 17, 0))]
    ledger.add("emergency_response", 100_000, case=3)                               # pending, and outside period
    result = run(ledger, cases, period=(jst(2026, 3, 1, 16, 0), jst(2027, 3, 1, 16, 0)))
    seen = 0
    for line in result.lines.values():
        english, japanese = [render(r, "en") for r in line.reasons], [render(r, "ja") for r in line.reasons]
        for e, j in zip(english, japanese, strict=True):
            assert YEN.findall(e) == YEN.findall(j), (e, j)
            assert re.search(r"[ぁ-んァ-ン一-龥]", j), j
            assert not re.search(r"[A-Za-z]{4,}", re.sub(r"internal|public_body|no\.such\.category|tm-juas-2026", "",
                                                             j)), j  # no English left but codes it quotes
            seen += 1
    assert seen >= 10


def test_coverage_page_shows_reasons_in_the_reader_language(client, factory, api_as):
    from tests.support import login

    policy = factory.policy(plan="A")
    reference = factory.case(policy, attack_confirmed="yes").reference
    coordinator = factory.user("coordinator")
    api = api_as(coordinator)
    for category, amount in [("investigation", 3_000_000), ("advisory", 3_000_000)]:
        body = {"category": category, "amount_jpy": amount, "arose_on": "2026-04-15", "consent_ref": "TM-1"}
        assert api.post(f"/cases/{reference}/costs", body).status_code == 201
    login(client, coordinator)
    ja = client.get(f"/cases/{reference}/coverage", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "¥1,000,000はプランAの②③④共通支払限度額¥5,000,000（1事故あたり）を超過" in ja
    client.get("/dashboard?lang=en")
    en = client.get(f"/cases/{reference}/coverage").get_data(as_text=True)
    assert "¥1,000,000 over the shared ②③④ limit of ¥5,000,000 for plan A (per incident)" in en


def test_cost_form_warns_in_the_reader_language(client, factory):
    from tests.support import login, post_form

    case = factory.case(factory.policy(plan="A"), attack_confirmed="no")  # told the hotline 2026-04-11 00:15
    login(client, factory.user("coordinator"))
    form = {"category": "emergency_response", "amount_jpy": "500000", "arose_on": "2026-04-10"}
    page = f"/cases/{case.reference}/costs/new"
    client.get("/dashboard?lang=ja")
    r = post_form(client, page, form)
    assert r.status_code == 422  # not recorded until confirmed
    assert "保険会社（ホットライン）への連絡より前に発注されています" in r.get_data(as_text=True)
    client.get("/dashboard?lang=en")
    r = post_form(client, page, form)
    assert "ordered before the insurer was told" in r.get_data(as_text=True)
