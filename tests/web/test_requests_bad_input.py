"""Bad input anywhere in the web app: the question page, a JSON body naming a field its endpoint
does not take, a form whose bytes are not UTF-8 on every HTML form. Each gets a 4xx with the reason
in both languages (a page: in its own language, with its form), and nothing is written. Runs on
SQLite and PostgreSQL (the `web` fixture)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from web_helpers import PASSWORD, csrf_of, make_users

from anpo.framework.framework import Framework

Web = Callable[..., TestClient]
FORM = "application/x-www-form-urlencoded"
ARTICLE5 = "treaty.article5_applies"


def _alert(page: Any, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}"[^>]*>([^<]*)<', page.text)
    assert found, page.text[-1500:]
    return html.unescape(found.group(1))


# -- the question page ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "params", "on", "ja", "en"),
    [
        ("no.such", "place=okinawa", "1970-01-01", "質問「no.such」はありません", "no question 'no.such'"),
        (ARTICLE5, "place=okinawa", "1970-13-01", "日付「1970-13-01」を読めません", "cannot read date '1970-13-01'"),
        (ARTICLE5, "place=okinawa", "9999-12-31", "9999-12-31", "the last date anpo takes"),
        (ARTICLE5, "", "1970-01-01", "place=場所", "place=PLACE"),  # a required parameter left out
        (ARTICLE5, "place=mars", "1970-01-01", "値「mars」は使えません", "'mars' is not allowed for 'place'"),
        (ARTICLE5, "place", "1970-01-01", "name=value の形式", "'place' must be written name=value"),
        (ARTICLE5, "place=okinawa place=guam", "1970-01-01", "2回以上", "'place' is given more than once"),
    ],
)
def test_the_ask_page_answers_bad_input_with_a_400_and_keeps_the_form(
    web: Web, q: str, params: str, on: str, ja: str, en: str
) -> None:
    """The reason was shown in a page answered 200, as if the question had been answered; it is a
    400, as its JSON twin answers, with the reason in the page's language, and the form still holds
    what was typed (an unknown question too, so that it can be corrected)."""
    client = web("sato")
    for lang, words in (("ja", ja), ("en", en)):
        page = client.get("/ask?" + urlencode({"q": q, "params": params, "on": on, "lang": lang}))
        assert page.status_code == 400, page.text[-800:]
        assert words in _alert(page, "ask-error")
        assert f'<html lang="{lang}"' in page.text
        assert re.search(rf'<option value="{re.escape(q)}"\s*selected>', page.text), "the question is kept"
        assert f'value="{html.escape(params)}" data-testid="params"' in page.text
        assert f'value="{on}" data-testid="ask-on"' in page.text
        assert 'data-testid="answer"' not in page.text
    twin = client.get(f"/api/ask/{q}?{'&'.join(params.split()) or 'x=y'}&on={on}")
    assert twin.status_code == 400, twin.text


def test_the_ask_page_still_answers_a_good_question_and_shows_an_empty_form(web: Web) -> None:
    client = web()
    assert client.get("/ask").status_code == 200
    page = client.get("/ask?" + urlencode({"q": ARTICLE5, "params": "place=okinawa", "on": "1970-01-01"}))
    assert page.status_code == 200 and 'data-testid="answer-value">no<' in page.text
    assert 'data-testid="ask-error"' not in page.text


# -- JSON bodies ------------------------------------------------------------------------------------

LINE = {"category": "fuel", "item": "jp8", "unit": "l", "quantity": "10", "unit_price": "2", "currency": "USD"}
# from the U.S.: the order is its recipient's step, and Japan's officer (tanaka) places it
ORDER = {"on": "2020-05-01", "provider": "usa", "context": "joint_training", "requesting_unit": "31st MEU"}
ORDER |= {"method": "reimbursement", "lines": [LINE]}
# Every POST route that takes a JSON body, with a body it would otherwise take.
JSON_BODIES: dict[str, dict[str, Any]] = {
    "/api/acsa/orders": ORDER,
    "/api/acsa/orders/{order_id}/{kind}": {"id": "x.s1", "on": "2020-05-01"},
    "/api/admin/users": {"username": "carol", "password": PASSWORD, "clearance": "public"},
    "/api/work/cases": {"title": {"ja": "発射", "en": "Launch"}, "type": "missile_launch", "level": "bocc"},
    "/api/work/cases/{case_id}/entries": {"type": "message", "text": "hello"},
    "/api/work/cases/{case_id}/determinations": {"situation": "anticipated_armed_attack"},
    "/api/work/meetings": {"id": "m1", "body": "scc", "date": "2026-07-10", "label": {"ja": "x", "en": "x"}},
    "/api/work/commitments": {"id": "c1", "meeting": "scc_2013_10_03", "owner": "sdc", "label": "x"},
    "/api/work/commitments/{commitment_id}/done": {"on": "2015-01-01"},
    "/api/work/protection": {"protected_party": "usa", "activity": "joint_training", "asset": "a", "by": "b"},
    "/api/work/protection/{record_id}/decision": {"approve": True, "on": "2024-06-11"},
    "/api/work/protection/{record_id}/carried-out": {"on": "2024-06-12"},
    "/api/work/bookings": {"facility": "camp_fuji", "start": "2025-03-01T08:00", "end": "2025-03-01T09:00"},
    "/api/work/exercises": {"scenario": "senkaku_gray_zone", "seed": 1},
    "/api/work/exercises/{run_id}/step": {"script": True},
    "/api/work/exercises/{run_id}/actions": {"do": "message", "case": "c", "party": "jpn", "text": "x"},
}
PATH_VALUES = {"order_id": "x", "kind": "sign", "case_id": "case_7kq2m9xa", "commitment_id": "c1"}
PATH_VALUES |= {"record_id": "1", "run_id": "run_7kq2m9xa"}


def _posts(app: Any) -> list[APIRoute]:
    """The app's POST routes (those of an included router too: FastAPI keeps it whole)."""
    routes: list[Any] = []
    for route in app.routes:
        routes += getattr(getattr(route, "original_router", None), "routes", [route])
    return [r for r in routes if isinstance(r, APIRoute) and "POST" in r.methods]


