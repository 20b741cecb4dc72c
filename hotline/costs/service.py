"""The cost ledger: record, change, remove lines and record consents, each audited on the case timeline;
and the coverage of a case or a policy period, computed by the pure engine from the current lines."""
from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict

import sqlalchemy as sa
from sqlmodel import Session, select

from hotline.audit.service import record
from hotline.cases.models import FACT_COLUMNS, Case, facts_of, require_open
from hotline.costs.models import CostLine
from hotline.costs.schemas import ConsentIn, CostIn, CostPatch
from hotline.coverage.engine import CostItem, PeriodResult, Reason, compute, unchanged, update, yen
from hotline.coverage.engine import limits_left as engine_limits_left
from hotline.db import utcnow
from hotline.errors import Forbidden, Invalid, NotFound
from hotline.i18n import render
from hotline.orgs.models import Policy
from hotline.products.catalogue import Product, get_product
from workflows.calendar import tokyo_date
from workflows.text import N_, Text
from workflows.thirty_day import ordered_before_notice

AUDITED = ("category", "amount_jpy", "arose_on", "ordered_at", "victims", "consent_ref", "consent_on", "vendor_id",
           "dispatch_id", "invoice_ref", "note")


def product_of(policy: Policy) -> Product:
    product = get_product(policy.product)
    if product is None:  # a policy row whose product file was removed: say so rather than fail later
        raise Invalid({"product": f"unknown product {policy.product}"})
    return product


def category_label(product: Product, code: str) -> Text | str:
    cat = product.category(code)
    return cat.label if cat else code


def describe(product: Product, line: CostLine) -> Text:
    """'① Emergency-response costs (false alarm) ¥500,000 (arose 2026-04-10, line 3)', in any language."""
    return Text(N_("%(category)s %(amount)s (arose %(day)s, line %(line)s)"),
                category=category_label(product, line.category), amount=yen(line.amount_jpy),
                day=line.arose_on.isoformat(), line=line.id)


def warnings_for(product: Product, case: Case, category: str, *, arose_on: dt.date | None,
                 ordered_at: dt.datetime | None, consent_ref: str | None) -> list[Reason]:
    """What the cost form warns about before a line is recorded (it still may be recorded), as Reasons (with
    the product decision each applies); the API renders them in English, the form in the reader's language."""
    cat = product.category(category)
    out: list[Reason] = []
    if cat is None:
        return []
    if not product.amounts_known:
        out.append(Reason(N_("The limits of this product are not known: the line will show as pending for the "
                             "adjuster.")))
    if cat.consent_required and not consent_ref:
        out.append(Reason(N_("%(category)s needs the insurer's prior written consent: without a recorded consent the "
                             "line is paid ¥0 (pending consent)."), "I-8", category=cat.label))
    if cat.false_alarm == "emergency" and case.attack_confirmed == "yes":
        out.append(Reason(N_("An attack was confirmed: ① emergency-response costs are not payable."), "I-9"))
    rule = product.thirty_day_rule  # None: the product has no 30-day rule, and nothing here warns of it
    if cat.thirty_day_rule and rule is not None:
        dec = rule.decision
        before = ordered_before_notice(case.reported_at, ordered_at=ordered_at, arose_on=arose_on)
        if before:
            out.append(Reason(N_("This ① cost was ordered before the insurer was told (hotline call): it breaks the "
                                 "30-day rule for the whole case, and only ① costs inside the 30-day window remain "
                                 "eligible."), dec))
        elif before is None:
            out.append(Reason(N_("A ① cost on the day of the notice: enter the time it was ordered, or the 30-day "
                                 "rule cannot be decided."), dec))
        window = rule.window(case.first_discovered_at)
        if not window.in_time(case.reported_at):
            out.append(Reason(N_("The insurer was told after the last day %(last)s of the 30-day window: only ① "
                                 "costs that arose %(first)s to %(last)s are eligible."), dec,
                              first=window.first.isoformat(), last=window.last.isoformat()))
    return out


def in_words(reason: Reason, lang: str, *, with_decision: bool = True) -> str:
    """A reason or a warning as a sentence; staff and the API read the decision it applies, e.g.
    '… pays 90% of ¥1,000 (coinsurance) (decision I-6)'; insureds read the sentence alone."""
    words = render(reason, lang)
    if not (with_decision and reason.decision):
        return words
    note = render(Text(N_(" (decision %(decision)s)"), decision=reason.decision), lang)
    return words[:-1] + note + words[-1] if words[-1:] in (".", "。") else words + note


