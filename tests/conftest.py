"""Shared fixtures: the shipped framework, a CLI runner and an in-process web client."""

from __future__ import annotations

import gc
import json
import os
import shutil
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from anpo.framework.framework import Framework
from anpo.framework.pack import default_framework


@pytest.fixture(scope="session", autouse=True)
def _patient_browser_expectations() -> None:
    """A browser expectation waits up to 15 s, not Playwright's 5: the suite runs on shared
    two-core machines, where a page stepping an exercise under load took longer than 5 s. A
    passing expectation returns as soon as it holds; speed is the benchmarks' to measure."""
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def fw() -> Framework:
    return default_framework()


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashes() -> Iterator[None]:
    """Accounts made and logged into in this process hash with argon2-cffi's cheapest argon2id
    parameters (its profile for tests). The shipped profile costs about 0.18 s a hash and as much
    a login on these machines, and most web tests make four accounts and log in (this alone took
    tests/web/test_web_acsa.py and test_asvs.py from 173 s to 91 s). Servers and commands run as
    processes keep the shipped profile
    (`tests/web/test_asvs.py::test_asvs_2_4_1_a_new_process_hashes_with_the_shipped_profile`)."""
    from argon2 import PasswordHasher
    from argon2.profiles import CHEAPEST

    from anpo.security import accounts

    shipped = accounts.HASHER, accounts._DUMMY_HASH
    accounts.HASHER = PasswordHasher.from_parameters(CHEAPEST)
    accounts._DUMMY_HASH = accounts.HASHER.hash("not a password of anyone")
    yield
    accounts.HASHER, accounts._DUMMY_HASH = shipped


_THRESHOLDS = gc.get_threshold()


@pytest.fixture(autouse=True)
def _collector_unfrozen() -> Iterator[None]:
    """A command run in-process (`anpo demo`) may settle the collector as its process would
    (`anpo.startup.settle`): thaw it and restore its thresholds, so no later test runs with the
    objects of this one frozen."""
    yield
    if gc.get_freeze_count():
        gc.unfreeze()
    gc.set_threshold(*_THRESHOLDS)


class Cli:
    """Runs `anpo` in-process and decodes --json output."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def run(self, *args: str) -> Any:
        from anpo.cli import app

        return self.runner.invoke(app, list(args))

    def json(self, *args: str) -> Any:
        result = self.run(*args, "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)


@pytest.fixture(scope="session")
def cli() -> Cli:
    return Cli()


@pytest.fixture(scope="session")
def client(fw: Framework) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from anpo.web.app import create_app

    with TestClient(create_app(fw)) as c:
        yield c


# -- databases: every store test runs on SQLite and on PostgreSQL ---------------------------------

PG_ADMIN_URL = os.environ.get("ANPO_TEST_PG_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _pg_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


@contextmanager
def _fresh_database(backend: str, tmp_path: Path, template: str | None = None) -> Iterator[str]:
    """A new database: empty, or a copy of `template` (a file on SQLite, a database's name on
    PostgreSQL)."""
    if backend == "sqlite":
        path = tmp_path / "anpo.sqlite3"
        if template is not None:
            shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    from sqlalchemy import create_engine, text

    name = f"anpo_t_{uuid.uuid4().hex[:12]}"
    copy = "" if template is None else f' TEMPLATE "{template}"'
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    try:
        yield _pg_url(name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def fresh_database() -> Any:
    """`fresh_database(backend, directory)`: a context giving the URL of a new, empty database, for
    fixtures of a wider scope than one test's."""
    return _fresh_database