def test_every_route_taking_a_json_body_is_checked_here(app: Any) -> None:
    """A new endpoint with a JSON body is added to JSON_BODIES, so that its unknown fields are
    refused too (tested below)."""
    assert {r.path for r in _posts(app) if r.path.startswith("/api/") and r.body_field} == set(JSON_BODIES)


@pytest.mark.parametrize("route", sorted(JSON_BODIES))
def test_a_json_body_with_an_unknown_field_is_a_422_naming_it(web: Web, engine: Engine, route: str) -> None:
    """A typo in a field's name (`"idempotency"` for `"id"`) was ignored: the request ran as if the
    field had not been given (a new id for a retry, a default for a value). Now a 422 names the
    unknown fields and those the endpoint takes, in both languages, and nothing is written."""
    client = web("admin")
    path = route.format(**PATH_VALUES)
    before = _counts(engine)
    body = {**JSON_BODIES[route], "idempotency": "k-1", "zzz": 1}
    refused = client.post(path, json=body, headers={"X-CSRF-Token": csrf_of(client)})
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert "unknown field in the JSON body: idempotency, zzz (allowed: " in error["en"]
    assert "JSONの本文に不明な項目があります: idempotency, zzz（使える項目: " in error["ja"]
    assert refused.json()["fields"] == ["idempotency", "zzz"]
    assert _counts(engine) == before


def _counts(engine: Engine) -> tuple[int, ...]:
    tables = ("users", "acsa_orders", "work_cases", "audit_log")
    with engine.connect() as conn:
        return tuple(int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in tables)


def test_the_known_fields_still_work_and_name_the_allowed_ones(web: Web, engine: Engine, fw: Framework) -> None:
    """The fields each endpoint documents are taken as before; the refusal lists them."""
    make_users(engine, fw, {"tanaka": ("jpn", "secret", ("logistics_officer",))})
    tanaka = web("tanaka")
    headers = {"X-CSRF-Token": csrf_of(tanaka)}
    typo = tanaka.post("/api/acsa/orders", json={**ORDER, "idempotency": "o1"}, headers=headers)
    assert typo.status_code == 422 and "(allowed: context, id, lines, marking_level, method, on," in typo.text
    assert tanaka.get("/api/acsa/orders").json()["count"] == 0
    placed = tanaka.post(
        "/api/acsa/orders", json={**ORDER, "id": "o1", "releasable_to": ["jpn", "usa"]}, headers=headers
    )
    assert placed.status_code == 201, placed.text
    # a step's fields are its own: `party` signs, `reason` does not
    cancel = tanaka.post("/api/acsa/orders/o1/sign", json={"id": "o1.s", "reason": "x"}, headers=headers)
    assert cancel.status_code == 422 and "(allowed: id, on, party)" in cancel.json()["error"]["en"]
    assert tanaka.post("/api/acsa/orders/o1/sign", json={"id": "o1.s"}, headers=headers).status_code == 200
    sato = web("sato")
    opened = sato.post("/api/work/cases", json=JSON_BODIES["/api/work/cases"], headers={"X-CSRF-Token": csrf_of(sato)})
    assert opened.status_code == 201, opened.text


