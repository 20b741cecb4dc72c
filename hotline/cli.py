"""Command-line set-up: `flask --app hotline <command>`. Thin: each command calls services, which commit."""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time

import click
from flask import Flask, current_app
from sqlmodel import Session

from hotline.db import upgrade_schema


def _session() -> Session:
    return Session(current_app.extensions["hotline.engine"], expire_on_commit=False)


def prepare_database() -> int:
    """Upgrade the schema, then give cases without deadlines or phases (older databases, rows loaded in bulk)
    what intake gives a case, once; returns how many cases were completed."""
    from hotline.cases.service import backfill
    from hotline.deadlines.service import parse_offsets

    upgrade_schema(current_app.config["DATABASE_URL"])
    with _session() as session:
        return backfill(session, offsets=parse_offsets(current_app.config["REMINDER_OFFSETS"]))


def register_cli(app: Flask) -> None:
    @app.cli.command("init-db")
    def init_db():
        """Create the schema, or upgrade it to the newest revision, and complete older cases. Safe to run twice."""
        completed = prepare_database()
        click.echo("Schema is up to date." + (f" {completed} older cases were given their deadlines and phases."
                                              if completed else ""))

    @app.cli.command("create-user")
    @click.argument("email")
    @click.option("--role", required=True, type=click.Choice(["operator", "coordinator", "insured", "admin"]))
    @click.option("--org", "org_id", type=click.IntRange(1, 2**31 - 1), help="Organisation id; required for insured "
                                                                          "users.")
    @click.option("--password", required=True)
    @click.option("--name", default="", help="Display name.")
    @click.option("--phone", default=None, help="Phone number for SMS reminders, e.g. +819012345678 or 090-1234-5678.")
    def create_user(email, role, org_id, password, name, phone):
        """Create a user with a role."""
        from pydantic import ValidationError

        from hotline.auth.schemas import UserIn
        from hotline.auth.service import create_user as create
        from hotline.errors import Invalid
        from hotline.validation import FORM, api_fields

        try:  # typed by a person, like a page form: 090-1234-5678 is read as +819012345678
            data = UserIn.model_validate({"email": email, "role": role, "password": password,
                                          "organization_id": org_id, "display_name": name, "phone": phone or None},
                                         context=FORM)
            with _session() as session:
                user = create(session, email=data.email, role=data.role, password=data.password,
                              organization_id=data.organization_id, display_name=data.display_name, phone=data.phone,
                              hash_method=current_app.config["PASSWORD_HASH_METHOD"], actor="cli")
        except (Invalid, ValidationError) as exc:
            fields = exc.fields if isinstance(exc, Invalid) else api_fields(exc)
            raise click.ClickException("; ".join(f"{k}: {v}" for k, v in fields.items())) from None
        click.echo(f"Created {user.role.value} {user.email} (id {user.id}).")

    @app.cli.command("issue-token")
    @click.argument("email")
    @click.option("--label", default="", help="What the token is for.")
    def issue_token(email, label):
        """Print a new API token for a user as the last line."""
        from sqlmodel import select

        from hotline.auth.models import User
        from hotline.auth.service import issue_token as issue
        from hotline.auth.service import normalise_email

        with _session() as session:
            user = session.exec(select(User).where(User.email == normalise_email(email))).first()
            if user is None:
                raise click.ClickException(f"no user {email}")
            token = issue(session, user, label=label, actor="cli")
        click.echo(f"Token for {user.email} (shown once, store it safely):")
        click.echo(token)

    @app.cli.command("clock")
    def clock():
        """Run the clock process (reminders, escalations) until stopped."""
        from hotline import clock as clock_module

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
        logging.getLogger("apscheduler").setLevel(logging.WARNING)  # one line per tick is noise
        clock_module.run(current_app._get_current_object())

    @app.cli.command("load-demo")
    def load_demo():
        """Add demo organisations, policies, users and cases (idempotent) and print the logins."""
        from hotline.demo import load

        prepare_database()
        with _session() as session:
            logins = load(session, hash_method=current_app.config["PASSWORD_HASH_METHOD"])
        _print_logins(logins)

    @app.cli.command("demo")
    @click.option("--port", default=8000, show_default=True)
    def demo(port):
        """Set up the embedded default with demo data, then run the web app and the clock together."""
        from hotline.demo import load

        prepare_database()
        with _session() as session:
            logins = load(session, hash_method=current_app.config["PASSWORD_HASH_METHOD"])
        _print_logins(logins)
        env = {**os.environ, "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "0"),
               "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", f"http://localhost:{port}")}
        bindir = os.path.dirname(sys.executable)
        # Each child leads its own process group (gunicorn's with its workers), so that stopping a group stops
        # everything it started, and a Ctrl-C in the terminal reaches only this command, which stops them in order.
        web = subprocess.Popen([os.path.join(bindir, "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}",
                                "--access-logfile", "-", "--logger-class", "hotline.access_log.RedactingLogger",
                                "hotline:create_app()"], env=env, process_group=0)
        clock_proc = subprocess.Popen([os.path.join(bindir, "flask"), "--app", "hotline", "clock"], env=env,
                                      process_group=0)
        click.echo(f"\nhotline is running at http://localhost:{port}/ (Ctrl-C stops the web app and the clock)")
        supervise([web, clock_proc])


STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def supervise(children: list[subprocess.Popen], grace: float = 20.0) -> None:
    """Run until a child ends or SIGTERM, SIGINT or SIGHUP arrives (a service manager, Ctrl-C, a closed terminal);
    then stop every child's whole process group: SIGTERM, and after `grace` seconds SIGKILL to what is left."""
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in STOP_SIGNALS}
    try:
        while not stop.is_set() and all(child.poll() is None for child in children):
            stop.wait(0.5)
    finally:
        _signal_groups(children, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for child in children:
            try:
                child.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        _signal_groups(children, signal.SIGKILL)  # a worker that outlived its master, or a child that hung
        for child in children:
            child.wait()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _signal_groups(children: list[subprocess.Popen], sig: int) -> None:
    for child in children:
        try:
            os.killpg(child.pid, sig)
        except ProcessLookupError:  # the group has ended
            pass


def _print_logins(logins: list[tuple[str, str, str]]) -> None:
    click.echo("\nDemo logins (e-mail / password / role):")
    for email, password, role in logins:
        click.echo(f"  {email:34} {password:22} {role}")
