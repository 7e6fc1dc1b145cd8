"""Who is asking, on every request: a session cookie or an `Authorization: Bearer` API token.

`current_principal(request)` is the one way routes learn the principal (a FastAPI dependency, and a
plain function): ANONYMOUS when nobody is logged in. It caches its answer in
`request.state.principal`. Requests without a cookie or token never touch the database, so the
public framework pages work without one.

The middleware in `anpo.web.guard` adds CSRF checks, security headers and the marking header.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import Request
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from anpo.security.accounts import Resolved, lookup_session, resolve_session, resolve_token
from anpo.security.principal import ANONYMOUS, Principal

SESSION_COOKIE = "anpo_session"
SESSION_COOKIE_SECURE = "__Host-anpo_session"  # over https: Secure, Path=/, no Domain
CSRF_COOKIE = "anpo_csrf"
CSRF_COOKIE_SECURE = "__Host-anpo_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
log = logging.getLogger(__name__)


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def session_cookie_name(request: Request) -> str:
    return SESSION_COOKIE_SECURE if is_https(request) else SESSION_COOKIE


def csrf_cookie_name(request: Request) -> str:
    return CSRF_COOKIE_SECURE if is_https(request) else CSRF_COOKIE


def engine_of(request: Request) -> Engine:
    """The app's database engine (`app.state.engine`), made from ANPO_DATABASE_URL on first use."""
    state = request.app.state
    engine = getattr(state, "engine", None) or getattr(state, "work_engine", None)
    if engine is None:
        from anpo.store.db import make_engine

        engine = make_engine()
        state.engine = engine
    assert isinstance(engine, Engine)
    return engine


def bearer_of(request: Request) -> str | None:
    value = request.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def session_token_of(request: Request) -> str | None:
    return request.cookies.get(session_cookie_name(request)) or None


def resolve(request: Request) -> Resolved | None:
    """Look up the request's API token or session (the token wins); None for anonymous.

    The look-up is one read-only query; only a session that expired (deleted) or whose last use
    is due to be recorded (at most once a minute) takes a write transaction, which decides anew."""
    if hasattr(request.state, "auth"):
        cached: Resolved | None = request.state.auth
        return cached
    found: Resolved | None = None
    bearer = bearer_of(request)
    cookie = session_token_of(request)
    if bearer or cookie:
        from anpo.store.db import transaction

        try:
            with read_connection(request) as conn:
                if bearer:
                    found, write = resolve_token(conn, bearer), False
                else:
                    found, write = lookup_session(conn, cookie or "")
            if write:
                with transaction(write_factory(request)) as session:
                    found = resolve_session(session, cookie or "")
        except SQLAlchemyError:  # no accounts database (yet): fail closed, as a visitor
            log.warning("could not look up a session or token; treating the request as anonymous", exc_info=True)
            found = None
    request.state.auth = found
    return found


def read_engine(request: Request) -> Engine:
    """The app's database for transactions that only read (`anpo.store.db.read_only`)."""
    from anpo.store.db import read_only

    engine = engine_of(request)
    cached: tuple[Engine, Engine] | None = getattr(request.app.state, "read_engine", None)
    if cached is None or cached[0] is not engine:
        cached = (engine, read_only(engine))
        request.app.state.read_engine = cached
    return cached[1]


@contextmanager
def read_connection(request: Request) -> Iterator[Connection]:
    """A read-only transaction on the app's database (`read_engine`). Nested uses within one
    request share the outermost: a route that opens one around its work has its session look-up
    and its own reads in one transaction (one snapshot on SQLite) on one pooled connection."""
    shared = getattr(request.state, "read_connection", None)
    if isinstance(shared, Connection):
        yield shared
        return
    with read_engine(request).begin() as conn:
        request.state.read_connection = conn
        try:
            yield conn
        finally:
            request.state.read_connection = None


def write_factory(request: Request) -> sessionmaker[Session]:
    """Sessions on the app's database for transactions that write."""
    from anpo.store.db import session_factory

    engine = engine_of(request)
    factory: sessionmaker[Session] | None = getattr(request.app.state, "session_factory", None)
    if factory is None or factory.kw.get("bind") is not engine:
        factory = session_factory(engine)
        request.app.state.session_factory = factory
    return factory


def current_principal(request: Request) -> Principal:
    """The principal of this request: the user of its API token or session cookie, else ANONYMOUS.

    Use as `Depends(current_principal)` or call it directly; sets `request.state.principal`."""
    principal = getattr(request.state, "principal", None)
    if isinstance(principal, Principal):
        return principal
    found = resolve(request)
    principal = found.principal if found else _configured_token(request) or ANONYMOUS
    request.state.principal = principal
    return principal


def _configured_token(request: Request) -> Principal | None:
    """Principals the server was configured with in-process (`app.state.work_tokens`: tests,
    benches, demos; never set by `create_app`), by the `X-Anpo-Work-Token` header or cookie."""
    tokens: dict[str, Principal] | None = getattr(request.app.state, "work_tokens", None)
    if not tokens:
        return None
    token = request.headers.get("x-anpo-work-token") or request.cookies.get("anpo_work_token")
    return tokens.get(token or "")


def cookie_kwargs(request: Request) -> dict[str, Any]:
    """Attributes of anpo's cookies: HttpOnly, SameSite=Strict, Path=/, Secure over https."""
    return {"httponly": True, "samesite": "strict", "secure": is_https(request), "path": "/"}
