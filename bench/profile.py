"""Where the time of each figure goes: cProfile over in-process requests (the Flask test client, no HTTP server)
on the bench data set, printing the functions that take the most time of their own and in all.

    .venv/bin/python -m bench.profile --db postgresql                  # every figure, on a data set built before
    .venv/bin/python -m bench.profile --db sqlite --only intake,clock  # some of them

The data set must exist at this BENCH_SCALE (`python -m bench` builds it); this adds cases, lines and reminders.
"""
from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import pstats
import random
import re
import sysconfig

from bench import dataset, figures
from bench.common import PASSWORD, ROOT, database_url

UTC = dt.UTC
SITE = sysconfig.get_paths()["purelib"] + "/"
WHAT = ("intake", "list", "search", "dashboard", "coverage", "clock")


def report(name: str, profile: cProfile.Profile, n: int, top: int) -> None:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    total = stats.total_tt
    print(f"\n## {name}: {total / n * 1000:.1f} ms a call of Python's time, {n} calls")
    # Own time anywhere; time in all of the project's functions (hotline/, workflows/, vendors/).
    for key, restriction, title in (("tottime", (), "own time"),
                                    ("cumulative", (r"/(hotline|workflows|vendors)/",), "the project's, all time")):
        out.seek(0)
        out.truncate()
        stats.sort_stats(key).print_stats(*restriction, top)
        lines = [ln.replace(str(ROOT) + "/", "").replace(SITE, "") for ln in out.getvalue().splitlines()
                 if ln.strip() and not ln.lstrip().startswith(("Ordered by", "List reduced", "ncalls"))
                 and "function calls" not in ln]
        print(f"-- by {title}:")
        print("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="postgresql", choices=("sqlite", "postgresql"))
    parser.add_argument("--only", default=",".join(WHAT))
    parser.add_argument("-n", type=int, default=20, help="requests profiled per figure")
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args(argv)
    url = database_url(args.db)
    facts = dataset.existing(url)
    if facts is None:
        raise SystemExit(f"no data set at this scale in {url}: run `python -m bench --db {args.db}` first")
    ctx = figures.Context(args.db, url, facts)
    product, _floor = ctx.apps()
    client = product.test_client()
    headers = {"Authorization": f"Bearer {ctx.token}"}
    refs = facts["sample_references"]
    rnd = random.Random(3)

    def profiled(name: str, call, n: int = args.n) -> None:
        call(0)  # warm: imports, compiled statements, pools
        p = cProfile.Profile()
        p.enable()
        for i in range(1, n + 1):
            call(i)
        p.disable()
        report(name, p, n, args.top)

    def ok(r, status=200):
        assert r.status_code == status, (r.status_code, r.get_data(as_text=True)[:300])

    only = set(args.only.split(","))
    if "intake" in only:
        profiled("POST /api/v1/cases", lambda i: ok(client.post("/api/v1/cases", headers=headers,
                                                                json=figures.intake_body(ctx, i)), 201))
    if "list" in only:
        profiled("GET /api/v1/cases", lambda i: ok(client.get("/api/v1/cases", headers=headers)), max(3, args.n // 4))
    if "search" in only:
        profiled("GET /api/v1/cases?q=", lambda i: ok(client.get("/api/v1/cases", headers=headers,
                                                                 query_string={"q": rnd.choice(refs)})),
                 max(3, args.n // 4))
    if "dashboard" in only:
        web = product.test_client()
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', web.get("/login").get_data(as_text=True)).group(1)
        ok(web.post("/login", data={"email": facts["users"]["operator"]["email"], "password": PASSWORD,
                                    "csrf_token": csrf}), 302)
        profiled("GET /dashboard (operator)", lambda i: ok(web.get("/dashboard")))
    if "coverage" in only:
        cover = facts.get("coverage") or facts.setdefault("coverage", figures.coverage_policy(ctx))
        ref = cover["references"][len(cover["references"]) // 2]
        coordinator = {"Authorization": f"Bearer {facts['users']['coordinator']['token']}"}

        def after_back_dated_line(i):
            ok(client.post(f"/api/v1/cases/{ref}/costs", headers=coordinator,
                           json={"category": "other.staff", "amount_jpy": 1000, "arose_on": cover["early"]}), 201)
            ok(client.get(f"/api/v1/cases/{ref}/coverage", headers=coordinator))
        profiled("POST a back-dated line, then GET …/coverage", after_back_dated_line, max(3, args.n // 4))
    if "clock" in only:
        from hotline.clock import tick
        from hotline.db import make_engine

        engine = make_engine(url)
        size = max(50, args.n * 50)

        def burst(i):
            at = dt.datetime.now(UTC)
            figures.burst(engine, size if i else 10, f"+8198{i:02d}{at.microsecond:06d}", at)
            tick(product, dt.datetime.now(UTC))
        profiled(f"clock tick after a burst of {size:,} due reminders", burst, 1)
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
