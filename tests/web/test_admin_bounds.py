"""What an administrator on the web may grant and do to accounts, and logins side by side.

- An administrator of no party and a public clearance made a top-secret account of party jpn
  through `POST /api/admin/users` (and the form), logged in as it and read everything. An
  administrator now grants nothing they do not hold: a clearance at most their own, no party but
  their own; beyond that a 403 naming what was refused, audited as denied, nothing written. The
  command line (`system`) stays unbounded: it makes the first accounts.
- An administrator disabled their own account from the list; now a 409 (API and page).
- Logins took turns behind each other's argon2 hashing inside SQLite's write transaction, and past
  the busy timeout answered 500 "database is locked": the password is now checked outside any
  write transaction, which re-checks lock-out and disabling; a database still busy is a 503 with
  Retry-After and a reason in both languages.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text, update
from sqlalchemy.exc import OperationalError
from web_helpers import PASSWORD, csrf_of, login, make_users

from anpo.framework.framework import Framework
from anpo.security import accounts
from anpo.store.db import read_only, session_factory, transaction

Web = Callable[..., TestClient]
ADMINS: dict[str, tuple[str | None, str, tuple[str, ...]]] = {
    "kato": ("jpn", "secret", ("administrator",)),  # an administrator of Japan's side, cleared secret
    "brown": ("usa", "confidential", ("administrator",)),
}


@pytest.fixture
def admins(engine: Engine, fw: Framework, app: Any) -> None:
    make_users(engine, fw, ADMINS)


def _users(engine: Engine) -> dict[str, tuple[str, str, str, bool]]:
    with read_only(engine).connect() as conn:  # no write lock (one may be held: see `held_write_lock`)
        rows = conn.execute(text("SELECT id, party, clearance, roles, disabled FROM users")).all()
    return {r.id: (r.party, r.clearance, r.roles, bool(r.disabled)) for r in rows}


def _audit(engine: Engine, action: str) -> list[tuple[str, str, str, dict[str, Any]]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT actor, outcome, record_id, detail FROM audit_log WHERE action = :a ORDER BY id"), {"a": action}
        ).all()
    return [(r.actor, r.outcome, r.record_id, json.loads(r.detail)) for r in rows]


def _new(username: str, party: str | None, clearance: str, roles: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"username": username, "password": PASSWORD, "party": party, "clearance": clearance, "roles": list(roles)}


# -- creating accounts: no more than the administrator holds ------------------------------------------


@pytest.mark.parametrize(
    ("who", "new", "en", "ja"),
    [
        # the QA report's case: no party, public clearance, and a top-secret account of Japan's side
        (
            "admin",
            _new("mallory", "jpn", "top_secret", ("administrator",)),
            ["clearance 'top_secret' is above your own (public)", "party 'jpn' is not your own (none)"],
            ["資格「top_secret」", "所属「jpn」"],
        ),
        ("admin", _new("mallory", "usa", "public"), ["party 'usa' is not your own (none)"], ["所属「usa」"]),
        (
            "kato",
            _new("mallory", "jpn", "top_secret"),
            ["clearance 'top_secret' is above your own (secret)"],
            ["資格「top_secret」"],
        ),
        ("kato", _new("mallory", "usa", "secret", ("viewer",)), ["party 'usa' is not your own (jpn)"], ["所属「usa」"]),
        (
            "brown",
            _new("mallory", None, "secret", ("administrator",)),
            ["'secret' is above your own (confidential)"],
            ["資格「secret」"],
        ),
    ],
)
def test_an_administrator_grants_nothing_they_do_not_hold(
    web: Web, engine: Engine, admins: None, who: str, new: dict[str, Any], en: list[str], ja: list[str]
) -> None:
    client = web(who)
    before = _users(engine)
    refused = client.post("/api/admin/users", json=new, headers={"X-CSRF-Token": csrf_of(client)})
    assert refused.status_code == 403, refused.text
    error = refused.json()["error"]
    assert all(e in error["en"] for e in en) and all(j in error["ja"] for j in ja), error
    form = {**new, "party": new["party"] or "none", "csrf_token": csrf_of(client)}
    page = client.post("/admin/users?lang=ja", data=form, follow_redirects=False)
    assert page.status_code == 403 and all(j in page.text for j in ja), page.text[-1500:]
    assert _users(engine) == before  # nothing written
    denied = [
        (actor, rid, d["clearance"], d["party"])
        for actor, outcome, rid, d in _audit(engine, "user.create")
        if outcome == "denied"
    ]
    assert denied == [(who, "mallory", new["clearance"], new["party"])] * 2
    assert login(web(), "mallory").status_code == 401


@pytest.mark.parametrize(
    ("who", "new"),
    [
        ("admin", _new("pub", None, "public", ("administrator", "viewer"))),
        ("kato", _new("tanaka", "jpn", "secret", ("coordinator",))),
        ("kato", _new("suzuki", "jpn", "confidential", ("administrator",))),
        ("kato", _new("nishi", None, "public", ("viewer",))),
        ("brown", _new("jones", "usa", "confidential", ("logistics_officer",))),
    ],
)
def test_within_their_bounds_an_administrator_creates_accounts(
    web: Web, engine: Engine, admins: None, who: str, new: dict[str, Any]
) -> None:
    client = web(who)
    made = client.post("/api/admin/users", json=new, headers={"X-CSRF-Token": csrf_of(client)})
    assert made.status_code == 201, made.text
    assert (made.json()["party"], made.json()["clearance"]) == (new["party"], new["clearance"])
    assert ("user.create", new["username"]) in [
        ("user.create", rid) for actor, o, rid, _ in _audit(engine, "user.create") if actor == who and o == "ok"
    ]
    assert web(new["username"]).get("/api/me").json()["clearance"] == new["clearance"]


def test_an_administrator_made_on_the_web_is_bounded_in_turn(web: Web, engine: Engine, admins: None) -> None:
    kato = web("kato")
    new = _new("suzuki", "jpn", "confidential", ("administrator",))
    assert kato.post("/api/admin/users", json=new, headers={"X-CSRF-Token": csrf_of(kato)}).status_code == 201
    suzuki = web("suzuki")
    again = _new("ueda", "jpn", "secret")  # what kato could grant, but not suzuki
    refused = suzuki.post("/api/admin/users", json=again, headers={"X-CSRF-Token": csrf_of(suzuki)})
    assert refused.status_code == 403 and "above your own (confidential)" in refused.json()["error"]["en"]


def test_the_form_offers_only_what_the_administrator_may_grant(web: Web, admins: None) -> None:
    def options(user: str) -> tuple[list[str], list[str]]:
        html = web(user).get("/admin/users").text
        form = html[html.index('data-testid="create-user"') :]
        party = form[form.index('name="party"') : form.index("</select>")]
        clearance = form[form.index('name="clearance"') :]
        clearance = clearance[: clearance.index("</select>")]
        values = [v.split('"')[0] for v in party.split('value="')[1:]]
        return values, [v.split('"')[0] for v in clearance.split('value="')[1:]]

    assert options("admin") == (["none"], ["public"])
    assert options("kato") == (["jpn", "none"], ["public", "confidential", "secret"])
    assert options("brown") == (["usa", "none"], ["public", "confidential"])


def test_the_command_line_is_not_bounded(engine: Engine, db_url: str, cli: Any) -> None:
    """`anpo users create` runs on the server's shell as `system`: it makes the first accounts,
    of any party and clearance."""
    from anpo.cli import app as cli_app

    args = ["users", "create", "root", "--party", "usa", "--clearance", "top_secret", "--role", "administrator"]
    made = cli.runner.invoke(cli_app, [*args, "--password-stdin", "--url", db_url], input=PASSWORD + "\n")
    assert made.exit_code == 0, made.output
    assert _users(engine)["root"][:2] == ("usa", "top_secret")


# -- disabling accounts --------------------------------------------------------------------------------


def test_an_administrator_cannot_disable_their_own_account(web: Web, engine: Engine) -> None:
    admin = web("admin")
    refused = admin.post("/api/admin/users/admin/disable", headers={"X-CSRF-Token": csrf_of(admin)})
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert "your own account" in error["en"] and "自分のアカウント" in error["ja"]
    page = admin.post("/admin/users/admin/disable?lang=ja", data={"csrf_token": csrf_of(admin)}, follow_redirects=False)
    assert page.status_code == 409 and "自分のアカウントは無効にできません" in page.text
    assert _users(engine)["admin"][3] is False
    assert admin.get("/api/me").json()["user"] == "admin"  # still logged in
    assert [(a, o, r) for a, o, r, _ in _audit(engine, "user.disable")] == [("admin", "denied", "admin")] * 2
    listing = admin.get("/admin/users").text  # no button to do it
    assert 'action="/admin/users/admin/disable"' not in listing and 'action="/admin/users/sato/disable"' in listing


def test_nor_with_their_api_token(web: Web, engine: Engine) -> None:
    with transaction(session_factory(engine)) as session:
        token = accounts.create_token(session, "admin", "script")
    script = web()
    script.headers["Authorization"] = f"Bearer {token}"
    assert script.post("/api/admin/users/admin/disable").status_code == 409
    assert script.get("/api/me").json()["user"] == "admin"


def test_disabling_grants_nothing_so_any_other_account_may_be_disabled(web: Web, engine: Engine, admins: None) -> None:
    """An administrator of no party and a public clearance may still disable an account of Japan's
    side cleared secret, or another administrator: containment must not wait for an administrator
    of the right party and clearance; the disabling is audited."""
    admin = web("admin")
    for user in ("sato", "kato"):
        done = admin.post(f"/api/admin/users/{user}/disable", headers={"X-CSRF-Token": csrf_of(admin)})
        assert done.status_code == 200 and done.json()["disabled"] is True
    assert ("admin", "ok", "kato") in [(a, o, r) for a, o, r, _ in _audit(engine, "user.disable")]


# -- logins: the password checked outside the write transaction -----------------------------------------


@pytest.fixture
def shipped_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped argon2 profile (64 MiB, about 0.2 s a hash) for this test's accounts and logins,
    not the tests' cheapest one (tests/conftest.py)."""
    monkeypatch.setattr(accounts, "HASHER", PasswordHasher.from_parameters(accounts.PASSWORD_PROFILE))