@pytest.fixture(scope="session")
def initialised_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], str]]:
    """`initialised_template(backend)`: a database that `init_database` brought up to date, made
    once a session per backend, for `engine` to copy: migrating and importing the pack took 0.2-0.4 s
    on SQLite and 0.6 s on PostgreSQL, for each of some 400 tests; a copy takes a millisecond
    (a file) and 0.3 s (`CREATE DATABASE ... TEMPLATE`). Nothing connects to a template once made,
    as PostgreSQL's copy requires. `init_database` itself still runs on both backends: to make the
    templates, and in the tests that start from an empty database (`db_url` without `engine`)."""
    from anpo.store.db import make_engine
    from anpo.store.migrate import init_database

    made: dict[str, str] = {}
    contexts = ExitStack()

    def template(backend: str) -> str:
        if backend not in made:
            url = contexts.enter_context(_fresh_database(backend, tmp_path_factory.mktemp(f"template-{backend}")))
            eng = make_engine(url)
            init_database(eng)
            eng.dispose()  # on SQLite the last connection checkpoints the WAL into the file
            made[backend] = url.removeprefix("sqlite:///") if backend == "sqlite" else url.rsplit("/", 1)[1]
        return made[backend]

    with contexts:
        yield template


class _PostgresDatabases:
    """New PostgreSQL databases for one test each, made ahead on one worker thread and dropped on
    another.

    Making a copy (`CREATE DATABASE ... TEMPLATE`) took 0.3-2 s of PostgreSQL's time and dropping
    it up to 0.7 s, in each of some 350 tests' set-up and teardown: the maker keeps AHEAD copies
    ready while tests run, and the dropper drops a test's database after it, while the next ones
    run. Every test still gets a database of its own that nothing used before (a copy of a template
    nothing connects to, taken by one test only), and each is dropped."""

    AHEAD = 2

    def __init__(self) -> None:
        from concurrent.futures import Future, ThreadPoolExecutor

        from sqlalchemy import create_engine

        self.admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        self.maker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-databases-make")
        self.dropper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-databases-drop")
        self.ahead: dict[str | None, deque[Future[str]]] = {}

    def _execute(self, sql: str) -> None:
        from sqlalchemy import text

        with self.admin.connect() as conn:
            conn.execute(text(sql))

    def _make(self, template: str | None) -> str:
        name = f"anpo_t_{uuid.uuid4().hex[:12]}"
        self._execute(f'CREATE DATABASE "{name}"' + ("" if template is None else f' TEMPLATE "{template}"'))
        return name

    def _drop(self, name: str) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    @contextmanager
    def database(self, template: str | None) -> Iterator[str]:
        """The URL of a new database (empty, or a copy of `template`), dropped after."""
        ready = self.ahead.setdefault(template, deque())
        made = ready.popleft() if ready else self.maker.submit(self._make, template)
        name = made.result()
        while len(ready) < self.AHEAD:
            ready.append(self.maker.submit(self._make, template))
        try:
            yield _pg_url(name)
        finally:
            self.dropper.submit(self._drop, name)

    def close(self) -> None:
        """Drops the copies made ahead that no test took, after everything queued ran."""
        self.maker.shutdown(wait=True)
        for ready in self.ahead.values():
            for made in ready:
                if made.exception() is None:  # a copy that failed failed its test already
                    self.dropper.submit(self._drop, made.result())
        self.dropper.shutdown(wait=True)
        self.admin.dispose()


@pytest.fixture(scope="session")
def _postgres_databases(initialised_template: Callable[[str], str]) -> Iterator[_PostgresDatabases]:
    """Set up after `initialised_template` so torn down before it: the copies are dropped before
    their template."""
    databases = _PostgresDatabases()
    try:
        yield databases
    finally:
        databases.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    initialised_template: Callable[[str], str],
    _postgres_databases: _PostgresDatabases,
) -> Iterator[str]:
    """A URL of a new database on each backend: empty, or, for a test that also uses `engine`, a
    copy of one brought up to date by `init_database` (`initialised_template`). PostgreSQL's are
    made and dropped by `_PostgresDatabases`."""
    template = initialised_template(request.param) if "engine" in request.fixturenames else None
    if request.param == "postgresql":
        with _postgres_databases.database(template) as url:
            yield url
        return
    with _fresh_database(request.param, tmp_path, template) as url:
        yield url


@pytest.fixture
def engine(db_url: str) -> Iterator[Any]:
    """An engine on a new database with every migration applied and the pack's records imported
    (a copy of `initialised_template`, made by `db_url`)."""
    from anpo.store.db import make_engine

    eng = make_engine(db_url)
    yield eng
    eng.dispose()
