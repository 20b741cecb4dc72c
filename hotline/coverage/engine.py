"""The coverage engine: a pure function from (product, plan, the policy's cases and cost lines) to what the
policy pays per line, per category, per case and per policy period. No Flask, no database.

Section I of shared/DOMAIN.md, in its stated order (I-6): lines are allocated in order of the date they arose,
then of entry; each line is first checked for eligibility (I-9 false alarm, I-4 事故対応期間, I-5 30-day rule,
I-3 公表等の措置, I-8 consent), then × coinsurance (rounded down) → per-head cap → the category's own limit
(per incident, per period) → the shared group limit → the overall cost limit (per incident, per period) →
the global cap. Liability lines (I-7): damages per claim → liability per period → global cap.
Everything is integer yen. Every amount removed carries a reason naming the rule and the amount: a Reason
(workflows.text.Text with the product decision it applies), rendered in the reader's language when read.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from operator import attrgetter

from hotline.products.catalogue import Category, Product
from workflows.calendar import tokyo_date
from workflows.facts import CaseFacts
from workflows.text import N_, Text, Yen
from workflows.thirty_day import ThirtyDay, assess

EXTERNAL_NOTIFICATION_SOURCES = ("public_body", "security_provider")  # 外部通報, as in hotline/cases/models.py

PAYABLE, REDUCED = "payable", "reduced"
PENDING_CONSENT, PENDING_DETERMINATION, NOT_COVERED = "pending_consent", "pending_determination", "not_covered"


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
    """One line's result. Reasons are Texts with their values, rendered when read: a period of 50,000 lines
    formats no sentence nobody asked for, and its cached result stays small."""
    __slots__ = ("id", "case_id", "category", "claimed_jpy", "payable_jpy", "status", "reasons", "decisions")

    def __init__(self, id: int, case_id: int, category: str, claimed_jpy: int):
        self.id, self.case_id, self.category, self.claimed_jpy = id, case_id, category, claimed_jpy
        self.payable_jpy, self.status = 0, PAYABLE
        self.reasons: list[Reason] = []
        self.decisions: list[str] = []

    def __repr__(self) -> str:
        return (f"LineResult(id={self.id}, category={self.category!r}, claimed={self.claimed_jpy}, "
                f"payable={self.payable_jpy}, status={self.status!r}, reasons={self.reasons!r})")


@dataclass
class Totals:
    claimed_jpy: int = 0
    payable_jpy: int = 0
    categories: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, line: LineResult) -> None:
        self.claimed_jpy += line.claimed_jpy
        self.payable_jpy += line.payable_jpy
        cat = self.categories.setdefault(line.category, {"claimed_jpy": 0, "payable_jpy": 0})
        cat["claimed_jpy"] += line.claimed_jpy
        cat["payable_jpy"] += line.payable_jpy


@dataclass
class CaseResult(Totals):
    case_id: int = 0
    lines: list[LineResult] = field(default_factory=list)
    limits: list[dict] = field(default_factory=list)
    thirty_day: ThirtyDay | None = None  # None: the product has no 30-day rule
    response_period: tuple[dt.date, dt.date] | None = None


@dataclass
class PeriodResult(Totals):
    product: str = ""
    plan: str = ""
    cases: dict[int, CaseResult] = field(default_factory=dict)
    lines: dict[int, LineResult] = field(default_factory=dict)
    limits: list[dict] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)


_SCOPES = {"incident": N_("per incident"), "claim": N_("per claim"),
           "period": N_("per policy period, summed over every case of the policy")}


class _Limits:
    """Budgets keyed by tuples; each limit has a label (a Text) used in reasons and on the limit bars."""

    def __init__(self, product: Product, plan_key: str):
        self.product, self.plan_key = product, plan_key
        self.plan = product.plans[plan_key]
        self.used: dict[tuple, int] = {}
        # case id (None: the policy period) → key → (limit, label, scope)
        self.defs: dict[int | None, dict[tuple, tuple[int, Text, str]]] = {}
        self._paths: dict[tuple[str, int], list[tuple[tuple, int, Text, str | None]]] = {}

    def _def(self, key: tuple, limit: int, label: Text, scope: str, decision: str | None = None
             ) -> tuple[tuple, int, Text, str | None]:
        text = Text(N_("%(limit_name)s of %(limit)s for plan %(plan)s (%(scope)s)"), limit_name=label,
                    limit=yen(limit), plan=self.plan_key, scope=Text(_SCOPES[scope]))
        owner = None if scope == "period" else key[-1]
        self.defs.setdefault(owner, {}).setdefault(key, (limit, label, scope))
        return key, limit, text, decision

    def path(self, cat: Category, case_id: int) -> list[tuple[tuple, int, Text, str | None]]:
        """The limits a line of this category and case draws on, in the order of I-6 / I-7."""
        cached = self._paths.get((cat.code, case_id))
        if cached is not None:
            return cached
        plan, out = self.plan, []
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
        self._paths[(cat.code, case_id)] = out
        return out

    def usage(self, case_id: int | None) -> list[dict]:
        """The limit bars: `label` is a Text (the API renders it in English)."""
        rows = []
        for key, (limit, label, scope) in self.defs.get(case_id, {}).items():
            used = self.used.get(key, 0)
            rows.append({"key": ":".join(str(k) for k in key), "label": label, "scope": scope,
                         "limit_jpy": limit, "used_jpy": used, "remaining_jpy": limit - used})
        return rows


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
    result: CaseResult
    in_period: bool
    external: bool
    published: bool


NEARLY_USED_UP = 10  # percent of a limit left under which the forms warn before more work is ordered


def limits_left(product: Product, plan: str, result: PeriodResult, category: str, case_id: int) -> list[dict]:
    """What is left, as the ledger stands, of each limit a new line of `category` on the case would draw on, in
    the order of I-6 / I-7: {"label" (a Text naming the limit, its amount and scope), "limit_jpy",
    "remaining_jpy", "warn" (nothing or under NEARLY_USED_UP % left)}. Empty when the product's amounts are
    unknown or the category is not the product's."""
    cat = product.category(category)
    if cat is None or not product.amounts_known:
        return []
    used = {row["key"]: row["used_jpy"] for row in result.limits}
    case = result.cases.get(case_id)
    used.update({row["key"]: row["used_jpy"] for row in (case.limits if case is not None else [])})
    out = []
    for key, limit, text, _decision in _Limits(product, plan).path(cat, case_id):
        left = limit - used.get(":".join(str(k) for k in key), 0)
        out.append({"label": text, "limit_jpy": limit, "remaining_jpy": left,
                    "warn": left * 100 < limit * NEARLY_USED_UP})
    return out


