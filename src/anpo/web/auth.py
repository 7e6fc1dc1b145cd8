"""Who is asking, on every request: a session cookie or an `Authorization: Bearer` API token.

`current_principal(request)` is the one way routes learn the principal (a FastAPI dependency, and a
plain function): ANONYMOUS when nobody is logged in. It caches its answer in
`request.state.principal`. Requests without a cookie or token never touch the database, so the
public framework pages work without one.

The middleware in `anpo.web.guard` adds CSRF checks, security headers and the marking header.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar, cast

from fastapi import Request
from sqlalchemy import URL, Connection, Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.util import greenlet_spawn
from starlette.concurrency import run_in_threadpool

from anpo.security.accounts import Resolved, lookup_session, resolve_session, resolve_token
from anpo.security.principal import ANONYMOUS, Principal
from anpo.store.db import is_busy

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

SESSION_COOKIE = "anpo_session"
SESSION_COOKIE_SECURE = "__Host-anpo_session"  # over https: Secure, Path=/, no Domain
CSRF_COOKIE = "anpo_csrf"
CSRF_COOKIE_SECURE = "__Host-anpo_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
log = logging.getLogger(__name__)
T = TypeVar("T")


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
    found, write = _look_up(request)
    if write:
        found = _resolve_writing(request)
    request.state.auth = found
    return found


def _look_up(request: Request) -> tuple[Resolved | None, bool]:
    """The read-only half of `resolve`: the principal found, and whether resolving must write."""
    bearer = bearer_of(request)
    cookie = session_token_of(request)
    if not (bearer or cookie):
        return None, False
    try:
        with read_connection(request) as conn:
            if bearer:
                return resolve_token(conn, bearer), False
            return lookup_session(conn, cookie or "")
    except SQLAlchemyError as exc:  # no accounts database (yet): fail closed, as a visitor
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            raise  # a lost connection: `read` retries on a new one rather than answer as to a visitor
        if is_busy(exc):
            raise  # a 503 with Retry-After (`anpo.web.app`): the user is not logged out by a busy database
        log.warning("could not look up a session or token; treating the request as anonymous", exc_info=True)
        return None, False


def _resolve_writing(request: Request) -> Resolved | None:
    """The writing half of `resolve`: delete an ended session or record its use, in one transaction."""
    from anpo.store.db import transaction

    try:
        with transaction(write_factory(request)) as session:
            return resolve_session(session, session_token_of(request) or "")
    except SQLAlchemyError as exc:
        if is_busy(exc):  # the write lock or a lock timeout: a 503, not a request answered as a visitor's
            raise
        log.warning("could not record a session's use; treating the request as anonymous", exc_info=True)
        return None


def reads_inline(request: Request) -> bool:
    """Whether short reads run on the event loop itself: on SQLite, where a reader in WAL mode
    never waits for a lock and a page of rows costs less CPU than handing the work to a thread and
    back (with 40 threads taking turns at one GIL, the hand-overs cost more than the reads)."""
    return engine_of(request).dialect.name == "sqlite"


async def read(request: Request, work: Callable[[], T]) -> T:
    """Run `work`, a bounded read (a page, one record; it finds the principal itself with
    `current_principal`), with the session look-up, on one read-only connection, without a worker
    thread: on SQLite inline on the event loop (`reads_inline`); on PostgreSQL through SQLAlchemy's
    asyncio layer (asyncpg, on the loop's own engine: `_async_read_engine`), where `work` runs
    unchanged in a greenlet and the loop serves other requests while it waits on the network. A
    session whose use is due to be recorded is written in a worker thread, so the loop never waits
    for a write lock. Unbounded reads (reports, exports, ageing) do not belong here: they would
    hold up every other request."""
    if not reads_inline(request):
        async_engine = _async_read_engine(request)
        if async_engine is not None:
            return await _read_async(request, async_engine, work)
        return await run_in_threadpool(_read_in_transaction, request, work)

    async def inline() -> Any:
        with _loop_transaction(request) as conn:
            return _look_up_then(request, conn, work)

    return cast(T, await _recording_use_first(request, inline))


_DUE = object()  # the session's use is to be recorded before the read


def _look_up_then(request: Request, conn: Connection, work: Callable[[], T]) -> T | object:
    """On `conn`: the session look-up (unless done), then `work`; `_DUE` when the look-up found
    that resolving must write first."""
    request.state.read_connection = conn
    try:
        if not hasattr(request.state, "auth"):
            found, write = _look_up(request)
            if write:
                return _DUE
            request.state.auth = found
        return work()
    finally:
        request.state.read_connection = None


async def _recording_use_first(request: Request, attempt: Callable[[], Awaitable[Any]]) -> Any:
    """`attempt` a read; when the session's use is due to be recorded, record it in a worker thread
    (the loop never waits for a write lock) and attempt the read again."""
    result = await attempt()
    if result is _DUE:
        request.state.auth = await run_in_threadpool(_resolve_writing, request)
        result = await attempt()
    return result


async def _read_async(request: Request, engine: AsyncEngine, work: Callable[[], T]) -> T:
    def on_a_connection() -> Any:
        with engine.sync_engine.connect() as conn:
            return _look_up_then(request, conn, work)

    async def in_a_greenlet() -> Any:
        # one greenlet for the check-out, the reads and the check-in (`AsyncConnection` would
        # spawn one for each, which cost a page read a fifth of its database time)
        return await greenlet_spawn(on_a_connection)

    try:
        return cast(T, await _recording_use_first(request, in_a_greenlet))
    except DBAPIError as exc:
        # Connections are not tested before use (a round trip per request). One that was lost
        # (the database restarted or closed it) means the other pooled ones are stale too: the
        # pool starts afresh and the read, which changed nothing, runs once more.
        if not exc.connection_invalidated:
            raise
        log.warning("a read lost its database connection; retrying on a new one")
        await engine.dispose(close=False)
    return cast(T, await _recording_use_first(request, in_a_greenlet))


def _async_read_engine(request: Request) -> AsyncEngine | None:
    """The asyncio engine of the running event loop on the app's database, for `read` (autocommit,
    like `read_engine`); None where there is none: a database other than PostgreSQL through
    psycopg, or a loop the app's lifespan did not start on (an app called without it, as a test
    client outside a `with` block calls it), whose reads run in a worker thread instead. Each loop
    has its own, as asyncpg's connections belong to the loop that opened them."""
    from sqlalchemy.ext.asyncio import create_async_engine

    from anpo.store.db import MAX_OVERFLOW, POOL_SIZE, READ_ONLY

    engine = engine_of(request)
    loops: dict[asyncio.AbstractEventLoop, tuple[Engine, AsyncEngine] | None] = getattr(
        request.app.state, "async_reads", {}
    )
    loop = asyncio.get_running_loop()
    if engine.dialect.driver != "psycopg" or loop not in loops:
        return None
    cached = loops[loop]
    if cached is None or cached[0] is not engine:
        async_engine = create_async_engine(
            _async_url(engine.url),
            # connections kept open for as many reads as may run at once: overflow connections
            # are closed on return, and opening them again cost a busy server a tenth of its CPU
            pool_size=POOL_SIZE + MAX_OVERFLOW,
            max_overflow=0,
            isolation_level="AUTOCOMMIT",
            execution_options={READ_ONLY: True},
        )
        cached = loops[loop] = (engine, async_engine)
    return cached[1]


