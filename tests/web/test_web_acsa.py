"""The ACSA ledger's pages and JSON twins: the workflow through the API and the forms, refusals
with reasons and citations, markings (lists, addresses, counts and reports), roles, CSRF and the
dashboard. Runs on SQLite and PostgreSQL (the `engine` fixture)."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from web_helpers import csrf_of, make_users

from anpo.framework.framework import Framework
from anpo.ledger.commands import parse
from anpo.ledger.engine import Ledger
from anpo.security.audit import AuditEntry
from anpo.security.principal import system_principal
from anpo.store.db import session_factory, transaction

LEDGER_USERS: dict[str, tuple[str | None, str, tuple[str, ...]]] = {
    "tanaka": ("jpn", "secret", ("logistics_officer",)),
    "jones": ("usa", "secret", ("logistics_officer",)),
    "suzuki": ("jpn", "confidential", ("logistics_officer",)),
    "watcher": ("jpn", "secret", ("viewer",)),
}


@pytest.fixture
def users(app: Any, engine: Any, fw: Framework) -> None:
    make_users(engine, fw, LEDGER_USERS)


def order(oid: str, **kw: Any) -> dict[str, Any]:
    """An order from the U.S. by default: the order is the recipient's step, and Japan's officers
    (tanaka) place most of them here."""
    line = {"category": kw.pop("category", "fuel"), "item": "jp8", "unit": "l", "quantity": "1000"}
    line |= {"unit_price": "0.85", "currency": "USD"}
    base = {"id": oid, "on": "2020-05-01", "provider": "usa", "context": "joint_training"}
    base |= {"requesting_unit": "31st MEU", "method": "reimbursement", "lines": [line]}
    return base | kw


def post(client: TestClient, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, json=body, headers={"X-CSRF-Token": csrf_of(client)})


def to_binding(tanaka: TestClient, jones: TestClient, oid: str, **kw: Any) -> None:
    """An order from Japan to the U.S., placed by the recipient's officer (jones), signed by both."""
    assert post(jones, "/api/acsa/orders", order(oid, provider="jpn", **kw)).status_code == 201
    assert post(tanaka, f"/api/acsa/orders/{oid}/sign", {"id": f"{oid}.s1", "on": "2020-05-01"}).status_code == 200
    assert post(jones, f"/api/acsa/orders/{oid}/sign", {"id": f"{oid}.s2", "on": "2020-05-02"}).status_code == 200


def deliver(tanaka: TestClient, oid: str, quantity: str = "1000") -> Any:
    body = {"id": f"{oid}.d1", "on": "2020-05-03", "lines": [{"line": 1, "quantity": quantity}], "documents": ["v1"]}
    return post(tanaka, f"/api/acsa/orders/{oid}/deliver", body)


def audit_rows(engine: Any, action: str) -> list[tuple[str, str]]:
    with transaction(session_factory(engine)) as session:
        rows = session.execute(select(AuditEntry.actor, AuditEntry.outcome).where(AuditEntry.action == action))
        return [(a, o) for a, o in rows]


@pytest.mark.usefixtures("users")
def test_lifecycle_through_the_api(web: Any) -> None:
    tanaka, jones = web("tanaka"), web("jones")
    to_binding(tanaka, jones, "o1")
    assert tanaka.get("/api/acsa/orders/o1").json()["status"] == "binding"
    assert deliver(tanaka, "o1").json()["status"] == "delivered"
    assert deliver(tanaka, "o1").json()["code"] == "exists"  # a retry is idempotent
    r = post(jones, "/api/acsa/orders/o1/receive", {"id": "o1.r1", "on": "2020-05-04"})
    assert r.status_code == 200, r.text
    body = {"id": "o1.p1", "on": "2020-06-01", "method": "reimbursement", "amount": "850", "commodity": "USD"}
    r = post(jones, "/api/acsa/orders/o1/settle", body)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "closed"
    detail = jones.get("/api/acsa/orders/o1").json()
    assert [e["kind"] for e in detail["events"]] == ["order", "sign", "sign", "deliver", "receive", "settle"]
    assert detail["obligations"][0]["outstanding"] == "0"
    report = tanaka.get("/api/acsa/report?fy=2020&calendar=jp").json()
    (totals,) = report["agreements"][0]["totals"]
    assert (totals["provided"], totals["settled"]) == ("850", "850")
    assert tanaka.get("/api/acsa/balances").json()["balances"]
    # a step of the wrong party is refused by the ledger, with a bilingual reason
    r = post(tanaka, "/api/acsa/orders/o1/cancel", {"id": "o1.c1", "on": "2020-06-02", "reason": "x"})
    assert r.status_code == 409 and set(r.json()["error"]) == {"ja", "en"}


