"""The phase machine, the checklists and the metrics as pure functions (no database)."""
import datetime as dt

import pytest

from hotline.i18n import render
from workflows import phases as ph
from workflows.metrics import Event, case_metrics, nearest_rank, summarise
from workflows.tasks import checklist, load_templates, task_title, templates

UTC = dt.UTC
T0 = dt.datetime(2026, 4, 10, 14, 30, tzinfo=UTC)  # 2026-04-10 23:30 JST


def states(**overrides):
    out = ph.initial_statuses()
    out.update(overrides)
    return out


def blockers(*args, lang: str = "en", **kw) -> list[str]:
    """The rule's blockers (Texts) as a reader in `lang` reads them."""
    return [render(b, lang) for b in ph.blockers(*args, **kw)]


def all_ended_but_closure():
    return {k: ("done" if k != "closure" else "not_started") for k in ph.PHASE_KEYS}


# --- the model -----------------------------------------------------------------------------------------
def test_the_nine_phase_keys_in_the_contract_order():
    assert ph.PHASE_KEYS == ("intake", "initial_response", "investigation", "call_center", "pr_reporting",
                             "recovery", "recurrence_prevention", "post_incident", "closure")


def test_a_new_case_has_intake_active_and_nothing_else():
    s = ph.initial_statuses()
    assert s["intake"] == "active" and all(v == "not_started" for k, v in s.items() if k != "intake")
    assert ph.current_phase(s) == "intake"


# --- start ---------------------------------------------------------------------------------------------
def test_start_needs_the_previous_phase_ended():
    assert blockers(states(), "initial_response", "start") == ["Intake must be done or skipped first."]
    assert blockers(states(intake="done"), "initial_response", "start") == []
    assert blockers(states(intake="done", initial_response="skipped"), "investigation", "start") == []


def test_start_twice_is_refused():
    assert blockers(states(), "intake", "start") == ["Intake is already active."]
    assert blockers(states(intake="done"), "intake", "start") == ["Intake is already done."]


@pytest.mark.parametrize("parallel", ["call_center", "pr_reporting"])
def test_call_center_and_pr_run_during_the_investigation(parallel):
    before = states(intake="done", initial_response="done")
    assert blockers(before, parallel, "start") == [
        "Investigation and containment must have started first (it runs during it)."]
    during = states(intake="done", initial_response="done", investigation="active")
    assert blockers(during, parallel, "start") == []
    # Both can be active alongside the investigation at once.
    both = {**during, "call_center": "active"}
    assert blockers(both, "pr_reporting", "start") == []
    # ... and the investigation may complete while they go on.
    assert blockers({**both, "pr_reporting": "active"}, "investigation", "complete") == []


def test_recovery_waits_for_the_investigation_but_not_for_call_center_or_pr():
    s = states(intake="done", initial_response="done", investigation="active", call_center="active")
    assert blockers(s, "recovery", "start") == ["Investigation and containment must be done or skipped first."]
    assert blockers({**s, "investigation": "done"}, "recovery", "start") == []


def test_closure_cannot_start_before_recurrence_prevention_is_done_or_skipped():
    s = all_ended_but_closure()
    s["recurrence_prevention"] = "active"
    assert blockers(s, "closure", "start") == ["Recurrence prevention must be done or skipped first."]
    s["recurrence_prevention"] = "skipped"
    assert blockers(s, "closure", "start") == []


def test_closure_names_every_phase_still_running():
    s = all_ended_but_closure()
    s.update(call_center="active", post_incident="not_started")
    assert blockers(s, "closure", "start") == ["Call center must be done or skipped first.",
                                                  "Post-incident must be done or skipped first."]


# --- complete ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("status", ["not_started", "done", "skipped"])
def test_only_an_active_phase_can_be_completed(status):
    s = states(intake="done", investigation=status)
    assert blockers(s, "investigation", "complete") == [
        f"Only an active phase can be completed; Investigation and containment is {status.replace('_', ' ')}."]


def test_closure_completion_is_blocked_by_outside_guards_and_its_open_tasks():
    s = {**all_ended_but_closure(), "closure": "active"}
    assert blockers(s, "closure", "complete") == []
    out = blockers(s, "closure", "complete",
                      closing_blockers=["Open deadline: appi_final due 2026-05-10", "Pending cost line #3"],
                      open_closure_tasks=["Final report to the insured"])
    assert out == ["Open deadline: appi_final due 2026-05-10", "Pending cost line #3",
                   "Open closure task: Final report to the insured"]