def _async_url(url: URL) -> URL:
    """The asyncio engine's URL: asyncpg's driver, unless the URL passes driver options (their
    names differ between drivers), then psycopg's own asyncio connection. asyncpg's protocol is
    compiled: a page's two queries cost the server about a third less CPU than through psycopg
    (bench/README.md)."""
    if url.drivername == "postgresql+psycopg" and not url.query:
        return url.set(drivername="postgresql+asyncpg")
    return url


def open_reads(app: Any) -> None:
    """At the start of the app's lifespan: `read` may keep an asyncio engine for this event loop."""
    loops = getattr(app.state, "async_reads", None)
    if loops is None:
        loops = app.state.async_reads = {}
    loops.setdefault(asyncio.get_running_loop(), None)


async def close_reads(app: Any) -> None:
    """At the end of the app's lifespan: give back what `read` holds, the SQLite connections kept
    for the event loops and this loop's asyncio engine."""
    held: dict[int, Connection] = getattr(app.state, "loop_reads", None) or {}
    while held:
        held.popitem()[1].close()
    loops: dict[asyncio.AbstractEventLoop, tuple[Engine, AsyncEngine] | None] = getattr(app.state, "async_reads", {})
    cached = loops.pop(asyncio.get_running_loop(), None)
    if cached is not None:
        await cached[1].dispose()


async def principal(request: Request) -> Principal:
    """`current_principal` for `async` routes: the look-up runs as `read` runs its reads (no worker
    thread); a request without a cookie or token never touches the database."""
    if hasattr(request.state, "auth") or not (bearer_of(request) or session_token_of(request)):
        return current_principal(request)
    return await read(request, lambda: current_principal(request))


def _read_in_transaction(request: Request, work: Callable[[], T]) -> T:
    with read_connection(request):
        return work()


def _loop_connection(request: Request) -> Connection:
    """The event loop's own read connection (SQLite). Inline reads on one loop run one after the
    other, so one connection serves them all, without a pool check-out per request; kept per
    thread, as each loop runs in its own."""
    held: dict[int, Connection] | None = getattr(request.app.state, "loop_reads", None)
    if held is None:
        held = request.app.state.loop_reads = {}
    engine = read_engine(request)
    conn = held.get(threading.get_ident())
    if conn is None or conn.engine is not engine or conn.closed or conn.invalidated:
        conn = held[threading.get_ident()] = engine.connect()
    return conn


@contextmanager
def _loop_transaction(request: Request) -> Iterator[Connection]:
    conn = _loop_connection(request)
    try:
        with conn.begin():
            request.state.read_connection = conn
            yield conn
    except SQLAlchemyError:  # the transaction rolled back; a connection that failed is not reused
        request.app.state.loop_reads.pop(threading.get_ident(), None)
        conn.close()
        raise
    finally:
        request.state.read_connection = None


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


def still_the_principal(request: Request, principal: Principal) -> bool:
    """Whether the request's credentials still give `principal`, looked up anew (not the request's
    cached answer): for a response that stays open, such as a live stream, whose reader may log
    out, be disabled, lose a role or clearance, or have a token revoked after it opened."""
    if principal == ANONYMOUS:
        return True
    if bearer_of(request) or session_token_of(request):
        try:
            found, _ = _look_up(request)  # read-only; an ended session is not found
        except SQLAlchemyError as exc:
            if not is_busy(exc):
                raise
            # as before busy errors reached requests: the stream ends (it cannot tell), and the
            # browser's reconnection is answered as any request is (a 503 while still busy)
            log.warning("could not look up a stream's credentials again; ending it", exc_info=True)
            return False
        return found is not None and found.principal == principal
    return _configured_token(request) == principal


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
