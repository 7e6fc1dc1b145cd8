"""What users rely on in the platform: logging in and out, the banner and marking header, the
dashboard, the administration of users, API tokens and generic errors — in Japanese and English."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from fastapi.testclient import TestClient
from sqlalchemy import text
from web_helpers import PASSWORD, csrf_of, login

from anpo.framework.framework import Framework
from anpo.framework.model import Text
from anpo.security.accounts import create_token
from anpo.security.markings import Levels, Marking
from anpo.store.db import session_factory, transaction
from anpo.web.dashboard import SOURCES, DashboardItem, register_dashboard_source

Web = Callable[..., TestClient]


def test_login_lands_on_the_dashboard_and_logout_ends_it(web: Web) -> None:
    client = web()
    page = client.get("/login?lang=ja")
    assert "ログイン" in page.text and 'name="csrf_token"' in page.text
    response = login(client, "sato")
    assert response.status_code == 303 and response.headers["location"] == "/dashboard"
    dash = client.get("/dashboard?lang=en")
    assert dash.status_code == 200 and "Logged in as sato (JPN)" in dash.text
    assert "Nothing needs your action" in dash.text
    assert client.get("/api/dashboard").json()["items"] == []
    client.post("/logout", data={"csrf_token": csrf_of(client)})
    assert client.get("/api/me").json()["user"] == "anonymous"
    assert client.get("/dashboard", follow_redirects=False).headers["location"] == "/login?next=/dashboard"
    assert client.get("/api/dashboard").status_code == 401


def test_wrong_password_is_refused_in_both_languages(web: Web) -> None:
    client = web()
    client.get("/login")
    for lang, words in (("ja", "ユーザー名またはパスワードが違います"), ("en", "wrong username or password")):
        client.cookies.set("anpo_lang", lang, domain="testserver.local")
        refused = client.post("/login", data={"username": "sato", "password": "nope", "csrf_token": csrf_of(client)})
        assert refused.status_code == 401 and words in refused.text
        unknown = client.post("/login", data={"username": "nobody", "password": "nope", "csrf_token": csrf_of(client)})
        assert unknown.status_code == 401 and words in unknown.text  # the same: nobody learns who exists


def test_login_redirects_only_to_this_site(web: Web) -> None:
    client = web()
    client.get("/login")
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post(
            "/login",
            data={"username": "sato", "password": PASSWORD, "csrf_token": csrf_of(client), "next": target},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/dashboard"


def test_api_tokens_authenticate_scripts_without_csrf(web: Web, engine: Any) -> None:
    with transaction(session_factory(engine)) as session:
        token = create_token(session, "admin", "script")
    script = web()
    script.headers["Authorization"] = f"Bearer {token}"
    assert script.get("/api/me").json()["user"] == "admin"
    new = {"username": "bot", "password": PASSWORD, "clearance": "public", "roles": ["administrator"]}
    assert script.post("/api/admin/users", json=new).status_code == 201
    with transaction(session_factory(engine)) as session:
        bot = web()
        bot.headers["Authorization"] = f"Bearer {create_token(session, 'bot', 'script')}"
    assert bot.get("/api/me").json()["user"] == "bot"
    assert script.post("/api/admin/users/admin/disable").status_code == 409  # not one's own account
    disabled = script.post("/api/admin/users/bot/disable")
    assert disabled.status_code == 200 and disabled.json()["disabled"] is True
    assert bot.get("/api/me").json()["user"] == "anonymous"  # disabling ends its tokens


def test_disabling_a_user_ends_their_sessions(web: Web) -> None:
    sato = web("sato")
    admin = web("admin")
    page = admin.get("/admin/users")
    assert page.status_code == 200 and "sato" in page.text
    response = admin.post("/admin/users/sato/disable", data={"csrf_token": csrf_of(admin)}, follow_redirects=False)
    assert response.status_code == 303
    assert "disabled" in admin.get(response.headers["location"]).text
    assert sato.get("/api/me").json()["user"] == "anonymous"
    assert login(web(), "sato").status_code == 401
    assert {u["id"]: u["disabled"] for u in admin.get("/api/admin/users").json()["users"]}["sato"] is True


def test_admin_page_creates_users_and_shows_reasons(web: Web) -> None:
    admin = web("admin")
    form = {"username": "tanaka", "password": PASSWORD, "party": "none", "clearance": "public", "roles": ["viewer"]}
    admin.cookies.set("anpo_lang", "ja", domain="testserver.local")
    created = admin.post("/admin/users", data={**form, "csrf_token": csrf_of(admin)})
    assert created.status_code == 200 and "ユーザー「tanaka」を作成しました" in created.text
    admin.cookies.set("anpo_lang", "en", domain="testserver.local")
    again = admin.post("/admin/users", data={**form, "csrf_token": csrf_of(admin)})
    assert again.status_code == 400 and "already exists" in again.text
    assert login(web(), "tanaka").status_code == 303
    assert web("sato").get("/admin/users").status_code == 403
    assert web().get("/admin/users", follow_redirects=False).status_code == 303


def test_every_page_and_api_response_carries_the_marking(web: Web) -> None:
    client = web()
    for path in ("/", "/bodies?on=1985-01-01", "/api/bodies?on=2024-01-01", "/api/ask/guidelines.in_force", "/login"):
        response = client.get(path)
        assert response.headers["x-anpo-marking"] == "PUBLIC", path
        assert unquote(response.headers["x-anpo-marking-ja"]) == "公開"
    page = client.get("/bodies?lang=ja")
    assert 'data-testid="banner"' in page.text and "公開" in page.text and "PUBLIC" in page.text


def test_the_dashboard_shows_registered_sources_as_the_user_may_read(web: Web, fw: Framework) -> None:
    secret_jpn = Marking("secret", frozenset({"jpn"}))

    def orders(request: Any, principal: Any) -> list[DashboardItem]:
        from anpo.security.access import can_read

        item = DashboardItem(
            "acsa.order.sign",
            Text("署名待ちの注文", "Order awaiting signature"),
            "/ledger/orders/1",
            due=dt.date(2000, 1, 1),
            marking=secret_jpn,
        )
        return [item] if can_read(Levels(fw), principal, item.marking) else []

    register_dashboard_source(orders)
    try:
        sato = web("sato")
        data = sato.get("/api/dashboard")
        assert [i["kind"] for i in data.json()["items"]] == ["acsa.order.sign"]
        assert data.json()["items"][0]["overdue"] is True
        assert data.headers["x-anpo-marking"] == "SECRET//REL TO JPN"
        page = sato.get("/dashboard?lang=ja")
        assert "署名待ちの注文" in page.text and "期限超過" in page.text and "極秘//JPN限り" in page.text
        assert web("smith").get("/api/dashboard").json()["items"] == []
    finally:
        SOURCES.remove(orders)


def test_server_errors_are_generic_and_bilingual(app: Any) -> None:
    def boom() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    app.add_api_route("/api/boom", boom)
    app.add_api_route("/boom", boom)
    client = TestClient(app, raise_server_exceptions=False)
    api = client.get("/api/boom")
    assert api.status_code == 500
    assert api.json()["error"]["ja"] and "try again later" in api.json()["error"]["en"]
    page = client.get("/boom?lang=ja")
    assert page.status_code == 500 and "サーバーで問題が起きました" in page.text
    for body in (api.text, page.text):
        assert "Traceback" not in body and "hunter2" not in body and "RuntimeError" not in body


def test_logins_and_user_changes_are_audited(web: Web, engine: Any) -> None:
    admin = web("admin")
    admin.post("/admin/users/reader/disable", data={"csrf_token": csrf_of(admin)})
    admin.post("/logout", data={"csrf_token": csrf_of(admin)})
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT actor, action, outcome, record_id FROM audit_log ORDER BY id")).all()
    actions = [(r.actor, r.action, r.outcome, r.record_id) for r in rows]
    assert ("system", "user.create", "ok", "sato") in actions
    assert ("admin", "login", "ok", "admin") in actions
    assert ("admin", "user.disable", "ok", "reader") in actions
    assert ("admin", "logout", "ok", "admin") in actions


def test_anonymous_visitors_read_public_pages_without_a_database(fw: Framework) -> None:
    from anpo.web.app import create_app

    with TestClient(create_app(fw)) as client:
        assert client.get("/bodies?on=1985-06-01").status_code == 200
        assert client.get("/api/me").json()["user"] == "anonymous"
        assert client.get("/openapi.json").json()["info"]["title"] == "anpo"


def test_api_responses_are_marked_with_what_they_contain(web: Web, engine: Any, fw: Framework) -> None:
    import anpo.work.coordination as coordination
    from anpo.security.principal import system_principal
    from anpo.work.common import Work

    with transaction(session_factory(engine)) as session:
        w = Work(fw, session, system_principal())
        for marking in (Marking("secret", frozenset({"jpn", "usa"})), Marking("confidential", frozenset({"usa"}))):
            coordination.open_case(w, Text("事案", "Case"), "gray_zone", "acg", dt.date(2024, 6, 1), marking=marking)
    smith = web("smith").get("/api/work/cases")
    assert len(smith.json()["cases"]) == 2
    assert smith.headers["x-anpo-marking"] == "SECRET//REL TO USA"  # highest level, common releasability
    assert unquote(smith.headers["x-anpo-marking-ja"]) == "極秘//USA限り"
    sato = web("sato").get("/api/work/cases")
    assert len(sato.json()["cases"]) == 1
    assert sato.headers["x-anpo-marking"] == "SECRET//REL TO USA, JPN"
    assert web().get("/api/work/cases").headers["x-anpo-marking"] == "PUBLIC"


def test_pages_show_the_banner_of_what_they_contain(web: Web, engine: Any, fw: Framework) -> None:
    import anpo.work.coordination as coordination
    from anpo.security.principal import system_principal
    from anpo.work.common import Work

    with transaction(session_factory(engine)) as session:
        w = Work(fw, session, system_principal())
        case = coordination.open_case(
            w,
            Text("事案", "Case"),
            "gray_zone",
            "acg",
            dt.date(2024, 6, 1),
            marking=Marking("secret", frozenset({"jpn", "usa"})),
        )
    sato = web("sato")
    for path in ("/work/cases?lang=en", f"/work/cases/{case['id']}?lang=en"):
        page = sato.get(path)
        assert page.status_code == 200, path
        banner = page.text.split('data-testid="banner"', 1)[1].split("</", 1)[0]
        assert "SECRET//REL TO USA, JPN" in banner, path
        assert page.headers["x-anpo-marking"] == "SECRET//REL TO USA, JPN", path
    assert "PUBLIC" in web().get("/work/cases?lang=en").text.split('data-testid="banner"', 1)[1].split("</", 1)[0]


def test_an_administrator_sees_locked_accounts_on_the_dashboard(web: Web) -> None:
    from anpo.security import accounts

    for _ in range(accounts.LOCK_AFTER):
        assert login(web(), "sato", "wrong password, again").status_code == 401
    items = web("admin").get("/api/dashboard").json()["items"]
    assert [(i["kind"], i["href"]) for i in items] == [("accounts.locked", "/admin/users")]
    assert "sato" in items[0]["title"]["en"] and "sato" in items[0]["title"]["ja"]
    assert web("smith").get("/api/dashboard").json()["items"] == []  # not an administrator


def test_integers_beyond_the_database_range_are_refused_not_crashed(web: Web, engine: Any) -> None:
    """schemathesis found a booking id of 2**63 crashing the driver (a 500); every integer of a
    request that reaches a query is bounded by its column's type (PostgreSQL's int4 for ids and
    sequence numbers, int8 for the orders' offset), so a larger one gets a 422 naming the field and its
    limit; a booking id past the range is "no booking" (a 404, as in the CLI)."""
    integer, bigint = 2**31, 2**63  # one past the largest of each
    with transaction(session_factory(engine)) as session:
        token = create_token(session, "sato", "script")
    script = web()
    script.headers["Authorization"] = f"Bearer {token}"
    for method, url, field in (
        ("get", f"/api/acsa/orders?offset={bigint}", "offset: must be at most"),
        ("get", f"/api/work/cases/c1/events?after={integer}", "after: must be at most"),
    ):
        response = getattr(script, method)(url)
        assert response.status_code == 422, (url, response.text)
        assert field in response.json()["error"]["en"] and response.json()["error"]["ja"]
    page = script.get(f"/acsa/orders?offset={bigint}&lang=ja")  # a page: an error page, in its language
    assert page.status_code == 422 and "text/html" in page.headers["content-type"]
    assert (
        f'<p class="error" role="alert">リクエストが不正です: offset: {bigint - 1}以下で指定してください</p>'
        in page.text
    )
    # The largest stored integer itself is an ordinary value: an empty page, an unknown booking.
    page = script.get(f"/api/acsa/orders?offset={bigint - 1}")
    assert page.status_code == 200 and page.json()["orders"] == []
    assert script.post(f"/api/work/bookings/{integer - 1}/cancel").status_code == 404
    # A booking id past the range is "no booking", as in the CLI (docs/work.md), not a 422.
    for booking in (integer, -bigint):
        assert script.post(f"/api/work/bookings/{booking}/cancel").status_code == 404
    # A stale or forged Last-Event-ID beyond the range is ignored, not bound: the case is looked up.
    for forged in (str(integer).encode(), b"9" * 5000, b"\xb2"):  # "²" (Latin-1): str.isdigit, not int: a 500
        stream = script.get("/api/work/cases/no-such-case/events", headers={"Last-Event-ID": forged})
        assert stream.status_code == 404, forged


def test_a_denied_request_naming_a_very_long_id_is_audited_with_the_id_cut(web: Web, engine: Any) -> None:
    """A denial is audited with the id the request named; a 5,000-character scenario id did not fit
    audit_log.record_id (128), and PostgreSQL refused the entry: a 500. Now the entry keeps the
    start of the id and how much was cut, and the request gets its 4xx."""
    sato = web("sato")  # a coordinator, not an exercise controller
    long_id = "s" * 5000
    denied = sato.post("/api/work/exercises", json={"scenario": long_id}, headers={"X-CSRF-Token": csrf_of(sato)})
    assert denied.status_code in (403, 404), denied.text
    with engine.connect() as conn:
        (record_id,) = conn.execute(
            text("SELECT record_id FROM audit_log WHERE outcome = 'denied' ORDER BY id DESC LIMIT 1")
        ).one()
    kept = record_id.index("…")
    assert len(record_id) == 128 and record_id[:kept] == long_id[:kept]
    assert record_id[kept:] == f"…(+{5000 - kept})"
