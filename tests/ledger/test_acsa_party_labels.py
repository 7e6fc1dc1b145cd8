"""The order is its recipient's step, as the other steps are their party's: a principal of a party
orders only from the other party (API, form and `Ledger.submit`), and the order form offers only
that party. The ACSA pages and the ledger's messages in Japanese name parties, accounts,
agreements, categories, contexts, steps and methods in words (the ids stay in the JSON and as a
secondary mark for accountants), and the pages' figures have thousands separators. Runs on SQLite
and PostgreSQL (the `engine` fixture)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from ledger_helpers import lifecycle, order, snapshot

import anpo.work  # noqa: F401  (registers the work actions, as the web tests' app does)
from anpo.framework.framework import Framework
from anpo.ledger.commands import parse
from anpo.ledger.engine import Ledger
from anpo.security.accounts import create_user
from anpo.security.markings import Levels
from anpo.security.principal import Principal, system_principal
from anpo.store.db import session_factory, transaction

PASSWORD = "correct horse battery staple"
USERS = {
    "tanaka": ("jpn", "secret", ("logistics_officer",)),
    "jones": ("usa", "secret", ("logistics_officer",)),
}
JPN_OFFICER = Principal("tanaka", "jpn", "secret", frozenset({"logistics_officer"}))
USA_OFFICER = Principal("jones", "usa", "secret", frozenset({"logistics_officer"}))
NO_PARTY_ADMIN = Principal("admin", None, "public", frozenset({"administrator"}))
Web = Callable[[str], TestClient]


# -- helpers ------------------------------------------------------------------------------------------


@pytest.fixture
def web(engine: Any, fw: Framework) -> Iterator[Web]:
    """`web(user)`: a client of the app on `engine`, logged in as one of USERS."""
    from anpo.web.app import create_app

    with transaction(session_factory(engine)) as session:
        for name, (party, clearance, roles) in USERS.items():
            create_user(session, Levels(fw), name, PASSWORD, party=party, clearance=clearance, roles=roles)
    app = create_app(fw, engine=engine)
    clients: list[TestClient] = []

    def make(user: str) -> TestClient:
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        client.get("/login")
        form = {"username": user, "password": PASSWORD, "csrf_token": csrf(client), "next": "/dashboard"}
        assert client.post("/login", data=form, follow_redirects=False).status_code == 303
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def csrf(client: TestClient) -> str:
    return client.cookies.get("anpo_csrf") or ""


def post(client: TestClient, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, json=body, headers={"X-CSRF-Token": csrf(client)})


def api_order(oid: str, provider: str, **kw: Any) -> dict[str, Any]:
    body = {k: v for k, v in order(oid, provider=provider, **kw).items() if k != "kind"}
    return body


def visible(page: str) -> str:
    """The text a reader sees: no scripts, tags or attributes; entities decoded."""
    page = re.sub(r"<script.*?</script>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def main_text(page: str) -> str:
    """The visible text of the page's content (not its marking banners), without the ids shown as
    secondary marks."""
    content = page.split("<main>", 1)[-1].split("</main>", 1)[0]
    return visible(re.sub(r'<span class="cite">[^<]*</span>', " ", content))


def shown_in(page: str, name: str) -> str:
    match = re.search(rf'<(\w+)[^>]*data-testid="{re.escape(name)}"[^>]*>(.*?)</\1>', page, re.S)
    assert match, name
    return visible(match.group(2))


# -- 1. the order is the recipient's step -------------------------------------------------------------


def test_an_officer_orders_only_from_the_other_party_through_the_api(web: Web, engine: Any) -> None:
    tanaka, jones = web("tanaka"), web("jones")
    before = snapshot(engine)
    refused = post(tanaka, "/api/acsa/orders", api_order("qa-o2", "jpn"))  # in the U.S.'s name
    assert refused.status_code == 403, refused.text
    body = refused.json()
    assert body["code"] == "not_permitted" and set(body["error"]) == {"ja", "en"}
    assert "米国" in body["error"]["ja"] and "usa" in body["error"]["en"]
    assert snapshot(engine) == before  # nothing written, not even the order's audit entry
    assert tanaka.get("/api/acsa/orders/qa-o2").status_code == 404
    # as the recipient: accepted, and its history and audit agree on who ordered
    made = post(tanaka, "/api/acsa/orders", api_order("qa-o3", "usa"))
    assert made.status_code == 201, made.text
    (event,) = tanaka.get("/api/acsa/orders/qa-o3").json()["events"]
    assert (event["kind"], event["party"]) == ("order", "jpn")
    assert post(jones, "/api/acsa/orders", api_order("qa-o4", "jpn")).status_code == 201
    assert post(jones, "/api/acsa/orders", api_order("qa-o5", "usa")).status_code == 403


def test_ledger_submit_holds_a_principal_to_its_partys_orders(engine: Any, fw: Framework) -> None:
    ledger = Ledger(engine, fw)
    before = snapshot(engine)
    (r,) = ledger.submit(JPN_OFFICER, [parse(order("a1", provider="jpn"))])
    assert r["code"] == "not_permitted" and "status" not in r
    assert r["message"]["ja"] == "権限がありません（発注）: この指示を行えるのは米国の利用者です。"
    assert r["message"]["en"] == "not permitted (acsa.order): only a user of usa may take this step."
    # a principal of no party acts for neither side, as on the other steps (a public order, which
    # it may read)
    (r,) = ledger.submit(NO_PARTY_ADMIN, [parse({**order("a2", provider="usa"), "marking_level": "public"})])
    assert r["code"] == "not_permitted"
    assert snapshot(engine) == before
    # one batch of both: the check is memoised per party, not per action and marking only
    cmds = [parse(order("b1", provider="usa")), parse(order("b2", provider="jpn")), parse(order("b3", provider="usa"))]
    assert [r["code"] for r in ledger.submit(JPN_OFFICER, cmds)] == ["ok", "not_permitted", "ok"]
    assert [r["code"] for r in ledger.submit(USA_OFFICER, [parse(order("c1", provider="jpn"))])] == ["ok"]
    # trusted tooling (`anpo demo`, imports, the benchmark) orders for either side
    system = [parse(order("s1", provider="jpn")), parse(order("s2", provider="usa"))]
    assert [r["code"] for r in ledger.submit(system_principal(), system)] == ["ok", "ok"]
    assert [r["code"] for r in ledger.submit(system_principal("jpn"), [parse(order("s3"))])] == ["ok"]


def test_the_order_form_offers_only_the_other_party(web: Web) -> None:
    tanaka, jones = web("tanaka"), web("jones")
    for client, party, other in ((tanaka, "usa", "jpn"), (jones, "jpn", "usa")):
        select = re.search(r'<select name="provider"[^>]*>(.*?)</select>', client.get("/acsa/orders?lang=ja").text)
        assert select, "provider select"
        assert re.findall(r'<option value="(\w+)"', select.group(1)) == [party]
        assert f'value="{other}"' not in select.group(1)
    assert ">米国</option>" in tanaka.get("/acsa/orders?lang=ja").text
    # a form without a provider orders from the other party (it took the user's own)
    form = {"csrf_token": csrf(tanaka), "id": "f1", "on": "2020-05-01", "context": "joint_training"}
    form |= {"requesting_unit": "1st", "method": "reimbursement", "category": "fuel", "item": "jp8", "unit": "l"}
    form |= {"quantity": "10", "unit_price": "2", "currency": "USD", "marking_level": "confidential"}
    r = tanaka.post("/acsa/orders", data=form, follow_redirects=False)
    assert (r.status_code, r.headers.get("location")) == (303, "/acsa/orders/f1"), r.text[-2000:]
    made = tanaka.get("/api/acsa/orders/f1").json()
    assert (made["provider"], made["recipient"]) == ("usa", "jpn")


# -- 2. Japanese pages and messages name things in words ----------------------------------------------


def _fill(engine: Any, fw: Framework) -> None:
    """Orders from Japan, settled in kind and in currency, one of a large decimal amount."""
    steps = [
        *lifecycle("k1", method="replacement_in_kind"),
        {"kind": "settle", "id": "k1.x", "order": "k1", "on": "2020-05-10", "method": "replacement_in_kind"}
        | {"amount": "100", "commodity": "JP8_L"},
        *lifecycle("big", quantity="1", price="102153600.25"),
    ]
    steps[-2]["lines"] = [{"line": 1, "quantity": "1"}]  # deliver the whole of `big`
    ledger = Ledger(engine, fw)
    results = ledger.submit(system_principal(), [parse(c) for c in steps])
    assert {r["code"] for r in results} == {"ok"}, results


def test_the_balances_page_in_japanese_names_the_accounts(web: Web, engine: Any, fw: Framework) -> None:
    _fill(engine, fw)
    tanaka = web("tanaka")
    accounts = [b["account"] for b in tanaka.get("/api/acsa/balances").json()["balances"]]
    assert {"jpn:commitments:to_provide", "usa:awaiting_receipt", "jpn:settled_in:replacement_in_kind"} <= set(
        accounts
    )  # the JSON keeps its ids
    page = tanaka.get("/acsa/balances?lang=ja").text
    text = main_text(page)
    assert not re.search(r"\b(jpn|usa):", text), text
    for words in ("日本 / 提供約定", "米国 / 受領確認待ち", "日本 / 決済受入 / 同種・同等・同量の物品による返還"):
        assert words in text, words
    assert "米国 / 債務 / 日米ACSA（2017年発効）" in text
    for account in accounts:  # each id is still there for the accountants: a title and a small mark
        assert f'title="{account}"' in page and f'<span class="cite">{account}</span>' in page, account
    assert "102,153,600.25" in text and "102153600" not in text
    english = main_text(tanaka.get("/acsa/balances?lang=en").text)
    assert "Japan / commitments to provide" in english


def test_the_balances_command_names_the_accounts_beside_their_ids(engine: Any, fw: Framework, db_url: str) -> None:
    from typer.testing import CliRunner

    from anpo.cli.app import app

    _fill(engine, fw)
    runner = CliRunner()
    ja = runner.invoke(app, ["acsa", "balances", "--url", db_url, "--lang", "ja"]).stdout
    lines = [line for line in ja.splitlines() if line.startswith("jpn:commitments:to_provide ")]
    assert lines and all(line.endswith("日本 / 提供約定") for line in lines), lines
    en = runner.invoke(app, ["acsa", "balances", "--url", db_url]).stdout
    assert any(line.endswith("Japan / commitments to provide") for line in en.splitlines())
    assert "日本" not in runner.invoke(app, ["acsa", "balances", "--url", db_url, "--json"]).stdout  # ids only


def test_the_ageing_page_names_buckets_and_currencies_in_words(web: Web, engine: Any, fw: Framework) -> None:
    _fill(engine, fw)
    tanaka = web("tanaka")
    api = tanaka.get("/api/acsa/ageing?on=2022-01-01").json()
    assert api["buckets"] == ["0-6", "6-12", "12-18", "18+"]  # the JSON keeps its keys and codes
    assert {r["commodity"] for r in api["rows"]} == {"JP8_L", "USD"}
    for lang, buckets, usd in (
        ("ja", ["0〜6か月", "6〜12か月", "12〜18か月", "18か月以上"], "米ドル"),
        ("en", ["0–6 months", "6–12 months", "12–18 months", "18 months or more"], "U.S. dollars"),
    ):
        page = tanaka.get(f"/acsa/ageing?on=2022-01-01&lang={lang}").text
        table = re.search(r'<table data-testid="ageing">.*?</table>', page, re.S)
        assert table, page
        headers = [visible(h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", table.group(0))]
        assert headers[2:6] == buckets, headers
        cells = [" ".join(visible(c).split()) for c in re.findall(r"<td[^>]*>(.*?)</td>", table.group(0))]
        assert f"{usd} USD" in cells and "JP8_L" in cells, cells  # an item in kind: the pack names none
        assert f"102,153,600.25 {usd}" in shown_in(page, "ageing-overdue")
        captions = [html.unescape(x) for x in re.findall(r"<figcaption>([^<]*)</figcaption>", page)]
        assert any(c.endswith(usd) for c in captions), captions
        bars = [html.unescape(x) for x in re.findall(r'class="chart-label">([^<]*)</text>', page)]
        assert bars and all(b.split(" ", 1)[1] in buckets for b in bars), bars


def test_the_ageing_command_names_buckets_and_currencies_in_words(engine: Any, fw: Framework, db_url: str) -> None:
    from typer.testing import CliRunner

    from anpo.cli.app import app

    _fill(engine, fw)
    runner = CliRunner()
    args = ["acsa", "ageing", "--on", "2022-01-01", "--url", db_url]
    ja = runner.invoke(app, [*args, "--lang", "ja"]).stdout.splitlines()
    assert ja[1] == "基準日 2022-01-01: 0〜6か月 | 6〜12か月 | 12〜18か月 | 18か月以上", ja
    assert any(line.startswith("  usa USD: ") and line.endswith("米国 / 米ドル") for line in ja), ja
    en = runner.invoke(app, args).stdout.splitlines()
    assert en[1] == "as of 2022-01-01: 0–6 months | 6–12 months | 12–18 months | 18 months or more", en
    assert any(line.startswith("  usa USD: ") and line.endswith("U.S. / U.S. dollars") for line in en), en
    assert any(line.startswith("  usa JP8_L: ") and line.endswith("U.S. / JP8_L") for line in en), en
    data = json.loads(runner.invoke(app, [*args, "--json"]).stdout)  # the JSON keeps its keys and codes
    assert data["buckets"] == ["0-6", "6-12", "12-18", "18+"]
    assert {r["commodity"] for r in data["rows"]} == {"JP8_L", "USD"}


def test_the_report_and_order_pages_in_japanese_use_labels_and_separators(web: Web, engine: Any, fw: Framework) -> None:
    _fill(engine, fw)
    tanaka = web("tanaka")
    report = tanaka.get("/acsa/report?fy=2020&calendar=jp&lang=ja").text
    labels = [html.unescape(x) for x in re.findall(r'class="chart-label">([^<]*)</text>', report)]
    assert labels and "日本 燃料・油脂・潤滑油" in labels, labels
    assert not [x for x in labels if re.search(r"JPN|USA|fuel|jpn|usa", x)], labels
    captions = [html.unescape(x) for x in re.findall(r"<figcaption>([^<]*)</figcaption>", report)]
    assert captions and not [c for c in captions if "acsa_" in c], captions
    text = main_text(report)
    assert "102,153,600.25" in text and "102153600" not in text
    assert "acsa_2016" in tanaka.get("/api/acsa/report?fy=2020&calendar=jp").text  # JSON: ids
    page = tanaka.get("/acsa/orders/big?lang=ja").text
    assert shown_in(page, "order-parties").strip() == "日本 → 米国"
    assert shown_in(page, "order-agreement").strip() == "日米物品役務相互提供協定（2016年署名）"
    text = main_text(page)
    assert "acsa_2016" not in text and "USA" not in text and "JPN" not in text
    assert "102,153,600.25" in text
    assert "United States of America" not in shown_in(tanaka.get("/acsa/orders/big?lang=en").text, "order-parties")
    listing = main_text(tanaka.get("/acsa/orders?lang=ja").text)
    assert "日本 → 米国" in listing and "JPN → USA" not in listing


def test_a_refused_order_page_in_japanese_names_the_party_context_and_category(web: Web) -> None:
    tanaka = web("tanaka")
    form = {"csrf_token": csrf(tanaka), "id": "r1", "on": "2014-07-01", "provider": "usa"}
    form |= {"context": "joint_training", "requesting_unit": "1st", "method": "reimbursement"}
    form |= {"category": "ammunition", "item": "round", "unit": "ea", "quantity": "10", "unit_price": "2"}
    form |= {"currency": "USD", "marking_level": "confidential"}
    page = tanaka.post("/acsa/orders?lang=ja", data=form)
    assert page.status_code == 422, page.text[-2000:]
    refusal = shown_in(page.text, "refusal")
    assert "米国は 2014-07-01 に「共同訓練」において「弾薬」を提供できません" in refusal, refusal
    for raw in ("usa", "joint_training", "ammunition"):
        assert raw not in refusal.split("(refused)")[-1], raw
    api = post(tanaka, "/api/acsa/orders", api_order("r2", "usa", on="2014-07-01", category="ammunition"))
    assert (
        api.json()["error"]["en"] == "order refused: on 2014-07-01, usa may not provide ammunition in joint_training."
    )


def test_ledger_messages_in_japanese_name_steps_and_methods(engine: Any, fw: Framework) -> None:
    ledger = Ledger(engine, fw)
    steps = lifecycle("m1")
    steps[-1]["on"] = "2020-05-02"  # receipt before the delivery of 2020-05-03
    results = [ledger.execute(system_principal(), parse(c)) for c in steps]
    early = results[-1]
    assert early["code"] == "out_of_order"
    assert early["message"]["ja"] == "受領確認の日付 2020-05-02 は引渡しの日付 2020-05-03 より前です。"
    assert early["message"]["en"] == "the receipt date 2020-05-02 is before the delivery date 2020-05-03."
    settle = {"kind": "settle", "id": "m1.x", "order": "m1", "on": "2020-06-01", "method": "replacement_in_kind"}
    wrong = ledger.execute(system_principal(), parse(settle | {"amount": "1", "commodity": "USD"}))
    assert wrong["code"] == "invalid"
    assert (
        wrong["message"]["ja"]
        == "発注 m1 の決済方法は「通貨による償還」です（指示: 「同種・同等・同量の物品による返還」）。"
    )
    assert wrong["message"]["en"] == "order m1 is settled by reimbursement, not replacement_in_kind."
    # an order refused for its method names the category and the methods in words
    bad = ledger.execute(system_principal(), parse(order("m2", category="billeting", method="replacement_in_kind")))
    assert bad["message"]["ja"] == (
        "「宿泊」は「同種・同等・同量の物品による返還」では決済できません"
        "（使える方法: 通貨による償還、同等の価値の物品・役務による交換）。"
    )
    assert "reimbursement, equal_value_exchange" in bad["message"]["en"]
    # a delivery before both have signed: the side that signed, in words
    ledger.execute(system_principal(), parse(order("m3")))
    ledger.execute(
        system_principal(), parse({"kind": "sign", "id": "m3.s", "order": "m3", "party": "usa", "on": "2020-05-01"})
    )
    deliver = {"kind": "deliver", "id": "m3.d", "order": "m3", "on": "2020-05-03", "documents": ["v"]}
    early = ledger.execute(system_principal(), parse(deliver | {"lines": [{"line": 1, "quantity": "1"}]}))
    assert "（署名: 米国）" in early["message"]["ja"] and "(signed: usa)" in early["message"]["en"]
    twice = ledger.execute(
        system_principal(), parse({"kind": "sign", "id": "m3.s2", "order": "m3", "party": "usa", "on": "2020-05-01"})
    )
    assert twice["message"]["ja"] == "米国は発注 m3 に既に署名しています。"
    denied = ledger.execute(
        USA_OFFICER, parse({"kind": "sign", "id": "m3.s3", "order": "m3", "party": "jpn", "on": "2020-05-01"})
    )
    assert denied["code"] == "not_permitted" and "（署名）" in denied["message"]["ja"]
    assert "acsa." not in denied["message"]["ja"]
