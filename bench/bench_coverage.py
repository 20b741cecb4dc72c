"""Time to compute coverage for one policy period of 50 cases × 1,000 cost lines (50,000 lines).

    .venv/bin/python bench/bench_coverage.py                      # SQLite in a temporary folder
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench .venv/bin/python bench/bench_coverage.py

Prints the median of several runs for: the engine alone (lines already in memory), loading + engine
(service.policy_coverage) cold and with an unchanged ledger (the result is kept per process, keyed by a
fingerprint of the ledger and the case facts), and the API calls GET /api/v1/cases/<ref>/coverage and
/policies/<id>/coverage, also right after a new line. Target: under 100 ms for the API call.
"""
from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from sqlmodel import Session  # noqa: E402

from hotline import create_app  # noqa: E402
from workflows.calendar import TOKYO  # noqa: E402

CASES, LINES_PER_CASE, RUNS = 50, 1_000, 7


def median_ms(fn, runs=RUNS) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    tmp = tempfile.mkdtemp(prefix="bench-coverage-")
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite"
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "bench", "PASSWORD_HASH_METHOD":
                      "pbkdf2:sha256:1000", "TWILIO_ACCOUNT_SID": None})
    app.instance_path = tmp
    from hotline.auth.service import create_user, issue_token
    from hotline.cases.models import Case
    from hotline.costs import service
    from hotline.costs.models import CostLine
    from hotline.coverage.engine import compute
    from hotline.db import upgrade_schema
    from hotline.orgs.models import Organization, Policy
    from hotline.products.catalogue import get_product

    upgrade_schema(url)
    engine = app.extensions["hotline.engine"]
    product = get_product("tm-juas-2026")
    codes = [c.code for c in product.categories]
    rnd = random.Random(4)
    with Session(engine, expire_on_commit=False) as s:
        org = Organization(name="ベンチ株式会社")
        s.add(org)
        s.flush()
        policy = Policy(organization_id=org.id, product=product.code, plan="C", policy_number=f"BENCH-{time.time()}",
                        period_start=dt.datetime(2026, 3, 1, 16, tzinfo=TOKYO),
                        period_end=dt.datetime(2027, 3, 1, 16, tzinfo=TOKYO))
        s.add(policy)
        s.flush()
        user = create_user(s, email=f"bench{time.time()}@example.jp", role="coordinator", password="x" * 12,
                           hash_method="pbkdf2:sha256:1000")
        refs = []
        for n in range(CASES):
            discovered = dt.datetime(2026, 3, 10, 9, tzinfo=TOKYO) + dt.timedelta(days=5 * n)
            case = Case(reference=f"BN-{time.time_ns() % 10**9:09d}{n:02d}"[:20], policy_id=policy.id,
                        first_discovered_at=discovered, reported_at=discovered + dt.timedelta(hours=1),
                        summary="bench", attack_confirmed=rnd.choice(["yes", "no", "unknown"]),
                        discovery_source=rnd.choice(["internal", "public_body"]),
                        publication_made_at=discovered + dt.timedelta(days=1))
            s.add(case)
            s.flush()
            refs.append(case.reference)
            d0 = discovered.date()
            rows = [{"case_id": case.id, "category": rnd.choice(codes), "amount_jpy": rnd.randrange(0, 2_000_000),
                     "arose_on": d0 + dt.timedelta(days=rnd.randrange(1, 200)),
                     "ordered_at": discovered + dt.timedelta(days=1), "victims": rnd.randrange(1, 500),
                     "consent_ref": rnd.choice([None, "TM-1"]), "note": "", "created_at": discovered,
                     "updated_at": discovered} for _ in range(LINES_PER_CASE)]
            s.execute(sa.insert(CostLine), rows)
        token = issue_token(s, user)
        s.commit()
        policy_id = policy.id

    with Session(engine) as s:
        policy = s.get(Policy, policy_id)
        result = service.policy_coverage(s, policy)
        assert len(result.lines) == CASES * LINES_PER_CASE
        from hotline.cases.models import FACT_COLUMNS, facts_of
        from hotline.coverage.engine import CostItem
        cases = [facts_of(r) for r in s.execute(sa.select(*FACT_COLUMNS).where(Case.policy_id == policy_id))]
        lines = [CostItem(*r) for r in s.execute(sa.select(*service._LINE_COLUMNS).join(Case)
                                                  .where(Case.policy_id == policy_id))]
        latest = max(x.arose_on for x in lines)
        period = (policy.period_start, policy.period_end)
        engine_ms = median_ms(lambda: compute(product, "C", cases, lines, period=period))
        load_ms = median_ms(lambda: service.policy_coverage(s, policy))  # unchanged ledger: kept result

        def cold():
            service._CACHE.clear()
            service.policy_coverage(s, policy)
        cold_ms = median_ms(cold, runs=3)

    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    case_ref = refs[len(refs) // 2]
    r = client.get(f"/api/v1/cases/{case_ref}/coverage", headers=headers)
    assert r.status_code == 200 and len(r.get_json()["lines"]) == LINES_PER_CASE, r.status_code
    case_api_ms = median_ms(lambda: client.get(f"/api/v1/cases/{case_ref}/coverage", headers=headers))
    policy_api_ms = median_ms(lambda: client.get(f"/api/v1/policies/{policy_id}/coverage", headers=headers))

    def after_a_new_line(day: str) -> float:
        client.post(f"/api/v1/cases/{case_ref}/costs", headers=headers,
                    json={"category": "other.staff", "amount_jpy": 1000, "arose_on": day})
        t0 = time.perf_counter()
        client.get(f"/api/v1/cases/{case_ref}/coverage", headers=headers)
        return (time.perf_counter() - t0) * 1000
    # A line dated on or after every other one is allocated after them (engine.extend); an earlier date
    # changes the order of I-6, so the period is recomputed.
    appended_ms = statistics.median(after_a_new_line(latest.isoformat()) for _ in range(3))
    changed_ms = statistics.median(after_a_new_line("2026-06-01") for _ in range(3))
    backend = sa.make_url(url).get_backend_name()
    print(f"coverage of one policy period: {CASES} cases × {LINES_PER_CASE} lines = {CASES * LINES_PER_CASE:,} lines "
          f"({backend}, median of {RUNS})")
    print(f"  engine alone (lines in memory)           {engine_ms:8.1f} ms")
    print(f"  load from the database + engine, cold    {cold_ms:8.1f} ms   (ledger changed since the last call)")
    print(f"  same, ledger unchanged (kept result)     {load_ms:8.1f} ms")
    print(f"  GET /api/v1/cases/<ref>/coverage         {case_api_ms:8.1f} ms   (target < 100 ms; ledger unchanged)")
    print(f"  GET /api/v1/policies/<id>/coverage       {policy_api_ms:8.1f} ms   (ledger unchanged)")
    print(f"  GET …/coverage after a line of the day   {appended_ms:8.1f} ms   (new line allocated after the others)")
    print(f"  GET …/coverage after a back-dated line   {changed_ms:8.1f} ms   (full recomputation)")
    engine.dispose()


if __name__ == "__main__":
    main()
