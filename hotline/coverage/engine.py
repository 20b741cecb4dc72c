"""The coverage engine: a pure function from (product, plan, the policy's cases and cost lines) to what the
policy pays per line, per category, per case and per policy period. No Flask, no database.

Section I of shared/DOMAIN.md, in its stated order (I-6): lines are allocated in order of the date they arose,
then of entry; each line is first checked for eligibility (I-9 false alarm, I-4 事故対応期間, I-5 30-day rule,
I-3 公表等の措置, I-8 consent), then × coinsurance (rounded down) → per-head cap → the category's own limit
(per incident, per period) → the shared group limit → the overall cost limit (per incident, per period) →
the global cap. Liability lines (I-7): damages per claim → liability per period → global cap.
Everything is integer yen. Every amount removed carries a reason naming the rule and the amount: a Reason
(workflows.text.Text with the product decision it applies), rendered in the reader's language when read.

A result is compact: the lines are columns of numbers in allocation order (no object per line); a line's
LineResult, with its reasons, is made again when it is read, from its eligibility and from what the limits it
draws on had used before it (a running sum over the payable column). `update` gives the result of a changed
ledger (lines added, edited, removed, consents recorded) by re-allocating only the lines whose outcome can
change; it always equals `compute` on the whole ledger (tests/hotline/coverage/test_incremental.py).
"""
from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from operator import attrgetter

import numpy as np

from hotline.products.catalogue import Category, Product
from workflows.calendar import tokyo_date
from workflows.facts import CaseFacts
from workflows.text import N_, Text, Yen
from workflows.thirty_day import ThirtyDay, assess

EXTERNAL_NOTIFICATION_SOURCES = ("public_body", "security_provider")  # 外部通報, as in hotline/cases/models.py

PAYABLE, REDUCED = "payable", "reduced"
PENDING_CONSENT, PENDING_DETERMINATION, NOT_COVERED = "pending_consent", "pending_determination", "not_covered"
STATUSES = (PAYABLE, REDUCED, PENDING_CONSENT, PENDING_DETERMINATION, NOT_COVERED)  # the status column's codes
_ELIGIBLE = -1  # eligibility says "allocate": the limits decide between payable and reduced


@dataclass(frozen=True)
class CostItem:
    id: int
    case_id: int
    category: str
    amount_jpy: int
    arose_on: dt.date  # JST date the cost arose
    victims: int | None = None  # victims / companies / persons for per-head caps
    consent_ref: str | None = None
    ordered_at: dt.datetime | None = None  # when a ① cost was ordered (I-5 compares it with the notice)


def yen(n: int) -> str:
    return f"¥{n:,}"


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February → 28 February
        return day.replace(year=day.year + years, day=28)


class Reason(Text):
    """Why an amount was removed or held: a Text (rendered in the reader's language when read) and the product
    decision it applies, if any (a source note for staff and the API, never part of the sentence)."""
    __slots__ = ("decision",)

    def __init__(self, msgid: str, /, decision: str | None = None, **params):
        super().__init__(msgid, **params)
        self.decision = decision


class LineResult:
    """One line's result, made when it is read. Reasons are Texts with their values, rendered when read."""
    __slots__ = ("id", "case_id", "category", "claimed_jpy", "payable_jpy", "status", "reasons", "decisions")

    def __init__(self, id: int, case_id: int, category: str, claimed_jpy: int):
        self.id, self.case_id, self.category, self.claimed_jpy = id, case_id, category, claimed_jpy
        self.payable_jpy, self.status = 0, PAYABLE
        self.reasons: list[Reason] = []
        self.decisions: list[str] = []

    def __repr__(self) -> str:
        return (f"LineResult(id={self.id}, category={self.category!r}, claimed={self.claimed_jpy}, "
                f"payable={self.payable_jpy}, status={self.status!r}, reasons={self.reasons!r})")


class CaseResult:
    """One case of the period: totals, limit bars and the 30-day rule; `lines` are made when read."""

    def __init__(self, state: _State | None = None, index: int = 0, case_id: int = 0):
        self._state, self._index, self.case_id = state, index, case_id
        self.claimed_jpy = self.payable_jpy = 0
        self.categories: dict[str, dict[str, int]] = {}
        self.thirty_day: ThirtyDay | None = None  # None: the product has no 30-day rule
        self.response_period: tuple[dt.date, dt.date] | None = None
        self.pending_lines = 0  # lines pending consent or determination

    @property
    def lines(self) -> list[LineResult]:
        """The case's lines in allocation order (made on each read: keep the list if you read it twice)."""
        return self._state.materialise(np.flatnonzero(self._state.col["case"] == self._index), one_case=True)

    @cached_property
    def limits(self) -> list[dict]:
        """The limit bars of the case: `label` is a Text (the API renders it in English)."""
        return self._state.bars(self.case_id) if self._state is not None else []


