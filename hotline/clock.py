"""The clock process: the one place where time-driven work runs (reminders, escalations).

APScheduler is only a ticker here: every CLOCK_TICK_SECONDS it runs each job in `JOBS`, each on its own thread,
at the current instant `now`. A job is thin:
for each due row it calls a service function that claims the row (`FOR UPDATE SKIP LOCKED` on PostgreSQL
plus a conditional update), acts and records what it did in one transaction, so a restart or a second clock
process neither loses nor repeats work. No job is pickled into a job store: the database rows are the
schedule. Tests call `tick(app, now=...)` at the instant they choose.
"""
from __future__ import annotations

import datetime as dt
import logging
import signal
import threading

from flask import Flask

from hotline.db import utcnow
from hotline.deadlines import jobs as deadline_jobs
from hotline.dispatch import jobs as dispatch_jobs
from hotline.phases import jobs as phase_jobs
from workflows.calendar import TOKYO

log = logging.getLogger("hotline.clock")

# Every job, imported: a job module that cannot be imported stops the clock at start-up, loudly.
# Each is called as job(app, now) inside an app context and returns how many rows it handled.
JOBS = (
    deadline_jobs.mark_missed,
    deadline_jobs.send_reminders,
    phase_jobs.remind_overdue_tasks,
    dispatch_jobs.escalate_dispatches,
)


def name(job) -> str:
    return f"{job.__module__}.{job.__name__}"


def run_job(app: Flask, job, now: dt.datetime | None = None) -> int:
    """Run one job at `now` (the current instant by default). A failure is logged; the job runs again later."""
    try:
        with app.app_context():
            done = job(app, now or utcnow()) or 0
    except Exception:
        log.exception("clock job %s failed; it will run again at the next tick", name(job))
        return 0
    if done:
        log.info("%s: %s", name(job), done)
    return done


def tick(app: Flask, now: dt.datetime | None = None) -> dict[str, int]:
    """Run every job once, at `now` (the current instant by default), one after the other; a failing job does not
    stop the others. Tests drive the clock with it; the clock process runs each job on its own (`make_scheduler`)."""
    now = now or utcnow()
    done: dict[str, int] = {}
    for job in JOBS:
        try:
            with app.app_context():
                done[name(job)] = job(app, now) or 0
        except Exception:
            log.exception("clock job %s failed; it will run again at the next tick", name(job))
    return done


def make_scheduler(app: Flask, *, blocking: bool):
    """Every job on its own schedule and thread, every CLOCK_TICK_SECONDS: a job with a backlog (10,000 reminders
    due at once) does not hold back the others. Each job runs one at a time (max_instances=1), and a run that
    took longer than the interval is followed by one run, not a catch-up burst (coalesce)."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = cls(executors={"default": ThreadPoolExecutor(max_workers=len(JOBS))},
                    job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
                    timezone=TOKYO)
    for job in JOBS:
        scheduler.add_job(run_job, "interval", args=[app, job], seconds=app.config["CLOCK_TICK_SECONDS"],
                          id=name(job), next_run_time=utcnow())
    return scheduler


def run(app: Flask) -> None:
    """Run until SIGTERM or SIGINT, then finish the tick under way and stop."""
    scheduler = make_scheduler(app, blocking=False)
    stop = threading.Event()

    def _stop(signum, _frame):
        log.info("clock: signal %s received, stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    log.info("clock: started, tick every %ss, jobs: %s", app.config["CLOCK_TICK_SECONDS"], ", ".join(map(name, JOBS)) or "none")
    scheduler.start()
    stop.wait()
    scheduler.shutdown(wait=True)
    log.info("clock: stopped cleanly")
