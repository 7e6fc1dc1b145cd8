"""The order lifecycle through the CLI and the engine, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest
from ledger_helpers import P, lifecycle, order, problems, run, snapshot
from sqlalchemy import Engine

from anpo.ledger.commands import parse
from anpo.ledger.engine import Ledger


@pytest.fixture
def ledger(engine: Engine, fw: Any) -> Ledger:
    return Ledger(engine, fw)


def test_full_lifecycle_through_the_cli(engine: Engine, db_url: str, cli: Any) -> None:
    u = ("--url", db_url)
    line = "category=fuel,item=jp8,unit=l,quantity=1000,unit_price=0.85,currency=USD"
    r = cli.json(
        "acsa",
        "order",
        "--id",
        "o1",
        "--provider",
        "jpn",
        "--context",
        "joint_training",
        "--method",
        "reimbursement",
        "--line",
        line,
        "--on",
        "2020-05-01",
        *u,
    )
    assert r["status"] == "requested" and r["agreement"] == "acsa_2016"
    assert all(reason["citations"] for reason in r["reasons"])
    assert (
        cli.json("acsa", "sign", "o1", "--party", "jpn", "--on", "2020-05-01", "--id", "s1", *u)["status"]
        == "requested"
    )
    assert (
        cli.json("acsa", "sign", "o1", "--party", "usa", "--on", "2020-05-02", "--id", "s2", *u)["status"] == "binding"
    )
    d = cli.json("acsa", "deliver", "o1", "--line", "1=600", "--doc", "v-1", "--on", "2020-05-03", "--id", "d1", *u)
    assert d["status"] == "delivering"
    assert d["obligations"] == [{"id": "d1/1", "line": 1, "owed": "510", "commodity": "USD", "due_on": "2021-05-03"}]
    cli.json("acsa", "receive", "d1", "--on", "2020-05-04", "--id", "r1", *u)
    x = cli.json(
        "acsa",
        "settle",
        "o1",
        "--method",
        "reimbursement",
        "--amount",
        "200",
        "--commodity",
        "USD",
        "--on",
        "2020-06-01",
        "--id",
        "x1",
        *u,
    )
    assert x["applied"][0]["left"] == "310"
    d2 = cli.json("acsa", "deliver", "o1", "--line", "1=400", "--doc", "v-2", "--on", "2020-06-03", "--id", "d2", *u)
    assert d2["status"] == "delivered"
    cli.json("acsa", "receive", "d2", "--on", "2020-06-04", "--id", "r2", *u)
    x2 = cli.json(
        "acsa",
        "settle",
        "o1",
        "--method",
        "reimbursement",
        "--amount",
        "650",
        "--commodity",
        "USD",
        "--on",
        "2020-07-01",
        "--id",
        "x2",
        *u,
    )
    assert x2["status"] == "closed"
    shown = cli.json("acsa", "show", "o1", "--on", "2022-01-01", *u)
    assert [ob["outstanding"] for ob in shown["obligations"]] == ["0", "0"]
    assert shown["marking"]["banner_en"] == "CONFIDENTIAL//REL TO USA, JPN"
    text = cli.run("acsa", "show", "o1", "--on", "2022-01-01", "--lang", "ja", *u).stdout
    assert text.splitlines()[0] == shown["marking"]["banner_ja"]
    listed = cli.run("acsa", "list", *u).stdout
    assert listed.splitlines()[0] == shown["marking"]["banner_en"] and "o1" in listed
    assert [e["kind"] for e in shown["events"]] == [
        "order",
        "sign",
        "sign",
        "deliver",
        "receive",
        "settle",
        "deliver",
        "receive",
        "settle",
    ]
    bal = {(b["account"], b["commodity"]): b["amount"] for b in cli.json("acsa", "balances", *u)["balances"]}
    assert bal[("jpn:receivable:acsa_2016", "USD")] == "0"
    assert bal[("jpn:settled_in:reimbursement", "USD")] == "850"
    assert bal[("usa:received", "JP8_L")] == "1000"
    assert problems(engine) == []
    ja = cli.run("acsa", "show", "nope", "--lang", "ja", *u)
    assert ja.exit_code == 2 and "発注 nope はありません" in ja.stderr


def test_retry_returns_the_original_and_changes_nothing(ledger: Ledger, engine: Engine) -> None:
    first = run(ledger, *lifecycle())
    before = snapshot(engine)
    again = run(ledger, *lifecycle())
    assert [r["code"] for r in again] == ["exists"] * 5
    assert [{**r, "code": "ok"} for r in again] == first
    assert snapshot(engine) == before


def test_same_id_different_content_is_an_error(ledger: Ledger, engine: Engine) -> None:
    run(ledger, *lifecycle())
    before = snapshot(engine)
    (r,) = run(ledger, order("o1", quantity="999"))
    assert r["code"] == "exists_with_different_fields" and "o1" in r["message"]["en"] and r["message"]["ja"]
    (r,) = run(ledger, {"kind": "cancel", "id": "o1.s1", "order": "o1", "on": "2020-06-01"})
    assert r["code"] == "exists_with_different_fields"
    assert snapshot(engine) == before


def test_ammunition_refused_where_the_law_forbids_it_with_citations(
    ledger: Ledger, engine: Engine, cli: Any, db_url: str
) -> None:
    before = snapshot(engine)
    # 2014: ammunition only in armed-attack situations, not in joint training
    (r,) = run(ledger, order("a1", on="2014-07-01", category="ammunition"))
    assert r["code"] == "refused"
    assert r["reasons"] and all(reason["citations"] and reason["ja"] and reason["en"] for reason in r["reasons"])
    assert "ammunition" in r["message"]["en"]
    # after the 2016 law, ammunition in joint training is allowed
    (ok,) = run(ledger, order("a2", on="2020-07-01", category="ammunition"))
    assert ok["code"] == "ok"
    after_ok = snapshot(engine)
    assert after_ok["acsa_orders"] != before["acsa_orders"]
    # weapons never, on any date; through the CLI: exit 2, reasons with citations, nothing written
    res = cli.run(
        "acsa",
        "order",
        "--id",
        "w1",
        "--provider",
        "jpn",
        "--context",
        "armed_attack",
        "--method",
        "reimbursement",
        "--line",
        "category=weapons,item=rifle,unit=ea,quantity=1,unit_price=1,currency=JPY",
        "--on",
        "2020-07-01",
        "--url",
        db_url,
        "--json",
    )
    assert res.exit_code == 2
    out = json.loads(res.stdout)
    assert out["code"] == "refused" and all(reason["citations"] for reason in out["reasons"])
    assert "weapons" in res.stderr
    for provider in ("jpn", "usa"):
        for on in ("1999-01-01", "2010-01-01", "2024-01-01"):
            (w,) = run(
                ledger,
                order(f"w-{provider}-{on}", on=on, provider=provider, context="armed_attack", category="weapons"),
            )
            assert w["code"] == "refused", (provider, on)
    assert snapshot(engine) == after_ok


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("unknown category", order("b1", category="lasers"), "invalid"),
    ("negative quantity", order("b2", quantity="-5"), "invalid"),
    ("wrong currency", order("b3", currency="EUR"), "wrong_currency"),
    (
        "NUL in free text",
        {**order("b8"), "requesting_unit": "31st\x00MEU"},
        "invalid",
    ),  # PostgreSQL's text cannot hold it
    (
        "NUL in a reason",
        {"kind": "cancel", "id": "b9", "order": "o1", "on": "2020-06-01", "reason": "a\x00b"},
        "invalid",
    ),
    # A delivery's settlement falls due a year on: in 9999 that is no date (a traceback before).
    ("date too late", {**lifecycle("o1")[3], "id": "b15", "on": "9999-06-01"}, "invalid"),
    # Longer than acsa_orders.requesting_unit holds: PostgreSQL refused it (a 500), SQLite kept it.
    ("requesting unit too long", {**order("b14"), "requesting_unit": "u" * 201}, "invalid"),
    # A lone surrogate (JSON's "\ud800" unpaired) is no character: no UTF-8 encodes it, and the
    # fingerprint's encoding raised (a traceback, or a 500), wherever the ledger takes text.
    ("lone surrogate in free text", {**order("b10"), "requesting_unit": "31st\ud800MEU"}, "invalid"),
    ("lone surrogate in a document", {**lifecycle("o1")[3], "id": "b11", "documents": ["\udfff"]}, "invalid"),
    ("lone surrogate in a marking", {**order("b12"), "marking_level": "secret\udc80"}, "invalid"),
    (
        "lone surrogate in a commodity",
        {
            "kind": "settle",
            "id": "b13",
            "order": "o1",
            "on": "2020-06-01",
            "method": "reimbursement",
            "amount": "1",
            "commodity": "US\ud83dD",
        },
        "invalid",
    ),
    # Beyond what a 64-bit column holds in E4 units (a crash of the driver before the limit).
    ("quantity too large", order("b5", quantity="1e15"), "invalid"),
    ("line value too large", order("b6", quantity="10000000000000", price="1.5"), "invalid"),
    (
        "amount too large",
        {
            "kind": "settle",
            "id": "b7",
            "order": "o1",
            "on": "2020-06-01",
            "method": "reimbursement",
            "amount": "1e999999999",
            "commodity": "USD",
        },
        "invalid",
    ),
    (
        "unknown order",
        {"kind": "sign", "id": "b4", "order": "nope", "party": "jpn", "on": "2020-05-01"},
        "unknown_order",
    ),
]


@pytest.mark.parametrize(("name", "cmd", "code"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_refused_and_changes_nothing(
    ledger: Ledger, engine: Engine, cli: Any, db_url: str, name: str, cmd: dict[str, Any], code: str
) -> None:
    run(ledger, *lifecycle())
    before = snapshot(engine)
    from anpo.ledger.messages import LedgerError

    try:
        (r,) = run(ledger, cmd)
    except LedgerError as exc:  # refused while parsing, before the database
        r = exc.as_json()
    assert r["code"] == code and r["message"]["ja"] and r["message"]["en"]
    if "too large" in name:
        assert "10,000,000,000,000" in r["message"]["en"] and "上限" in r["message"]["ja"]
    if "too late" in name:
        assert "9998-12-31" in r["message"]["en"] and "9998-12-31" in r["message"]["ja"]
    if "too long" in name:
        assert "(201 characters, at most 200)" in r["message"]["en"] and "上限 200文字" in r["message"]["ja"]
    if "surrogate" in name:
        assert "lone surrogate (U+D" in r["message"]["en"] and "サロゲート" in r["message"]["ja"]
    assert snapshot(engine) == before


def test_the_largest_line_value_allowed_is_stored_exactly(ledger: Ledger, engine: Engine, fw: Any) -> None:
    """Ten trillion yen in one line (the limit), delivered and settled in full, posts, balances and
    verifies as any other value."""
    steps = lifecycle("big", quantity="10000000000000", price="1", currency="JPY")
    steps[3]["lines"] = [{"line": 1, "quantity": "10000000000000"}]
    settle = {"kind": "settle", "id": "big.p1", "order": "big", "on": "2020-06-01", "method": "reimbursement",
              "amount": "10000000000000", "commodity": "JPY"}  # fmt: skip
    results = run(ledger, *steps, settle)
    assert [r["code"] for r in results] == ["ok"] * 6
    assert results[3]["obligations"][0]["owed"] == "10000000000000"
    assert results[5]["status"] == "closed"  # delivered in full and settled in full
    assert problems(engine) == []


def _many_lines(oid: str, lines: int) -> dict[str, Any]:
    """An order of `lines` lines each of the largest value allowed (ten trillion yen)."""
    big = order(oid, quantity="10000000000000", price="1", currency="JPY")
    big["lines"] = [dict(big["lines"][0]) for _ in range(lines)]
    return big


def _signatures(oid: str) -> list[dict[str, Any]]:
    return [
        {"kind": "sign", "id": f"{oid}.s1", "order": oid, "party": "jpn", "on": "2020-05-01"},
        {"kind": "sign", "id": f"{oid}.s2", "order": oid, "party": "usa", "on": "2020-05-02"},
    ]


def test_a_balance_beyond_64_bits_is_refused_and_changes_nothing(ledger: Ledger, engine: Engine) -> None:
    """Sixty lines of ten trillion yen commit 6 x 10^18 E4 units to one balance: a second such order
    would take it past 2^63. Its binding signature is refused in both languages, alone or in a
    batch (where the batch's other commands are recorded), and nothing of it is written; SQLite
    would have turned the balance into an inexact REAL, PostgreSQL raised an error (a 500)."""
    assert [r["code"] for r in run(ledger, _many_lines("big1", 60), *_signatures("big1"))] == ["ok"] * 3
    run(ledger, _many_lines("big2", 60), _signatures("big2")[0])
    before = snapshot(engine)
    (r,) = run(ledger, _signatures("big2")[1])
    assert r["code"] == "out_of_range"
    assert "922,337,203,685,477.5807" in r["message"]["en"] and "範囲" in r["message"]["ja"]
    assert snapshot(engine) == before
    # in one batch with commands that fit: only the one that overflows is refused
    batch = [parse(c) for c in (_signatures("big2")[1], *lifecycle("small"))]
    results = ledger.submit(P, batch)
    assert [r["code"] for r in results] == ["out_of_range", "ok", "ok", "ok", "ok", "ok"]
    assert run(ledger, lifecycle("small")[0])[0]["code"] == "exists"
    # ninety-three lines in one order: the batch's own sum is beyond 64 bits before any stored one
    assert run(ledger, _many_lines("big3", 93))[0]["code"] == "ok"
    assert [x["code"] for x in run(ledger, *_signatures("big3"))] == ["ok", "out_of_range"]
    assert problems(engine) == []


def test_verify_sums_pairs_of_accounts_beyond_64_bits_exactly(ledger: Ledger, engine: Engine) -> None:
    """Signing then cancelling moves a commitment one way then back, so the balances return to zero
    while each pair of accounts carries the whole sum: twice 6 x 10^18 E4 units, past 2^63.
    `verify` sums the pairs exactly (SQLite's sum() failed with "integer overflow")."""
    for oid in ("big1", "big2"):
        cancel = {"kind": "cancel", "id": f"{oid}.c", "order": oid, "on": "2020-05-03", "reason": "not needed"}
        assert [r["code"] for r in run(ledger, _many_lines(oid, 60), *_signatures(oid), cancel)] == ["ok"] * 4
    assert problems(engine) == []


def test_steps_out_of_order_over_settlement_and_wrong_currency_change_nothing(ledger: Ledger, engine: Engine) -> None:
    run(ledger, order("o1"), {"kind": "sign", "id": "s1", "order": "o1", "party": "jpn", "on": "2020-05-01"})
    before = snapshot(engine)
    deliver = {
        "kind": "deliver",
        "id": "d1",
        "order": "o1",
        "on": "2020-05-03",
        "lines": [{"line": 1, "quantity": "10"}],
        "documents": ["v"],
    }
    (r,) = run(ledger, deliver)
    assert r["code"] == "out_of_order" and "not yet signed by both" in r["message"]["en"]
    assert snapshot(engine) == before
    run(ledger, {"kind": "sign", "id": "s2", "order": "o1", "party": "usa", "on": "2020-05-02"}, deliver)
    before = snapshot(engine)
    settle = {
        "kind": "settle",
        "id": "x1",
        "order": "o1",
        "on": "2020-06-01",
        "method": "reimbursement",
        "amount": "1",
        "commodity": "USD",
    }
    (r,) = run(ledger, settle)
    assert r["code"] == "out_of_order"  # not received yet
    (r,) = run(ledger, {"kind": "receive", "id": "r0", "delivery": "d1", "on": "2020-05-01"})
    assert r["code"] == "out_of_order"  # receipt before the delivery
    (r,) = run(ledger, {**deliver, "id": "d9", "lines": [{"line": 1, "quantity": "991"}]})
    assert r["code"] == "exceeds_ordered"
    assert snapshot(engine) == before
    run(ledger, {"kind": "receive", "id": "r1", "delivery": "d1", "on": "2020-05-04"})
    before = snapshot(engine)
    for bad, code in (
        ({"amount": "8.51"}, "exceeds_owed"),
        ({"commodity": "EUR"}, "wrong_currency"),
        ({"method": "replacement_in_kind"}, "invalid"),
    ):
        (r,) = run(ledger, {**settle, "id": f"x-{code}", **bad})
        assert r["code"] == code, (bad, r)
    assert snapshot(engine) == before
    (r,) = run(ledger, {**settle, "amount": "8.5"})
    assert r["code"] == "ok"
    (r,) = run(ledger, {**settle, "id": "x2", "amount": "0.01"})
    assert r["code"] == "exceeds_owed"  # nothing is settled twice
    assert problems(engine) == []


def test_cli_errors_exit_2_in_both_languages_and_change_nothing(engine: Engine, cli: Any, db_url: str) -> None:
    before = snapshot(engine)
    for lang, text in (("en", "is not allowed"), ("ja", "は使えません")):
        res = cli.run(
            "acsa",
            "order",
            "--id",
            "z1",
            "--provider",
            "jpn",
            "--context",
            "joint_training",
            "--method",
            "reimbursement",
            "--line",
            "category=lasers,item=x,unit=ea,quantity=1,unit_price=1,currency=JPY",
            "--on",
            "2020-01-01",
            "--url",
            db_url,
            "--lang",
            lang,
        )
        assert res.exit_code == 2 and text in res.stderr and "Traceback" not in res.output
    res = cli.run(
        "acsa", "settle", "nope", "--method", "reimbursement", "--amount", "-1", "--commodity", "JPY", "--url", db_url
    )
    assert res.exit_code == 2 and "not a positive number" in res.stderr
    assert snapshot(engine) == before


def test_settlement_in_the_other_currency_uses_the_official_rate(ledger: Ledger, engine: Engine) -> None:
    run(ledger, *lifecycle(on="2023-05-01"))
    # 600 l x 0.85 USD = 510 USD owed; FY2023 rate is 137 JPY per USD (data/rates.yaml)
    cmd = {
        "kind": "settle",
        "id": "x1",
        "order": "o1",
        "on": "2023-06-01",
        "method": "reimbursement",
        "amount": "13700",
        "commodity": "JPY",
    }
    (r,) = run(ledger, cmd)
    assert r["code"] == "ok" and r["applied"][0]["amount"] == "100" and r["rate"]["jpy_per_usd"] == "137"
    (r,) = run(ledger, {**cmd, "id": "x2", "on": "2020-06-01"})
    assert r["code"] == "wrong_currency" and "no official rate" in r["message"]["en"]  # FY2020 has no sourced rate
    assert problems(engine) == []


def test_replacement_in_kind_is_held_as_quantity(ledger: Ledger, engine: Engine, fw: Any) -> None:
    from ledger_helpers import balances

    run(ledger, *lifecycle(method="replacement_in_kind"))
    bal = balances(engine, fw)
    assert bal[("jpn:receivable:acsa_2016", "JP8_L")] == "600"
    (r,) = run(
        ledger,
        {
            "kind": "settle",
            "id": "x1",
            "order": "o1",
            "on": "2020-07-01",
            "method": "replacement_in_kind",
            "amount": "600",
            "commodity": "JP8_L",
        },
    )
    assert r["code"] == "ok"
    assert balances(engine, fw)[("jpn:receivable:acsa_2016", "JP8_L")] == "0"
    assert problems(engine) == []


def test_cancel_releases_the_undelivered_commitment(ledger: Ledger, engine: Engine, fw: Any) -> None:
    from ledger_helpers import balances

    run(ledger, *lifecycle())
    cancel = {"kind": "cancel", "id": "c1", "order": "o1", "on": "2020-05-10", "reason": "done"}
    (r,) = run(ledger, cancel)
    assert r["code"] == "ok" and r["cancelled"] == {"1": "400"}
    (again,) = run(ledger, cancel)  # a retry returns the original result, to the letter
    assert again["code"] == "exists" and {**again, "code": "ok"} == r
    assert balances(engine, fw)[("usa:commitments:to_receive", "JP8_L")] == "0"
    deliver = {
        "kind": "deliver",
        "id": "d9",
        "order": "o1",
        "on": "2020-05-11",
        "lines": [{"line": 1, "quantity": "1"}],
        "documents": ["v"],
    }
    assert run(ledger, deliver)[0]["code"] == "cancelled"
    assert problems(engine) == []


def test_a_batch_applies_the_good_and_refuses_the_bad(ledger: Ledger, engine: Engine) -> None:
    cmds = [
        parse(c) for c in [*lifecycle("o1"), order("bad", category="weapons", context="armed_attack"), *lifecycle("o2")]
    ]
    results = ledger.submit(P, cmds)
    assert [r["code"] for r in results] == ["ok"] * 5 + ["refused"] + ["ok"] * 5
    assert problems(engine) == []


def test_free_text_survives_a_large_batch_exactly(engine: Engine, fw: Any) -> None:
    """A batch large enough to be written with COPY on PostgreSQL keeps tabs, newlines,
    backslashes, quotes and Japanese in free text exactly, and a retry of it changes nothing."""
    import datetime as dt

    from anpo.ledger.queries import Reader
    from anpo.security.markings import Levels
    from anpo.store.db import session_factory, transaction

    odd = 'a\tb\nc\\N \\ "q" \r 第31海兵遠征部隊 \x7f end'
    cmds = [parse({**order(f"t{i}"), "requesting_unit": f"{odd} {i}"}) for i in range(80)]
    ledger = Ledger(engine, fw)
    assert {r["code"] for r in ledger.submit(P, cmds)} == {"ok"}
    assert {r["code"] for r in ledger.submit(P, cmds)} == {"exists"}
    with transaction(session_factory(engine)) as session:
        reader = Reader(session, Levels(fw), P)
        for i in (0, 41, 79):
            shown = reader.order(f"t{i}", dt.date(2020, 6, 1))
            assert shown["requesting_unit"] == f"{odd} {i}"
            assert shown["events"][0]["requesting_unit"] == f"{odd} {i}"


def test_a_batch_repeating_stored_steps_before_new_ones_finds_what_they_created(engine: Engine, fw: Any) -> None:
    """Orders and deliveries created by the batch's own new commands are not looked up; those of
    repeated (stored) commands are, so the new steps after them still find them."""
    ledger = Ledger(engine, fw)
    steps = [parse(c) for c in lifecycle("rb")]  # order, sign, sign, deliver, receive
    assert [r["code"] for r in ledger.submit(P, steps[:4])] == ["ok"] * 4
    assert [r["code"] for r in ledger.submit(P, steps)] == ["exists"] * 4 + ["ok"]
    fresh = [parse(c) for c in lifecycle("rc")]
    assert [r["code"] for r in ledger.submit(P, [*steps, *fresh])] == ["exists"] * 5 + ["ok"] * 5
    assert problems(engine) == []


def test_a_stored_command_inside_a_statement_of_many_rows_is_answered_and_nothing_is_written_twice(
    engine: Engine, fw: Any
) -> None:
    """On SQLite a batch's rows go in many to a statement, with OR FAIL: a collision with a stored
    row partway through one leaves the rows before it in place until the whole batch is rolled
    back and applied again. Here the stored delivery is the ninth row of a statement of 21."""
    ledger = Ledger(engine, fw)
    steps = [parse(c) for c in lifecycle("m0")]  # order, sign, sign, deliver, receive
    first = ledger.submit(P, steps[:4])
    rows_before = snapshot(engine)["postings"]
    fresh = [[parse(c) for c in lifecycle(f"m{i}")] for i in range(1, 11)]
    batch = [*fresh[0], *fresh[1], steps[3], *[c for steps_of in fresh[2:] for c in steps_of]]
    again = ledger.submit(P, batch)
    assert [r["code"] for r in again] == ["ok"] * 10 + ["exists"] + ["ok"] * 40
    assert {**again[10], "code": "ok"} == first[3]
    after = snapshot(engine)
    assert len(after["acsa_commands"]) == 4 + 50  # the retried delivery's row once, every new one once
    entries = sum(r["postings"] for r in again if r["code"] == "ok")
    assert after["postings"] == rows_before + entries // 2
    assert problems(engine) == []


def test_new_ids_are_not_looked_up_and_a_retry_among_them_is_still_answered(
    engine: Engine, fw: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch assumes its ids are new and skips their look-up. A stored command in it is found all
    the same: applied again it either collides with its stored row (a partial delivery, which
    could be delivered again) or is refused (a signature already given); either way the batch is
    applied again with the look-up, and the retry gets the original result."""
    from anpo.ledger import engine as ledger_engine

    looked_up: list[list[str]] = []
    real = ledger_engine._stored
    monkeypatch.setattr(ledger_engine, "_stored", lambda session, ids: looked_up.append(ids) or real(session, ids))
    ledger = Ledger(engine, fw)
    steps = [parse(c) for c in lifecycle("n1")]  # order, sign, sign, deliver (600 of 1000), receive
    first = ledger.submit(P, steps[:4])
    assert [r["code"] for r in first] == ["ok"] * 4 and looked_up == []
    before = snapshot(engine)
    for retried in (steps[3], steps[1]):  # re-applied: the delivery succeeds, the signature is refused
        looked_up.clear()
        fresh = parse(order(f"n2-{retried.id}"))
        again = ledger.submit(P, [fresh, retried])
        assert [r["code"] for r in again] == ["ok", "exists"], again
        assert {**again[1], "code": "ok"} == first[steps.index(retried)]
        assert looked_up and retried.id in looked_up[-1]
    after = snapshot(engine)
    assert after["acsa_postings"] == before["acsa_postings"] and after["acsa_balances"] == before["acsa_balances"]
    assert problems(engine) == []