class PeriodResult:
    """The policy period: totals, limit bars, decisions applied, the cases and every line (by id)."""

    def __init__(self, state: _State):
        self._state = state
        self.product, self.plan = state.setup.product.code, state.setup.plan
        self.claimed_jpy = self.payable_jpy = 0
        self.categories: dict[str, dict[str, int]] = {}
        self.cases: dict[int, CaseResult] = {}
        self.lines = _Lines(state)

    @cached_property
    def limits(self) -> list[dict]:
        """The per-period limit bars: `label` is a Text (the API renders it in English)."""
        return self._state.bars(None)

    @cached_property
    def decisions(self) -> list[str]:
        """The product decisions applied to any line of the period."""
        applied = {d for i in np.unique(self._state.col["dset"]).tolist() for d in self._state.setup.decision_sets[i]}
        return sorted(applied, key=lambda d: (d[0], int(d.split("-")[1])))


class _Lines(Mapping):
    """Line id → LineResult, made when read; iterates in allocation order."""

    def __init__(self, state: _State):
        self._state = state

    def __getitem__(self, line_id: int) -> LineResult:
        rows = np.flatnonzero(self._state.ids == line_id)
        if not len(rows):
            raise KeyError(line_id)
        return self._state.materialise(rows)[0]

    def __contains__(self, line_id: object) -> bool:
        return isinstance(line_id, int) and bool((self._state.ids == line_id).any())

    def __iter__(self) -> Iterator[int]:
        return iter(self._state.ids.tolist())

    def __len__(self) -> int:
        return len(self._state.ids)

    def values(self):
        return self._state.materialise(np.arange(len(self)))

    def items(self):
        return [(x.id, x) for x in self.values()]


_SCOPES = {"incident": N_("per incident"), "claim": N_("per claim"),
           "period": N_("per policy period, summed over every case of the policy")}


class _Rule:
    """A category's fields copied into slots: read once per line, 50,000 times a period."""
    __slots__ = ("code", "number", "label", "section", "coinsurance_pct", "own_limit_jpy", "group", "per_head_jpy",
                 "per_head_unit", "consent_required", "false_alarm", "thirty_day_rule", "needs_publication",
                 "response_period", "discovery_trigger", "decisions", "name", "extra_decisions")

    def __init__(self, cat: Category):
        for f in self.__slots__[:-2]:
            setattr(self, f, getattr(cat, f))
        self.decisions = list(cat.decisions)
        self.name = cat.label
        # Decisions named on every payable line; the rule-specific ones are added where the rule applies.
        self.extra_decisions = [d for d in cat.decisions if d not in ("I-3", "I-5", "I-8", "I-9")]


@dataclass
class _CaseCtx:
    """Per-case facts the rules read, computed once per case rather than once per line."""
    facts: CaseFacts
    in_period: bool
    external: bool
    published: bool
    response_period: tuple[dt.date, dt.date] | None