@pytest.mark.usefixtures("users")
def test_lifecycle_through_the_pages(web: Any) -> None:
    tanaka, jones = web("tanaka"), web("jones")
    page = jones.get("/acsa/orders")
    assert page.status_code == 200 and 'data-testid="order-form"' in page.text
    form = {"csrf_token": csrf_of(jones), "id": "p1", "on": "2020-05-01", "provider": "jpn"}
    form |= {"context": "joint_training", "requesting_unit": "31st MEU", "method": "reimbursement"}
    form |= {"category": "fuel", "item": "jp8", "unit": "l", "quantity": "10", "unit_price": "2", "currency": "USD"}
    form |= {"marking_level": "confidential", "releasable_to": ["jpn", "usa"]}
    r = jones.post("/acsa/orders", data=form, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/acsa/orders/p1")
    steps: list[tuple[TestClient, str, dict[str, str]]] = [
        (tanaka, "sign", {"on": "2020-05-01"}),
        (jones, "sign", {"on": "2020-05-01"}),
        (tanaka, "deliver", {"on": "2020-05-02", "line_no": "1", "quantity": "10", "documents": "v1, v2"}),
        (jones, "receive", {"on": "2020-05-03"}),
        (jones, "settle", {"on": "2020-05-04", "method": "reimbursement", "amount": "20", "commodity": "USD"}),
    ]
    for client, step, fields in steps:
        page = client.get("/acsa/orders/p1")
        assert f'data-testid="step-{step}"' in page.text, step
        data = {"csrf_token": csrf_of(client), "id": f"p1.{step}.{client.get('/api/me').json()['party']}"} | fields
        r = client.post(f"/acsa/orders/p1/{step}", data=data, follow_redirects=False)
        assert r.status_code == 303, (step, r.text)
    page = jones.get("/acsa/orders/p1?lang=en")
    assert 'data-testid="order-status">Closed' in page.text
    assert "CONFIDENTIAL//REL TO USA, JPN" in page.text
    # vocabulary ids are shown as their labels in the page's language
    assert "<dd>Joint training</dd>" in page.text and "<td>Petroleum, oils and lubricants</td>" in page.text
    ja = tanaka.get("/acsa/orders/p1?lang=ja").text
    assert "<dd>共同訓練</dd>" in ja and "<td>燃料・油脂・潤滑油</td>" in ja and "<dd>通貨による償還</dd>" in ja
    assert "<td>共同訓練</td>" in tanaka.get("/acsa/orders?lang=ja").text


@pytest.mark.usefixtures("users")
def test_the_order_form_takes_several_lines(web: Any) -> None:
    tanaka = web("tanaka")
    form = {"csrf_token": csrf_of(tanaka), "id": "m1", "on": "2020-05-01", "provider": "usa"}
    form |= {"context": "joint_training", "method": "reimbursement", "marking_level": "confidential"}
    form |= {"category": "fuel", "item": "jp8", "unit": "l", "quantity": "10", "unit_price": "2", "currency": "USD"}
    form |= {"category.2": "food", "item.2": "ration", "unit.2": "pack", "quantity.2": "5", "unit_price.2": "3"}
    form |= {"currency.2": "USD", "category.3": "fuel", "item.3": "", "quantity.3": ""}  # row 3 left empty
    r = tanaka.post("/acsa/orders", data=form, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/acsa/orders/m1")
    lines = tanaka.get("/api/acsa/orders/m1").json()["lines"]
    assert [(x["line"], x["category"], x["item"], x["quantity"]) for x in lines] == [
        (1, "fuel", "jp8", "10"),
        (2, "food", "ration", "5"),
    ]
    # a second line with an item but no quantity is refused with a reason, and nothing is written
    bad = {**form, "id": "m2", "quantity.2": ""}
    page = tanaka.post("/acsa/orders", data=bad, follow_redirects=False)
    assert page.status_code == 400 and 'data-testid="order-form"' in page.text, page.text[-1500:]
    refusal = page.text.split('data-testid="refusal"', 1)[1].split("</div>", 1)[0]
    assert "quantity" in refusal.lower(), refusal  # the reason names the field
    assert tanaka.get("/api/acsa/orders/m2").status_code == 404


@pytest.mark.usefixtures("users")
def test_refused_order_shows_reasons_and_citations(web: Any) -> None:
    tanaka = web("tanaka")
    r = post(tanaka, "/api/acsa/orders", order("a1", on="2014-07-01", category="ammunition"))
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "refused" and "ammunition" in body["error"]["en"]
    assert body["reasons"] and all(reason["citations"] for reason in body["reasons"])
    form = {"csrf_token": csrf_of(tanaka), "id": "w1", "on": "2020-05-01", "provider": "usa"}
    form |= {"context": "joint_training", "requesting_unit": "x", "method": "reimbursement"}
    form |= {
        "category": "weapons",
        "item": "rifle",
        "unit": "ea",
        "quantity": "1",
        "unit_price": "1",
        "currency": "JPY",
    }
    page = tanaka.post("/acsa/orders?lang=en", data=form)
    assert page.status_code == 422
    assert 'data-testid="refusal-reasons"' in page.text and 'data-testid="citation"' in page.text
    assert tanaka.get("/api/acsa/orders").json()["orders"] == []  # nothing was written


@pytest.mark.usefixtures("users")
def test_markings_hide_orders_from_lists_addresses_counts_and_reports(web: Any, engine: Any, fw: Framework) -> None:
    tanaka, jones, suzuki = web("tanaka"), web("jones"), web("suzuki")
    to_binding(tanaka, jones, "shared")
    deliver(tanaka, "shared", "100")
    # an order from Japan that the U.S. may not read: placed (as the U.S. signature below) by
    # trusted tooling, since its recipient's officers may not read it
    secret = order("jpnonly", provider="jpn", marking_level="secret", releasable_to=["jpn"])
    assert Ledger(engine, fw).execute(system_principal(), parse({**secret, "kind": "order"}))["code"] == "ok"
    assert post(tanaka, "/api/acsa/orders/jpnonly/sign", {"id": "j.s1", "on": "2020-05-01"}).status_code == 200
    assert tanaka.get("/api/acsa/orders").json()["count"] == 2
    assert "SECRET//REL TO JPN" in tanaka.get("/acsa/orders?lang=en").text
    for other in (jones, suzuki):
        data = other.get("/api/acsa/orders").json()
        assert [o["id"] for o in data["orders"]] == ["shared"] and data["count"] == 1
        assert "jpnonly" not in other.get("/acsa/orders").text
        assert other.get("/api/acsa/orders/jpnonly").status_code == 404
        assert other.get("/acsa/orders/jpnonly").status_code == 404
        missing = post(other, "/api/acsa/orders/jpnonly/sign", {"id": "x.s", "on": "2020-05-02"})
        assert missing.status_code == 404  # the same answer as for an order that never existed
        assert post(other, "/api/acsa/orders/nothere/sign", {"id": "y.s", "on": "2020-05-02"}).status_code == 404
    # its delivery counts in the reports of its readers only (the U.S. signature of a record the
    # U.S. officer may not read is made by trusted tooling here)
    sign = parse({"kind": "sign", "id": "j.s2", "order": "jpnonly", "party": "usa", "on": "2020-05-02"})
    assert Ledger(engine, fw).execute(system_principal(), sign)["code"] == "ok"
    assert deliver(tanaka, "jpnonly").status_code == 200
    totals = tanaka.get("/api/acsa/report?fy=2020&calendar=jp").json()["agreements"][0]["totals"]
    assert [(x["provisions"], x["provided"]) for x in totals] == [(2, "935")]
    for other in (jones, suzuki):
        totals = other.get("/api/acsa/report?fy=2020&calendar=jp").json()["agreements"][0]["totals"]
        assert [(x["provisions"], x["provided"]) for x in totals] == [(1, "85")]
        assert "SECRET" not in other.get("/api/acsa/report?fy=2020").headers["x-anpo-marking"]
        assert "jpnonly" not in other.get("/acsa/report?fy=2020").text
        assert other.get("/api/acsa/balances").json() != tanaka.get("/api/acsa/balances").json()


@pytest.mark.usefixtures("users")
def test_viewer_cannot_write_and_the_denial_is_audited(web: Any, engine: Any) -> None:
    tanaka, jones, watcher = web("tanaka"), web("jones"), web("watcher")
    assert post(tanaka, "/api/acsa/orders", order("v1")).status_code == 201
    assert watcher.get("/api/acsa/orders/v1").json()["actions"] == []
    assert 'data-testid="step-' not in watcher.get("/acsa/orders/v1").text
    r = post(watcher, "/api/acsa/orders/v1/sign", {"id": "v1.s", "on": "2020-05-02"})
    assert r.status_code == 403 and set(r.json()["error"]) == {"ja", "en"}
    assert post(watcher, "/api/acsa/orders", order("v2")).status_code == 403
    assert ("watcher", "denied") in audit_rows(engine, "acsa.sign")
    assert ("watcher", "denied") in audit_rows(engine, "acsa.order")
    assert watcher.get("/api/acsa/orders").json()["count"] == 1  # v2 was never written
    assert jones.get("/api/acsa/orders/v1").status_code == 200


@pytest.mark.usefixtures("users")
def test_anonymous_sees_nothing_and_forms_need_csrf(web: Any, engine: Any) -> None:
    anon = web()
    r = anon.get("/acsa/orders", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    for path in ("/api/acsa/orders", "/api/acsa/balances", "/api/acsa/ageing", "/api/acsa/report"):
        assert anon.get(path).status_code == 401, path
    assert anon.post("/api/acsa/orders", json=order("z")).status_code in (401, 403)
    tanaka = web("tanaka")
    form = {"id": "c1", "provider": "jpn", "context": "joint_training", "method": "reimbursement"}
    assert tanaka.post("/acsa/orders", data=form, follow_redirects=False).status_code == 403
    assert tanaka.post("/acsa/orders", data=form | {"csrf_token": "wrong"}).status_code == 403
    assert tanaka.post("/api/acsa/orders", json=order("c2")).status_code == 403  # no X-CSRF-Token
    assert tanaka.get("/api/acsa/orders").json()["count"] == 0


@pytest.mark.usefixtures("users")
def test_json_twins_match_pages_and_charts_are_inline_svg(web: Any) -> None:
    tanaka, jones = web("tanaka"), web("jones")
    to_binding(tanaka, jones, "t1")
    deliver(tanaka, "t1", "400")
    post(jones, "/api/acsa/orders/t1/receive", {"id": "t1.r", "on": "2020-05-04"})
    pairs = [
        ("/acsa/orders", "/api/acsa/orders"),
        ("/acsa/orders/t1", "/api/acsa/orders/t1"),
        ("/acsa/balances", "/api/acsa/balances"),
        ("/acsa/ageing?on=2022-01-01", "/api/acsa/ageing?on=2022-01-01"),
        ("/acsa/report?fy=2020&calendar=us", "/api/acsa/report?fy=2020&calendar=us"),
    ]
    for page_path, api_path in pairs:
        page, api = tanaka.get(page_path + ("&" if "?" in page_path else "?") + "lang=en"), tanaka.get(api_path)
        assert page.status_code == api.status_code == 200, page_path
        assert page.headers["x-anpo-marking"] == api.headers["x-anpo-marking"], page_path
        assert page.headers["x-anpo-marking"] in page.text
        assert unquote(page.headers["x-anpo-marking-ja"]) in page.text
        twin = re.search(r'href="([^"]+)" data-testid="json-twin"', page.text)
        assert twin and twin.group(1).startswith(api_path.split("?")[0]), page_path
    assert tanaka.get("/api/acsa/orders").json()["orders"][0]["id"] in tanaka.get("/acsa/orders").text
    ageing = tanaka.get("/api/acsa/ageing?on=2022-01-01").json()
    assert ageing["rows"][0]["buckets"]["18+"] == "340"
    assert ageing["overdue"] and tanaka.get("/api/acsa/orders?overdue=true&on=2022-01-01").json()["count"] == 1
    page = tanaka.get("/acsa/ageing?on=2022-01-01").text
    assert '<svg class="chart"' in page and "<script>" not in page.split("</head>")[1]
    assert '<svg class="chart"' in tanaka.get("/acsa/report?fy=2020&calendar=jp").text
    assert 'data-testid="overdue"' in tanaka.get("/acsa/orders?on=2022-01-01").text
    assert tanaka.get("/api/acsa/orders?status=nonsense").status_code == 400
    assert tanaka.get("/api/acsa/report?calendar=xx").status_code == 400


@pytest.mark.usefixtures("users")
def test_the_order_list_comes_in_pages_of_readable_orders(web: Any, app: Any) -> None:
    tanaka, jones = web("tanaka"), web("jones")
    for i in range(5):  # o1 and o3 are for Japan only: never on the U.S. officer's pages
        rel = ["jpn"] if i % 2 else ["jpn", "usa"]
        body = order(f"o{i}", on=f"2020-05-0{5 - i}", marking_level="secret", releasable_to=rel)
        assert post(tanaka, "/api/acsa/orders", body).status_code == 201
    full = tanaka.get("/api/acsa/orders").json()
    assert (full["count"], full["limit"], full["offset"], full["next_offset"]) == (5, 100, 0, None)
    assert [o["id"] for o in full["orders"]] == ["o4", "o3", "o2", "o1", "o0"]  # oldest first
    first = tanaka.get("/api/acsa/orders?limit=2").json()
    assert [o["id"] for o in first["orders"]] == ["o4", "o3"] and first["next_offset"] == 2
    last = tanaka.get("/api/acsa/orders?limit=2&offset=4").json()
    assert [o["id"] for o in last["orders"]] == ["o0"] and last["next_offset"] is None
    page = jones.get("/api/acsa/orders?limit=2").json()  # offsets count readable orders only
    assert [o["id"] for o in page["orders"]] == ["o4", "o2"] and page["next_offset"] == 2
    rest = jones.get("/api/acsa/orders?limit=2&offset=2").json()
    assert [o["id"] for o in rest["orders"]] == ["o0"] and rest["next_offset"] is None
    assert jones.get("/api/acsa/orders?offset=9").json()["orders"] == []
    for bad in ("limit=0", "limit=1001", "offset=-1", "limit=x"):
        refused = tanaka.get(f"/api/acsa/orders?{bad}")
        assert refused.status_code == 422 and set(refused.json()["error"]) == {"ja", "en"}, bad
    html = tanaka.get("/acsa/orders?limit=2&offset=2&status=requested").text
    assert 'href="/acsa/orders?limit=2&amp;status=requested&amp;offset=0" data-testid="orders-previous"' in html
    assert 'href="/acsa/orders?limit=2&amp;status=requested&amp;offset=4" data-testid="orders-next"' in html
    assert 'data-testid="orders-pages"' not in tanaka.get("/acsa/orders").text
    params = {p["name"]: p for p in app.openapi()["paths"]["/api/acsa/orders"]["get"]["parameters"]}
    assert params["limit"]["schema"]["maximum"] == 1000 and params["limit"]["schema"]["default"] == 100
    assert params["offset"]["schema"]["minimum"] == 0


@pytest.mark.usefixtures("users")
def test_dashboard_lists_the_ledger_actions_of_the_users_party(web: Any) -> None:
    tanaka, jones = web("tanaka"), web("jones")
    assert post(jones, "/api/acsa/orders", order("d1", provider="jpn")).status_code == 201
    items = jones.get("/api/dashboard").json()["items"]
    assert {"kind": "acsa.order.sign", "href": "/acsa/orders/d1"}.items() <= items[0].items()
    assert "/acsa/orders/d1" in jones.get("/dashboard").text
    post(tanaka, "/api/acsa/orders/d1/sign", {"id": "d1.s1", "on": "2020-05-01"})
    assert not [i for i in tanaka.get("/api/dashboard").json()["items"] if i["kind"] == "acsa.order.sign"]
    post(jones, "/api/acsa/orders/d1/sign", {"id": "d1.s2", "on": "2020-05-02"})
    deliver(tanaka, "d1")
    kinds = {i["kind"] for i in jones.get("/api/dashboard").json()["items"]}
    assert "acsa.delivery.receive" in kinds
    post(jones, "/api/acsa/orders/d1/receive", {"id": "d1.r", "on": "2020-05-04"})
    due = [i for i in jones.get("/api/dashboard").json()["items"] if i["kind"] == "acsa.settlement.due"]
    assert due and due[0]["overdue"] is True
    assert not web("watcher").get("/api/dashboard").json()["items"]


@pytest.mark.usefixtures("users")
def test_a_nul_character_is_refused_on_both_backends_and_nothing_is_written(web: Any, engine: Any) -> None:
    """PostgreSQL's text cannot hold U+0000 (its driver failed with a 500), SQLite's can: every
    request carrying one, in its path, query, JSON or form, gets the same bilingual 400 on both."""
    tanaka = web("tanaka")
    before = audit_rows(engine, "acsa.order")
    refused = [
        post(tanaka, "/api/acsa/orders", order("n1", requesting_unit="31st\u0000MEU")),
        post(tanaka, "/api/acsa/orders", order("n2", requesting_unit="\\\\\u0000")),  # NUL after a backslash
        tanaka.get("/api/acsa/orders/n%001"),
        tanaka.get("/api/acsa/orders?status=%00"),
    ]
    form = {"csrf_token": csrf_of(tanaka), "id": "n3", "on": "2020-05-01", "provider": "jpn"}
    form |= {"context": "joint_training", "requesting_unit": "a\x00b", "method": "reimbursement"}
    form |= {"category": "fuel", "item": "jp8", "unit": "l", "quantity": "10", "unit_price": "2", "currency": "USD"}
    refused.append(tanaka.post("/acsa/orders?lang=ja", data=form, follow_redirects=False))
    for response in refused[:-1]:
        assert response.status_code == 400, response.text
        assert "U+0000" in response.json()["error"]["en"] and "NUL" in response.json()["error"]["ja"]
    assert refused[-1].status_code == 400 and "NUL文字" in refused[-1].text  # a page: HTML, in Japanese
    assert tanaka.get("/api/acsa/orders").json()["orders"] == []
    assert audit_rows(engine, "acsa.order") == before
    # The six characters `\u0000` written as text (an escaped backslash, then "u0000") are text.
    made = post(tanaka, "/api/acsa/orders", order("n4", requesting_unit="C:\\u0000"))
    assert made.status_code == 201, made.text
    assert tanaka.get("/api/acsa/orders/n4").json()["requesting_unit"] == "C:\\u0000"


@pytest.mark.usefixtures("users")
def test_a_balance_beyond_64_bits_gets_a_422_with_the_reason(web: Any, engine: Any) -> None:
    """The signature that would take a balance past the ledger's 64-bit integers is refused with a
    bilingual reason on both backends (PostgreSQL answered a 500, SQLite stored an inexact REAL)."""
    tanaka, jones = web("tanaka"), web("jones")
    line = {"category": "fuel", "item": "jp8", "unit": "l", "quantity": "10000000000000", "unit_price": "1"}
    lines = [line | {"currency": "JPY"}] * 60
    to_binding(tanaka, jones, "big1", lines=lines)
    assert post(jones, "/api/acsa/orders", order("big2", provider="jpn", lines=lines)).status_code == 201
    assert post(tanaka, "/api/acsa/orders/big2/sign", {"id": "big2.s1", "on": "2020-05-01"}).status_code == 200
    before = audit_rows(engine, "acsa.sign")
    refused = post(jones, "/api/acsa/orders/big2/sign", {"id": "big2.s2", "on": "2020-05-02"})
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["code"] == "out_of_range" and "922,337,203,685,477.5807" in body["error"]["en"]
    assert "範囲" in body["error"]["ja"]
    assert tanaka.get("/api/acsa/orders/big2").json()["status"] == "requested"
    assert audit_rows(engine, "acsa.sign") == before


@pytest.mark.usefixtures("users")
def test_a_lone_surrogate_is_refused_with_a_400_and_nothing_is_written(web: Any, engine: Any) -> None:
    """JSON can escape a surrogate with no pair (`\\ud800`), which is no character: the drivers of
    both databases could not bind it (a 500). Refused with a bilingual 400 on every route; a pair
    (an emoji written as two escapes) and an escaped backslash before `ud800` are text."""
    tanaka = web("tanaka")
    headers = {"X-CSRF-Token": csrf_of(tanaka), "Content-Type": "application/json"}
    body = json.dumps(order("s1", requesting_unit="31st MEU")).replace("31st MEU", "31st \\ud800MEU")
    refused = [
        tanaka.post("/api/acsa/orders", content=body, headers=headers),
        tanaka.post("/api/acsa/orders", content=body.replace("\\ud800", "\\udc00x"), headers=headers),
        tanaka.post("/api/work/exercises", content='{"scenario": "\\udbff"}', headers=headers),
    ]
    for response in refused:
        assert response.status_code == 400, response.text
        assert "lone surrogate" in response.json()["error"]["en"] and "サロゲート" in response.json()["error"]["ja"]
    assert tanaka.get("/api/acsa/orders").json()["orders"] == []
    paired = body.replace("\\ud800", "\\ud83c\\udf8c")  # 🎌, as two escapes
    assert tanaka.post("/api/acsa/orders", content=paired, headers=headers).status_code == 201
    assert tanaka.get("/api/acsa/orders/s1").json()["requesting_unit"] == "31st 🎌MEU"
    text_only = body.replace("\\ud800", "\\\\ud800").replace('"s1"', '"s2"')  # a backslash, then "ud800"
    assert tanaka.post("/api/acsa/orders", content=text_only, headers=headers).status_code == 201
    assert tanaka.get("/api/acsa/orders/s2").json()["requesting_unit"] == "31st \\ud800MEU"
    # a form's bytes that are no UTF-8 (a surrogate encoded as CESU-8) are refused, as in JSON (they
    # were read as U+FFFD and stored)
    form = {"csrf_token": csrf_of(tanaka), "id": "s3", "on": "2020-05-01", "provider": "jpn"}
    form |= {"context": "joint_training", "method": "reimbursement", "category": "fuel", "item": "jp8"}
    form |= {"unit": "l", "quantity": "10", "unit_price": "2", "currency": "USD"}
    encoded = "&".join(f"{k}={v}" for k, v in form.items()) + "&requesting_unit=a%ED%A0%80b"
    page = tanaka.post(
        "/acsa/orders",
        content=encoded,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert page.status_code == 400 and "UTF-8" in page.text, page.text
    assert tanaka.get("/api/acsa/orders/s3").status_code == 404


@pytest.mark.usefixtures("users")
def test_text_longer_than_its_column_or_the_limit_gets_a_400_saying_so(web: Any) -> None:
    tanaka = web("tanaka")
    long_unit = post(tanaka, "/api/acsa/orders", order("t1", requesting_unit="u" * 201))
    assert long_unit.status_code == 400
    assert long_unit.json()["error"]["en"] == "requesting_unit is too long (201 characters, at most 200)."
    assert post(tanaka, "/api/acsa/orders", order("t2", requesting_unit="u" * 200)).status_code == 201
    long_reason = post(tanaka, "/api/acsa/orders/t2/cancel", {"id": "t2.c", "on": "2020-05-02", "reason": "r" * 2001})
    assert long_reason.status_code == 400 and "長すぎ" in long_reason.json()["error"]["ja"]
    assert tanaka.get("/api/acsa/orders/t2").json()["status"] == "requested"


@pytest.mark.usefixtures("users")
def test_a_line_number_past_its_column_or_a_value_of_the_wrong_type_gets_a_400(web: Any, engine: Any) -> None:
    """A line number past 64 bits answered a 500 (the fingerprint could not serialise it); 1.5 and
    true were read as line 1; a JSON null, number or object where text belongs was stored as Python
    spells it ("None", "{'a': 1}"), and a string of documents as a list of its characters. Each is
    a bilingual 400 now, and nothing is written; a null optional text is empty."""
    tanaka, jones = web("tanaka"), web("jones")
    to_binding(tanaka, jones, "w1")
    before = audit_rows(engine, "acsa.deliver")
    step = {"id": "w1.d", "on": "2020-05-03", "documents": ["v1"]}
    refused = {
        "line": post(tanaka, "/api/acsa/orders/w1/deliver", step | {"lines": [{"line": 10**30, "quantity": "1"}]}),
        "1.5": post(tanaka, "/api/acsa/orders/w1/deliver", step | {"lines": [{"line": 1.5, "quantity": "1"}]}),
        "true": post(tanaka, "/api/acsa/orders/w1/deliver", step | {"lines": [{"line": True, "quantity": "1"}]}),
        "docs": post(
            tanaka,
            "/api/acsa/orders/w1/deliver",
            step | {"lines": [{"line": 1, "quantity": "1"}]} | {"documents": "abc"},
        ),
        "doc": post(
            tanaka,
            "/api/acsa/orders/w1/deliver",
            step | {"lines": [{"line": 1, "quantity": "1"}]} | {"documents": [None]},
        ),
        "unit": post(tanaka, "/api/acsa/orders", order("w2", requesting_unit={"a": 1})),
        "reason": post(tanaka, "/api/acsa/orders/w1/cancel", {"id": "w1.c", "on": "2020-05-04", "reason": ["x"]}),
    }
    for name, response in refused.items():
        assert response.status_code == 400, (name, response.text)
        assert response.json()["error"]["ja"] and response.json()["code"] == "invalid", name
    assert "line=1000000000000000000000000000000 is too large (at most 2,147,483,647)" in refused["line"].text
    assert refused["docs"].json()["error"]["en"] == "documents must be a list."
    assert refused["unit"].json()["error"]["en"] == "requesting_unit must be text."
    assert audit_rows(engine, "acsa.deliver") == before
    assert tanaka.get("/api/acsa/orders/w1").json()["status"] == "binding"
    assert tanaka.get("/api/acsa/orders/w2").status_code == 404
    assert post(tanaka, "/api/acsa/orders", order("w3", requesting_unit=None)).status_code == 201
    assert tanaka.get("/api/acsa/orders/w3").json()["requesting_unit"] == ""


@pytest.mark.usefixtures("users")
def test_commands_past_their_size_limits_get_a_400_naming_the_limit(web: Any, engine: Any) -> None:
    """A document reference of any length, any number of documents, of a delivery's line entries
    and of an order's lines were taken; a reason past 2,000 characters got "an entry is too long",
    naming neither field nor limit. The parser bounds each now: a bilingual 400, nothing written."""
    tanaka, jones = web("tanaka"), web("jones")
    to_binding(tanaka, jones, "z1")
    before = audit_rows(engine, "acsa.deliver")
    step = {"id": "z1.d", "on": "2020-05-03", "lines": [{"line": 1, "quantity": "1"}], "documents": ["v1"]}
    line = order("x")["lines"][0]
    refused = {
        "doc": post(tanaka, "/api/acsa/orders/z1/deliver", step | {"documents": ["d" * 501]}),
        "docs": post(tanaka, "/api/acsa/orders/z1/deliver", step | {"documents": [f"d{n}" for n in range(101)]}),
        "entries": post(tanaka, "/api/acsa/orders/z1/deliver", step | {"lines": [{"line": 1, "quantity": "1"}] * 1001}),
        "lines": post(tanaka, "/api/acsa/orders", order("z2", lines=[line] * 1001)),
        "reason": post(tanaka, "/api/acsa/orders/z1/cancel", {"id": "z1.c", "on": "2020-05-04", "reason": "r" * 2001}),
    }
    for name, response in refused.items():
        assert response.status_code == 400, (name, response.text)
        assert response.json()["code"] == "invalid" and response.json()["error"]["ja"], name
    assert refused["doc"].json()["error"]["en"] == "documents is too long (501 characters, at most 500)."
    assert refused["docs"].json()["error"]["ja"] == "documents が多すぎます（101件、上限 100件）。"
    assert refused["entries"].json()["error"]["en"] == "lines has too many entries (1,001, at most 1,000)."
    assert refused["lines"].json()["error"]["en"] == "lines has too many entries (1,001, at most 1,000)."
    assert refused["reason"].json()["error"]["en"] == "reason is too long (2001 characters, at most 2000)."
    assert audit_rows(engine, "acsa.deliver") == before
    assert tanaka.get("/api/acsa/orders/z1").json()["status"] == "binding"
    assert tanaka.get("/api/acsa/orders/z2").status_code == 404
    assert (
        post(tanaka, "/api/acsa/orders/z1/cancel", {"id": "z1.c", "on": "2020-05-04", "reason": "r" * 2000}).json()[
            "status"
        ]
        == "cancelled"
    )


@pytest.mark.usefixtures("users")
def test_a_json_object_naming_a_key_twice_is_refused_with_a_400(web: Any, engine: Any) -> None:
    """`{"quantity": "1", "quantity": "900"}` was read as 900 (Python's parser keeps the last key;
    another reader of the same request may keep the first): refused with a bilingual 400 on every
    route, nothing written. The same key in two objects is no repetition; a body nested past the
    parser's depth is still the route's 400, not a 500."""
    tanaka = web("tanaka")
    headers = {"X-CSRF-Token": csrf_of(tanaka), "Content-Type": "application/json"}
    body = json.dumps(order("k1"))
    twice = body.replace('"quantity": ', '"quantity": "1", "quantity": ', 1)
    assert twice.count('"quantity"') == 2
    refused = [
        tanaka.post("/api/acsa/orders", content=twice, headers=headers),
        tanaka.post("/api/acsa/orders", content=body[:-1] + ', "id": "k2"}', headers=headers),
        tanaka.post("/api/work/exercises", content='{"scenario": "a", "scenario": "b"}', headers=headers),
    ]
    for response in refused:
        assert response.status_code == 400, response.text
        error = response.json()["error"]
        assert "more than once" in error["en"] and "2回以上" in error["ja"]
    assert tanaka.get("/api/acsa/orders").json()["orders"] == []
    two_lines = order("k3")
    two_lines["lines"] = [two_lines["lines"][0], {**two_lines["lines"][0], "item": "other"}]
    assert tanaka.post("/api/acsa/orders", content=json.dumps(two_lines), headers=headers).status_code == 201
    for deep_body in ("[" * 100_000, "[" * 100_000 + '"\\ud800"'):  # the second: the surrogate check's parse
        deep = tanaka.post("/api/acsa/orders", content=deep_body, headers=headers)
        assert deep.status_code in (400, 422), deep.text


@pytest.mark.usefixtures("users")
def test_a_line_that_is_not_an_object_or_has_an_unknown_field_gets_a_400_naming_it(web: Any, engine: Any) -> None:
    """An order's or a delivery's line that was not an object answered a generic "bad body"; one
    with a misspelt field (`unit_prise`) had it ignored, the line read as if it were absent. Both
    are a bilingual 400 naming the entry and the field, and nothing is written."""
    tanaka, jones = web("tanaka"), web("jones")
    to_binding(tanaka, jones, "k1")
    before = audit_rows(engine, "acsa.deliver")
    line = order("x")["lines"][0]
    step = {"id": "k1.d", "on": "2020-05-03", "documents": ["v1"]}
    refused = {
        "order string": post(tanaka, "/api/acsa/orders", order("k2") | {"lines": [line, "fuel"]}),
        "order typo": post(tanaka, "/api/acsa/orders", order("k3") | {"lines": [line | {"unit_prise": "3"}]}),
        "deliver number": post(tanaka, "/api/acsa/orders/k1/deliver", step | {"lines": [1]}),
        "deliver typo": post(
            tanaka, "/api/acsa/orders/k1/deliver", step | {"lines": [{"line": 1, "quantity": "1", "qty": "2"}]}
        ),
    }
    for name, response in refused.items():
        assert response.status_code == 400, (name, response.text)
        assert response.json()["code"] == "invalid", name
    assert refused["order string"].json()["error"]["en"] == "each entry of lines must be an object (entry 2)."
    assert refused["order typo"].json()["error"]["en"] == (
        "entry 1 of lines has unknown fields: unit_prise (allowed: category, item, unit, quantity, unit_price, currency)."
    )
    assert "unit_prise" in refused["order typo"].json()["error"]["ja"]
    assert "qty" in refused["deliver typo"].json()["error"]["en"]
    assert "2番目" in refused["order string"].json()["error"]["ja"]
    assert audit_rows(engine, "acsa.deliver") == before
    assert tanaka.get("/api/acsa/orders/k2").status_code == tanaka.get("/api/acsa/orders/k3").status_code == 404
    assert tanaka.get("/api/acsa/orders/k1").json()["status"] == "binding"
