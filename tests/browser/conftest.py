"""Browser tests: every page any of them opens must load without a Content-Security-Policy violation (Chromium
reports each one on the console), and axe-core for the accessibility test."""
from __future__ import annotations

import fcntl
import os
import subprocess
from pathlib import Path

import pytest

AXE_CORE = "4.14.1"  # npm axe-core: run by the tests in Chromium, never served to users


@pytest.fixture(autouse=True)
def csp_violations(browser, monkeypatch):
    """Listens to the console of every browser context a test opens (its `page` and any it makes itself) and fails
    the test on a Content-Security-Policy violation: an inline script or style the policy blocked."""
    violations: list[str] = []
    new_context = browser.new_context

    def listening_context(*args, **kwargs):
        context = new_context(*args, **kwargs)
        context.on("console", lambda msg: violations.append(f"{msg.location.get('url')}: {msg.text}")
                   if msg.type == "error" and "Content Security Policy" in msg.text else None)
        return context

    monkeypatch.setattr(browser, "new_context", listening_context)
    yield violations
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


@pytest.fixture(scope="session")
def axe_source() -> Path:
    """axe-core's script, installed once from the npm registry into a cache folder outside the checkout."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hotline-tests" / f"axe-core-{AXE_CORE}"
    script = cache / "node_modules" / "axe-core" / "axe.min.js"
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / ".lock", "w") as lock:  # xdist workers install it once between them
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not script.exists():
            subprocess.run(["npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix", str(cache),
                            f"axe-core@{AXE_CORE}"], check=True, capture_output=True, timeout=300)
    return script