def test_outside_guards_do_not_stop_other_phases():
    s = states(intake="active")
    assert blockers(s, "intake", "complete", closing_blockers=["Open deadline"]) == []


def test_nothing_moves_on_a_closed_case():
    s = {k: "done" for k in ph.PHASE_KEYS}
    for action in ph.ACTIONS:
        assert blockers(s, "recovery", action, case_closed=True) == [
            "The case is closed; its phases can no longer move."]


# --- skip ----------------------------------------------------------------------------------------------
def test_skip_from_not_started_or_active():
    assert blockers(states(), "call_center", "skip") == []  # no victims to answer: skipped up front
    assert blockers(states(call_center="active"), "call_center", "skip") == []
    assert blockers(states(call_center="done"), "call_center", "skip") == ["Call center is already done."]
    assert blockers(states(call_center="skipped"), "call_center", "skip") == ["Call center is already skipped."]


@pytest.mark.parametrize("key", ["intake", "closure"])
def test_intake_and_closure_cannot_be_skipped(key):
    assert blockers(states(), key, "skip") == [f"{ph.PHASES[key].title} cannot be skipped."]


def test_skip_needs_a_reason_and_bad_input_is_named():
    assert ph.validate_move("call_center", "skip", None) == {"reason": "a reason is required to skip a phase"}
    assert ph.validate_move("call_center", "skip", "   ") == {"reason": "a reason is required to skip a phase"}
    assert ph.validate_move("call_center", "skip", "no victims") == {}
    assert set(ph.validate_move("lunch", "nap", None)) == {"key", "action"}


def test_next_status_per_action():
    assert [ph.next_status(a) for a in ph.ACTIONS] == ["active", "done", "skipped"]


# --- Case.phase ----------------------------------------------------------------------------------------
def test_current_phase_is_the_furthest_active_phase():
    s = states(intake="done", initial_response="done", investigation="active", call_center="skipped",
               pr_reporting="active")
    assert ph.current_phase(s) == "pr_reporting"
    s["pr_reporting"] = "done"
    assert ph.current_phase(s) == "investigation"  # the skipped call center is behind it anyway
    s["investigation"] = "done"
    assert ph.current_phase(s) == "pr_reporting"  # nothing active: the furthest phase that ended
    assert ph.current_phase({k: "done" for k in ph.PHASE_KEYS}) == "closure"


def test_a_whole_walk_with_a_skip():
    s = ph.initial_statuses()
    walk = [("intake", "complete"), ("initial_response", "start"), ("initial_response", "complete"),
            ("investigation", "start"), ("call_center", "skip"), ("pr_reporting", "start"),
            ("investigation", "complete"), ("pr_reporting", "complete"), ("recovery", "start"),
            ("recovery", "complete"), ("recurrence_prevention", "start"), ("recurrence_prevention", "complete"),
            ("post_incident", "skip"), ("closure", "start"), ("closure", "complete")]
    for key, action in walk:
        assert blockers(s, key, action) == [], (key, action)
        s[key] = ph.next_status(action)
    assert s["call_center"] == "skipped" and s["closure"] == "done"
    assert ph.startable(s) == []


# --- checklists ----------------------------------------------------------------------------------------
API_COST_CATEGORIES = {  # API.md, cost categories of tm-juas-2026
    "emergency_response", "attack_response", "investigation", "advisory", "system_restoration", "other.staff",
    "other.travel", "other.communications", "other.breach_notification", "other.public_notice",
    "other.consolation_individual", "other.consolation_corporate", "other.card_monitoring",
    "other.public_investigation", "other.public_investigation_consulting", "other.damages_claim",
    "recurrence_prevention", "litigation_support", "liability.damages", "liability.defense",
    "liability.cooperation", "bodily_injury_consolation"}


def test_every_phase_has_a_checklist_and_every_cost_category_exists():
    t = templates()
    assert set(t) == set(ph.PHASE_KEYS) and all(t[k] for k in ph.PHASE_KEYS)
    used = {x.cost_category for items in t.values() for x in items if x.cost_category}
    assert used <= API_COST_CATEGORIES


def test_tasks_link_to_the_cost_category_they_produce():
    by_key = {x.key: x for items in templates().values() for x in items}
    assert by_key["root_cause"].cost_category == "investigation"  # ③
    assert by_key["enquiry_desk"].cost_category == "other.communications"  # ⑥ウ
    assert by_key["consolation"].cost_category == "other.consolation_individual"  # ⑥カ
    assert by_key["interim_measures"].cost_category == "recurrence_prevention"  # ⑦


