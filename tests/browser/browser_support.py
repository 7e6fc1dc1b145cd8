"""What the browser tests share: a port, anpo served by uvicorn in a process of its own, the
browser, and a page that records its console errors."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "correct horse battery staple"


def database_with_users(directory: Path, users: dict[str, tuple[str | None, str, tuple[str, ...]]]) -> str:
    """A new SQLite database in `directory`, initialised, with `users` (name: (party, clearance,
    roles)) whose password is PASSWORD; its URL."""
    import anpo.work  # noqa: F401  (registers the work importer and actions)
    from anpo.framework.pack import default_framework
    from anpo.security.accounts import create_user
    from anpo.security.markings import Levels
    from anpo.store.db import make_engine, session_factory, transaction
    from anpo.store.migrate import init_database

    url = f"sqlite:///{directory / 'anpo.sqlite3'}"
    engine = make_engine(url)
    init_database(engine)
    levels = Levels(default_framework())
    with transaction(session_factory(engine)) as session:
        for name, (party, clearance, roles) in users.items():
            create_user(session, levels, name, PASSWORD, party=party, clearance=clearance, roles=roles)
    engine.dispose()
    return url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(database_url: str, cwd: Path) -> Iterator[str]:
    """anpo's app on a free port of 127.0.0.1 over `database_url`, until the block ends; its URL."""
    port = free_port()
    env = {**os.environ, "ANPO_DATABASE_URL": database_url}
    cmd = [sys.executable, "-m", "uvicorn", "anpo.web.app:create_app", "--factory"]
    proc = subprocess.Popen(
        [*cmd, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"], env=env, cwd=str(cwd)
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("the server did not start")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def new_page(browser: Any, locale: str = "en-US", **options: Any) -> tuple[Any, Any, list[str]]:
    """A new context's page, and the console errors it logs (a CSP refusal is one)."""
    errors: list[str] = []
    context = browser.new_context(locale=locale, **options)
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return context, page, errors


def login(page: Any, base: str, user: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_test_id("username").fill(user)
    page.get_by_test_id("password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(f"{base}/dashboard")
