"""Task checklists per phase, generated from `task_templates.yaml` (data, validated when loaded)."""
from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from workflows.phases import PHASE_KEYS
from workflows.text import Text

TEMPLATES = Path(__file__).resolve().parent / "task_templates.yaml"
OWNER_ROLES = ("operator", "coordinator", "insured")
# The case facts a template may depend on.
CONDITIONS = ("eu_data_subjects", "personal_data", "card_data")


class TaskTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str = Field(min_length=1)  # English; the catalogue translates it (babel.cfg extracts it)
    due_hours: int = Field(gt=0)
    owner: Literal["operator", "coordinator", "insured"]
    cost_category: str | None = None
    when: Literal["eu_data_subjects", "personal_data", "card_data"] | None = None


_FILE = TypeAdapter(dict[str, list[TaskTemplate]])


def load_templates(path: Path = TEMPLATES) -> dict[str, tuple[TaskTemplate, ...]]:
    data = _FILE.validate_python(yaml.safe_load(path.read_text(encoding="utf-8")))
    unknown = set(data) - set(PHASE_KEYS)
    if unknown:
        raise ValueError(f"{path.name}: unknown phases {sorted(unknown)}")
    for phase, items in data.items():
        keys = [t.key for t in items]
        if len(keys) != len(set(keys)):
            raise ValueError(f"{path.name}: duplicate task keys in {phase}")
    every = [t.key for items in data.values() for t in items]
    if len(every) != len(set(every)):  # a task carried to another phase is known by its key alone
        raise ValueError(f"{path.name}: a task key is used in two phases")
    return {k: tuple(data.get(k, ())) for k in PHASE_KEYS}


@cache
def templates() -> dict[str, tuple[TaskTemplate, ...]]:
    return load_templates()


@cache
def by_key() -> dict[tuple[str, str], TaskTemplate]:
    return {(phase, t.key): t for phase, items in templates().items() for t in items}


@cache
def by_template_key() -> dict[str, TaskTemplate]:
    """Templates by their key alone: a task carried to a later phase still knows its template."""
    return {t.key: t for items in templates().values() for t in items}


def task_title(phase_key: str, template_key: str | None, stored: str) -> Text | str:
    """A generated task reads its template's title (a msgid, in the reader's language), also once carried to
    another phase; a task a person typed, or one whose template is gone, reads as it was stored."""
    template = (by_key().get((phase_key, template_key)) or by_template_key().get(template_key)
                if template_key else None)
    return Text(template.title) if template is not None else stored


def applies(template: TaskTemplate, facts: dict) -> bool:
    """Facts: eu_data_subjects (bool), personal_records_affected (int | None), card_data (bool)."""
    if template.when is None:
        return True
    if template.when == "personal_data":
        return bool(facts.get("personal_records_affected"))
    return bool(facts.get(template.when))


def checklist(phase_key: str, facts: dict, started_at: dt.datetime) -> list[dict]:
    """The tasks a phase gets when it starts: plain dicts ready to store."""
    return [{"template_key": t.key, "title": t.title, "owner_role": t.owner,
             "cost_category": t.cost_category, "due_at": started_at + dt.timedelta(hours=t.due_hours)}
            for t in templates()[phase_key] if applies(t, facts)]