def _check_category(product: Product, code: str | None, field: str = "category") -> None:
    if code is not None and product.category(code) is None:
        raise Invalid({field: f"unknown category for {product.code}; one of "
                              f"{', '.join(c.code for c in product.categories)}"})


# What only the hotline may write on a cost line: the insurer's written consent makes a consent-required line
# payable (I-8) and lifts the consent warning of a dispatch, so an insured's word for it is not taken (issue 14).
STAFF_ONLY = {"consent_ref": N_("only the hotline records the insurer's consent: the line is recorded without it "
                                "and waits for the hotline to record it"),
              "consent_on": N_("only the hotline records the insurer's consent")}


def may_record_consent(actor) -> bool:
    """Staff, and the system itself (demo data, commands); never an insured."""
    role = getattr(actor, "role", None)
    return role is None or role.is_staff


def withheld(data: CostIn, actor) -> dict[str, str]:
    """The fields of `data` that `actor` may not write, each with why: recorded without them."""
    if may_record_consent(actor):
        return {}
    return {field: why for field, why in STAFF_ONLY.items() if getattr(data, field) is not None}


def _check_links(session: Session, case: Case, *, vendor_id: int | None, dispatch_id: int | None) -> None:
    """A line's vendor must exist, and its dispatch be one of this case's (never another organisation's)."""
    from hotline.dispatch.models import Dispatch, Vendor

    if vendor_id is not None and session.get(Vendor, vendor_id) is None:
        raise Invalid({"vendor_id": N_("no such vendor")})
    if dispatch_id is not None:
        dispatch = session.get(Dispatch, dispatch_id)
        if dispatch is None or dispatch.case_id != case.id:
            raise Invalid({"dispatch_id": N_("no such dispatch on this case")})


def record_cost(session: Session, *, case: Case, policy: Policy, data: CostIn, actor, receipts: list | None = None,
                receipt_max_bytes: int = 0) -> CostLine:
    """Record a cost line, and with it its receipt files (hotline/costs/receipts.py): all in one unit of work, so
    a refused file leaves no line either; commits. What `actor` may not write (`withheld`) is left out."""
    line = _add_line(session, case=case, policy=policy, data=data, actor=actor)
    if receipts:
        from hotline.costs import receipts as receipt_files

        receipt_files.add(session, case=case, line=line, uploads=receipts, actor=actor, max_bytes=receipt_max_bytes)
    session.commit()
    return line


def _add_line(session: Session, *, case: Case, policy: Policy, data: CostIn, actor) -> CostLine:
    product = product_of(policy)
    _check_category(product, data.category)
    require_open(case)
    _check_links(session, case, vendor_id=data.vendor_id, dispatch_id=data.dispatch_id)
    line = CostLine(case_id=case.id, created_by_id=getattr(actor, "id", None),
                    **data.model_dump(exclude=set(withheld(data, actor))))
    if line.consent_ref and line.consent_on is None:
        line.consent_on = tokyo_date(utcnow())
    session.add(line)
    session.flush()
    record(session, actor=actor, kind="cost_recorded", entity="cost_line", entity_id=line.id, case_id=case.id,
           params={"cost": describe(product, line)}, new=line.amount_jpy, field="amount_jpy")
    if line.consent_ref:
        record(session, actor=actor, kind="consent_recorded", entity="cost_line", entity_id=line.id,
               case_id=case.id, params={"line": line.id}, field="consent_ref", new=line.consent_ref)
    return line


def get_line(session: Session, case: Case, line_id: int) -> CostLine:
    line = session.get(CostLine, line_id)
    if line is None or line.case_id != case.id or line.removed_at is not None:
        raise NotFound("cost line")
    return line


def update_cost(session: Session, *, case: Case, policy: Policy, line_id: int, data: CostPatch, actor) -> CostLine:
    product = product_of(policy)
    line = get_line(session, case, line_id)
    changes = data.model_dump(exclude_unset=True)
    _check_category(product, changes.get("category"))
    require_open(case)
    _check_links(session, case, vendor_id=changes.get("vendor_id"), dispatch_id=changes.get("dispatch_id"))
    if not may_record_consent(actor) and {"consent_ref", "consent_on"} & changes.keys():
        raise Forbidden(Text(N_("Only the hotline records the insurer's consent.")))
    for field in ("category", "amount_jpy", "arose_on", "note"):
        if field in changes and changes[field] is None:
            raise Invalid({field: N_("may not be empty")})
    for field in AUDITED:
        if field not in changes or changes[field] == getattr(line, field):
            continue
        old = getattr(line, field)
        setattr(line, field, changes[field])
        kind = "consent_recorded" if field == "consent_ref" and changes[field] else "cost_changed"
        record(session, actor=actor, kind=kind, entity="cost_line", entity_id=line.id, case_id=case.id,
               params={"line": line.id}, field=field, old=old, new=changes[field])
    line.updated_at = utcnow()
    session.commit()
    return line


