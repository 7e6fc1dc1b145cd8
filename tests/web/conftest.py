"""Fixtures of the web tests: the app on a real database (SQLite and PostgreSQL) with accounts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web_helpers import USERS, login, make_users

import anpo.work  # noqa: F401  (registers the work importer and actions)
from anpo.framework.framework import Framework


@pytest.fixture
def app(engine: Any, fw: Framework) -> Any:
    from anpo.web.app import create_app

    make_users(engine, fw, USERS)
    return create_app(fw, engine=engine)


@pytest.fixture
def web(app: Any) -> Iterator[Callable[..., TestClient]]:
    """`web(user=None)`: a new client (its own cookie jar), logged in as `user` when given."""
    clients: list[TestClient] = []

    def make(user: str | None = None) -> TestClient:
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        if user:
            response = login(client, user)
            assert response.status_code == 303, response.text
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)
