"""One test per OWASP ASVS 4.0.3 item issue 5 lists, on SQLite and PostgreSQL, through the real app.

4.1.4 has no test of its own: ASVS 4.0.3 deleted it as a duplicate of 4.1.3 (least privilege),
which is tested below.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from argon2 import extract_parameters
from argon2.profiles import RFC_9106_LOW_MEMORY
from fastapi.testclient import TestClient
from sqlalchemy import text
from web_helpers import PASSWORD, csrf_of, login

from anpo.framework.framework import Framework
from anpo.framework.model import Text
from anpo.security import accounts
from anpo.security.accounts import AccountError, create_user, resolve_session
from anpo.security.markings import Levels, Marking
from anpo.security.principal import system_principal
from anpo.store.db import session_factory, transaction
from anpo.work import coordination
from anpo.work.common import Work

Web = Callable[..., TestClient]
JPN_ONLY = Marking("secret", frozenset({"jpn"}))


def open_case(engine: Any, fw: Framework, marking: Marking) -> str:
    with transaction(session_factory(engine)) as session:
        w = Work(fw, session, system_principal())
        case = coordination.open_case(
            w, Text("事案", "Incident"), "missile_launch", "acg", dt.date(2024, 6, 1), marking=marking
        )
    return str(case["id"])


def audit_rows(engine: Any, where: str = "1=1") -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(f"SELECT * FROM audit_log WHERE {where} ORDER BY id"))]


# -- V2 authentication ---------------------------------------------------------------------------


def test_asvs_2_1_1_passwords_have_at_least_12_characters(web: Web, engine: Any, fw: Framework) -> None:
    with transaction(session_factory(engine)) as session:
        try:
            create_user(session, Levels(fw), "shorty", "elevenchars", party="jpn", clearance="public", roles=())
            raise AssertionError("an 11-character password was accepted")
        except AccountError as exc:
            assert "12" in exc.text.en and "12" in exc.text.ja
    admin = web("admin")
    new = {"username": "shorty", "password": "x" * 11, "clearance": "public"}
    refused = admin.post("/api/admin/users", json=new, headers={"X-CSRF-Token": csrf_of(admin)})
    assert refused.status_code == 422
    accepted = admin.post(
        "/api/admin/users", json={**new, "password": "x" * 12}, headers={"X-CSRF-Token": csrf_of(admin)}
    )
    assert accepted.status_code == 201, accepted.text


def test_asvs_2_2_1_repeated_failed_logins_lock_the_account(web: Web, engine: Any) -> None:
    client = web()
    for _ in range(accounts.LOCK_AFTER):
        assert login(client, "sato", "wrong password, again").status_code == 401
    locked = login(client, "sato", PASSWORD)  # even the right password is refused while locked
    assert locked.status_code == 429
    assert "try again later" in locked.text
    assert "anpo_session" not in client.cookies
    denied = audit_rows(engine, "action = 'login' AND outcome = 'denied' AND record_id = 'sato'")
    assert len(denied) == accounts.LOCK_AFTER + 1
    # another account is not affected
    assert login(web(), "smith").status_code == 303


def test_asvs_2_4_1_passwords_hashed_with_argon2(app: Any, engine: Any) -> None:
    with engine.connect() as conn:
        hashes = [r[0] for r in conn.execute(text("SELECT password_hash FROM users"))]
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    assert all(PASSWORD not in h for h in hashes)


def test_asvs_2_4_1_a_new_process_hashes_with_the_shipped_profile(tmp_path: Path) -> None:
    """The tests hash with argon2's cheapest parameters (`tests/conftest.py`); a process of its own,
    as `anpo users create` runs, hashes with RFC 9106's low-memory profile (64 MiB, 3 passes)."""
    env = {**os.environ, "ANPO_DATABASE_URL": f"sqlite:///{tmp_path / 'anpo.sqlite3'}"}
    anpo = [sys.executable, "-m", "anpo"]
    subprocess.run([*anpo, "db", "init"], env=env, check=True, capture_output=True)
    made = subprocess.run(
        [*anpo, "users", "create", "root", "--role", "administrator", "--password-stdin", "--json"],
        env=env,
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr
    with sqlite3.connect(tmp_path / "anpo.sqlite3") as conn:
        (hashed,) = conn.execute("SELECT password_hash FROM users WHERE id = 'root'").fetchone()
    assert extract_parameters(hashed) == RFC_9106_LOW_MEMORY == accounts.PASSWORD_PROFILE
    assert accounts._verify(hashed, PASSWORD)  # and it logs in here, whatever this process hashes with


def test_asvs_2_5_4_no_default_accounts(db_url: str, cli: Any) -> None:
    """A new database has no account at all; the first administrator is made by `anpo users create`."""
    from anpo.store.db import make_engine
    from anpo.store.migrate import init_database

    engine = make_engine(db_url)
    init_database(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 0
    engine.dispose()
    assert cli.json("users", "list", "--url", db_url) == {"users": []}
    made = cli.runner.invoke(
        __import__("anpo.cli", fromlist=["app"]).app,
        ["users", "create", "root", "--role", "administrator", "--password-stdin", "--url", db_url, "--json"],
        input=PASSWORD + "\n",
    )
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout)["roles"] == ["administrator"]
    assert [u["id"] for u in cli.json("users", "list", "--url", db_url)["users"]] == ["root"]


# -- V3 sessions ---------------------------------------------------------------------------------


def test_asvs_3_2_1_login_makes_a_new_session_token(web: Web, engine: Any) -> None:
    client = web()
    client.cookies.set("anpo_session", "chosen-by-the-attacker", domain="testserver.local")
    assert login(client, "sato").status_code == 303
    first = client.cookies.get("anpo_session")
    assert first and first != "chosen-by-the-attacker" and len(first) >= 43  # 256 bits, url-safe base64
    assert login(client, "sato").status_code == 303
    second = client.cookies.get("anpo_session")
    assert second and second != first
    stale = web()
    stale.cookies.set("anpo_session", first, domain="testserver.local")
    assert stale.get("/api/me").json()["user"] == "anonymous"  # the old one ended at the new login


def test_asvs_3_3_1_logout_invalidates_the_session(web: Web) -> None:
    client = web("sato")
    token = client.cookies.get("anpo_session")
    assert client.get("/api/me").json()["user"] == "sato"
    out = client.post("/logout", data={"csrf_token": csrf_of(client)}, follow_redirects=False)
    assert out.status_code == 303
    replay = web()
    replay.cookies.set("anpo_session", token or "", domain="testserver.local")
    assert replay.get("/api/me").json()["user"] == "anonymous"


def test_asvs_3_3_2_sessions_expire_when_idle_and_absolutely(web: Web, engine: Any) -> None:
    client = web("sato")
    token = client.cookies.get("anpo_session") or ""
    factory = session_factory(engine)
    now = time.time()
    with transaction(factory) as s:
        assert resolve_session(s, token, now=now + accounts.IDLE_TIMEOUT - 5) is not None
    with transaction(factory) as s:  # used 5 s before the idle limit: the idle clock restarts
        assert resolve_session(s, token, now=now + accounts.IDLE_TIMEOUT + 10) is not None
    with transaction(factory) as s:  # but never beyond the absolute limit
        assert resolve_session(s, token, now=now + accounts.ABSOLUTE_TIMEOUT + 1) is None
    assert client.get("/api/me").json()["user"] == "anonymous"
    other = web("smith")
    with engine.begin() as conn:
        conn.execute(text("UPDATE web_sessions SET last_seen = :t"), {"t": time.time() - accounts.IDLE_TIMEOUT - 1})
    assert other.get("/api/me").json()["user"] == "anonymous"


def test_asvs_3_3_sessions_are_looked_up_read_only_and_end_at_once(web: Web, engine: Any) -> None:
    """Each request looks its session up with one read (no cache: logout and disabling act at the
    next request, from this process or another); it writes only to record a use after
    `TOUCH_EVERY` or to delete a session that ended."""
    client = web("sato")
    token = client.cookies.get("anpo_session") or ""

    def last_seen() -> float:
        with engine.connect() as conn:
            return float(conn.execute(text("SELECT last_seen FROM web_sessions")).scalar_one())

    seen = last_seen()
    assert client.get("/api/me").json()["user"] == "sato" and last_seen() == seen  # a read, no write
    with engine.begin() as conn:
        conn.execute(text("UPDATE web_sessions SET last_seen = :t"), {"t": seen - accounts.TOUCH_EVERY - 5})
    assert client.get("/api/acsa/orders").status_code == 200 and last_seen() >= seen  # its use recorded
    with engine.connect() as conn:
        found, write = accounts.lookup_session(conn, token)
        assert found is not None and found.principal.user_id == "sato" and not write
        assert accounts.lookup_session(conn, "no-such-token") == (None, False)
    with engine.begin() as conn:  # disabled behind the app's back (no session deleted): refused
        conn.execute(text("UPDATE users SET disabled = :d WHERE id = 'sato'"), {"d": True})
    assert client.get("/api/me").json()["user"] == "anonymous"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM web_sessions")).scalar_one() == 0  # and deleted
    other = web("smith")
    assert other.get("/api/me").json()["user"] == "smith"
    with transaction(session_factory(engine)) as session:  # as `anpo users disable` does
        accounts.disable_user(session, "smith")
    assert other.get("/api/me").json()["user"] == "anonymous"


def _https_login(app: Any) -> Any:
    client = TestClient(app, base_url="https://testserver")
    client.get("/login")
    csrf = client.cookies.get("__Host-anpo_csrf")
    return client.post(
        "/login", data={"username": "sato", "password": PASSWORD, "csrf_token": csrf or ""}, follow_redirects=False
    )


def _session_cookie(response: Any) -> str:
    return next(c for c in response.headers.get_list("set-cookie") if "anpo_session=" in c)


def test_asvs_3_4_1_session_cookie_is_secure_over_https(app: Any) -> None:
    assert "; secure" in _session_cookie(_https_login(app)).lower()


def test_asvs_3_4_2_session_cookie_is_httponly(app: Any) -> None:
    assert "httponly" in _session_cookie(_https_login(app)).lower()


def test_asvs_3_4_3_session_cookie_is_samesite_strict(app: Any) -> None:
    assert "samesite=strict" in _session_cookie(_https_login(app)).lower()


def test_asvs_3_4_4_session_cookie_has_host_prefix(app: Any) -> None:
    cookie = _session_cookie(_https_login(app))
    assert cookie.startswith("__Host-anpo_session=")
    assert "path=/" in cookie.lower() and "domain=" not in cookie.lower()


# -- V4 access control ---------------------------------------------------------------------------


def test_asvs_4_1_1_access_is_enforced_on_the_server(web: Web) -> None:
    viewer = web("reader")
    for path in ("/api/admin/users",):
        assert viewer.get(path).status_code == 403
        assert web().get(path).status_code == 401
    made = viewer.post(
        "/api/admin/users",
        json={"username": "mallory", "password": PASSWORD, "clearance": "top_secret", "roles": ["administrator"]},
        headers={"X-CSRF-Token": csrf_of(viewer)},
    )
    assert made.status_code == 403
    assert web("admin").get("/api/admin/users").json()["users"].__len__() == 4


def test_asvs_4_1_2_users_cannot_change_their_own_attributes(web: Web) -> None:
    client = web("reader")
    forged = client.get(
        "/api/me?party=jpn&clearance=top_secret&roles=administrator",
        headers={"X-Anpo-Party": "jpn", "X-Anpo-Clearance": "top_secret", "X-Anpo-Work-Token": "tok-jpn"},
    )
    assert forged.json() == {"user": "reader", "party": None, "clearance": "public", "roles": ["viewer"]}


def test_asvs_4_1_3_least_privilege(web: Web, engine: Any, fw: Framework) -> None:
    with transaction(session_factory(engine)) as session:
        create_user(session, Levels(fw), "noroles", PASSWORD, party="jpn", clearance="secret", roles=())
    client = web("noroles")
    body = {"title": {"ja": "件", "en": "Case"}, "type": "missile_launch", "level": "acg", "on": "2024-06-01"}
    refused = client.post("/api/work/cases", json=body, headers={"X-CSRF-Token": csrf_of(client)})
    assert refused.status_code in (403, 404)
    assert client.get("/api/admin/users").status_code == 403


def test_asvs_4_1_5_access_control_fails_securely(web: Web, engine: Any, fw: Framework) -> None:
    odd = open_case(engine, fw, Marking("secret", frozenset({"jpn"})))
    with engine.begin() as conn:  # a record whose level the pack does not know
        conn.execute(text("UPDATE work_cases SET marking_level = 'cosmic' WHERE id = :i"), {"i": odd})
    sato = web("sato")
    assert odd not in [c["id"] for c in sato.get("/api/work/cases").json()["cases"]]
    assert sato.get(f"/api/work/cases/{odd}").status_code == 404
    for bad in ("", "garbage", "x" * 5000):
        client = web()
        client.headers["Authorization"] = f"Bearer {bad}"
        assert client.get("/api/me").json()["user"] == "anonymous"
        assert client.get("/api/admin/users").status_code == 401


def test_asvs_4_2_1_no_insecure_direct_object_reference(web: Web, engine: Any, fw: Framework) -> None:
    case_id = open_case(engine, fw, JPN_ONLY)
    assert web("sato").get(f"/api/work/cases/{case_id}").status_code == 200
    smith = web("smith")
    hidden = smith.get(f"/api/work/cases/{case_id}")
    missing = smith.get("/api/work/cases/case_9999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["error"]["en"].replace(case_id, "X") == missing.json()["error"]["en"].replace("case_9999", "X")
    assert case_id not in smith.get("/api/work/cases").text


def test_asvs_4_2_2_csrf_tokens_protect_state_changes(web: Web) -> None:
    client = web("admin")
    new = {"username": "eve", "password": PASSWORD, "clearance": "public"}
    assert client.post("/api/admin/users", json=new).status_code == 403
    assert client.post("/api/admin/users", json=new, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert client.post("/logout", follow_redirects=False).status_code == 403
    assert client.get("/api/me").json()["user"] == "admin"  # still logged in
    form = {"username": "eve", "password": PASSWORD, "party": "none", "clearance": "public"}
    assert client.post("/admin/users", data=form, follow_redirects=False).status_code == 403
    ok = client.post("/admin/users", data={**form, "csrf_token": csrf_of(client)}, follow_redirects=False)
    assert ok.status_code == 303
    # login CSRF: a login form posted without the token is refused
    fresh = web()
    assert fresh.post("/login", data={"username": "sato", "password": PASSWORD}).status_code == 403


# -- V5 validation and encoding ------------------------------------------------------------------


def test_asvs_5_1_2_no_mass_assignment(web: Web) -> None:
    admin = web("admin")
    body = {"username": "bob", "password": PASSWORD, "clearance": "public", "disabled": False, "failed_logins": -9}
    refused = admin.post("/api/admin/users", json=body, headers={"X-CSRF-Token": csrf_of(admin)})
    assert refused.status_code == 422
    assert "disabled" in refused.json()["error"]["en"]


def test_asvs_5_1_3_input_is_validated_with_reasons(web: Web) -> None:
    admin = web("admin")
    headers = {"X-CSRF-Token": csrf_of(admin)}
    base = {"username": "carol", "password": PASSWORD, "clearance": "public"}
    for change, word in (
        ({"clearance": "cosmic"}, "clearance"),
        ({"party": "fra"}, "party"),
        ({"roles": ["god"]}, "roles"),
        ({"username": "Carol!"}, "username"),
    ):
        response = admin.post("/api/admin/users", json={**base, **change}, headers=headers)
        assert response.status_code == 400, response.text
        assert word in response.json()["error"]["en"] and response.json()["error"]["ja"]


def test_asvs_5_3_3_output_is_html_escaped(web: Web) -> None:
    client = web()
    attack = "<script>alert(1)</script>"
    for path in (f"/bodies?on={attack}", f"/ask?q={attack}", f"/login?next={attack}"):
        page = client.get(path)
        assert page.status_code < 500
        assert attack not in page.text


def test_asvs_5_3_4_queries_are_parameterised(web: Web) -> None:
    client = web()
    assert login(client, "' OR '1'='1").status_code == 401
    assert login(client, "sato' --", "x").status_code == 401
    assert web("smith").get("/api/work/cases/' OR '1'='1").status_code == 404


# -- V7 logging ----------------------------------------------------------------------------------


def test_asvs_7_1_1_no_credentials_or_session_tokens_in_logs(web: Web, engine: Any) -> None:
    client = web("sato")
    token = client.cookies.get("anpo_session") or ""
    login(web(), "smith", "a wrong password here")
    dump = json.dumps(audit_rows(engine), default=str)
    assert PASSWORD not in dump and "a wrong password here" not in dump and token not in dump
    with engine.connect() as conn:
        stored = [r[0] for r in conn.execute(text("SELECT token_hash FROM web_sessions"))]
    assert token not in stored and accounts.token_hash(token) in stored


def test_asvs_7_2_2_failed_access_decisions_are_logged(web: Web, engine: Any, fw: Framework) -> None:
    case_id = open_case(engine, fw, JPN_ONLY)
    smith = web("smith")
    smith.get(f"/api/work/cases/{case_id}")
    web("reader").get("/api/admin/users")
    login(web(), "sato", "not the password!")
    denied = audit_rows(engine, "outcome = 'denied'")
    assert any(r["actor"] == "smith" and r["record_id"] == case_id for r in denied)
    assert any(r["actor"] == "reader" and r["action"] == "accounts.admin" for r in denied)
    assert any(r["action"] == "login" and r["record_id"] == "sato" for r in denied)
    assert all(r["at"].endswith("+00:00") for r in denied)  # UTC


# -- V8 data protection --------------------------------------------------------------------------


def test_asvs_8_3_1_credentials_only_in_the_body(web: Web) -> None:
    client = web()
    client.get("/login")
    query = f"/login?username=sato&password={PASSWORD.replace(' ', '+')}&csrf_token={csrf_of(client)}"
    assert client.get(query).status_code == 200
    assert client.get("/api/me").json()["user"] == "anonymous"
    posted = client.post(query, data={"csrf_token": csrf_of(client)}, follow_redirects=False)
    assert posted.status_code == 401
    assert client.get("/api/me").json()["user"] == "anonymous"


# -- V13 API -------------------------------------------------------------------------------------


def test_asvs_13_1_4_authorisation_at_route_and_at_record(web: Web, engine: Any, fw: Framework) -> None:
    case_id = open_case(engine, fw, JPN_ONLY)
    reader = web("reader")
    assert reader.get("/api/admin/users").status_code == 403  # the route
    assert reader.get(f"/api/work/cases/{case_id}").status_code == 404  # the record
    assert case_id in web("sato").get("/api/work/cases").text


# -- V14 configuration: security headers ---------------------------------------------------------


def _headers(web: Web) -> Any:
    return web().get("/bodies?on=2024-01-01").headers


def test_asvs_14_4_3_content_security_policy(web: Web) -> None:
    csp = _headers(web)["content-security-policy"]
    assert "default-src 'self'" in csp and "object-src 'none'" in csp and "unsafe-inline" not in csp


def test_asvs_14_4_4_nosniff(web: Web) -> None:
    assert _headers(web)["x-content-type-options"] == "nosniff"
    assert web().get("/api/bodies").headers["x-content-type-options"] == "nosniff"


def test_asvs_14_4_5_hsts_over_https(app: Any) -> None:
    https = TestClient(app, base_url="https://testserver").get("/")
    assert "max-age=31536000" in https.headers["strict-transport-security"]


def test_asvs_14_4_6_referrer_policy(web: Web) -> None:
    assert _headers(web)["referrer-policy"] == "no-referrer"


def test_asvs_14_4_7_not_framed(web: Web) -> None:
    headers = _headers(web)
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"


def test_asvs_4_1_5_a_missing_accounts_database_fails_closed(fw: Framework, tmp_path: Any) -> None:
    from anpo.store.db import make_engine
    from anpo.web.app import create_app

    empty = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")  # never initialised: no tables
    with TestClient(create_app(fw, engine=empty), raise_server_exceptions=False) as client:
        client.cookies.set("anpo_session", "whatever", domain="testserver.local")
        assert client.get("/api/me").json()["user"] == "anonymous"
        assert client.get("/bodies?on=2024-01-01").status_code == 200