def compute(product: Product, plan: str, cases: list[CaseFacts], lines: list[CostItem], *,
            period: tuple[dt.datetime, dt.datetime] | None = None) -> PeriodResult:
    """Coverage of one policy period. Deterministic: the same ledger gives the same result."""
    ordered = sorted(lines, key=attrgetter("arose_on", "id"))
    run = _Run(product, plan, cases, ordered, period)
    for x in ordered:
        run.allocate(x)
    return run.finish()


def extend(previous: PeriodResult, new_lines: list[CostItem]) -> PeriodResult | None:
    """The result of previous's ledger plus new lines, allocating only the new ones, or None when that would
    not equal a full computation: a new line must sort after every earlier one (I-6 order), belong to a known
    case, and not be a ① line (a ① order can change the 30-day rule of its whole case, I-5)."""
    run: _Run | None = getattr(previous, "_run", None)
    if run is None or not new_lines:
        return None
    ordered = sorted(new_lines, key=attrgetter("arose_on", "id"))
    if run.last is not None and (ordered[0].arose_on, ordered[0].id) <= run.last:
        return None
    if any(x.case_id not in run.ctx or x.category in run.emergency for x in ordered):
        return None
    run = run.copy()
    for x in ordered:
        run.allocate(x)
    return run.finish()