def remove_cost(session: Session, *, case: Case, policy: Policy, line_id: int, actor) -> CostLine:
    """Removal keeps the row with removed_at set. Removing it again changes nothing (DELETE is idempotent)."""
    line = session.get(CostLine, line_id)
    if line is not None and line.case_id == case.id and line.removed_at is not None:
        return line
    require_open(case)
    line = get_line(session, case, line_id)
    line.removed_at = line.updated_at = utcnow()
    line.removed_by_id = getattr(actor, "id", None)
    record(session, actor=actor, kind="cost_removed", entity="cost_line", entity_id=line.id, case_id=case.id,
           params={"cost": describe(product_of(policy), line)}, field="amount_jpy", old=line.amount_jpy)
    session.commit()
    return line


def record_consent(session: Session, *, case: Case, policy: Policy, line_id: int, data: ConsentIn,
                   actor) -> CostLine:
    if not may_record_consent(actor):
        raise Forbidden(Text(N_("Only the hotline records the insurer's consent.")))
    require_open(case)
    line = get_line(session, case, line_id)
    old = line.consent_ref
    line.consent_ref = data.consent_ref
    line.consent_on = data.consent_on or tokyo_date(utcnow())
    line.updated_at = utcnow()
    record(session, actor=actor, kind="consent_recorded", entity="cost_line", entity_id=line.id, case_id=case.id,
           params={"on": line.consent_on, "cost": describe(product_of(policy), line)}, field="consent_ref", old=old,
           new=data.consent_ref)
    session.commit()
    return line


def list_lines(session: Session, case_id: int, *, include_removed: bool = False) -> list[CostLine]:
    query = select(CostLine).where(CostLine.case_id == case_id)
    if not include_removed:
        query = query.where(CostLine.removed_at.is_(None))
    return list(session.exec(query.order_by(CostLine.arose_on, CostLine.id)))


# --- coverage ---------------------------------------------------------------------------------------------
_LINE_COLUMNS = (CostLine.id, CostLine.case_id, CostLine.category, CostLine.amount_jpy, CostLine.arose_on,
                 CostLine.victims, CostLine.consent_ref, CostLine.ordered_at)
# policy period → (case facts, newest change seen, recent changes, result)
_CACHE: OrderedDict[tuple, tuple] = OrderedDict()
_CACHE_MAX_LINES = 500_000  # a kept result is about 150 bytes a line: at most about 75 MB per process
_LOCK = threading.Lock()
# A kept result is checked against the lines changed (added, edited, removed: updated_at) from this long before
# the newest change it has seen: a transaction that commits late, or a web worker whose clock is behind, cannot
# hide its change behind a newer one. Writes to cost_line outside this service must set updated_at too.
CHANGE_MARGIN = dt.timedelta(minutes=5)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _line_query(product: Product, policy_id: int, *, removed: bool = False):
    emergency = [c.code for c in product.categories if c.thirty_day_rule]
    # Only ① lines need the order instant (I-5); skipping the others saves converting 50,000 timestamps.
    ordered_at = sa.case((CostLine.category.in_(emergency), CostLine.ordered_at), else_=None) if emergency \
        else sa.null()
    query = select(*_LINE_COLUMNS[:-1], ordered_at).join(Case, Case.id == CostLine.case_id) \
        .where(Case.policy_id == policy_id)
    return query.add_columns(CostLine.removed_at) if removed else query.where(CostLine.removed_at.is_(None))


def _since(newest: dt.datetime | None) -> dt.datetime:
    """Where the changes to read start: the newest change seen (never later than now: one writer whose clock is
    ahead must not hide the others' changes), less the margin."""
    return min(newest or _EPOCH, utcnow()) - CHANGE_MARGIN


def _recent(newest: dt.datetime | None, rows) -> tuple[dt.datetime | None, frozenset]:
    """The newest change among rows (…, updated_at) and the (id, updated_at) of those the next read returns."""
    newest = max([newest] + [row[-1] for row in rows], default=None, key=lambda u: u or _EPOCH)
    since = _since(newest)
    return newest, frozenset((row[0], row[-1]) for row in rows if row[-1] >= since)