def _short_busy_timeout(engine: Engine, ms: int) -> None:
    """SQLite waits `ms` for the write lock (not 30 s): what took 30 s under load takes less here."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", lambda conn, _: conn.execute(f"PRAGMA busy_timeout={ms}"))
        engine.dispose()


def _post_login(client: TestClient, user: str) -> Any:
    return client.post(
        "/login",
        data={"username": user, "password": PASSWORD, "csrf_token": csrf_of(client), "next": "/dashboard"},
        follow_redirects=False,
    )


def test_logins_at_once_all_succeed(web: Web, engine: Engine, fw: Framework, app: Any, shipped_hashes: None) -> None:
    """8 logins at once, with the shipped argon2 profile, on one account: each one's write lock
    was held through its hashing, so that they took turns (past the busy timeout: a 500)."""
    make_users(engine, fw, {"busy": ("jpn", "secret", ("viewer",))})
    _short_busy_timeout(engine, 1000)  # 8 hashes in turn take longer than this, 8 short writes do not
    clients = [web() for _ in range(8)]
    for client in clients:
        client.get("/login")
    start = threading.Barrier(len(clients))
    statuses: list[int] = []

    def go(client: TestClient) -> None:
        start.wait()
        statuses.append(_post_login(client, "busy").status_code)

    threads = [threading.Thread(target=go, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [303] * len(clients)
    assert all(c.get("/api/me").json()["user"] == "busy" for c in clients)
    logins = [(a, o, r) for a, o, r, _ in _audit(engine, "login")]
    assert logins.count(("busy", "ok", "busy")) == len(clients)


def test_no_write_transaction_is_open_while_the_password_is_checked(
    web: Web, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While argon2 runs, another writer can take SQLite's write lock at once, and on PostgreSQL no
    connection sits in an open transaction."""
    seen: list[str] = []
    verify = accounts._verify

    def probing(hashed: str, password: str) -> bool:
        seen.append(_open_write(engine))
        return verify(hashed, password)

    monkeypatch.setattr(accounts, "_verify", probing)
    client = web()
    assert login(client, "sato").status_code == 303
    assert login(web(), "sato", "a wrong password").status_code == 401
    assert login(web(), "nobody").status_code == 401
    assert seen == ["", "", ""]


