"""The coverage a web worker keeps sees changes made elsewhere (another worker, a script that sets updated_at),
is not fooled by one writer whose clock is ahead, and notices a line deleted outright."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from hotline.costs.models import CostLine
from hotline.db import utcnow
from tests.support import jst


@pytest.fixture
def staff(factory, api_as):
    return api_as(factory.user("coordinator"))


def payable(staff, case) -> dict[int, int]:
    return {x["id"]: x["payable_jpy"] for x in staff.get(f"/cases/{case.reference}/coverage").get_json()["lines"]}


def write(db, line_id: int, **values) -> None:
    """What another worker (or a script) commits behind this one's back."""
    db.execute(sa.update(CostLine).where(CostLine.id == line_id).values(**values))
    db.commit()


def test_changes_made_elsewhere_are_seen_without_recomputing_the_period(factory, staff, db, monkeypatch):
    from hotline.costs import service

    policy = factory.policy(plan="A")
    case = factory.case(policy, attack_confirmed="yes", publication_made_at=jst(2026, 4, 12, 9, 0))
    url = f"/cases/{case.reference}/costs"
    one = staff.post(url, json={"category": "other.staff", "amount_jpy": 4_000_000, "arose_on": "2026-04-12"})
    two = staff.post(url, json={"category": "other.staff", "amount_jpy": 4_000_000, "arose_on": "2026-04-13"})
    one, two = one.get_json()["id"], two.get_json()["id"]
    assert payable(staff, case) == {one: 4_000_000, two: 4_000_000}
    full = []
    real = service.compute
    monkeypatch.setattr(service, "compute", lambda *a, **kw: full.append(1) or real(*a, **kw))

    write(db, one, amount_jpy=7_000_000, updated_at=utcnow())  # another worker's edit
    assert payable(staff, case) == {one: 7_000_000, two: 3_000_000}  # overall ¥10M for plan A
    # A writer whose clock is two hours ahead: its change is seen, and it hides no later change of the others.
    write(db, two, amount_jpy=1_000_000, updated_at=utcnow() + dt.timedelta(hours=2))
    assert payable(staff, case) == {one: 7_000_000, two: 1_000_000}
    staff.patch(f"{url}/{one}", json={"amount_jpy": 9_500_000})
    assert payable(staff, case) == {one: 9_500_000, two: 500_000}
    assert full == []  # every change above was applied to the kept result

    # A line deleted outright (never through the app): noticed at the next change, by the count of live lines.
    db.execute(sa.delete(CostLine).where(CostLine.id == two))
    db.commit()
    staff.patch(f"{url}/{one}", json={"amount_jpy": 9_600_000})
    assert payable(staff, case) == {one: 9_600_000}
    assert full == [1]
