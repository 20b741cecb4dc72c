"""Every figure of issue 13, on SQLite and on PostgreSQL, each beside its floor measured in the same run.

    .venv/bin/python -m bench                       # everything, BENCH_SCALE=1 (1,000,000 cases): long
    BENCH_SCALE=0.01 .venv/bin/python -m bench      # the same at 1/100 of the sizes: a few minutes
    .venv/bin/python -m bench --db postgresql --only lists,intake --reuse

Prints one table per database (figure, floor, ratio, goal, met) and writes it as JSON to bench/out/.
Exit status 0 when every figure was measured, whether or not its goal is met; 1 when the harness failed.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
import traceback

from bench import common, dataset, figures
from bench.common import OUT, SCALE, Server, database_url

FIGURES = ("lists", "intake", "inprocess", "coverage", "memory", "reminders")


def measure(backend: str, only: set[str], reuse: bool) -> list[figures.Row]:
    url = database_url(backend)
    workers, threads = common.gunicorn_settings(backend)
    print(f"\n== {backend}: gunicorn {workers} worker(s) × {threads} threads, product and floor alike", flush=True)
    ctx = figures.Context(backend, url, dataset.ensure(url, reuse=reuse))
    rows: list[figures.Row] = []

    def run(name: str, fn, *args):
        t = time.perf_counter()
        print(f"  {name} ...", end=" ", flush=True)
        got = fn(ctx, *args)
        rows.extend(got)
        print(f"{time.perf_counter() - t:.0f} s", flush=True)

    # Reads first, on the data set as built; the clock before intake fills the reminder table with work.
    if only & {"lists"}:
        with servers(ctx):
            run("GET /api/v1/cases, 1 client", figures.case_list, 1)
            run("GET /api/v1/cases, 16 clients", figures.case_list, 16)
            run("search", figures.search)
            run("dashboard", figures.dashboard)
    if "coverage" in only:
        run("coverage", figures.coverage)
    if "memory" in only:
        run("memory", figures.memory)
    if "reminders" in only:
        run("reminders (real clock processes)", figures.reminders)
    if "intake" in only:
        with servers(ctx):
            run("intake, 1 client", figures.intake_throughput, 1)
            run("intake, 16 clients", figures.intake_throughput, 16)
    if "inprocess" in only:
        run("intake in process", figures.intake_in_process)
    return rows


@contextlib.contextmanager
def servers(ctx: figures.Context):
    """The product and the floor, each under gunicorn with the same settings, on the same database."""
    with Server("hotline:create_app()", ctx.url) as product, Server("bench.floor:create_app()", ctx.url) as floor:
        ctx.product, ctx.floor = product, floor
        yield
    ctx.product = ctx.floor = None


def fmt(v: float | None, unit: str = "") -> str:
    if v is None:
        return ""
    if v != v:
        return "n/a"
    if v == float("inf"):
        return "∞"
    text = f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.1f}" if abs(v) >= 10 else f"{v:,.2f}"
    return f"{text} {unit}".strip()


def table(backend: str, rows: list[figures.Row]) -> str:
    out = [f"| figure ({backend}) | product | floor | ratio | goal | met | note |", "|---|---:|---:|---:|---|---|---|"]
    for r in rows:
        met = "" if r.met is None else ("yes" if r.met else "**no**")
        ratio = "" if r.ratio is None else f"{r.ratio:.2f} ×"
        out.append(f"| {r.figure} | {fmt(r.product, r.unit)} | {fmt(r.floor, r.unit)} | {ratio} | {r.goal} | {met} "
                   f"| {r.note} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite,postgresql", help="sqlite, postgresql or both (default)")
    parser.add_argument("--only", default=",".join(FIGURES), help=f"some of {', '.join(FIGURES)}")
    parser.add_argument("--reuse", action="store_true",
                        help="keep a data set of the same scale already in the bench database (migrated to head)")
    args = parser.parse_args(argv)
    only = set(args.only.split(","))
    if only - set(FIGURES):
        parser.error(f"unknown figure(s): {', '.join(sorted(only - set(FIGURES)))}")
    OUT.mkdir(parents=True, exist_ok=True)
    report = {"scale": SCALE, "rounds": common.ROUNDS, "round_seconds": common.ROUND_SECONDS,
              "uptime_before": common.uptime(), "databases": {}}
    print(f"bench: scale {SCALE:g}, {common.ROUNDS} interleaved rounds of ≤ {common.ROUND_SECONDS:g} s; "
          f"load before: {report['uptime_before']}", flush=True)
    tables, failed = [], False
    for backend in args.db.split(","):
        try:
            rows = measure(backend, only, args.reuse)
        except Exception:  # noqa: BLE001 - report, then go on with the other database
            traceback.print_exc()
            failed = True
            continue
        report["databases"][backend] = [{**r.__dict__, "ratio": r.ratio} for r in rows]
        tables.append(table(backend, rows))
    report["uptime_after"] = common.uptime()
    print(f"\nload after: {report['uptime_after']} (2 shared cores: figures are noisy)\n")
    print("\n\n".join(tables))
    path = OUT / f"results-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str))
    print(f"\nwritten to {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