class _Setup:
    """What stays the same while a period's ledger changes: the product's rules, the cases, and the limits (an
    integer per limit; a path per category and case listing the limits its lines draw on, in I-6 / I-7 order)."""

    def __init__(self, product: Product, plan: str, cases: list[CaseFacts],
                 period: tuple[dt.datetime, dt.datetime] | None):
        self.product, self.plan, self.period = product, plan, period
        self.rules: list[_Rule | None] = [_Rule(c) for c in product.categories]
        self.codes = [c.code for c in product.categories]  # unknown codes met in lines are appended (rule None)
        self.code_index = {code: i for i, code in enumerate(self.codes)}
        self.n_rules = len(self.rules)
        self.emergency = {i for i, c in enumerate(product.categories) if c.thirty_day_rule}
        self.case_ids = [c.id for c in cases]
        self.case_index = {c.id: i for i, c in enumerate(cases)}
        self.ctx = []
        for c in cases:
            span = None
            if product.response_period is not None:  # 事故対応期間 (I-4)
                d0 = tokyo_date(c.first_discovered_at)
                span = (d0, add_years(d0, product.response_period.years))
            self.ctx.append(_CaseCtx(c, period is None or period[0] <= c.first_discovered_at < period[1],
                                     c.discovery_source in EXTERNAL_NOTIFICATION_SOURCES,
                                     c.publication_made_at is not None, span))
        self.decision_sets: list[tuple[str, ...]] = []
        self._decision_index: dict[tuple[str, ...], int] = {}
        self._lock = threading.Lock()
        # Limits: key tuple → id; per id its amount, the Text a reason names, the decision, label, scope, owner.
        self.keys: dict[tuple, int] = {}
        self.limit: list[int] = []
        self.text: list[Text] = []
        self.decision: list[str | None] = []
        self.bar: list[tuple[str, Text, str]] = []
        self.per_case: list[bool] = []  # a limit of one case: only that case's lines draw on it
        self.owned: dict[int | None, list[int]] = {}
        self.paths: list[tuple[int, ...]] = []  # path id = case index × number of rules + rule index
        if product.amounts_known:
            for cid in self.case_ids:
                for cat in product.categories:  # every limit is registered, so the bars show unused ones too
                    self.paths.append(self._path(cat, cid))
        self._key_paths: dict[int, np.ndarray] = {}
        # The (path, limit) pairs, to sum what each limit used from what each path paid.
        self.pairs = (np.array([p for p, path in enumerate(self.paths) for _k in path], np.int64),
                      np.array([k for path in self.paths for k in path], np.int64))

    def _def(self, key: tuple, limit: int, label: Text, scope: str, decision: str | None = None) -> int:
        kid = self.keys.get(key)
        if kid is None:
            kid = self.keys[key] = len(self.limit)
            self.limit.append(limit)
            self.text.append(Text(N_("%(limit_name)s of %(limit)s for plan %(plan)s (%(scope)s)"),
                                  limit_name=label, limit=yen(limit), plan=self.plan, scope=Text(_SCOPES[scope])))
            self.decision.append(decision)
            self.bar.append((":".join(str(k) for k in key), label, scope))
            self.owned.setdefault(None if scope == "period" else key[-1], []).append(kid)
            self.per_case.append(scope != "period")
        return kid

    def _path(self, cat: Category, case_id: int) -> tuple[int, ...]:
        """The limits a line of this category and case draws on, in the order of I-6 / I-7."""
        plan, out = self.product.plans[self.plan], []
        if cat.section == "costs":
            if cat.own_limit_jpy is not None:
                label = Text(N_("own limit of %(category)s"), category=cat.label)
                scope = "claim" if cat.code == "litigation_support" else "incident"
                out.append(self._def(("own", cat.code, case_id), cat.own_limit_jpy, label, scope))
                out.append(self._def(("own", cat.code), cat.own_limit_jpy, label, "period"))
            if cat.group is not None:
                label = Text(N_("shared %(group)s limit"), group=self.product.groups[cat.group].label)
                out.append(self._def(("group", cat.group, case_id), plan.groups[cat.group], label, "incident"))
                out.append(self._def(("group", cat.group), plan.groups[cat.group], label, "period"))
            overall = Text(N_("overall cost limit"))
            out.append(self._def(("overall", case_id), plan.cost_overall_jpy, overall, "incident"))
            out.append(self._def(("overall",), plan.cost_overall_jpy, overall, "period"))
        else:
            if cat.code == "liability.damages":
                out.append(self._def(("claim", case_id), plan.liability_per_claim_jpy,
                                     Text(N_("liability limit for damages")), "claim", "I-7"))
            out.append(self._def(("liability",), plan.liability_per_period_jpy,
                                 Text(N_("liability per-period limit")), "period", "I-7"))
        out.append(self._def(("global",), plan.liability_per_period_jpy,
                             Text(N_("global cap (the liability per-period limit, on everything paid)")), "period"))
        return tuple(out)

    def key_paths(self, kid: int) -> np.ndarray:
        """A mask over path ids (one more, False, for "no path": index -1) of the paths drawing on limit kid."""
        mask = self._key_paths.get(kid)
        if mask is None:
            mask = np.zeros(len(self.paths) + 1, dtype=bool)
            mask[[p for p, path in enumerate(self.paths) if kid in path]] = True
            self._key_paths[kid] = mask
        return mask

    def code_of(self, code: str) -> int:
        i = self.code_index.get(code)
        if i is None:
            with self._lock:
                i = self.code_index.get(code)
                if i is None:
                    self.codes.append(code)
                    self.rules.append(None)
                    i = self.code_index[code] = len(self.codes) - 1
        return i

    def decision_set(self, decisions: list[str]) -> int:
        key = tuple(decisions)
        i = self._decision_index.get(key)
        if i is None:
            with self._lock:
                i = self._decision_index.get(key)
                if i is None:
                    self.decision_sets.append(key)
                    i = self._decision_index[key] = len(self.decision_sets) - 1
        return i

    def eligibility(self, ci: int, cat: int, amount: int, arose_on: dt.date, victims: int | None, consent: bool,
                    td: ThirtyDay | None) -> tuple[int, int, list[Reason], list[str]]:
        """(status code or _ELIGIBLE, the amount that goes to the limits, reasons, decisions) of a line: what does
        not depend on the other lines. Eligibility first (a line that is excluded or pending holds no limit),
        then coinsurance and the per-head cap."""
        rule = self.rules[cat]
        if rule is None:
            return 4, 0, [Reason(N_("%(category)s is not a category of %(product)s"), category=self.codes[cat],
                                 product=self.product.code)], []
        if not self.product.amounts_known:
            return 3, 0, [Reason(N_("limits not known: refer to the adjuster"))], list(rule.decisions)
        cc = self.ctx[ci]
        excluded, pending_det, pending_consent, decisions = [], [], [], []
        case = cc.facts
        claimed = Yen(amount)  # formatted only if a reason is ever read
        name = rule.name

        if rule.discovery_trigger and not cc.in_period:
            excluded.append(Reason(N_("%(amount)s not covered: the incident was first discovered outside the policy "
                                      "period"), amount=claimed))
        attack = case.attack_confirmed
        if rule.section == "costs":  # I-9: the false-alarm rules concern the incident-response costs
            if attack == "no":
                if rule.false_alarm == "external_only" and not cc.external:
                    excluded.append(Reason(N_("%(amount)s not covered: on a false alarm %(category)s pays only when "
                                              "the suspicion came from an external notification (public body or "
                                              "security provider); it was discovered via '%(source)s'"), "I-9",
                                           amount=claimed, category=name, source=case.discovery_source))
                    decisions.append("I-9")
                elif rule.false_alarm == "none":
                    excluded.append(Reason(N_("%(amount)s not covered: no attack occurred, and on a false alarm only "
                                              "① and ② are payable"), "I-9", amount=claimed))
                    decisions.append("I-9")
            elif rule.false_alarm == "emergency":
                decisions.append("I-9")
                if attack == "yes":
                    excluded.append(Reason(N_("%(amount)s not covered: an attack was confirmed, so ① emergency-"
                                              "response costs (false alarm only) do not apply"), "I-9",
                                           amount=claimed))
                else:
                    pending_det.append(Reason(N_("%(amount)s pending determination: ① pays only if no attack "
                                                 "occurred, and that is not known yet"), "I-9", amount=claimed))
        if rule.response_period and cc.response_period is not None:
            start, end = cc.response_period
            if not (start <= arose_on <= end):
                excluded.append(Reason(N_("%(amount)s not covered: arose on %(day)s, outside the 事故対応期間 %(first)s "
                                          "to %(last)s"), "I-4", amount=claimed, day=arose_on.isoformat(),
                                       first=start.isoformat(), last=end.isoformat()))
                decisions.append("I-4")
        if rule.thirty_day_rule and attack == "no" and td is not None:
            decisions.append(td.decision)
            if td.status == "undecided":
                pending_det.append(Reason(N_("%(amount)s pending determination: %(why)s"), td.decision,
                                          amount=claimed, why=td.explanation))
            elif td.status == "broken" and not td.window.contains(arose_on):
                excluded.append(Reason(N_("%(amount)s not covered: the 30-day notice rule was not met (%(why)s); "
                                          "only ① costs that arose %(first)s to %(last)s are eligible, this one "
                                          "arose on %(day)s"), td.decision, amount=claimed, why=td.explanation,
                                       first=td.window.first.isoformat(), last=td.window.last.isoformat(),
                                       day=arose_on.isoformat()))
        if rule.needs_publication and not cc.published:
            pending_det.append(Reason(N_("%(amount)s pending: %(category)s is paid once the 公表等の措置 (a public "
                                         "announcement or apology letters to the victims) is recorded on the case"),
                                      "I-3", amount=claimed, category=name))
            decisions.append("I-3")
        if rule.consent_required and not consent:
            pending_consent.append(Reason(N_("%(amount)s pending consent: %(category)s needs the insurer's prior "
                                             "written consent; record it to make this line payable"), "I-8",
                                          amount=claimed, category=name))
            decisions.append("I-8")
        if rule.per_head_jpy is not None and victims is None:
            pending_det.append(Reason(_MISSING_COUNT[rule.per_head_unit], amount=claimed, cap=Yen(rule.per_head_jpy)))

        if excluded or pending_consent or pending_det:
            return (4 if excluded else 2 if pending_consent else 3), 0, excluded + pending_consent + pending_det, \
                decisions

        reasons = []
        allowed = amount * rule.coinsurance_pct // 100
        if allowed < amount:
            reasons.append(Reason(N_("%(cut)s not paid: %(category)s pays %(pct)s%% of %(amount)s (coinsurance)"),
                                  "I-6", cut=Yen(amount - allowed), category=name, pct=rule.coinsurance_pct,
                                  amount=claimed))
            decisions.append("I-6")
        if rule.per_head_jpy is not None:
            cap = rule.per_head_jpy * victims
            if allowed > cap:
                reasons.append(Reason(_OVER_CAP[rule.per_head_unit], cut=Yen(allowed - cap),
                                      cap=Yen(rule.per_head_jpy), n=f"{victims:,}", total=Yen(cap)))
                allowed = cap
        for d in rule.extra_decisions:
            if d not in decisions:
                decisions.append(d)
        return _ELIGIBLE, allowed, reasons, decisions


