"""The cost ledger: record, change, remove lines and record consents, each audited on the case timeline;
and the coverage of a case or a policy period, computed by the pure engine from the current lines."""
from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict

import sqlalchemy as sa
from sqlmodel import Session, select

from hotline.audit.service import record
from hotline.cases.models import FACT_COLUMNS, Case, facts_of
from hotline.costs.models import CostLine
from hotline.costs.schemas import ConsentIn, CostIn, CostPatch
from hotline.coverage.engine import CostItem, PeriodResult, compute, extend, yen
from hotline.db import utcnow
from hotline.errors import Invalid, NotFound
from hotline.orgs.models import Policy
from hotline.products.catalogue import Product, get_product
from workflows.calendar import tokyo_date
from workflows.thirty_day import ordered_before_notice

AUDITED = ("category", "amount_jpy", "arose_on", "ordered_at", "victims", "consent_ref", "consent_on", "vendor_id",
           "dispatch_id", "invoice_ref", "note")


def product_of(policy: Policy) -> Product:
    product = get_product(policy.product)
    if product is None:  # a policy row whose product file was removed: say so rather than fail later
        raise Invalid({"product": f"unknown product {policy.product}"})
    return product


def describe(product: Product, line: CostLine) -> str:
    cat = product.category(line.category)
    name = f"{cat.number} {cat.name_ja}" if cat else line.category
    return f"{name} {yen(line.amount_jpy)} (arose {line.arose_on.isoformat()}, line {line.id})"


def describe_ja(product: Product, line: CostLine) -> str:
    cat = product.category(line.category)
    name = f"{cat.number} {cat.name_ja}" if cat else line.category
    return f"{name} {yen(line.amount_jpy)}（{line.arose_on.isoformat()}発生、明細{line.id}）"


def warnings_for(product: Product, case: Case, category: str, *, arose_on: dt.date | None,
                 ordered_at: dt.datetime | None, consent_ref: str | None, lang: str = "en") -> list[str]:
    """What the cost form warns about before a line is recorded (it still may be recorded); the API
    answers in English, the form in the reader's language."""
    cat = product.category(category)
    out: list[tuple[str, str]] = []
    if cat is None:
        return []
    if not product.amounts_known:
        out.append(("The limits of this product are not known: the line will show as pending for the adjuster.",
                    "この商品の支払限度額は不明です。明細は損害サービス担当者の判定待ちとして表示されます。"))
    if cat.consent_required and not consent_ref:
        out.append((f"{cat.number} {cat.name_en} needs the insurer's prior written consent: without a recorded "
                    f"consent the line is paid ¥0 (pending consent, decision I-8).",
                    f"{cat.number} {cat.name_ja}には保険会社の書面による事前同意が必要です。同意が記録されるまで"
                    f"この明細の支払額は¥0（同意待ち、判断I-8）です。"))
    if cat.false_alarm == "emergency" and case.attack_confirmed == "yes":
        out.append(("An attack was confirmed: ① emergency-response costs are not payable (decision I-9).",
                    "攻撃が確認されているため、①緊急対応費用は支払対象外です（判断I-9）。"))
    rule = product.thirty_day_rule  # None: the product has no 30-day rule, and nothing here warns of it
    if cat.thirty_day_rule and rule is not None:
        dec = rule.decision
        before = ordered_before_notice(case.reported_at, ordered_at=ordered_at, arose_on=arose_on)
        if before:
            out.append((f"This ① cost was ordered before the insurer was told (hotline call): it breaks the 30-day "
                        f"rule for the whole case, and only ① costs inside the 30-day window remain eligible "
                        f"(decision {dec}).",
                        f"この①の費用は保険会社（ホットライン）への連絡より前に発注されています。案件全体で30日ルールの"
                        f"要件を満たさなくなり、支払対象は30日の期間内に発生した①の費用のみになります（判断{dec}）。"))
        elif before is None:
            out.append((f"A ① cost on the day of the notice: enter the time it was ordered, or the 30-day rule "
                        f"cannot be decided (decision {dec}).",
                        f"連絡日と同じ日の①の費用です。発注時刻を入力しないと30日ルールを判定できません（判断{dec}）。"))
        window = rule.window(case.first_discovered_at)
        if not window.in_time(case.reported_at):
            first, last = window.first.isoformat(), window.last.isoformat()
            out.append((f"The insurer was told after the last day {last} of the 30-day window: only ① costs that "
                        f"arose {first} to {last} are eligible (decision {dec}).",
                        f"保険会社への連絡は30日の期間の最終日{last}より後です。支払対象は{first}〜{last}に発生した"
                        f"①の費用のみです（判断{dec}）。"))
    return [ja if lang == "ja" else en for en, ja in out]