# -- forms that are not UTF-8 -----------------------------------------------------------------------

# Every HTML form route (POST outside /api/), with the user who may post to it.
FORM_ROUTES = {
    "/login": None,
    "/logout": "admin",
    "/admin/users": "admin",
    "/admin/users/{username}/disable": "admin",
    "/admin/users/{username}/enable": "admin",
    "/acsa/orders": "tanaka",
    "/acsa/orders/{order_id}/{kind}": "tanaka",
}


def test_every_html_form_route_is_checked_here(app: Any) -> None:
    assert {r.path for r in _posts(app) if not r.path.startswith("/api/")} == set(FORM_ROUTES)


@pytest.mark.parametrize("route", sorted(FORM_ROUTES))
@pytest.mark.parametrize("extra", [b"name=%FF%FE", b"%FF=1", b"username=\xff", b"password=%ED%A0%80"])
def test_a_form_that_is_not_utf8_is_a_400_on_every_page(
    web: Web, engine: Engine, fw: Framework, route: str, extra: bytes
) -> None:
    """The accounts' forms read a byte that is not UTF-8 as U+FFFD (FastAPI's `Form`), then went
    on: a disable or a logout was carried out, a login attempt counted and the session ended. Each
    form now refuses it with a 400 in the page's language naming the field, as the ledger's pages
    did, and changes nothing."""
    make_users(engine, fw, {"tanaka": ("jpn", "secret", ("logistics_officer",))})
    who = FORM_ROUTES[route]
    client = web(who) if who else web()
    client.get("/login")
    if who == "tanaka":  # an order to cancel (one that does not exist is a 404, whatever the form)
        placed = client.post("/api/acsa/orders", json={**ORDER, "id": "o1"}, headers={"X-CSRF-Token": csrf_of(client)})
        assert placed.status_code == 201, placed.text
    path = route.format(username="reader", order_id="o1", kind="cancel")
    before = _counts(engine)
    field = re.escape(extra.split(b"=")[0].decode())
    for lang, words in (
        ("ja", rf"フォームの項目「{field}」がUTF-8の文字ではありません"),
        ("en", rf"the form's field '{field}'"),
    ):
        body = urlencode({"csrf_token": csrf_of(client), "username": "admin", "password": PASSWORD}).encode()
        page = client.post(
            f"{path}?lang={lang}", content=body + b"&" + extra, headers={"content-type": FORM}, follow_redirects=False
        )
        assert page.status_code == 400, page.text[-800:]
        assert re.search(words, html.unescape(page.text)), page.text[-1500:]
    assert _counts(engine) == before
    me = client.get("/api/me").json()["user"]
    assert me == (who or "anonymous")  # not logged in, nor out
    if who == "admin":
        assert {u["id"]: u["disabled"] for u in client.get("/api/admin/users").json()["users"]}["reader"] is False


def test_more_specific_refusals_of_a_form_come_first(web: Web) -> None:
    """Who may post is decided before what was posted: a visitor is sent to log in, a user who
    is not an administrator is refused (403), a wrong CSRF token is a 403."""
    bad = b"&name=%FF"
    visitor = web()
    visitor.get("/login")
    body = urlencode({"csrf_token": csrf_of(visitor)}).encode() + bad
    sent = visitor.post("/acsa/orders", content=body, headers={"content-type": FORM}, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"].startswith("/login")
    sato = web("sato")
    body = urlencode({"csrf_token": csrf_of(sato)}).encode() + bad
    assert sato.post("/admin/users", content=body, headers={"content-type": FORM}).status_code == 403
    forged = sato.post("/logout", content=b"csrf_token=nope" + bad, headers={"content-type": FORM})
    assert forged.status_code == 403 and sato.get("/api/me").json()["user"] == "sato"