class _Run:
    """One allocation pass; kept on its result so lines entered later can be appended (extend)."""

    def __init__(self, product: Product, plan: str, cases: list[CaseFacts], ordered: list[CostItem],
                 period: tuple[dt.datetime, dt.datetime] | None):
        self.product = product
        self.result = PeriodResult(product=product.code, plan=plan)
        self.cats = {c.code: _Rule(c) for c in product.categories}
        self.limits = _Limits(product, plan) if product.amounts_known else None
        self.emergency = {c.code for c in product.categories if c.thirty_day_rule}
        self.decisions: set[str] = set()
        self.last: tuple[dt.date, int] | None = None
        by_case_emergency: dict[int, list[CostItem]] = {}
        for x in ordered:
            if x.category in self.emergency:
                by_case_emergency.setdefault(x.case_id, []).append(x)
        self.ctx: dict[int, _CaseCtx] = {}
        for c in cases:
            cr = self.result.cases[c.id] = CaseResult(case_id=c.id)
            if product.response_period is not None:  # 事故対応期間 (I-4)
                d0 = tokyo_date(c.first_discovered_at)
                cr.response_period = (d0, add_years(d0, product.response_period.years))
            if product.thirty_day_rule is not None:  # I-5
                cr.thirty_day = assess(product.thirty_day_rule, c, by_case_emergency.get(c.id, []))
            self.ctx[c.id] = _CaseCtx(c, cr, period is None or period[0] <= c.first_discovered_at < period[1],
                                      c.discovery_source in EXTERNAL_NOTIFICATION_SOURCES,
                                      c.publication_made_at is not None)
            if self.limits is not None:  # register every limit so the bars show unused ones too
                for cat in self.cats.values():
                    self.limits.path(cat, c.id)

    def allocate(self, x: CostItem) -> None:
        cc = self.ctx[x.case_id]
        line = LineResult(x.id, x.case_id, x.category, x.amount_jpy)
        cat = self.cats.get(x.category)
        if cat is None:
            line.status = NOT_COVERED
            line.reasons.append(Reason(N_("%(category)s is not a category of %(product)s"), category=x.category,
                                       product=self.product.code))
        elif self.limits is None:
            line.status = PENDING_DETERMINATION
            line.reasons.append(Reason(N_("limits not known: refer to the adjuster")))
            line.decisions = list(cat.decisions)
        else:
            _allocate(line, x, cat, cc, self.limits)
        if line.payable_jpy < line.claimed_jpy and not line.reasons:  # the contract: never a silent cut
            line.reasons.append(Reason(N_("%(amount)s not paid"), amount=Yen(line.claimed_jpy - line.payable_jpy)))
        self.decisions.update(line.decisions)
        self.result.lines[x.id] = line
        cc.result.lines.append(line)
        cc.result.add(line)
        self.result.add(line)
        self.last = (x.arose_on, x.id)

    def finish(self) -> PeriodResult:
        result = self.result
        if self.limits is not None:
            result.limits = self.limits.usage(None)
            for cid, cr in result.cases.items():
                cr.limits = self.limits.usage(cid)
        result.decisions = sorted(self.decisions, key=lambda d: (d[0], int(d.split("-")[1])))
        result._run = self
        return result

    def copy(self) -> _Run:
        """A run to continue from, sharing the line results (never changed once made) but not the totals."""
        other = object.__new__(_Run)
        other.product, other.cats, other.emergency, other.last = self.product, self.cats, self.emergency, self.last
        other.decisions = set(self.decisions)
        old = self.result
        other.result = PeriodResult(product=old.product, plan=old.plan, claimed_jpy=old.claimed_jpy,
                                    payable_jpy=old.payable_jpy,
                                    categories={k: dict(v) for k, v in old.categories.items()},
                                    lines=dict(old.lines))
        other.ctx = {}
        for cid, cc in self.ctx.items():
            cr = cc.result
            new_cr = other.result.cases[cid] = CaseResult(
                claimed_jpy=cr.claimed_jpy, payable_jpy=cr.payable_jpy,
                categories={k: dict(v) for k, v in cr.categories.items()}, case_id=cid, lines=list(cr.lines),
                thirty_day=cr.thirty_day, response_period=cr.response_period)
            other.ctx[cid] = _CaseCtx(cc.facts, new_cr, cc.in_period, cc.external, cc.published)
        other.limits = None
        if self.limits is not None:
            other.limits = object.__new__(_Limits)
            other.limits.__dict__.update(self.limits.__dict__)
            other.limits.used = dict(self.limits.used)
        return other