def test_investigation_checklist_with_due_times_from_the_phase_start():
    items = checklist("investigation", {}, T0)
    assert [(i["template_key"], i["due_at"]) for i in items] == [
        ("root_cause", T0 + dt.timedelta(hours=72)), ("evidence", T0 + dt.timedelta(hours=24)),
        ("containment", T0 + dt.timedelta(hours=24))]
    assert items[0]["title"] == "Root cause and impact scoping" and items[0]["owner_role"] == "coordinator"
    assert render(task_title("investigation", "root_cause", items[0]["title"]), "ja") == "原因究明・影響範囲調査"
    assert task_title("investigation", None, "調査会社へ折り返し") == "調査会社へ折り返し"  # typed: as typed


def test_gdpr_authority_only_with_eu_data_subjects():
    plain = [i["template_key"] for i in checklist("pr_reporting", {}, T0)]
    assert plain == ["regulators_police", "public_announcement"]
    eu = [i["template_key"] for i in checklist("pr_reporting", {"eu_data_subjects": True}, T0)]
    assert "gdpr_authority" in eu
    gdpr = next(i for i in checklist("pr_reporting", {"eu_data_subjects": True}, T0)
                if i["template_key"] == "gdpr_authority")
    assert gdpr["due_at"] == T0 + dt.timedelta(hours=72)  # GDPR art. 33: 72 hours


def test_personal_data_and_card_tasks_follow_the_facts():
    keys = [i["template_key"] for i in checklist("pr_reporting", {"personal_records_affected": 1200,
                                                                  "card_data": True}, T0)]
    assert keys == ["apology_letters", "consolation", "regulators_police", "public_announcement",
                    "card_monitoring"]
    assert [i["template_key"] for i in checklist("pr_reporting", {"personal_records_affected": 0}, T0)] == [
        "regulators_police", "public_announcement"]


def test_a_broken_template_file_is_refused(tmp_path):
    bad = tmp_path / "t.yaml"
    bad.write_text("lunch:\n  - {key: a, title: A, due_hours: 1, owner: operator}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown phases"):
        load_templates(bad)
    bad.write_text("intake:\n  - {key: a, title: A, due_hours: 0, owner: operator}\n", encoding="utf-8")
    with pytest.raises(ValueError):
        load_templates(bad)
    bad.write_text("intake:\n  - {key: a, title: A, due_hours: 1, owner: pilot}\n", encoding="utf-8")
    with pytest.raises(ValueError):
        load_templates(bad)


