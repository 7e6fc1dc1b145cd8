"""Helpers of the web tests: the accounts they use and logging in as a browser does."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from anpo.framework.framework import Framework
from anpo.security.accounts import create_user
from anpo.security.markings import Levels
from anpo.store.db import session_factory, transaction

PASSWORD = "correct horse battery staple"
USERS: dict[str, tuple[str | None, str, tuple[str, ...]]] = {
    "admin": (None, "public", ("administrator",)),
    "sato": ("jpn", "secret", ("coordinator",)),
    "smith": ("usa", "secret", ("coordinator",)),
    "reader": (None, "public", ("viewer",)),
}


def make_users(engine: Any, fw: Framework, users: dict[str, tuple[str | None, str, tuple[str, ...]]]) -> None:
    with transaction(session_factory(engine)) as session:
        for name, (party, clearance, roles) in users.items():
            create_user(session, Levels(fw), name, PASSWORD, party=party, clearance=clearance, roles=roles)


def login(client: TestClient, user: str, password: str = PASSWORD) -> Any:
    """Log in through the form, as a browser does: fetch the page (CSRF cookie), then post."""
    client.get("/login")
    csrf = client.cookies.get("anpo_csrf")
    return client.post(
        "/login",
        data={"username": user, "password": password, "csrf_token": csrf or "", "next": "/dashboard"},
        follow_redirects=False,
    )


def csrf_of(client: TestClient) -> str:
    value = client.cookies.get("anpo_csrf")
    assert value
    return value