def _allocate(line: LineResult, x: CostItem, cat: _Rule, cc: _CaseCtx, limits: _Limits) -> None:
    """Eligibility first (a line that is excluded or pending holds no limit), then the limits of I-6 / I-7.
    Reasons are Texts with their values, rendered when read."""
    excluded, pending_det, pending_consent = [], [], []
    decisions = line.decisions
    case, cr = cc.facts, cc.result
    claimed = Yen(x.amount_jpy)  # formatted only if a reason is ever read
    name = cat.name

    if cat.discovery_trigger and not cc.in_period:
        excluded.append(Reason(N_("%(amount)s not covered: the incident was first discovered outside the policy "
                                  "period"), amount=claimed))
    attack = case.attack_confirmed
    if cat.section == "costs":  # I-9: the false-alarm rules concern the incident-response costs
        if attack == "no":
            if cat.false_alarm == "external_only" and not cc.external:
                excluded.append(Reason(N_("%(amount)s not covered: on a false alarm %(category)s pays only when the "
                                          "suspicion came from an external notification (public body or security "
                                          "provider); it was discovered via '%(source)s'"), "I-9",
                                       amount=claimed, category=name, source=case.discovery_source))
                decisions.append("I-9")
            elif cat.false_alarm == "none":
                excluded.append(Reason(N_("%(amount)s not covered: no attack occurred, and on a false alarm only ① "
                                          "and ② are payable"), "I-9", amount=claimed))
                decisions.append("I-9")
        elif cat.false_alarm == "emergency":
            decisions.append("I-9")
            if attack == "yes":
                excluded.append(Reason(N_("%(amount)s not covered: an attack was confirmed, so ① emergency-response "
                                          "costs (false alarm only) do not apply"), "I-9", amount=claimed))
            else:
                pending_det.append(Reason(N_("%(amount)s pending determination: ① pays only if no attack occurred, "
                                             "and that is not known yet"), "I-9", amount=claimed))
    if cat.response_period and cr.response_period is not None:
        start, end = cr.response_period
        if not (start <= x.arose_on <= end):
            excluded.append(Reason(N_("%(amount)s not covered: arose on %(day)s, outside the 事故対応期間 %(first)s to "
                                      "%(last)s"), "I-4", amount=claimed, day=x.arose_on.isoformat(),
                                   first=start.isoformat(), last=end.isoformat()))
            decisions.append("I-4")
    if cat.thirty_day_rule and attack == "no" and cr.thirty_day is not None:
        td = cr.thirty_day
        decisions.append(td.decision)
        if td.status == "undecided":
            pending_det.append(Reason(N_("%(amount)s pending determination: %(why)s"), td.decision, amount=claimed,
                                      why=td.explanation))
        elif td.status == "broken" and not td.window.contains(x.arose_on):
            excluded.append(Reason(N_("%(amount)s not covered: the 30-day notice rule was not met (%(why)s); only ① "
                                      "costs that arose %(first)s to %(last)s are eligible, this one arose on "
                                      "%(day)s"), td.decision, amount=claimed, why=td.explanation,
                                   first=td.window.first.isoformat(), last=td.window.last.isoformat(),
                                   day=x.arose_on.isoformat()))
    if cat.needs_publication and not cc.published:
        pending_det.append(Reason(N_("%(amount)s pending: %(category)s is paid once the 公表等の措置 (a public "
                                     "announcement or apology letters to the victims) is recorded on the case"),
                                  "I-3", amount=claimed, category=name))
        decisions.append("I-3")
    if cat.consent_required and not x.consent_ref:
        pending_consent.append(_consent_reason(x, cat, limits, claimed))
        decisions.append("I-8")
    if cat.per_head_jpy is not None and x.victims is None:
        pending_det.append(Reason(_MISSING_COUNT[cat.per_head_unit], amount=claimed, cap=Yen(cat.per_head_jpy)))

    if excluded or pending_consent or pending_det:
        line.status = NOT_COVERED if excluded else PENDING_CONSENT if pending_consent else PENDING_DETERMINATION
        line.reasons = excluded + pending_consent + pending_det
        return

    reasons = line.reasons
    amount = x.amount_jpy * cat.coinsurance_pct // 100
    if amount < x.amount_jpy:
        reasons.append(Reason(N_("%(cut)s not paid: %(category)s pays %(pct)s%% of %(amount)s (coinsurance)"), "I-6",
                              cut=Yen(x.amount_jpy - amount), category=name, pct=cat.coinsurance_pct,
                              amount=claimed))
        decisions.append("I-6")
    if cat.per_head_jpy is not None:
        cap = cat.per_head_jpy * x.victims
        if amount > cap:
            reasons.append(Reason(_OVER_CAP[cat.per_head_unit], cut=Yen(amount - cap), cap=Yen(cat.per_head_jpy),
                                  n=f"{x.victims:,}", total=Yen(cap)))
            amount = cap
    used = limits.used
    path = limits.path(cat, x.case_id)
    for key, limit, text, decision in path:
        remaining = limit - used.get(key, 0)
        if amount > remaining:
            reasons.append(Reason(N_("%(cut)s over the %(limit)s"), decision, cut=Yen(amount - remaining), limit=text))
            amount = remaining
    if amount:
        for key, _limit, _text, _decision in path:
            used[key] = used.get(key, 0) + amount
    for d in cat.extra_decisions:
        if d not in decisions:
            decisions.append(d)
    line.payable_jpy = amount
    line.status = PAYABLE if amount == x.amount_jpy else REDUCED