# --- metrics -------------------------------------------------------------------------------------------
def h(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def hand_built_timeline():
    """Discovered at T0; the hotline was called 2 h later; containment task done at 30 h."""
    return [Event(h(2), "case_opened"), Event(h(3), "phase_completed", "intake"),
            Event(h(3), "phase_started", "initial_response"), Event(h(10), "fact_changed", "malicious"),
            Event(h(20), "phase_started", "investigation"), Event(h(22), "phase_skipped", "call_center"),
            Event(h(26), "phase_started", "pr_reporting"), Event(h(30), "task_done", "containment"),
            Event(h(50), "phase_completed", "investigation"), Event(h(51), "task_done", "root_cause")]


def test_case_metrics_from_a_hand_built_timeline():
    m = case_metrics(hand_built_timeline(), discovered_at=T0, reported_at=h(2))
    hours = {k: (v.total_seconds() / 3600 if v is not None else None) for k, v in m.items()}
    assert hours == {"hotline_call": 2, "containment": 30, "phase:intake": 2, "phase:initial_response": 3,
                     "phase:investigation": 20, "phase:call_center": None, "phase:pr_reporting": 26,
                     "phase:recovery": None, "phase:recurrence_prevention": None, "phase:post_incident": None,
                     "phase:closure": None}


def test_containment_falls_back_to_the_investigation_completed():
    events = [e for e in hand_built_timeline() if e.field != "containment"]
    m = case_metrics(events, discovered_at=T0, reported_at=h(2))
    assert m["containment"] == dt.timedelta(hours=50)


def test_metrics_accept_dicts_and_unordered_events():
    events = [{"at": h(40), "kind": "phase_started", "field": "recovery"},
              {"at": h(35), "kind": "phase_started", "field": "recovery"}]  # the earliest start counts
    assert case_metrics(events, discovered_at=T0, reported_at=h(1))["phase:recovery"] == dt.timedelta(hours=35)


def test_median_and_p90_across_cases():
    # Hotline call after 1, 2, 3, ..., 10 hours; containment reached by only three cases: 10, 20, 60 h.
    per_case = []
    for n in range(1, 11):
        events = [Event(h(n * 10 if n <= 2 else 60), "task_done", "containment")] if n in (1, 2, 3) else []
        per_case.append(case_metrics(events, discovered_at=T0, reported_at=h(n)))
    s = summarise(per_case)
    assert s["hotline_call"] == {"n": 10, "median": 5.5, "p90": 9}  # nearest rank: 9th of 10
    assert s["containment"] == {"n": 3, "median": 20, "p90": 60}
    assert s["phase:closure"] == {"n": 0, "median": None, "p90": None}


def test_nearest_rank():
    assert nearest_rank([5], 90) == 5
    assert nearest_rank([4, 1, 3, 2], 50) == 2
    assert nearest_rank(list(range(1, 101)), 90) == 90


def test_the_chart_is_inline_svg_with_a_bar_per_metric():
    from hotline.timeline.chart import bar_chart

    svg = str(bar_chart([("通報", 2.0, 9.0), ("封じ込め", 30.0, 60.0), ("<x>", None, None)], title="t"))
    assert svg.startswith("<svg") and svg.count('class="bar-median"') == 3  # legend + 2 bars
    assert "&lt;x&gt;" in svg and "http" not in svg.replace("http://www.w3.org/2000/svg", "")
    # The longest p90 (60 h) spans the plot; the 30 h median bar is half of it.
    assert 'width="190.0"' in svg  # plot width 640-190-70 = 380; 380 × 30/60


def test_guards_in_japanese_match_the_english_ones():
    from workflows.phases import PHASE_KEYS, initial_statuses

    statuses = initial_statuses()
    for state in (statuses, dict.fromkeys(PHASE_KEYS, "active"), dict.fromkeys(PHASE_KEYS, "done")):
        for key in PHASE_KEYS:
            for action in ("start", "complete", "skip"):
                en = blockers(state, key, action, open_closure_tasks=["Claim filed"])
                ja = blockers(state, key, action, lang="ja", open_closure_tasks=["保険金請求"])
                assert len(en) == len(ja), (key, action, en, ja)
                assert all(any("\u3040" <= ch <= "\u30ff" for ch in text) for text in ja), ja
    assert blockers(statuses, "intake", "start", case_closed=True, lang="ja") == [
        "案件はクローズ済みのため、フェーズは変更できません。"]
    assert blockers(statuses, "recovery", "start", lang="ja") == ["先に「調査・応急対応」を完了またはスキップしてください。"]
    assert blockers(statuses, "closure", "complete", lang="ja", closing_blockers=["期限が未了"]) == [
        "完了できるのは対応中のフェーズだけです。「保険金請求・クローズ」は未着手です。"]


# --- open tasks carried, capabilities the active phases call for ------------------------------------------
def test_a_phase_ending_with_open_tasks_hands_them_to_the_phase_that_waits_for_it():
    assert ph.successor(states(), "intake") == "initial_response"
    assert ph.successor(states(intake="done", initial_response="done"), "investigation") == "recovery"
    # the call center and PR run alongside: nothing waits for them but closure
    assert ph.successor(states(), "call_center") == "closure"
    # a successor already ended is passed over for the next one that waits
    assert ph.successor(states(recovery="skipped"), "investigation") == "closure"
    assert ph.successor(states(), "closure") is None
    assert ph.successor({**all_ended_but_closure(), "closure": "done"}, "post_incident") is None


def test_the_active_phases_call_for_vendors_in_phase_order_each_once():
    assert ph.needed_capabilities(states()) == []  # intake only
    assert ph.needed_capabilities(states(intake="done", initial_response="active")) == [
        "forensics", "emergency_response"]
    both = states(intake="done", initial_response="done", investigation="active", pr_reporting="active")
    assert ph.needed_capabilities(both) == ["forensics", "emergency_response", "legal", "pr"]
    assert ph.needed_capabilities(both, eu_data_subjects=True)[-1] == "gdpr"


def test_a_carried_task_keeps_its_title_in_every_language():
    assert render(task_title("initial_response", "record_call", "Record the call and the facts"), "ja") == (
        render(task_title("intake", "record_call", "x"), "ja"))
    assert render(task_title("initial_response", "record_call", "x"), "en") == "Record the call and the facts"