def _open_write(engine: Engine) -> str:
    """What holds a write open now: "" for nothing."""
    if engine.dialect.name == "sqlite":
        probe = sqlite3.connect(engine.url.database or "", timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return ""
        except sqlite3.OperationalError as exc:
            return str(exc)
        finally:
            probe.close()
    with engine.connect() as conn:
        busy = conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"
            )
        ).scalar_one()
    return f"{busy} idle in transaction" if busy else ""


@pytest.mark.parametrize("change", ["disabled", "locked"])
def test_a_disabling_or_lock_out_meanwhile_refuses_the_login(
    web: Web, engine: Engine, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    """The account is disabled, or locked out by failed logins, after the login read it and while
    it checked the (right) password: the write re-checks, and refuses."""
    check = accounts.check_password_of

    def meanwhile(*args: Any, **kwargs: Any) -> accounts.LoginCheck:
        found = check(*args, **kwargs)
        values = {"disabled": True} if change == "disabled" else {"locked_until": 4e9, "failed_logins": 9}
        with transaction(session_factory(engine)) as session:
            session.execute(update(accounts.User).where(accounts.User.id == "sato").values(**values))
        return found

    monkeypatch.setattr(accounts, "check_password_of", meanwhile)
    client = web()
    response = login(client, "sato")
    assert response.status_code == (401 if change == "disabled" else 429), response.text[-800:]
    assert client.get("/api/me").json()["user"] == "anonymous"
    assert ("sato", "denied") in [(r, o) for _, o, r, _ in _audit(engine, "login")]


@pytest.fixture
def held_write_lock(engine: Engine) -> Iterator[None]:
    """SQLite: another process's writer holds the lock past the (shortened) busy timeout."""
    _short_busy_timeout(engine, 200)
    holder = sqlite3.connect(engine.url.database or "", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    yield
    holder.execute("ROLLBACK")
    holder.close()


def _conflict(*args: Any, **kwargs: Any) -> Any:
    class SerializationFailure(Exception):
        sqlstate = "40001"

    raise OperationalError("UPDATE users ...", {}, SerializationFailure("could not serialize access"))


def test_a_busy_database_is_a_503_with_a_reason_not_a_500(
    web: Web, engine: Engine, app: Any, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    """SQLite's "database is locked" (the lock held past the busy timeout) and PostgreSQL's
    serialization failures (retried, then given up) answer 503 with Retry-After and a reason in
    the page's language; no attempt is counted, no session started."""
    if engine.dialect.name == "sqlite":
        request.getfixturevalue("held_write_lock")
    else:
        monkeypatch.setattr(accounts, "finish_login", _conflict)
    before = _users(engine)
    for lang, words in (("ja", "サーバーが混み合っています"), ("en", "the server is busy")):
        client = web()
        client.get(f"/login?lang={lang}")
        response = _post_login(client, "sato")
        assert response.status_code == 503, response.text[-800:]
        assert response.headers["retry-after"] == "5"
        assert words in response.text and "Traceback" not in response.text
        assert client.get("/api/me").json()["user"] == "anonymous"
    assert _users(engine) == before