def _consent_reason(x: CostItem, cat: _Rule, limits: _Limits, claimed: Yen) -> Reason:
    """Why a line waits for the insurer's consent, and the truth about what consent would bring as the limits
    stand: nothing when a limit the line draws on is used up, at most what is left when that is less."""
    tightest = min(((limit - limits.used.get(key, 0), text) for key, limit, text, _d in limits.path(cat, x.case_id)),
                   key=lambda pair: pair[0], default=None)
    if tightest is not None and tightest[0] <= 0:
        return Reason(N_("%(amount)s pending consent: %(category)s needs the insurer's prior written consent, but the "
                         "%(limit)s has nothing left, so recording consent would not make this line payable"), "I-8",
                      amount=claimed, category=cat.name, limit=tightest[1])
    if tightest is not None and tightest[0] < x.amount_jpy * cat.coinsurance_pct // 100:
        return Reason(N_("%(amount)s pending consent: %(category)s needs the insurer's prior written consent; once it "
                         "is recorded, at most %(left)s is payable (what is left of the %(limit)s)"), "I-8",
                      amount=claimed, category=cat.name, left=Yen(tightest[0]), limit=tightest[1])
    return Reason(N_("%(amount)s pending consent: %(category)s needs the insurer's prior written consent; record it "
                     "to make this line payable"), "I-8", amount=claimed, category=cat.name)


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
