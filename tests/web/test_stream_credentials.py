"""`auth.still_the_principal`: whether a request's credentials still give the principal an open
response (a case log's stream) began with, looked up anew, for sessions and API tokens alike, on
SQLite and PostgreSQL. The stream's own behaviour is tested in tests/work/test_live.py."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text
from starlette.requests import Request

from anpo.security import accounts
from anpo.store.db import session_factory, transaction
from anpo.web.auth import SESSION_COOKIE, current_principal, still_the_principal


def _request(app: Any, headers: dict[str, str]) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": raw, "app": app, "scheme": "http"})


def test_a_session_or_token_that_ends_or_changes_no_longer_gives_its_principal(app: Any, web: Any, engine: Any) -> None:
    client: TestClient = web("sato")
    by_cookie = {"cookie": f"{SESSION_COOKIE}={client.cookies.get(SESSION_COOKIE)}"}
    opened = current_principal(_request(app, by_cookie))
    assert opened.user_id == "sato"
    assert still_the_principal(_request(app, by_cookie), opened)
    with engine.begin() as conn:  # the clearance lowered behind the stream's back
        conn.execute(text("UPDATE users SET clearance = 'public' WHERE id = 'sato'"))
    assert not still_the_principal(_request(app, by_cookie), opened)
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET clearance = :c WHERE id = 'sato'"), {"c": opened.clearance})
    assert still_the_principal(_request(app, by_cookie), opened)
    with transaction(session_factory(engine)) as session:
        token = accounts.create_token(session, "sato", "stream")
    by_token = {"authorization": f"Bearer {token}"}
    assert still_the_principal(_request(app, by_token), current_principal(_request(app, by_token)))
    with transaction(session_factory(engine)) as session:  # as `anpo users disable` does
        accounts.disable_user(session, "sato")
    assert not still_the_principal(_request(app, by_cookie), opened)
    assert not still_the_principal(_request(app, by_token), opened)
    assert still_the_principal(_request(app, {}), current_principal(_request(app, {})))  # a visitor stays one