_ID_BITS = 40  # a line's place in allocation order: (the day it arose, its id) as one integer
_ID_MASK = (1 << _ID_BITS) - 1
_COLUMNS = {"sk": np.int64, "case": np.int32, "cat": np.int32, "amount": np.int64, "victims": np.int64,
            "consent": np.bool_, "allowed": np.int64, "path": np.int32, "dset": np.int32, "status": np.int8,
            "payable": np.int64}


def _sort_key(x: CostItem) -> int:
    if not 0 <= x.id <= _ID_MASK:
        raise ValueError(f"cost line id {x.id} out of range")
    return x.arose_on.toordinal() << _ID_BITS | x.id


def _through(amount: int, path: tuple[int, ...], used: list[int], limit: list[int]) -> tuple[int, list | None]:
    """A line's allowed amount through the limits of its path, given what each had used before it: the payable
    amount and the cuts (limit id, amount) in path order."""
    cuts = None
    for j, kid in enumerate(path):
        remaining = limit[kid] - used[j]
        if amount > remaining:
            if cuts is None:
                cuts = []
            cuts.append((kid, amount - remaining))
            amount = remaining
    return amount, cuts


class _State:
    """One result's ledger as columns in allocation order (see _COLUMNS), with the per-case facts that depend on
    the lines (the 30-day rule and the ① lines it reads)."""

    def __init__(self, setup: _Setup, col: dict[str, np.ndarray], thirty_day: list[ThirtyDay | None],
                 emergency: dict[int, tuple[CostItem, ...]]):
        self.setup, self.thirty_day, self.emergency = setup, thirty_day, emergency
        self.set_columns(col)
        self._usage: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.used: list[int] = []  # per limit, by result()

    def set_columns(self, col: dict[str, np.ndarray]) -> None:
        self.col = col
        self.ids = col["sk"] & _ID_MASK

    def row(self, x: CostItem) -> tuple:
        """A line's columns, its payable amount left to the allocation (0 for now)."""
        s, ci, cat = self.setup, self.setup.case_index[x.case_id], self.setup.code_of(x.category)
        status, allowed, _reasons, decisions = s.eligibility(ci, cat, x.amount_jpy, x.arose_on, x.victims,
                                                             bool(x.consent_ref), self.thirty_day[ci])
        path = ci * s.n_rules + cat if status == _ELIGIBLE and allowed > 0 and s.paths else -1
        if status == _ELIGIBLE:
            status = 0 if allowed == x.amount_jpy else 1  # final unless the limits cut it (path set)
        return (_sort_key(x), ci, cat, x.amount_jpy, -1 if x.victims is None else x.victims, bool(x.consent_ref),
                allowed, path, s.decision_set(decisions), status, 0)

    def usage(self, kid: int, among: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The rows drawing on limit kid, and what it had used before each of them (a running sum). `among`: the
        rows of its case, for a limit of one case."""
        got = self._usage.get(kid)
        if got is None:
            if among is not None and self.setup.per_case[kid]:
                rows = among[self.setup.key_paths(kid)[self.col["path"][among]]]
            else:
                rows = np.flatnonzero(self.setup.key_paths(kid)[self.col["path"]])
            paid = self.col["payable"][rows]
            before = np.cumsum(paid) - paid
            got = self._usage[kid] = (rows, before)
        return got

    def materialise(self, rows: np.ndarray, *, one_case: bool = False) -> list[LineResult]:
        """LineResults of rows (in allocation order); one_case: rows are all the lines of one case."""
        s, col = self.setup, self.col
        used_at: dict[int, dict[int, int]] = {}
        paths = col["path"][rows]
        for kid in {k for p in np.unique(paths).tolist() if p >= 0 for k in s.paths[p]}:
            drawing, before = self.usage(kid, rows if one_case else None)
            mine = rows[paths >= 0]
            mine = mine[s.key_paths(kid)[col["path"][mine]]]
            used_at[kid] = dict(zip(mine.tolist(), before[np.searchsorted(drawing, mine)].tolist(), strict=True))
        out = []
        fields = [col[c][rows].tolist() for c in ("sk", "case", "cat", "amount", "victims", "consent", "path",
                                                  "payable", "status")]
        for r, sk, ci, cat, amount, victims, consent, path, payable, status in zip(rows.tolist(), *fields,
                                                                                   strict=True):
            line = LineResult(sk & _ID_MASK, s.case_ids[ci], s.codes[cat], amount)
            code, allowed, reasons, decisions = s.eligibility(
                ci, cat, amount, dt.date.fromordinal(sk >> _ID_BITS), None if victims < 0 else victims, consent,
                self.thirty_day[ci])
            if path >= 0:
                keys = s.paths[path]
                paid, cuts = _through(allowed, keys, [used_at[k][r] for k in keys], s.limit)
                assert paid == payable, "the payable column and the limits disagree"
                for kid, cut in cuts or ():
                    reasons.append(Reason(N_("%(cut)s over the %(limit)s"), s.decision[kid], cut=Yen(cut),
                                          limit=s.text[kid]))
            line.payable_jpy, line.status, line.reasons, line.decisions = payable, STATUSES[status], reasons, decisions
            if payable < amount and not reasons:  # the contract: never a silent cut
                reasons.append(Reason(N_("%(amount)s not paid"), amount=Yen(amount - payable)))
            out.append(line)
        return out

    def result(self) -> PeriodResult:
        """Totals, limit bars and decisions from the columns (a few vectorised sums)."""
        s, col = self.setup, self.col
        out = PeriodResult(self)
        n_codes, n_cases = len(s.codes), len(s.case_ids)
        claimed, paid = np.zeros(n_cases * n_codes, np.int64), np.zeros(n_cases * n_codes, np.int64)
        counts = np.zeros(n_cases * n_codes, np.int64)
        group = col["case"].astype(np.int64) * n_codes + col["cat"]
        np.add.at(claimed, group, col["amount"])
        np.add.at(paid, group, col["payable"])
        np.add.at(counts, group, 1)
        pending = np.bincount(col["case"][(col["status"] == 2) | (col["status"] == 3)], minlength=n_cases)
        used = np.zeros(len(s.limit), np.int64)
        if s.paths:
            by_path = np.zeros(len(s.paths), np.int64)
            active = col["path"] >= 0
            np.add.at(by_path, col["path"][active], col["payable"][active])
            np.add.at(used, s.pairs[1], by_path[s.pairs[0]])
        self.used = used.tolist()

        nonzero = np.flatnonzero(counts).tolist()
        claimed, paid = claimed.tolist(), paid.tolist()
        for ci, cid in enumerate(s.case_ids):
            cr = out.cases[cid] = CaseResult(self, ci, cid)
            cr.thirty_day, cr.response_period = self.thirty_day[ci], s.ctx[ci].response_period
            cr.pending_lines = int(pending[ci])
        for g in nonzero:
            ci, cat = divmod(g, n_codes)
            cr, code = out.cases[s.case_ids[ci]], s.codes[cat]
            cr.categories[code] = {"claimed_jpy": claimed[g], "payable_jpy": paid[g]}
            cr.claimed_jpy += claimed[g]
            cr.payable_jpy += paid[g]
            total = out.categories.setdefault(code, {"claimed_jpy": 0, "payable_jpy": 0})
            total["claimed_jpy"] += claimed[g]
            total["payable_jpy"] += paid[g]
            out.claimed_jpy += claimed[g]
            out.payable_jpy += paid[g]
        return out

    def bars(self, owner: int | None) -> list[dict]:
        """The limit bars of a case (owner: its id) or of the period (None)."""
        s, used, rows = self.setup, self.used, []
        for kid in s.owned.get(owner, ()):
            key, label, scope = s.bar[kid]
            rows.append({"key": key, "label": label, "scope": scope, "limit_jpy": s.limit[kid],
                         "used_jpy": used[kid], "remaining_jpy": s.limit[kid] - used[kid]})
        return rows


NEARLY_USED_UP = 10  # percent of a limit left under which the forms warn before more work is ordered


def limits_left(result: PeriodResult, category: str, case_id: int) -> list[dict]:
    """What is left, as the ledger stands, of each limit a new line of `category` on the case would draw on, in
    the order of I-6 / I-7: {"label" (a Text naming the limit, its amount and scope), "limit_jpy",
    "remaining_jpy", "warn" (nothing or under NEARLY_USED_UP % left)}. Empty when the product's amounts are
    unknown, or the category or the case is not the period's."""
    state = result._state
    s = state.setup
    ci, i = s.case_index.get(case_id), s.code_index.get(category)
    if ci is None or i is None or i >= s.n_rules or not s.paths:
        return []
    out = []
    for kid in s.paths[ci * s.n_rules + i]:
        left = s.limit[kid] - state.used[kid]
        out.append({"label": s.text[kid], "limit_jpy": s.limit[kid], "remaining_jpy": left,
                    "warn": left * 100 < s.limit[kid] * NEARLY_USED_UP})
    return out


def consent_outlook(result: PeriodResult, line: LineResult) -> Reason | None:
    """For a line pending consent whose limits cannot pay all of it as they stand, what recording consent would
    bring instead of "record it to make this line payable": nothing (a limit it draws on is used up) or at most
    what is left. None when consent would make it payable in full, or the line is not pending consent."""
    if line.status != PENDING_CONSENT:
        return None
    rows = limits_left(result, line.category, line.case_id)
    if not rows:
        return None
    tight = min(rows, key=lambda row: row["remaining_jpy"])
    rule = result._state.setup.rules[result._state.setup.code_index[line.category]]
    if tight["remaining_jpy"] <= 0:
        return Reason(N_("%(amount)s pending consent: %(category)s needs the insurer's prior written consent, but the "
                         "%(limit)s has nothing left, so recording consent would not make this line payable"), "I-8",
                      amount=Yen(line.claimed_jpy), category=rule.name, limit=tight["label"])
    if tight["remaining_jpy"] < line.claimed_jpy * rule.coinsurance_pct // 100:
        return Reason(N_("%(amount)s pending consent: %(category)s needs the insurer's prior written consent; once it "
                         "is recorded, at most %(left)s is payable (what is left of the %(limit)s)"), "I-8",
                      amount=Yen(line.claimed_jpy), category=rule.name, left=Yen(tight["remaining_jpy"]),
                      limit=tight["label"])
    return None


def _columns(rows: list[tuple]) -> dict[str, np.ndarray]:
    if not rows:
        return {name: np.zeros(0, dtype) for name, dtype in _COLUMNS.items()}
    values = zip(*rows, strict=True)
    return {name: np.array(v, dtype) for (name, dtype), v in zip(_COLUMNS.items(), values, strict=True)}


def _by_case_emergency(setup: _Setup, ordered: Iterable[CostItem]) -> dict[int, tuple[CostItem, ...]]:
    out: dict[int, list[CostItem]] = {}
    for x in ordered:
        if setup.code_index.get(x.category) in setup.emergency:
            out.setdefault(setup.case_index[x.case_id], []).append(x)
    return {ci: tuple(v) for ci, v in out.items()}


def _assess(setup: _Setup, ci: int, emergency: dict[int, tuple[CostItem, ...]]) -> ThirtyDay | None:
    rule = setup.product.thirty_day_rule  # I-5
    return None if rule is None else assess(rule, setup.ctx[ci].facts, list(emergency.get(ci, ())))


def compute(product: Product, plan: str, cases: list[CaseFacts], lines: list[CostItem], *,
            period: tuple[dt.datetime, dt.datetime] | None = None) -> PeriodResult:
    """Coverage of one policy period. Deterministic: the same ledger gives the same result."""
    setup = _Setup(product, plan, cases, period)
    ordered = sorted(lines, key=attrgetter("arose_on", "id"))
    emergency = _by_case_emergency(setup, ordered)
    state = _State(setup, _columns([]), [_assess(setup, ci, emergency) for ci in range(len(cases))], emergency)
    rows = [state.row(x) for x in ordered]
    state.set_columns(_columns(rows))
    used, limit, paths = [0] * len(setup.limit), setup.limit, setup.paths
    payable = state.col["payable"]
    for r in np.flatnonzero(state.col["path"] >= 0).tolist():
        path = paths[rows[r][7]]
        amount, _cuts = _through(rows[r][6], path, [used[k] for k in path], limit)
        if amount:
            payable[r] = amount
            for k in path:
                used[k] += amount
    _settle_status(state.col)
    return state.result()


def _settle_status(col: dict[str, np.ndarray]) -> None:
    """Lines that went through the limits: payable when paid in full, reduced otherwise."""
    active = col["path"] >= 0
    col["status"][active] = np.where(col["payable"][active] == col["amount"][active], 0, 1)


def update(previous: PeriodResult, added: Iterable[CostItem] = (), removed: Iterable[int] = ()) -> PeriodResult:
    """The result of previous's ledger with lines `removed` (ids) and `added` (a line whose id is already there
    replaces it: an edit or a consent), equal to `compute` on the whole new ledger; previous is left as it was.

    Only lines whose outcome can change are allocated again. A change leaves a difference D[k] between what
    limit k has used in the new ledger and in the old one; a later line's outcome is the same in both as long as
    every limit k on its path with D[k] ≠ 0 had room for its whole allowed amount in both ledgers (it is cut
    nowhere D differs, so it pays the same and D stays as it was). For each such limit a vectorised scan finds
    the next line that may not have had that room; that line alone is allocated again, and D follows."""
    old: _State = previous._state
    s, ocol = old.setup, old.col
    added = {x.id: x for x in added}
    for x in added.values():
        if x.case_id not in s.case_index:
            raise ValueError(f"line {x.id}: case {x.case_id} is not one of the period's cases")
    gone = set(removed) | set(added)
    out_rows = np.flatnonzero(np.isin(old.ids, np.fromiter(gone, np.int64, len(gone))))

    # I-5: a ① line added, changed or removed may change its case's 30-day rule, and so every ① line of it.
    emergency, thirty_day = dict(old.emergency), list(old.thirty_day)
    touched = {s.case_index[x.case_id] for x in added.values() if s.code_index.get(x.category) in s.emergency}
    touched |= {ci for ci, cat in zip(ocol["case"][out_rows].tolist(), ocol["cat"][out_rows].tolist(), strict=True)
                if cat in s.emergency}
    for ci in touched:
        items = [x for x in old.emergency.get(ci, ()) if x.id not in gone]
        items += [x for x in added.values() if s.case_index[x.case_id] == ci
                  and s.code_index.get(x.category) in s.emergency]
        emergency[ci] = tuple(sorted(items, key=attrgetter("arose_on", "id")))
        thirty_day[ci] = _assess(s, ci, emergency)
        if thirty_day[ci] != old.thirty_day[ci]:  # its ① lines are read again under the new rule
            for x in emergency[ci]:
                added.setdefault(x.id, x)
            again = np.isin(old.ids, [x.id for x in emergency[ci]])
            out_rows = np.union1d(out_rows, np.flatnonzero(again))
    state = _State(s, _columns([]), thirty_day, emergency)
    new_rows = sorted((state.row(x) for x in added.values()), key=lambda r: r[0])

    # The allocation, event by event in allocation order: (sort key, 0 add | 1 remove | 2 re-check, row).
    diff: dict[int, int] = {}
    events = [(r[0], 0, i) for i, r in enumerate(new_rows) if r[7] >= 0]
    events += [(int(ocol["sk"][r]), 1, r) for r in out_rows.tolist() if ocol["path"][r] >= 0]
    events.sort(reverse=True)
    scan: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}  # limit → rows, keys, before, V
    out_set = set(out_rows.tolist())

    def scan_of(kid):
        got = scan.get(kid)
        if got is None:
            rows, before = old.usage(kid)
            worst = ocol["allowed"][rows] + before  # > limit − max(0, D): the line may be cut at kid in one ledger
            if out_set:
                worst[np.isin(rows, out_rows)] = -1  # replaced or removed: handled as their own events
            got = scan[kid] = (rows, ocol["sk"][rows], before, worst)
        return got

    def used_before(kid, sk) -> int:
        rows, keys, before, _worst = scan_of(kid)
        i = int(np.searchsorted(keys, sk))
        return int(before[i]) if i < len(rows) else int(before[-1] + ocol["payable"][rows[-1]]) if len(rows) else 0

    next_at: dict[int, tuple[int, int]] = {}  # limit with D ≠ 0 → (sort key, old row) of its next re-check

    def look(kid, after):
        d = diff.get(kid, 0)
        if not d:
            next_at.pop(kid, None)
            return
        rows, keys, _before, worst = scan_of(kid)
        start = int(np.searchsorted(keys, after, side="right"))
        hit = worst[start:] > s.limit[kid] - max(0, d)
        i = int(hit.argmax()) if len(hit) else 0
        if len(hit) and hit[i]:
            next_at[kid] = (int(keys[start + i]), int(rows[start + i]))
        else:
            next_at.pop(kid, None)

    new_payable: dict[int, int] = {}  # old row → its payable in the new ledger, where it changed
    while events or next_at:
        forced = events[-1] if events else None
        check = min(next_at.values()) if next_at else None
        if forced is not None and (check is None or forced[0] <= check[0]):
            sk, kind, ref = events.pop()
        else:
            (sk, ref), kind = check, 2
        if kind == 1:
            changed = {k: -int(ocol["payable"][ref]) for k in s.paths[ocol["path"][ref]]}
        else:
            path, allowed = (new_rows[ref][7], new_rows[ref][6]) if kind == 0 else \
                (int(ocol["path"][ref]), int(ocol["allowed"][ref]))
            keys = s.paths[path]
            paid, _cuts = _through(allowed, keys, [used_before(k, sk) + diff.get(k, 0) for k in keys], s.limit)
            if kind == 0:
                new_rows[ref] = new_rows[ref][:9] + (0 if paid == new_rows[ref][3] else 1, paid)
                changed = {k: paid for k in keys}
            else:
                before = int(ocol["payable"][ref])
                changed = {k: paid - before for k in keys} if paid != before else {}
                if changed:
                    new_payable[ref] = paid
        for k, d in changed.items():
            if d:
                diff[k] = diff.get(k, 0) + d
                look(k, sk)
        for k in [k for k, (at, _row) in next_at.items() if at <= sk]:
            look(k, sk)

    col = dict(ocol)  # columns are never changed in place once a result is made: share what did not change
    if new_payable:
        rows, paid = list(new_payable), np.array(list(new_payable.values()), np.int64)
        col["payable"], col["status"] = ocol["payable"].copy(), ocol["status"].copy()
        col["payable"][rows] = paid
        col["status"][rows] = np.where(paid == ocol["amount"][rows], 0, 1)
    if len(out_rows):
        col = {name: np.delete(values, out_rows) for name, values in col.items()}
    if new_rows:
        extra = _columns(new_rows)
        at = np.searchsorted(col["sk"], extra["sk"])
        col = {name: np.insert(values, at, extra[name]) for name, values in col.items()}
    state.set_columns(col)
    return state.result()