def _check_category(product: Product, code: str | None, field: str = "category") -> None:
    if code is not None and product.category(code) is None:
        raise Invalid({field: f"unknown category for {product.code}; one of "
                              f"{', '.join(c.code for c in product.categories)}"})


def record_cost(session: Session, *, case: Case, policy: Policy, data: CostIn, actor) -> CostLine:
    product = product_of(policy)
    _check_category(product, data.category)
    line = CostLine(case_id=case.id, created_by_id=getattr(actor, "id", None), **data.model_dump())
    if line.consent_ref and line.consent_on is None:
        line.consent_on = tokyo_date(utcnow())
    session.add(line)
    session.flush()
    record(session, actor=actor, kind="cost_recorded", entity="cost_line", entity_id=line.id, case_id=case.id,
           summary=f"Cost recorded: {describe(product, line)}", summary_ja=f"費用を記録：{describe_ja(product, line)}",
           new=line.amount_jpy, field="amount_jpy")
    if line.consent_ref:
        record(session, actor=actor, kind="consent_recorded", entity="cost_line", entity_id=line.id,
               case_id=case.id, summary=f"Consent {line.consent_ref} recorded for line {line.id}",
               summary_ja=f"明細{line.id}の同意（{line.consent_ref}）を記録",
               field="consent_ref", new=line.consent_ref)
    session.commit()
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
    for field in ("category", "amount_jpy", "arose_on", "note"):
        if field in changes and changes[field] is None:
            raise Invalid({field: "may not be empty"})
    for field in AUDITED:
        if field not in changes or changes[field] == getattr(line, field):
            continue
        old = getattr(line, field)
        setattr(line, field, changes[field])
        kind = "consent_recorded" if field == "consent_ref" and changes[field] else "cost_changed"
        record(session, actor=actor, kind=kind, entity="cost_line", entity_id=line.id, case_id=case.id,
               summary=f"Cost line {line.id}: {field} changed", summary_ja=f"費用明細{line.id}を変更：{field}",
               field=field, old=old, new=changes[field])
    line.updated_at = utcnow()
    session.commit()
    return line


def remove_cost(session: Session, *, case: Case, policy: Policy, line_id: int, actor) -> CostLine:
    """Removal keeps the row with removed_at set. Removing it again changes nothing (DELETE is idempotent)."""
    line = session.get(CostLine, line_id)
    if line is not None and line.case_id == case.id and line.removed_at is not None:
        return line
    line = get_line(session, case, line_id)
    line.removed_at = line.updated_at = utcnow()
    line.removed_by_id = getattr(actor, "id", None)
    record(session, actor=actor, kind="cost_removed", entity="cost_line", entity_id=line.id, case_id=case.id,
           summary=f"Cost removed: {describe(product_of(policy), line)}",
           summary_ja=f"費用を削除：{describe_ja(product_of(policy), line)}", field="amount_jpy", old=line.amount_jpy)
    session.commit()
    return line


def record_consent(session: Session, *, case: Case, policy: Policy, line_id: int, data: ConsentIn,
                   actor) -> CostLine:
    line = get_line(session, case, line_id)
    old = line.consent_ref
    line.consent_ref = data.consent_ref
    line.consent_on = data.consent_on or tokyo_date(utcnow())
    line.updated_at = utcnow()
    record(session, actor=actor, kind="consent_recorded", entity="cost_line", entity_id=line.id, case_id=case.id,
           summary=f"Insurer's written consent {data.consent_ref} of {line.consent_on.isoformat()} recorded for "
                   f"{describe(product_of(policy), line)}",
           summary_ja=f"保険会社の書面同意（{data.consent_ref}、{line.consent_on.isoformat()}）を記録："
                      f"{describe_ja(product_of(policy), line)}", field="consent_ref", old=old, new=data.consent_ref)
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
_CACHE: OrderedDict[tuple, tuple[tuple, PeriodResult]] = OrderedDict()  # engine inputs → (ledger stamp, result)
_CACHE_MAX_LINES = 200_000  # about 100 MB at most per process; most policies have a few dozen lines
_LOCK = threading.Lock()


