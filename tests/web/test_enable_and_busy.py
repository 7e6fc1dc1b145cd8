"""Enabling a disabled account again, and a busy database answered 503 on every write.

- A disabled account could be restored only in the database. `anpo users enable USER` (the shell,
  `system`, unbounded) and `POST /api/admin/users/{username}/enable` (with a button on
  /admin/users) enable it again; on the web only an account the administrator could have made
  (its party and clearance within their bounds): else a 403 naming why, audited as denied. The
  failed-login lock-out is cleared; the sessions and tokens ended by the disabling stay ended.
- Only the login answered 503 when SQLite's write lock stayed held past the busy timeout or a
  PostgreSQL conflict was retried in vain; any other write (logout, the administration of users)
  answered a bare 500. Every write now answers 503 with Retry-After and a reason in both languages
  (JSON for /api, the error page for pages); any other database error stays the generic 500.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import OperationalError
from web_helpers import csrf_of, login, make_users

from anpo.framework.framework import Framework
from anpo.security import accounts
from anpo.store.db import read_only, session_factory, transaction

Web = Callable[..., TestClient]
ADMINS: dict[str, tuple[str | None, str, tuple[str, ...]]] = {
    "kato": ("jpn", "secret", ("administrator",)),  # Japan's side, cleared secret
}


@pytest.fixture
def kato(engine: Engine, fw: Framework, app: Any) -> None:
    make_users(engine, fw, ADMINS)


def _user(engine: Engine, username: str) -> tuple[bool, int, float]:
    """Whether the account is disabled, its failed logins and its lock-out's end."""
    with read_only(engine).connect() as conn:  # no write lock (one may be held)
        row = conn.execute(
            text("SELECT disabled, failed_logins, locked_until FROM users WHERE id = :u"), {"u": username}
        ).one()
    return bool(row.disabled), row.failed_logins, row.locked_until


def _audit(engine: Engine, action: str) -> list[tuple[str, str, str, dict[str, Any]]]:
    with read_only(engine).connect() as conn:
        rows = conn.execute(
            text("SELECT actor, outcome, record_id, detail FROM audit_log WHERE action = :a ORDER BY id"), {"a": action}
        ).all()
    return [(r.actor, r.outcome, r.record_id, json.loads(r.detail) if r.detail else {}) for r in rows]


def _disable(engine: Engine, *usernames: str) -> None:
    with transaction(session_factory(engine)) as session:
        for username in usernames:
            accounts.disable_user(session, username)


def _locked_out(web: Web, engine: Engine, username: str) -> None:
    """The owner of a disabled account tries to log in, with the right password, until locked out
    (a login to a disabled account counts as a failure)."""
    for _ in range(accounts.LOCK_AFTER):
        assert login(web(), username).status_code == 401
    assert _user(engine, username)[2] > 0 and login(web(), username).status_code == 429


# -- the command line ----------------------------------------------------------------------------------


