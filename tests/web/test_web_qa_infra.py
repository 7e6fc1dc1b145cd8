"""QA findings on the web's plumbing: /docs served from the app itself (no CDN, a strict CSP),
validation errors that say which field is wrong and why, and the login redirect that keeps the
page's query and language."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient
from web_helpers import PASSWORD, csrf_of

Web = Callable[..., TestClient]

# -- /docs without a CDN --------------------------------------------------------------------------


def _csp(response: Any) -> dict[str, str]:
    return {d.split(" ", 1)[0]: d for d in (p.strip() for p in response.headers["content-security-policy"].split(";"))}


def test_docs_load_swagger_ui_from_the_app_itself_under_a_strict_csp(client: TestClient) -> None:
    """/docs loaded Swagger UI from cdn.jsdelivr.net and a favicon from fastapi.tiangolo.com (blank
    with no internet; traffic to third parties), and its CSP allowed the CDN and 'unsafe-inline'."""
    page = client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    urls = re.findall(r'(?:src|href)="([^"]*)"', page.text) + re.findall(r"url:\s*'([^']*)'", page.text)
    assert urls and all(u.startswith("/") and not u.startswith("//") for u in urls), urls
    assert "http" not in page.text.replace("http-equiv", "")  # no absolute URL at all
    csp = page.headers["content-security-policy"]
    assert "'unsafe-inline'" not in csp and "http" not in csp and "jsdelivr" not in csp, csp
    directives = _csp(page)
    assert directives["style-src"] == "style-src 'self'"
    assert directives["img-src"] == "img-src 'self' data:"
    assert re.fullmatch(r"script-src 'self' 'sha256-[A-Za-z0-9+/=]+'", directives["script-src"])  # its init script
    kinds = {".js": "javascript", ".css": "text/css", ".png": "image/png"}
    for url in urls:
        if url == "/openapi.json":
            continue
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert kinds[url[url.rindex(".") :]] in asset.headers["content-type"], (url, asset.headers["content-type"])
    assert any(u.endswith("swagger-ui-bundle.js") for u in urls) and any(u.endswith("swagger-ui.css") for u in urls)
    assert client.get("/openapi.json").status_code == 200


def test_redoc_is_gone_rather_than_loaded_from_a_cdn(client: TestClient) -> None:
    """ReDoc's page loaded its script from a CDN and Google's fonts; it styles itself with inline
    <style> elements, which the CSP refuses, so there is no /redoc: the schema is /openapi.json."""
    assert client.get("/redoc").status_code == 404
    assert client.get("/docs").status_code == 200


# -- validation errors with reasons ---------------------------------------------------------------


def test_a_bad_query_on_a_page_says_which_field_and_why(web: Web) -> None:
    sato = web("sato")
    cases = [
        ("/work/protection?year=abc", "year: must be a whole number", "year: 整数で指定してください"),
        ("/acsa/orders?limit=0", "limit: must be at least 1", "limit: 1以上で指定してください"),
        ("/acsa/report?fy=abc", "fy: must be a whole number", "fy: 整数で指定してください"),
    ]
    for url, en, ja in cases:
        page = sato.get(url + "&lang=en")
        assert page.status_code == 422, (url, page.text[:300])
        assert f"invalid request: {en}" in page.text, (url, page.text)
        page = sato.get(url + "&lang=ja")
        assert f"リクエストが不正です: {ja}" in page.text, (url, page.text)


def test_a_bad_api_query_keeps_the_error_shape_and_gives_the_limits(web: Web) -> None:
    sato = web("sato")
    response = sato.get("/api/acsa/orders?limit=0")
    assert response.status_code == 422
    assert response.json() == {
        "error": {
            "ja": "リクエストが不正です: limit: 1以上で指定してください",
            "en": "invalid request: limit: must be at least 1",
        },
        "code": "invalid",
    }
    too_many = sato.get("/api/acsa/orders?limit=100000&offset=-1").json()["error"]["en"]
    assert re.fullmatch(r"invalid request: (limit: must be at most \d+; offset: must be at least 0|.*)", too_many)
    assert "limit: must be at most " in too_many and "offset: must be at least 0" in too_many
    assert "year: must be a whole number" in sato.get("/api/work/protection/report?year=abc").json()["error"]["en"]
    assert sato.get("/api/work/protection/report").json()["error"] == {
        "ja": "リクエストが不正です: year: 必須です",
        "en": "invalid request: year: is required",
    }


def test_a_short_password_says_how_long_it_must_be(web: Web) -> None:
    admin = web("admin")
    new = {"username": "newbie", "password": "short", "clearance": "public"}
    response = admin.post("/api/admin/users", json=new, headers={"X-CSRF-Token": csrf_of(admin)})
    assert response.status_code == 422, response.text
    assert response.json()["error"] == {
        "ja": "リクエストが不正です: password: 12文字以上必要です",
        "en": "invalid request: password: at least 12 characters",
    }
    response = admin.post(
        "/api/admin/users", json={"username": "n", "password": PASSWORD}, headers={"X-CSRF-Token": csrf_of(admin)}
    )
    assert response.json()["error"]["en"] == (
        "invalid request: username: at least 2 characters; clearance: is required"
    ), response.text


def test_the_value_sent_is_never_echoed(web: Web) -> None:
    """A reason names the field and its rule, never the value: it may be a password."""
    admin = web("admin")
    secret = "hunter2-not-long"[:11]
    new = {"username": "newbie", "password": secret, "clearance": "public"}
    response = admin.post("/api/admin/users", json=new, headers={"X-CSRF-Token": csrf_of(admin)})
    assert response.status_code == 422 and secret not in response.text


def test_a_booking_id_past_the_range_is_no_booking_as_in_the_cli(web: Web) -> None:
    """docs/work.md: a booking id past 2,147,483,647 is "no booking" (the CLI's 404); the API's
    route bounded its path parameter and answered a 422 "invalid request: path.booking_id"."""
    sato = web("sato")
    headers = {"X-CSRF-Token": csrf_of(sato)}
    for booking in ("99999999999", str(2**31), str(2**63), "0", "-1", str(2**31 - 1)):
        response = sato.post(f"/api/work/bookings/{booking}/cancel", headers=headers)
        assert response.status_code == 404, (booking, response.text)
        assert response.json()["error"]["en"] == f"no booking '{booking}'"
    response = sato.post("/api/work/bookings/abc/cancel", headers=headers)
    assert response.status_code == 422
    assert response.json()["error"]["en"] == "invalid request: booking_id: must be a whole number"


def test_many_bad_fields_are_summed_up_not_listed_to_the_last() -> None:
    from anpo.web.invalid import MAX_PROBLEMS, invalid_request

    errors = [{"type": "missing", "loc": ("body", "lines", i, "quantity")} for i in range(MAX_PROBLEMS + 5)]
    text = invalid_request(errors)
    assert text.en.count("is required") == MAX_PROBLEMS and text.en.endswith("; and 5 more")
    assert text.ja.endswith("；ほか5件") and "lines.0.quantity: 必須です" in text.ja
    unknown = invalid_request([{"type": "some_new_type", "loc": ("query", "x"), "msg": "Something odd"}])
    assert unknown.en == "invalid request: x: invalid value (Something odd)"
    one_of = invalid_request([{"type": "literal_error", "loc": ("query", "c"), "ctx": {"expected": "'jp' or 'us'"}}])
    assert one_of.en == "invalid request: c: must be one of 'jp', 'us'"


# -- the login redirect keeps the query and the language -------------------------------------------


def test_the_login_redirect_keeps_the_query_and_the_language(web: Web) -> None:
    anonymous = web()
    target = "/acsa/orders?status=delivered&overdue=true&lang=ja"
    sent = anonymous.get(target, follow_redirects=False)
    assert sent.status_code == 303
    location = sent.headers["location"]
    assert location == ("/login?next=/acsa/orders%3Fstatus%3Ddelivered%26overdue%3Dtrue%26lang%3Dja&lang=ja")
    assert parse_qs(urlsplit(location).query) == {"next": [target], "lang": ["ja"]}
    login_page = anonymous.get(location)
    assert login_page.status_code == 200 and '<html lang="ja"' in login_page.text
    assert 'name="next" value="/acsa/orders?status=delivered&amp;overdue=true&amp;lang=ja"' in login_page.text
    logged_in = anonymous.post(
        "/login",
        data={"username": "sato", "password": PASSWORD, "csrf_token": csrf_of(anonymous), "next": target},
        follow_redirects=False,
    )
    assert logged_in.status_code == 303 and logged_in.headers["location"] == target
    # the administration's pages (another route to the login page) alike; no `lang`, none added
    sent = web().get("/admin/users?notice=x", follow_redirects=False)
    assert parse_qs(urlsplit(sent.headers["location"]).query) == {"next": ["/admin/users?notice=x"]}


def test_the_login_redirect_still_goes_only_to_this_site(web: Web) -> None:
    for bad in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "/\t/evil.example", "/\n/evil", "x"):
        client = web()
        client.get("/login")
        response = client.post(
            "/login",
            data={"username": "sato", "password": PASSWORD, "csrf_token": csrf_of(client), "next": bad},
            follow_redirects=False,
        )
        assert response.status_code == 303 and response.headers["location"] == "/dashboard", bad
        assert f'value="{bad}"' not in client.get("/login", params={"next": bad}).text
