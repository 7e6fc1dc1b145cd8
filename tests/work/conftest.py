"""Fixtures of the work tests: a Work context on a migrated, imported database (both backends),
and a framework with marking levels for tests of marked records."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

import anpo.work  # noqa: F401  (registers the pack importer before the engine fixture runs)
from anpo.framework.framework import Framework
from anpo.framework.model import Citation, Entity, Fact, Period, Text, Where
from anpo.security.principal import Principal, system_principal
from anpo.store.db import session_factory, transaction
from anpo.work.common import Work

LEVELS = (("public", 0, "PUBLIC"), ("confidential", 1, "CONFIDENTIAL"), ("secret", 2, "SECRET"))


@pytest.fixture(scope="session")
def mfw(fw: Framework) -> Framework:
    """The shipped framework plus the marking levels (when the pack does not define them yet)."""
    if len(fw.of_kind("marking_level")) >= 3:
        return fw
    entities = {e.id: e for e in fw.entities() if e.kind != "marking_level"}
    cite = (Citation("wp2024_overview", "test"),)
    where = Where("tests/work/conftest.py", 1)
    for level, rank, banner in LEVELS:
        facts = (
            Fact("rank", rank, Period(), cite, where),
            Fact("banner", Text(banner, banner), Period(), cite, where),
        )
        entities[level] = Entity(level, "marking_level", Text(banner, banner), Period(), cite, where, facts=facts)
    return Framework(entities)


def make_person(user: str, party: str | None, clearance: str = "secret", *roles: str) -> Principal:
    return Principal(user, party, clearance, frozenset(roles or ("coordinator",)))


@pytest.fixture(scope="session")
def person() -> Callable[..., Principal]:
    """`person(user, party, clearance, *roles)`: a principal of one party (default role coordinator)."""
    return make_person


@pytest.fixture
def work(engine: Any, mfw: Framework) -> Callable[..., Any]:
    """`with work() as w:` opens one transaction as the system principal (or `principal`)."""

    @contextmanager
    def open_work(principal: Principal | None = None) -> Iterator[Work]:
        with transaction(session_factory(engine)) as session:
            yield Work(mfw, session, principal or system_principal())

    return open_work


TOKENS = {
    "tok-jpn": make_person("sato", "jpn", "secret", "coordinator"),
    "tok-usa": make_person("smith", "usa", "secret", "coordinator"),
    "tok-viewer": make_person("v", "usa", "secret", "viewer"),
    "tok-ctl": make_person("ctl", "jpn", "secret", "exercise_controller"),
    "tok-policy": make_person("suzuki", "jpn", "secret", "policy_officer"),
}


def work_app(mfw: Framework, engine: Any) -> Any:
    """The web app on the test database, with in-process tokens for three principals."""
    from anpo.web.app import create_app

    app = create_app(mfw)
    app.state.work_engine = engine
    app.state.work_tokens = TOKENS
    return app


@pytest.fixture
def wclient(engine: Any, mfw: Framework) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    with TestClient(work_app(mfw, engine)) as c:
        yield c


class Server:
    """A uvicorn server on a loopback port in a thread (stopped by the fixture)."""

    def __init__(self, app: Any) -> None:
        import socket
        import threading

        import uvicorn

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        import time

        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def two_servers(engine: Any, mfw: Framework) -> Iterator[tuple[Server, Server]]:
    """Two server instances (each its own app, engine and broker) on one database."""
    from anpo.store.db import make_engine

    second = make_engine(str(engine.url.render_as_string(hide_password=False)))
    servers = (Server(work_app(mfw, engine)), Server(work_app(mfw, second)))
    yield servers
    for s in servers:
        s.stop()
    second.dispose()


SERVE = """
import sys, uvicorn
from anpo.security.principal import Principal
from anpo.store.db import make_engine
from anpo.web.app import create_app
app = create_app()
app.state.work_engine = make_engine(sys.argv[1])
app.state.work_tokens = {
    "tok-jpn": Principal("sato", "jpn", "public", frozenset({"coordinator"})),
    "tok-usa": Principal("smith", "usa", "public", frozenset({"coordinator"})),
}
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


@pytest.fixture
def two_processes(engine: Any) -> Iterator[list[str]]:
    """Two `uvicorn` server processes on the test database (each its own broker): their URLs."""
    import socket
    import subprocess
    import sys
    import time

    import httpx

    url = engine.url.render_as_string(hide_password=False)
    ports = []
    for _ in range(2):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            ports.append(s.getsockname()[1])
    procs = [subprocess.Popen([sys.executable, "-c", SERVE, url, str(p)]) for p in ports]
    urls = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        for u, proc in zip(urls, procs, strict=True):
            deadline = time.monotonic() + 30
            while True:
                assert proc.poll() is None, "the server process exited"
                try:
                    if httpx.get(f"{u}/api/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the server process did not start"
                time.sleep(0.1)
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(10)