def _ledger_stamp(session: Session, policy_id: int, *, up_to_id: int | None = None) -> tuple:
    """A fingerprint of the policy's ledger: every change through this service moves updated_at, a new line
    moves the count and max id, and the amounts are summed in as a further check."""
    query = (select(sa.func.count(CostLine.id), sa.func.max(CostLine.id), sa.func.max(CostLine.updated_at),
                    sa.func.count(CostLine.removed_at), sa.func.sum(CostLine.amount_jpy))
             .join(Case, Case.id == CostLine.case_id).where(Case.policy_id == policy_id))
    if up_to_id is not None:
        query = query.where(CostLine.id <= up_to_id)
    return tuple(session.execute(query).one())


def _line_query(product: Product, policy_id: int):
    emergency = [c.code for c in product.categories if c.thirty_day_rule]
    # Only ① lines need the order instant (I-5); skipping the others saves converting 50,000 timestamps.
    ordered_at = sa.case((CostLine.category.in_(emergency), CostLine.ordered_at), else_=None) if emergency \
        else sa.null()
    return (select(*_LINE_COLUMNS[:-1], ordered_at).join(Case, Case.id == CostLine.case_id)
            .where(Case.policy_id == policy_id, CostLine.removed_at.is_(None)))


def _appended(session: Session, product: Product, policy_id: int, old: tuple, new: tuple,
              previous: PeriodResult) -> PeriodResult | None:
    """The result for a ledger that only gained lines since `old` (nothing edited or removed), by allocating
    the new lines after the others (engine.extend), or None when a full computation is needed."""
    old_count, old_max_id, _updated, old_removed, _sum = old
    if new[0] <= old_count or new[3] != old_removed:
        return None
    if _ledger_stamp(session, policy_id, up_to_id=old_max_id or 0) != old:  # an older line edited or removed
        return None
    rows = session.execute(_line_query(product, policy_id).where(CostLine.id > (old_max_id or 0))).all()
    if len(rows) != new[0] - old_count:
        return None
    return extend(previous, [CostItem(*row) for row in rows])


def policy_coverage(session: Session, policy: Policy) -> PeriodResult:
    """The whole policy period: every case of the policy draws on the same per-period limits (I-6).

    The engine is pure, so its result is kept per process for an unchanged ledger and unchanged case facts
    (the key holds every engine input except the lines, which the ledger stamp stands for); when lines were
    only added, they are allocated after the others instead of recomputing the period."""
    product = product_of(policy)
    cases = tuple(facts_of(row) for row in
                  session.execute(select(*FACT_COLUMNS).where(Case.policy_id == policy.id).order_by(Case.id)))
    key = (str(session.get_bind().url), policy.id, policy.product, policy.plan, policy.period_start,
           policy.period_end, id(product), cases)
    stamp = _ledger_stamp(session, policy.id)
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is not None:
            _CACHE.move_to_end(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    result = _appended(session, product, policy.id, cached[0], stamp, cached[1]) if cached is not None else None
    if result is None:
        lines = [CostItem(*row) for row in session.execute(_line_query(product, policy.id))]
        result = compute(product, policy.plan, list(cases), lines, period=(policy.period_start, policy.period_end))
    with _LOCK:
        _CACHE[key] = (stamp, result)
        _CACHE.move_to_end(key)
        while len(_CACHE) > 1 and sum(len(r.lines) + 1 for _s, r in _CACHE.values()) > _CACHE_MAX_LINES:
            _CACHE.popitem(last=False)
    return result


def pending_line_summaries(session: Session, case_id: int, *, lang: str = "en") -> list[str]:
    """Human-readable lines of the case still pending consent or determination (a closure guard)."""
    case = session.get(Case, case_id)
    if case is None:
        return []
    policy = session.get(Policy, case.policy_id)
    result = policy_coverage(session, policy)
    product = product_of(policy)
    out = []
    for line in result.cases[case_id].lines:
        if line.status in ("pending_consent", "pending_determination"):
            cat = product.category(line.category)
            if lang == "ja":
                name = f"{cat.number} {cat.name_ja}" if cat else line.category
                status = {"pending_consent": "同意待ち", "pending_determination": "判定待ち"}[line.status]
                out.append(f"費用明細{line.id}（{name}、{yen(line.claimed_jpy)}）：{status}：{line.reasons_ja[0]}")
                continue
            name = f"{cat.number} {cat.name_en}" if cat else line.category
            status = line.status.replace("_", " ")
            out.append(f"Cost line {line.id} ({name}, {yen(line.claimed_jpy)}): {status}: {line.reasons[0]}")
    return out


def today_tokyo() -> dt.date:
    return tokyo_date(utcnow())