def unchanged(result: PeriodResult, items: Iterable[CostItem]) -> set[int]:
    """The ids of the items that result holds as they are, in every field the rules read (a consent reference
    counts only as recorded or not; the order instant only on ① lines)."""
    state: _State = result._state
    s, col = state.setup, state.col
    items = {x.id: x for x in items}
    rows = np.flatnonzero(np.isin(state.ids, np.fromiter(items, np.int64, len(items))))
    ordered = {x.id: x.ordered_at for v in state.emergency.values() for x in v}
    same = set()
    for sk, ci, cat, amount, victims, consent in zip(*(col[c][rows].tolist() for c in (
            "sk", "case", "cat", "amount", "victims", "consent")), strict=True):
        x = items[sk & _ID_MASK]
        code = s.code_index.get(x.category)
        if (s.case_ids[ci], cat, amount, sk >> _ID_BITS, -1 if victims < 0 else victims, consent) == (
                x.case_id, code, x.amount_jpy, x.arose_on.toordinal(), -1 if x.victims is None else x.victims,
                bool(x.consent_ref)) and (code not in s.emergency or ordered.get(x.id) == x.ordered_at):
            same.add(x.id)
    return same


def extend(previous: PeriodResult, new_lines: list[CostItem]) -> PeriodResult | None:
    """The result of previous's ledger plus new lines that sort after every earlier one (I-6 order), of known
    cases, none of them ① (a ① order can change the 30-day rule of its whole case, I-5); None otherwise (compute
    or `update` then)."""
    state: _State = previous._state
    if not new_lines:
        return None
    s = state.setup
    ordered = sorted(new_lines, key=attrgetter("arose_on", "id"))
    if len(state.ids) and _sort_key(ordered[0]) <= int(state.col["sk"][-1]):
        return None
    if any(x.case_id not in s.case_index or s.code_index.get(x.category) in s.emergency for x in ordered):
        return None
    return update(previous, added=ordered)


_MISSING_COUNT = {  # per-head caps (⑥カ, ⑥キ, the bodily-injury rider) without the count they are per
    "victim": N_("%(amount)s pending determination: enter the number of victims for the %(cap)s per-victim cap"),
    "company": N_("%(amount)s pending determination: enter the number of companies for the %(cap)s per-company cap"),
    "person": N_("%(amount)s pending determination: enter the number of persons for the %(cap)s per-person cap"),
}
_OVER_CAP = {
    "victim": N_("%(cut)s over the per-victim cap of %(cap)s × %(n)s = %(total)s"),
    "company": N_("%(cut)s over the per-company cap of %(cap)s × %(n)s = %(total)s"),
    "person": N_("%(cut)s over the per-person cap of %(cap)s × %(n)s = %(total)s"),
}
