"""The product catalogue: insurance products as data files, validated when loaded.

Adding a product is adding a file to `data/`; no code changes.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

DATA = Path(__file__).resolve().parent / "data"


class Plan(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name_ja: str
    name_en: str


class Product(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    insurer_ja: str
    insurer_en: str
    name_ja: str
    name_en: str
    plans: dict[str, Plan]

    @model_validator(mode="after")
    def _has_plans(self):
        if not self.plans:
            raise ValueError(f"product {self.code} has no plans")
        return self


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