def _live_count(session: Session, policy_id: int) -> int:
    """The policy's lines not removed (from the (case_id, updated_at, removed_at) index alone)."""
    return session.execute(select(sa.func.count()).select_from(CostLine).join(Case, Case.id == CostLine.case_id)
                           .where(Case.policy_id == policy_id, CostLine.removed_at.is_(None))).scalar_one()


def _updated(previous: PeriodResult, rows) -> PeriodResult | None:
    """previous with the changed rows (…, removed_at, updated_at) applied, or None when a full computation is
    needed (a line of a case it does not know)."""
    live = [CostItem(*row[:-2]) for row in rows if row[-2] is None]
    held = unchanged(previous, live)
    try:
        return update(previous, added=[x for x in live if x.id not in held],
                      removed=[row[0] for row in rows if row[-2] is not None and row[0] in previous.lines])
    except ValueError:
        return None


def policy_coverage(session: Session, policy: Policy) -> PeriodResult:
    """The whole policy period: every case of the policy draws on the same per-period limits (I-6).

    The engine is pure, so its result is kept per process and policy period, for unchanged case facts. Each read asks the database for the lines changed since the newest change the kept
    result has seen, less CHANGE_MARGIN (a range of the (case_id, updated_at) index per case): the same answer
    as before means nothing changed; otherwise the engine re-allocates only what the changed lines can reach
    (engine.update). A change made through another web worker is seen the same way."""
    product = product_of(policy)
    cases = tuple(facts_of(row) for row in
                  session.execute(select(*FACT_COLUMNS).where(Case.policy_id == policy.id).order_by(Case.id)))
    key = (str(session.get_bind().url), policy.id, policy.product, policy.plan, policy.period_start,
           policy.period_end, id(product))
    with _LOCK:
        kept = _CACHE.get(key)
        if kept is not None:
            _CACHE.move_to_end(key)
    result = None
    if kept is not None and kept[0] == cases:
        _cases, newest, recent, previous = kept
        rows = session.execute(_line_query(product, policy.id, removed=True).add_columns(CostLine.updated_at)
                               .where(CostLine.updated_at >= _since(newest))).all()
        if frozenset((row[0], row[-1]) for row in rows) == recent:
            return previous
        result = _updated(previous, rows)
        if result is not None and len(result.lines) != _live_count(session, policy.id):
            result = None  # a line deleted outright (never through this service): read everything
        newest, recent = _recent(newest, rows)
    if result is None:
        rows = session.execute(_line_query(product, policy.id).add_columns(CostLine.updated_at)).all()
        result = compute(product, policy.plan, list(cases), [CostItem(*row[:-1]) for row in rows],
                         period=(policy.period_start, policy.period_end))
        newest, recent = _recent(None, rows)
    with _LOCK:
        _CACHE[key] = (cases, newest, recent, result)
        _CACHE.move_to_end(key)
        while len(_CACHE) > 1 and sum(len(r.lines) + 1 for *_k, r in _CACHE.values()) > _CACHE_MAX_LINES:
            _CACHE.popitem(last=False)
    return result


def limits_left(session: Session, case: Case, policy: Policy, categories) -> dict[str, list[dict]]:
    """For each category code: what is left of each limit a new cost of it on the case would draw on
    (coverage.engine.limits_left over the policy period's ledger)."""
    result = policy_coverage(session, policy)
    return {code: engine_limits_left(result, code, case.id) for code in categories}


PENDING = {"pending_consent": N_("Cost line %(line)s (%(category)s, %(amount)s): pending consent: %(why)s"),
           "pending_determination": N_("Cost line %(line)s (%(category)s, %(amount)s): pending determination: "
                                       "%(why)s")}


def pending_line_summaries(session: Session, case_id: int) -> list[Text]:
    """The lines of the case still pending consent or determination (a closing guard)."""
    case = session.get(Case, case_id)
    if case is None:
        return []
    policy = session.get(Policy, case.policy_id)
    result = policy_coverage(session, policy)
    product = product_of(policy)
    return [Text(PENDING[line.status], line=line.id, category=category_label(product, line.category),
                 amount=yen(line.claimed_jpy), why=line.reasons[0])
            for line in result.cases[case_id].lines if line.status in PENDING]


def today_tokyo() -> dt.date:
    return tokyo_date(utcnow())
