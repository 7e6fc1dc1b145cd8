"""Bad input to the HTML forms of the ACSA pages: a 4xx with the reason in the page's language (the
page re-rendered with its refusal), never a value altered, chosen or dropped silently, nothing
half-written. Runs on SQLite and PostgreSQL (the `engine` fixture)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

import pytest
from fastapi.testclient import TestClient
from web_helpers import csrf_of, make_users

from anpo.framework.framework import Framework

FORM = "application/x-www-form-urlencoded"
LEDGER_USERS: dict[str, tuple[str | None, str, tuple[str, ...]]] = {
    "tanaka": ("jpn", "secret", ("logistics_officer",)),
    "jones": ("usa", "secret", ("logistics_officer",)),
}


@pytest.fixture
def users(app: Any, engine: Any, fw: Framework) -> None:
    make_users(engine, fw, LEDGER_USERS)


def order_form(oid: str, **kw: str) -> dict[str, str]:
    """The order form's fields as the page sends them (rows 2 and 3 left empty, their presets kept),
    for Japan's officer (tanaka), who orders from the U.S. (the order is its recipient's step)."""
    form = {"id": oid, "on": "2020-05-01", "provider": "usa", "context": "joint_training"}
    form |= {"requesting_unit": "31st MEU", "method": "reimbursement", "marking_level": "confidential"}
    form |= {"category": "fuel", "item": "jp8", "unit": "l", "quantity": "10", "unit_price": "2", "currency": "USD"}
    for n in (2, 3):
        form |= {f"category.{n}": "fuel", f"item.{n}": "", f"unit.{n}": "", f"quantity.{n}": ""}
        form |= {f"unit_price.{n}": "", f"currency.{n}": "JPY"}
    return form | kw


def send(client: TestClient, path: str, fields: dict[str, str], extra: bytes = b"") -> Any:
    """POST a form as a browser does, with `extra` (raw, already encoded) appended to its body."""
    body = urlencode({"csrf_token": csrf_of(client), **fields}).encode() + extra
    return client.post(path, content=body, headers={"content-type": FORM}, follow_redirects=False)


def refusal(page: Any) -> str:
    return str(page.text.split('data-testid="refusal"', 1)[1].split("</div>", 1)[0])


def api(client: TestClient, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, json=body, headers={"X-CSRF-Token": csrf_of(client)})


def binding(tanaka: TestClient, jones: TestClient, oid: str, lines: int = 1) -> None:
    line = {"category": "fuel", "item": "jp8", "unit": "l", "quantity": "1000", "unit_price": "1", "currency": "USD"}
    body = {"id": oid, "on": "2020-05-01", "provider": "jpn", "context": "joint_training"}
    body |= {"requesting_unit": "31st MEU", "method": "reimbursement", "lines": [line] * lines}
    assert api(jones, "/api/acsa/orders", body).status_code == 201  # from Japan: the U.S. orders
    assert api(tanaka, f"/api/acsa/orders/{oid}/sign", {"id": f"{oid}.s1", "on": "2020-05-01"}).status_code == 200
    assert api(jones, f"/api/acsa/orders/{oid}/sign", {"id": f"{oid}.s2", "on": "2020-05-02"}).status_code == 200


def delivered(client: TestClient, oid: str) -> list[str]:
    return [x["delivered"] for x in client.get(f"/api/acsa/orders/{oid}").json()["lines"]]


@pytest.mark.usefixtures("users")
def test_a_form_value_that_is_not_utf8_is_refused_not_stored_altered(web: Any) -> None:
    """Starlette's form parser read `%FF` and a lone surrogate (`%ED%A0%80`) as U+FFFD and an
    unescaped byte as Latin-1: the order was written with a requesting unit of "�" or "Ã©"."""
    tanaka = web("tanaka")
    for n, extra in enumerate((b"%FF", b"%ED%A0%80", b"\xff", b"\xc3\xa9t\xe9")):
        fields = order_form(f"u{n}")
        del fields["requesting_unit"]
        page = send(tanaka, "/acsa/orders?lang=ja", fields, b"&requesting_unit=" + extra)
        assert page.status_code == 400, (extra, page.text[-800:])
        assert "requesting_unit" in refusal(page) and "UTF-8" in refusal(page)
        assert "認められませんでした" in refusal(page)  # in the page's language
        assert 'data-testid="order-form"' in page.text  # the page, again, with its form
        assert tanaka.get(f"/api/acsa/orders/u{n}").status_code == 404
    # a step's field too: nothing is cancelled
    jones = web("jones")
    binding(tanaka, jones, "c1")
    page = send(tanaka, "/acsa/orders/c1/cancel?lang=en", {"id": "c1.c", "on": "2020-05-03"}, b"&reason=%FF")
    assert page.status_code == 400 and "'reason' is not text in UTF-8" in refusal(page).replace("&#39;", "'")
    assert tanaka.get("/api/acsa/orders/c1").json()["status"] == "binding"
    # UTF-8, escaped or not, is stored as it was typed
    fields = order_form("u9")
    del fields["requesting_unit"]
    made = send(tanaka, "/acsa/orders", fields, b"&requesting_unit=" + quote("第31海兵隊").encode() + b"+\xc3\xa9")
    assert (made.status_code, made.headers["location"]) == (303, "/acsa/orders/u9")
    assert tanaka.get("/api/acsa/orders/u9").json()["requesting_unit"] == "第31海兵隊 é"


@pytest.mark.usefixtures("users")
def test_a_form_field_given_twice_is_refused_not_the_last_one_taken(web: Any) -> None:
    """A field given twice kept its last value: `quantity=10&quantity=99` ordered or delivered 99."""
    tanaka, jones = web("tanaka"), web("jones")
    page = send(tanaka, "/acsa/orders?lang=en", order_form("t1"), b"&quantity=99")
    assert page.status_code == 400 and "'quantity' more than once" in refusal(page).replace("&#39;", "'")
    assert tanaka.get("/api/acsa/orders/t1").status_code == 404
    page = send(tanaka, "/acsa/orders?lang=ja", order_form("t2"), b"&marking_level=secret")
    assert page.status_code == 400 and "marking_level" in refusal(page) and "2回以上" in refusal(page)
    assert tanaka.get("/api/acsa/orders/t2").status_code == 404
    binding(tanaka, jones, "t3")
    fields = {"id": "t3.d", "on": "2020-05-03", "line_no": "1", "quantity": "10", "documents": "v1"}
    page = send(tanaka, "/acsa/orders/t3/deliver", fields, b"&quantity=20")
    assert page.status_code == 400 and 'data-testid="order-facts"' in page.text
    assert delivered(tanaka, "t3") == ["0"]
    # the check boxes of the parties an order is releasable to are one field each, as ever
    made = send(tanaka, "/acsa/orders", order_form("t4"), b"&releasable_to=jpn&releasable_to=usa")
    assert made.status_code == 303
    assert tanaka.get("/api/acsa/orders/t4").json()["marking"]["releasable_to"] == ["jpn", "usa"]


@pytest.mark.usefixtures("users")
def test_an_order_line_filled_in_without_its_item_is_refused_not_dropped(web: Any) -> None:
    """A second row with a unit, quantity and price but no item was left out of the order."""
    tanaka = web("tanaka")
    row = {"unit.2": "pack", "quantity.2": "5", "unit_price.2": "3", "currency.2": "USD"}
    page = send(tanaka, "/acsa/orders?lang=en", order_form("r1", **row))
    assert page.status_code == 400 and "item" in refusal(page)
    assert tanaka.get("/api/acsa/orders/r1").status_code == 404
    made = send(tanaka, "/acsa/orders", order_form("r2", **row, **{"item.2": "ration"}))
    assert made.status_code == 303
    assert [x["item"] for x in tanaka.get("/api/acsa/orders/r2").json()["lines"]] == ["jp8", "ration"]


@pytest.mark.usefixtures("users")
def test_a_delivery_form_without_its_line_is_refused_not_taken_as_line_1(web: Any) -> None:
    tanaka, jones = web("tanaka"), web("jones")
    binding(tanaka, jones, "l1", lines=2)
    fields = {"id": "l1.d", "on": "2020-05-03", "quantity": "10", "documents": "v1"}
    page = send(tanaka, "/acsa/orders/l1/deliver?lang=en", fields)
    assert page.status_code == 400 and "line" in refusal(page)
    assert delivered(tanaka, "l1") == ["0", "0"]
    assert send(tanaka, "/acsa/orders/l1/deliver", fields | {"line_no": "2"}).status_code == 303
    assert delivered(tanaka, "l1") == ["0", "10"]


@pytest.mark.usefixtures("users")
def test_a_form_too_large_or_not_a_form_is_refused_in_the_pages_language(web: Any) -> None:
    """Starlette refused more than 1,000 fields in English only; a JSON body was read as an empty
    form and refused for its currency."""
    tanaka = web("tanaka")
    many = b"".join(b"&f%d=1" % n for n in range(1001))
    page = send(tanaka, "/acsa/orders?lang=ja", order_form("b1"), many)
    assert page.status_code == 413 and "フォームが大きすぎます" in refusal(page)
    page = send(tanaka, "/acsa/orders?lang=en", order_form("b2"), b"&requesting_unit2=" + b"x" * (1024 * 1024))
    assert page.status_code == 413 and "the form is too large" in refusal(page)
    assert page.text.count("x" * 1000) == 0  # not echoed
    page = tanaka.post(
        "/acsa/orders?lang=ja",
        json=order_form("b3"),
        headers={"X-CSRF-Token": csrf_of(tanaka)},
        follow_redirects=False,
    )
    assert page.status_code == 415 and "フォームとして送ってください" in refusal(page)
    assert tanaka.get("/api/acsa/orders").json()["orders"] == []


@pytest.mark.usefixtures("users")
def test_a_missing_choice_is_named_in_the_reason_not_shown_as_none(web: Any) -> None:
    tanaka, jones = web("tanaka"), web("jones")
    fields = order_form("n1")
    del fields["context"]
    page = send(tanaka, "/acsa/orders?lang=en", fields)
    assert page.status_code == 400 and "context=" in refusal(page) and "None" not in refusal(page)
    # two deliveries await receipt and none is chosen
    binding(tanaka, jones, "n2")
    for n in (1, 2):
        body = {"id": f"n2.d{n}", "on": "2020-05-03", "lines": [{"line": 1, "quantity": "1"}], "documents": ["v"]}
        assert api(tanaka, "/api/acsa/orders/n2/deliver", body).status_code == 200
    page = send(jones, "/acsa/orders/n2/receive?lang=en", {"id": "n2.r", "on": "2020-05-04"})
    assert page.status_code == 404 and "(unknown_delivery)" in refusal(page) and "None" not in refusal(page)
    assert [e["kind"] for e in jones.get("/api/acsa/orders/n2").json()["events"]][-1] == "deliver"
