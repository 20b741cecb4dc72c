"""The product catalogue: insurance products as data files, validated when loaded.

Adding a product is adding a file to `data/`; no code changes. The coverage engine reads limits, ratios,
consent flags and time rules from here (hotline/coverage/engine.py). Names and explanations are written in
English in the files and translated through the one catalogue (pybabel extracts them, babel.cfg); `label`
gives a category's name as a Text to render in the reader's language.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, PrivateAttr, model_validator

from workflows.text import Text
from workflows.thirty_day import ThirtyDayRule

DATA = Path(__file__).resolve().parent / "data"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Plan(Strict):
    name: str
    # None when the product's amounts are not known (amounts_known: false).
    liability_per_claim_jpy: NonNegativeInt | None = None
    liability_per_period_jpy: NonNegativeInt | None = None  # also the global cap (DOMAIN 0.1)
    cost_overall_jpy: NonNegativeInt | None = None  # per incident and per policy period (I-6)
    groups: dict[str, NonNegativeInt] = {}


class SubItem(Strict):
    key: str
    name: str


class Category(Strict):
    code: str = Field(pattern=r"^[a-z_]+(\.[a-z_]+)?$")
    number: str  # ①, ⑥カ …, as the brochure numbers it
    name: str
    explain: str = ""
    section: Literal["costs", "liability"] = "costs"
    coinsurance_pct: int = Field(default=100, ge=1, le=100)
    own_limit_jpy: NonNegativeInt | None = None  # per incident and per period, every plan
    group: str | None = None
    per_head_jpy: NonNegativeInt | None = None
    per_head_unit: Literal["victim", "company", "person"] | None = None
    consent_required: bool = False
    false_alarm: Literal["emergency", "external_only", "liability", "none"] = "none"
    thirty_day_rule: bool = False
    needs_publication: bool = False
    response_period: bool = True  # the 事故対応期間 applies (I-4)
    discovery_trigger: bool = True  # discovered within the policy period (C.2)
    decisions: list[str] = []
    sub_items: list[SubItem] = []

    @property
    def label(self) -> Text:
        """'③ Cause and damage-scope investigation', '③ 原因・被害範囲調査費用' once rendered."""
        return Text("%(number)s %(name)s", number=self.number, name=Text(self.name))

    @model_validator(mode="after")
    def _per_head(self):
        if (self.per_head_jpy is None) != (self.per_head_unit is None):
            raise ValueError(f"{self.code}: per_head_jpy and per_head_unit go together")
        return self


class Group(Strict):
    name: str
    label: str


class ResponsePeriod(Strict):
    years: int = Field(ge=1)
    decision: str


class Product(Strict):
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    insurer: str
    name: str
    amounts_known: bool = True
    plans: dict[str, Plan]
    groups: dict[str, Group] = {}
    response_period: ResponsePeriod | None = None
    thirty_day_rule: ThirtyDayRule | None = None  # the rule itself is workflows.thirty_day (None: no rule)
    decisions: dict[str, str] = {}  # decision id → what it decides, in English (translated when read)
    categories: list[Category] = []

    @model_validator(mode="after")
    def _consistent(self):
        if not self.plans:
            raise ValueError(f"product {self.code} has no plans")
        codes = [c.code for c in self.categories]
        if len(codes) != len(set(codes)):
            raise ValueError("duplicate category code")
        for c in self.categories:
            if c.group is not None and c.group not in self.groups:
                raise ValueError(f"{c.code}: unknown group {c.group}")
            for d in c.decisions:
                if d not in self.decisions:
                    raise ValueError(f"{c.code}: unknown decision {d}")
            if c.thirty_day_rule and self.thirty_day_rule is None:
                raise ValueError(f"{c.code}: thirty_day_rule needs the product's thirty_day_rule")
        if self.thirty_day_rule is not None and self.thirty_day_rule.decision not in self.decisions:
            raise ValueError(f"thirty_day_rule: unknown decision {self.thirty_day_rule.decision}")
        if self.amounts_known:
            for key, plan in self.plans.items():
                missing = [f for f in ("liability_per_claim_jpy", "liability_per_period_jpy", "cost_overall_jpy")
                           if getattr(plan, f) is None]
                missing += [g for g in self.groups if g not in plan.groups]
                if missing:
                    raise ValueError(f"plan {key}: missing {', '.join(missing)}")
            if self.response_period is None:
                raise ValueError("amounts_known products need a response_period")
        return self

    _index: dict[str, Category] = PrivateAttr(default_factory=dict)

    def model_post_init(self, __context) -> None:
        self._index.update({c.code: c for c in self.categories})

    def category(self, code: str) -> Category | None:
        """The category with that code, or None (the vendor-dispatch and cost pages use it)."""
        return self._index.get(code)


class CatalogueError(ValueError):
    pass


def load_product(path: Path) -> Product:
    try:
        product = Product.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except Exception as exc:  # a broken data file must stop start-up with its name in the message
        raise CatalogueError(f"{path.name}: {exc}") from exc
    if product.code != path.stem:
        raise CatalogueError(f"{path.name}: code {product.code!r} does not match the file name")
    return product


@cache
def catalogue() -> dict[str, Product]:
    return {p.code: p for p in (load_product(f) for f in sorted(DATA.glob("*.yaml")))}


def get_product(code: str) -> Product | None:
    return catalogue().get(code)