def test_the_command_line_enables_an_account_again(web: Web, engine: Engine, db_url: str, cli: Any) -> None:
    """`anpo users enable`: `system`, any party and clearance (sato is jpn, secret); the lock-out
    run up while disabled is cleared; the session and the token ended by the disabling stay ended;
    enabling an enabled account changes nothing; audited as `user.enable`."""
    from anpo.cli import app as cli_app

    before = web("sato")
    with transaction(session_factory(engine)) as session:
        token = accounts.create_token(session, "sato", "script")
    _disable(engine, "sato")
    _locked_out(web, engine, "sato")

    done = cli.runner.invoke(cli_app, ["users", "enable", "sato", "--url", db_url])
    assert done.exit_code == 0, done.output
    assert done.stdout.strip() == "enabled: sato"
    assert _user(engine, "sato") == (False, 0, 0.0)
    assert login(web(), "sato").status_code == 303  # logs in again at once: no lock-out left
    assert before.get("/api/me").json()["user"] == "anonymous"  # its old session did not come back
    script = web()
    script.headers["Authorization"] = f"Bearer {token}"
    assert script.get("/api/me").json()["user"] == "anonymous"  # nor its old token

    again = cli.runner.invoke(cli_app, ["users", "enable", "sato", "--url", db_url, "--json", "--lang", "ja"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["changed"] is False and json.loads(again.stdout)["disabled"] is False
    assert [(a, o, r, d) for a, o, r, d in _audit(engine, "user.enable")] == [
        ("system", "ok", "sato", {"changed": True}),
        ("system", "ok", "sato", {"changed": False}),
    ]
    missing = cli.runner.invoke(cli_app, ["users", "enable", "nobody", "--url", db_url])
    assert missing.exit_code != 0 and "no user 'nobody'" in missing.output


# -- the web: bounded as creating is ------------------------------------------------------------------


def test_an_administrator_enables_only_what_they_could_have_made(web: Web, engine: Engine, kato: None) -> None:
    """kato (jpn, secret) may enable sato (jpn, secret), not smith (usa): 403 naming the party,
    audited as denied with the account's party and clearance, smith left disabled; the page
    offers the button only where it may be used; sato, enabled, logs in again."""
    admin = web("kato")
    _disable(engine, "sato", "smith")
    _locked_out(web, engine, "sato")

    listing = admin.get("/admin/users").text
    assert 'action="/admin/users/sato/enable"' in listing
    assert 'action="/admin/users/smith/enable"' not in listing  # beyond kato's bounds
    assert 'action="/admin/users/reader/enable"' not in listing  # not disabled

    refused = admin.post("/api/admin/users/smith/enable", headers={"X-CSRF-Token": csrf_of(admin)})
    assert refused.status_code == 403, refused.text
    error = refused.json()["error"]
    assert "party 'usa' is not your own (jpn)" in error["en"] and "所属「usa」" in error["ja"], error
    page = admin.post("/admin/users/smith/enable?lang=ja", data={"csrf_token": csrf_of(admin)}, follow_redirects=False)
    assert page.status_code == 403 and "所属「usa」" in page.text, page.text[-1500:]
    assert _user(engine, "smith")[0] is True
    denied = [(a, r, d["party"], d["clearance"]) for a, o, r, d in _audit(engine, "user.enable") if o == "denied"]
    assert denied == [("kato", "smith", "usa", "secret")] * 2

    done = admin.post("/admin/users/sato/enable?lang=ja", data={"csrf_token": csrf_of(admin)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/admin/users?notice=enabled:sato"
    assert "ユーザー「sato」を有効にしました" in admin.get(done.headers["location"]).text
    assert _user(engine, "sato") == (False, 0, 0.0)
    assert login(web(), "sato").status_code == 303

    again = admin.post("/api/admin/users/sato/enable", headers={"X-CSRF-Token": csrf_of(admin)})
    assert again.status_code == 200 and again.json()["disabled"] is False  # a no-op
    assert [(a, o, r, d.get("changed")) for a, o, r, d in _audit(engine, "user.enable") if o == "ok"] == [
        ("kato", "ok", "sato", True),
        ("kato", "ok", "sato", False),
    ]
    missing = admin.post("/api/admin/users/nobody/enable", headers={"X-CSRF-Token": csrf_of(admin)})
    assert missing.status_code == 404


def test_an_administrator_of_no_party_and_public_clearance_enables_only_such_accounts(web: Web, engine: Engine) -> None:
    admin = web("admin")  # no party, public
    _disable(engine, "reader", "sato")
    refused = admin.post("/api/admin/users/sato/enable", headers={"X-CSRF-Token": csrf_of(admin)})
    assert refused.status_code == 403
    assert "clearance 'secret' is above your own (public)" in refused.json()["error"]["en"]
    assert admin.post("/api/admin/users/reader/enable", headers={"X-CSRF-Token": csrf_of(admin)}).status_code == 200
    assert (_user(engine, "reader")[0], _user(engine, "sato")[0]) == (False, True)
    viewer = web("reader")  # and not for anyone but administrators
    assert viewer.post("/api/admin/users/sato/enable", headers={"X-CSRF-Token": csrf_of(viewer)}).status_code == 403
    assert web().post("/api/admin/users/sato/enable").status_code in (401, 403)
    assert _user(engine, "sato")[0] is True


# -- a busy database: 503 on every write --------------------------------------------------------------


def _short_busy_timeout(engine: Engine, ms: int) -> None:
    """SQLite waits `ms` for the write lock, not 30 s (the connections made from now on)."""
    event.listen(engine, "connect", lambda conn, _: conn.execute(f"PRAGMA busy_timeout={ms}"))
    engine.dispose()


@pytest.fixture
def hold_write_lock(engine: Engine) -> Iterator[Callable[[], None]]:
    """`hold()`: another process's writer takes SQLite's write lock and keeps it to the test's end
    (logins first: they write)."""
    holders: list[sqlite3.Connection] = []

    def hold() -> None:
        _short_busy_timeout(engine, 200)
        holder = sqlite3.connect(engine.url.database or "", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        holders.append(holder)

    yield hold
    for holder in holders:
        holder.execute("ROLLBACK")
        holder.close()


def _assert_busy(response: Any, words: str) -> None:
    assert response.status_code == 503, response.text[-800:]
    assert response.headers["retry-after"] == "5"
    assert words in response.text and "Traceback" not in response.text


def _busy_writes(
    web: Web,
    engine: Engine,
    start: Callable[[], None],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An /api write (disabling an account), a page's form (disabling, from /admin/users) and the
    logout, each while the database is busy: 503 with a reason, in JSON or the page's language.
    Any other database error stays the generic 500: no Retry-After, nothing of the driver's."""
    admin, sato = web("admin"), web("sato")
    caplog.set_level(logging.WARNING, logger="anpo.web")
    start()
    api = admin.post("/api/admin/users/reader/disable", headers={"X-CSRF-Token": csrf_of(admin)})
    _assert_busy(api, "the server is busy")
    assert api.json() == {
        "error": {
            "ja": "サーバーが混み合っています。しばらくしてからもう一度お試しください",
            "en": "the server is busy; please try again in a moment",
        },
        "code": "unavailable",
    }
    form = admin.post("/admin/users/reader/disable?lang=ja", data={"csrf_token": csrf_of(admin)})
    _assert_busy(form, "サーバーが混み合っています")
    assert form.headers["content-type"].startswith("text/html")
    out = sato.post("/logout", data={"csrf_token": csrf_of(sato)}, follow_redirects=False)
    _assert_busy(out, "the server is busy")
    assert out.headers["content-type"].startswith("text/html")
    assert sum("the database was busy" in r.getMessage() for r in caplog.records) == 3
    assert _user(engine, "reader")[0] is False
    monkeypatch.setattr(accounts, "disable_user", _raising("XX001", "could not read block 7: disk I/O error"))
    failed = admin.post("/api/admin/users/reader/disable", headers={"X-CSRF-Token": csrf_of(admin)})
    assert failed.status_code == 500 and "retry-after" not in failed.headers, failed.text
    assert "busy" not in failed.text and "disk" not in failed.text


def test_a_busy_sqlite_database_is_a_503_on_any_write(
    web: Web,
    engine: Engine,
    hold_write_lock: Callable[[], None],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip(
            "SQLite only: it holds SQLite's database-wide write lock, which PostgreSQL has no equivalent of;"
            " PostgreSQL's busy cases are test_a_postgresql_conflict_given_up_is_a_503_on_any_write"
        )
    _busy_writes(web, engine, hold_write_lock, caplog, monkeypatch)


def _raising(state: str | None, message: str) -> Callable[..., Any]:
    def fail(*args: Any, **kwargs: Any) -> Any:
        class DriverError(Exception):
            sqlstate = state

        raise OperationalError("UPDATE users ...", {}, DriverError(message))

    return fail


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("40001", "could not serialize access due to concurrent update"),
        ("40P01", "deadlock detected"),
        ("55P03", 'could not obtain lock on row in relation "users"'),
    ],
)
def test_a_postgresql_conflict_given_up_is_a_503_on_any_write(
    web: Web,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    state: str,
    message: str,
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip(
            "PostgreSQL only: serialization, deadlock and lock-timeout errors are PostgreSQL's;"
            " SQLite's busy case (its write lock, held for real) is tested above"
        )

    def conflicts() -> None:
        monkeypatch.setattr(accounts, "disable_user", _raising(state, message))
        monkeypatch.setattr(accounts, "end_session", _raising(state, message))

    _busy_writes(web, engine, conflicts, caplog, monkeypatch)


# -- a busy database while a request's session is looked up or its use recorded -----------------------


def _due(engine: Engine, username: str, idle: float = 2 * accounts.TOUCH_EVERY) -> None:
    """`username`'s sessions were last used `idle` seconds ago: the next request records their use
    (or, past the idle timeout, deletes them), a write."""
    with transaction(session_factory(engine)) as session:
        session.execute(
            text("UPDATE web_sessions SET last_seen = :t WHERE user_id = :u"), {"t": time.time() - idle, "u": username}
        )


def _busy_session_refresh(
    web: Web, engine: Engine, start: Callable[[], Callable[[], None]], caplog: pytest.LogCaptureFixture
) -> None:
    """`start()` makes the database busy and returns what frees it again. A session whose use is
    due to be recorded, while the database is busy: the request is a 503
    with Retry-After and the reason (JSON for /api, the page in its language), not answered as a
    visitor's (/api/me as anonymous, /dashboard a redirect to the login page). The session lives
    on: once the database is free again, it is the user's as before."""
    sato = web("sato")
    _due(engine, "sato")
    caplog.set_level(logging.WARNING, logger="anpo.web")
    release = start()
    me = sato.get("/api/me")
    _assert_busy(me, "the server is busy")
    assert me.json()["error"]["ja"] == "サーバーが混み合っています。しばらくしてからもう一度お試しください"
    page = sato.get("/dashboard?lang=ja", follow_redirects=False)
    _assert_busy(page, "サーバーが混み合っています")
    assert page.headers["content-type"].startswith("text/html")
    sync = sato.get("/api/dashboard")  # looked up in a worker thread, not as `read` does
    _assert_busy(sync, "the server is busy")
    assert not any("treating the request as anonymous" in r.getMessage() for r in caplog.records)
    release()
    assert sato.get("/api/me").json()["user"] == "sato"
    assert sato.get("/dashboard", follow_redirects=False).status_code == 200


def _stale_session_stays_anonymous(web: Web, engine: Engine) -> None:
    """Not busy: a session past its idle timeout is a visitor's, as before (and deleted)."""
    reader = web("reader")
    _due(engine, "reader", idle=accounts.IDLE_TIMEOUT + 60)
    assert reader.get("/api/me").json()["user"] == "anonymous"
    assert reader.get("/dashboard", follow_redirects=False).status_code == 303
    bogus = web()
    bogus.cookies.set("anpo_session", "not-a-session")
    assert bogus.get("/api/me").json()["user"] == "anonymous"


def test_a_busy_database_while_refreshing_a_session_is_a_503(
    web: Web, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """The lock held for real: on SQLite another process's writer holds the database's write lock;
    on PostgreSQL another transaction holds the session's row, and the server's connections give
    up waiting for it after a lock timeout (as one configured with `lock_timeout` does)."""
    held: list[Any] = []

    def hold() -> Callable[[], None]:
        if engine.dialect.name == "sqlite":
            _short_busy_timeout(engine, 200)
            holder: Any = sqlite3.connect(engine.url.database or "", isolation_level=None)
            holder.execute("BEGIN IMMEDIATE")
        else:
            event.listen(engine, "connect", _lock_timeout)
            engine.dispose()
            holder = engine.connect()
            holder.execute(text("SELECT 1 FROM web_sessions WHERE user_id = 'sato' FOR UPDATE"))
        held.append(holder)
        return lambda: holder.rollback()

    try:
        _busy_session_refresh(web, engine, hold, caplog)
    finally:
        for holder in held:
            holder.rollback()
            holder.close()
    _stale_session_stays_anonymous(web, engine)


def _lock_timeout(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.execute("SET lock_timeout = '200ms'")
    dbapi_conn.commit()


@pytest.mark.parametrize(
    ("where", "state", "message"),
    [
        ("resolve_session", "55P03", 'canceling statement due to lock timeout: relation "web_sessions"'),
        ("resolve_session", "40001", "could not serialize access due to concurrent update"),
        ("lookup_session", "55P03", 'canceling statement due to lock timeout: relation "users"'),
    ],
)
def test_a_busy_database_while_looking_up_a_session_is_a_503(
    web: Web,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    where: str,
    state: str,
    message: str,
) -> None:
    """The look-up (read-only) or the recording of a session's use failing as busy (a lock timeout,
    a serialization failure) is a 503 too, on either database; any other error of the look-up is
    still a visitor's answer (no accounts database yet: fail closed)."""
    from anpo.web import auth

    def busy() -> Callable[[], None]:
        original = getattr(auth, where)
        monkeypatch.setattr(auth, where, _raising(state, message))
        return lambda: monkeypatch.setattr(auth, where, original)

    _busy_session_refresh(web, engine, busy, caplog)
    _stale_session_stays_anonymous(web, engine)
    sato = web("sato")
    _due(engine, "sato")
    monkeypatch.setattr(auth, where, _raising("XX001", "could not read block 7: disk I/O error"))
    assert sato.get("/api/me").json()["user"] == "anonymous"
