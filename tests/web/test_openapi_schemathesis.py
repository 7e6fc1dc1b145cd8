"""schemathesis, in-process, against the app's OpenAPI schema: no 5xx and no response that breaks
the schema, on every operation, anonymous and logged in (an administrator's API token), on SQLite
and on PostgreSQL (whose text holds no NUL and whose INTEGER is 32-bit: each backend fails on
inputs the other takes)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance
from web_helpers import USERS, make_users

import anpo.work  # noqa: F401
from anpo.framework.framework import Framework
from anpo.framework.pack import default_framework
from anpo.security.accounts import create_token
from anpo.store.db import make_engine, session_factory, transaction
from anpo.store.migrate import init_database
from anpo.web.app import create_app

TOKEN: dict[str, str] = {}
APP = create_app(default_framework())  # its database is attached by the fixture below
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True, params=["sqlite", "postgresql"])
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, fw: Framework, fresh_database: Any
) -> Iterator[None]:
    with fresh_database(request.param, tmp_path_factory.mktemp("st")) as url:
        engine = make_engine(url)
        try:
            yield from _serve(engine, fw)
        finally:
            engine.dispose()


def _serve(engine: Any, fw: Framework) -> Iterator[None]:
    init_database(engine)
    make_users(engine, fw, USERS)
    with transaction(session_factory(engine)) as session:
        TOKEN["admin"] = create_token(session, "admin", "schemathesis")
    APP.state.engine = engine
    yield
    del APP.state.engine


SETTINGS = settings(max_examples=6, deadline=None, database=None, suppress_health_check=list(HealthCheck))
CHECKS = [not_a_server_error, response_schema_conformance]
# The live event stream of a readable case never ends; its 404s are covered by tests/work.
operations = schema.exclude(path_regex=r".*/events$")


@operations.parametrize()
@SETTINGS
def test_anonymous_no_server_error_and_no_schema_violation(case: Any) -> None:
    case.call_and_validate(checks=CHECKS)


@operations.parametrize()
@SETTINGS
def test_administrator_no_server_error_and_no_schema_violation(case: Any) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN['admin']}"}, checks=CHECKS)
