"""The ledger's fast paths give what the plain ones give: the hand-written canonical form of every
command (its fingerprint), the stored event details and results, and `verify`'s in-database
comparisons, which must still find every kind of tampering."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import pytest
from ledger_helpers import P, lifecycle, order, problems, run
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from anpo.ledger import policy
from anpo.ledger.apply import event_detail
from anpo.ledger.commands import (
    CANONICAL,
    Cancel,
    Correct,
    Deliver,
    Line,
    Order,
    Receive,
    Settle,
    Sign,
    fingerprint,
    legacy_fingerprint,
    parse,
)
from anpo.ledger.demo import Demo
from anpo.ledger.engine import Ledger
from anpo.ledger.export import postings
from anpo.ledger.policy import COMPACT, reasons_digest
from anpo.ledger.queries import Reader, verify
from anpo.security.markings import Levels
from anpo.store.db import session_factory, transaction

ODD = 'a\tb\nc\\N \\ "q" \r 第31海兵遠征部隊 \x7f \x00 \u2028 end'
DAY = dt.date(2020, 5, 1)


def odd_commands() -> list[Any]:
    line = Line("fuel", ODD, "l", 10_000_001, 8_500, "USD")
    return [
        Order(ODD, DAY, "jpn", ODD, ODD, ODD, (line, line), ODD, ("jpn", ODD)),
        Sign(ODD, ODD, ODD, DAY),
        Deliver(ODD, ODD, DAY, ((1, 6_000_000), (2, 1)), (ODD, "", "x")),
        Deliver(ODD, ODD, DAY, ((1, 1),), ()),
        Receive(ODD, ODD, DAY),
        Settle(ODD, ODD, DAY, ODD, 1_234_500, ODD),
        Settle(ODD, ODD, DAY, ODD, 1, ODD, line=2),
        Cancel(ODD, ODD, DAY, ODD),
        Correct(ODD, ODD, 3, 0, DAY, ODD),
    ]


def test_canonical_forms_are_the_sorted_compact_json_of_every_command(fw: Any) -> None:
    """Fingerprints stored before the hand-written forms still match: the same bytes."""
    demo = [c for lc in Demo(fw, 3, "fp").lifecycles(150) for c in lc]
    commands = [*demo, *odd_commands()]
    assert {type(c).__name__ for c in commands} >= {
        "Order",
        "Sign",
        "Deliver",
        "Receive",
        "Settle",
        "Cancel",
        "Correct",
    }
    for cmd in commands:
        assert cmd.canonical() == CANONICAL.encode(cmd.as_json())


def changed(value: Any) -> Any:
    """Another value of the same type, for each type a command's field holds."""
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, dt.date):
        return value + dt.timedelta(days=1)
    if isinstance(value, Line):
        return dataclasses.replace(value, quantity=value.quantity + 1)
    if isinstance(value, tuple):
        return (*value[:-1], changed(value[-1])) if value else ("x",)
    raise AssertionError(type(value))


def test_a_fingerprint_covers_every_field_of_every_command(fw: Any) -> None:
    """Form 2 fingerprints a command's `identity`, written by hand: a field missing from it would
    let a different command under a stored id pass for a retry. Changing any one field (any field
    of a line too) changes the fingerprint; the demo's commands all have distinct ones."""
    for cmd in odd_commands():
        for f in dataclasses.fields(cmd):
            other = dataclasses.replace(cmd, **{f.name: changed(getattr(cmd, f.name))})
            assert fingerprint(other) != fingerprint(cmd), (type(cmd).__name__, f.name)
    line = odd_commands()[0].lines[0]
    for f in dataclasses.fields(line):
        order = dataclasses.replace(
            odd_commands()[0], lines=(dataclasses.replace(line, **{f.name: changed(getattr(line, f.name))}),)
        )
        assert fingerprint(order) != fingerprint(dataclasses.replace(odd_commands()[0], lines=(line,))), f.name
    demo = [c for lc in Demo(fw, 3, "fp").lifecycles(150) for c in lc]
    assert len({fingerprint(c) for c in demo}) == len(demo)
    assert all(fingerprint(c) != legacy_fingerprint(c) for c in demo)


def test_a_row_stored_with_a_form_1_fingerprint_still_answers_its_retry(engine: Engine, fw: Any) -> None:
    """Rows written before form 2 hold the SHA-256 of the canonical JSON: a retry of such a command
    gets its original result (`exists`), and another command under its id is still refused."""
    ledger = Ledger(engine, fw)
    commands = [c for lc in Demo(fw, 5, "f1").lifecycles(20) for c in lc]
    first = ledger.submit(P, commands)
    assert {r["code"] for r in first} == {"ok"}
    with engine.begin() as conn:
        stored = dict(conn.execute(text("SELECT id, fingerprint FROM acsa_commands WHERE id LIKE 'f1%'")).all())  # type: ignore[arg-type]
        assert stored == {c.id: fingerprint(c) for c in commands}  # new rows are written in form 2
        for cmd in commands:  # as an earlier version wrote them
            conn.execute(
                text("UPDATE acsa_commands SET fingerprint = :fp WHERE id = :id"),
                {"fp": legacy_fingerprint(cmd), "id": cmd.id},
            )
    again = Ledger(engine, fw).submit(P, commands)
    assert {r["code"] for r in again} == {"exists"}
    assert [{**r, "code": "ok"} for r in again] == first
    orders = [c for c in commands if isinstance(c, Order)]
    different = dataclasses.replace(orders[0], requesting_unit="someone else")
    (refused,) = Ledger(engine, fw).submit(P, [different])
    assert refused["code"] == "exists_with_different_fields"


@pytest.mark.parametrize(
    "detail",
    [
        {},
        {"requesting_unit": ODD},
        {"documents": [ODD, "", "voucher-1"]},
        {"documents": []},
        {"delivery": "d1", "line": 1, "reason": ODD},
        {"reason": ODD, "cancelled": {"1": "38"}},
        {"applied": [{"obligation": "d1/1", "amount": "1.5", "commodity": "USD", "left": "0"}]},
    ],
)
def test_history_details_are_stored_as_sorted_compact_json(detail: dict[str, Any]) -> None:
    stored = event_detail(detail)
    assert stored == json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert json.loads(stored) == detail


def two_line_order(cid: str) -> dict[str, Any]:
    """An order whose reasons are the union of two cases' (fuel and water in joint training)."""
    data = order(cid)
    data["lines"].append({**data["lines"][0], "category": "water", "item": "water"})
    return data


def test_a_retry_returns_the_result_rebuilt_from_the_row(engine: Engine, fw: Any) -> None:
    """A command's row holds its result once: what its other columns hold is not repeated in its
    `result` column, and an order's reasons are stored once per distinct text in acsa_reasons.
    A retry rebuilds the whole result, the same JSON text as when it was first returned."""
    ledger = Ledger(engine, fw)
    commands = [c for lc in Demo(fw, 4, "sr").lifecycles(40) for c in lc]
    commands += [parse(two_line_order("two-1")), parse(two_line_order("two-2"))]
    results = ledger.submit(P, commands)
    assert {r["code"] for r in results} == {"ok"}
    with engine.connect() as conn:
        stored = dict(conn.execute(text("SELECT id, result FROM acsa_commands")).all())  # type: ignore[arg-type]
        reasons = dict(conn.execute(text("SELECT id, reasons FROM acsa_reasons")).all())  # type: ignore[arg-type]
    for r in results:
        own = json.loads(stored[r["id"]])
        assert own["status"] == r["status"]
        assert not own.keys() & {"id", "kind", "order", "postings", "marking", "reasons"}
    orders = [r for r in results if r["kind"] == "order"]
    distinct = {COMPACT.encode(r["reasons"]) for r in orders}
    assert sorted(reasons.values()) == sorted(distinct)
    assert len(distinct) < len(orders)  # stored once per distinct text, not once per order
    with engine.connect() as conn:
        two = conn.execute(text("SELECT count(DISTINCT reasons) FROM acsa_commands WHERE id LIKE 'two-%'")).scalar()
    assert two == 1
    again = ledger.submit(P, commands)
    assert [COMPACT.encode({**r, "code": "ok"}) for r in again] == [COMPACT.encode(r) for r in results]
    assert {r["code"] for r in again} == {"exists"}


def test_reasons_a_ledger_wrote_are_not_offered_again_and_every_order_still_finds_its_own(
    engine: Engine, fw: Any
) -> None:
    """A ledger keeps the digests of the reasons its committed batches wrote and leaves them out of
    later batches; the orders of those batches, and of another ledger on the same database, still
    link to their reasons, and a retry rebuilds the same results from them."""
    first = Ledger(engine, fw)
    batches = [[c for lc in Demo(fw, 5, f"rs{i}").lifecycles(20) for c in lc] for i in range(3)]
    results = [first.submit(P, batches[0]), first.submit(P, batches[1]), Ledger(engine, fw).submit(P, batches[2])]
    assert all(r["code"] == "ok" for batch in results for r in batch)
    own = [r for batch in results[:2] for r in batch if r["kind"] == "order"]  # the first ledger's
    assert first.reasons_stored == {reasons_digest(COMPACT.encode(r["reasons"])) for r in own}
    with engine.connect() as conn:
        unlinked = conn.execute(
            text(
                "SELECT count(*) FROM acsa_commands c LEFT JOIN acsa_reasons r ON r.id = c.reasons"
                " WHERE c.kind = 'order' AND r.id IS NULL"
            )
        ).scalar()
    assert unlinked == 0
    for batch, result in zip(batches, results, strict=True):
        again = first.submit(P, batch)
        assert [COMPACT.encode({**r, "code": "ok"}) for r in again] == [COMPACT.encode(r) for r in result]


TAMPERING = [
    (
        "UPDATE acsa_postings SET amount = amount + 1 WHERE id = (SELECT min(id) FROM acsa_postings)",
        "but its postings sum to",
    ),
    ("UPDATE acsa_postings SET amount = -amount WHERE id = (SELECT min(id) FROM acsa_postings)", "is malformed"),
    ("UPDATE acsa_postings SET amount = 0 WHERE id = (SELECT min(id) FROM acsa_postings)", "is malformed"),
    ("UPDATE acsa_postings SET credit = debit WHERE id = (SELECT min(id) FROM acsa_postings)", "is malformed"),
    ("UPDATE acsa_balances SET amount = amount + 1 WHERE account = 'usa:received'", "but its postings sum to"),
    ("UPDATE acsa_balances SET postings = postings + 1 WHERE account = 'usa:received'", "but its postings sum to"),
    ("DELETE FROM acsa_balances WHERE account = 'usa:received'", "is nothing but its postings sum to"),
    ("UPDATE acsa_obligations SET settled = settled + 1", "but its settlement postings sum to"),
    ("UPDATE acsa_obligations SET settled = amount + 1", "settled 510.0001 of 510."),
    ("UPDATE acsa_lines SET delivered = delivered + 1", "but deliveries sum to"),
    ("UPDATE acsa_lines SET cancelled = quantity", "> ordered"),
    ("UPDATE acsa_commands SET postings = postings + 1 WHERE id = 'o1.r1'", "command o1.r1 acknowledged 3"),
    ("DELETE FROM acsa_postings WHERE txn = 'o1.r1'", "command o1.r1 acknowledged 2 postings but has 0"),
    (  # a posting (two entries, balanced) under a made-up transaction
        "INSERT INTO acsa_postings (txn, order_id, obligation_id, on_date, leg, debit, credit, commodity, amount,"
        " marking_level, releasable_to) VALUES"
        " ('ghost', 'o1', NULL, '2020-05-01', 'payment', 'usa:received', 'usa:received', 'USD', 5, 'confidential',"
        " 'jpn,usa')",
        "transaction ghost has 2 postings but no acknowledged command",
    ),
]


@pytest.mark.parametrize(("sql", "found"), TAMPERING)
def test_verify_finds_every_kind_of_tampering(engine: Engine, sql: str, found: str) -> None:
    ledger = Ledger(engine)
    settle = {"kind": "settle", "id": "o1.x", "order": "o1", "on": "2020-06-01", "method": "reimbursement"}
    run(ledger, *lifecycle(), {**settle, "amount": "2", "commodity": "USD"})
    assert problems(engine) == []
    with engine.begin() as conn:
        conn.execute(text(sql))
    found_problems = problems(engine)
    assert any(found in p for p in found_problems), found_problems


def test_verify_finds_the_same_with_its_balance_check_beside_the_others_or_not(engine: Engine) -> None:
    """`verify` runs its balance check on a connection of its own, in a second thread, when the
    session's engine can give one; a session bound to one connection runs every check there. Both
    find the same problems, in the same order, and the second thread's check does not wait for the
    write lock that the caller's transaction holds on SQLite (it would time out after 30 s)."""
    ledger = Ledger(engine)
    run(ledger, *lifecycle(), *lifecycle("o2"))
    with engine.begin() as conn:
        conn.execute(text("UPDATE acsa_balances SET amount = amount + 1 WHERE account = 'usa:received'"))
        conn.execute(text("UPDATE acsa_postings SET credit = debit WHERE id = (SELECT max(id) FROM acsa_postings)"))
        conn.execute(text("UPDATE acsa_lines SET delivered = delivered + 1 WHERE order_id = 'o2'"))
    with transaction(session_factory(engine)) as session:
        session.execute(text("SELECT 1"))  # the transaction has begun: on SQLite, BEGIN IMMEDIATE
        beside = [problem.en for problem in verify(session)]
    with engine.connect() as conn, Session(bind=conn) as session:
        alone = [problem.en for problem in verify(session)]
    assert beside == alone
    kinds = ["is malformed", "but its postings sum to", "but deliveries sum to"]
    order = [next(i for i, k in enumerate(kinds) if k in p) for p in alone if any(k in p for k in kinds)]
    assert set(order) == {0, 1, 2} and order == sorted(order), alone


def test_a_posting_row_holds_a_pair_and_a_reversal_runs_the_other_way(engine: Engine, fw: Any) -> None:
    """One row per leg: the account debited, the account credited, a positive amount. The binding
    signature commits usa to receive and jpn to provide; the delivery takes its part of that
    commitment off (the same accounts the other way round); a correction downwards reverses part
    of the delivery (every leg of it the other way round), and the cancellation takes off the rest."""
    ledger = Ledger(engine)
    correct = {"kind": "correct", "id": "o1.k", "delivery": "o1.d1", "line": 1, "quantity": "400"}
    cancel = {"kind": "cancel", "id": "o1.c", "order": "o1", "on": "2020-05-05", "reason": "exercise ended"}
    results = run(ledger, *lifecycle()[:4], {**correct, "on": "2020-05-04", "reason": "miscounted"}, cancel)
    assert {r["code"] for r in results} == {"ok"}, results
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT txn, leg, debit, credit, commodity, amount FROM acsa_postings ORDER BY id")
        ).all()
    to_receive, to_provide = "usa:commitments:to_receive", "jpn:commitments:to_provide"
    receivable, payable = "jpn:receivable:acsa_2016", "usa:payable:acsa_2016"
    assert [(r.txn, r.leg, r.debit, r.credit, r.amount) for r in rows] == [
        ("o1.s2", "commitment", to_receive, to_provide, 10_000_000),  # 1000 litres, E4
        ("o1.d1", "commitment", to_provide, to_receive, 6_000_000),
        ("o1.d1", "delivery", "usa:awaiting_receipt", "jpn:provided", 6_000_000),
        ("o1.d1", "obligation", receivable, payable, 5_100_000),  # 600 x 0.85 USD
        ("o1.k", "commitment", to_receive, to_provide, 2_000_000),
        ("o1.k", "delivery", "jpn:provided", "usa:awaiting_receipt", 2_000_000),
        ("o1.k", "obligation", payable, receivable, 1_700_000),
        ("o1.c", "commitment", to_provide, to_receive, 6_000_000),
    ]
    # a command's `postings` counts entries, two per row
    per_txn = {r["id"]: r["postings"] for r in results}
    assert per_txn == {txn: 2 * sum(1 for r in rows if r.txn == txn) for txn in per_txn}
    with transaction(session_factory(engine)) as session:
        entries = list(postings(Reader(session, Levels(fw), P)))
    assert len(entries) == 2 * len(rows)
    for debit, credit, row in zip(entries[::2], entries[1::2], rows, strict=True):
        assert (debit[5], debit[7], credit[5], credit[7]) == (row.debit, row.amount, row.credit, -row.amount)
    assert problems(engine) == []


DATE_COLUMNS = {
    "acsa_commands": ("on_date",),
    "acsa_orders": ("order_date", "signed_jpn", "signed_usa"),
    "acsa_obligations": ("delivered_on", "due_on", "received_on"),
    "acsa_postings": ("on_date",),
}


def test_dates_are_written_as_the_text_a_date_column_holds(engine: Engine) -> None:
    """The ledger binds every date it writes as ISO text (cheaper than a date object on both
    drivers). SQLite must hold exactly what SQLAlchemy's `Date` writes and reads back, or the
    date comparisons of ageing and the reports would go wrong; PostgreSQL must hold dates. Both
    the batched inserts (o1, one transaction) and the updates of later steps (o2, one command per
    transaction) are checked. The commands that carry no reasons (all but orders) store NULL."""
    ledger = Ledger(engine)
    assert {r["code"] for r in ledger.submit(P, [parse(c) for c in lifecycle("o1")])} == {"ok"}
    assert {r["code"] for r in run(ledger, *lifecycle("o2", on="2021-02-27"))} == {"ok"}
    day = dt.date.fromisoformat
    with engine.connect() as conn:
        got = {
            table: conn.execute(text(f"SELECT {', '.join(columns)} FROM {table} ORDER BY 1")).all()
            for table, columns in DATE_COLUMNS.items()
        }
        reasons = dict(conn.execute(text("SELECT id, reasons FROM acsa_commands")).all())  # type: ignore[arg-type]
    as_dates = {
        table: {tuple(None if v is None else v if isinstance(v, dt.date) else day(v) for v in row) for row in rows}
        for table, rows in got.items()
    }
    assert as_dates["acsa_orders"] == {
        (day("2020-05-01"), day("2020-05-01"), day("2020-05-02")),
        (day("2021-02-27"), day("2021-02-27"), day("2021-02-28")),
    }
    # delivered two days after the order, due twelve months later (the end of February), received the next day
    assert as_dates["acsa_obligations"] == {
        (day("2020-05-03"), day("2021-05-03"), day("2020-05-04")),
        (day("2021-03-01"), day("2022-03-01"), day("2021-03-02")),
    }
    assert {row[0] for row in as_dates["acsa_postings"]} == {
        day(x) for x in ("2020-05-02", "2020-05-03", "2020-05-04", "2021-02-28", "2021-03-01", "2021-03-02")
    }
    assert len(as_dates["acsa_commands"]) == 8  # the distinct dates of the ten commands
    for table, rows in got.items():
        for row in rows:
            for value in row:
                if engine.dialect.name == "sqlite":
                    assert isinstance(value, str) and value == day(value).isoformat(), (table, value)
                else:
                    assert type(value) is dt.date, (table, value)
    assert {cid for cid, digest in reasons.items() if digest is not None} == {"o1", "o2"}


def test_an_order_cleared_once_clears_only_its_own_case_in_its_own_interval(engine: Engine) -> None:
    """`Policy.clear` keeps an order's pass for the orders of the same case (provider, categories,
    context, method) between the same two boundaries of the law: an order that differs in any of
    them, or that falls on the other side of a boundary, is checked again, and refused with its
    reasons where the law forbids it."""
    ledger = Ledger(engine)
    (first,) = run(ledger, order("c1", on="2020-07-01", category="ammunition"))
    (same,) = run(ledger, order("c2", on="2020-07-02", category="ammunition"))
    assert first["code"] == same["code"] == "ok"
    assert same["reasons"] == first["reasons"] and same["agreement"] == first["agreement"]
    # before the 2016 law: ammunition in joint training is refused, with citations
    (earlier,) = run(ledger, order("c3", on="2014-07-01", category="ammunition"))
    assert earlier["code"] == "refused" and all(r["citations"] for r in earlier["reasons"])
    (weapons,) = run(ledger, order("c4", on="2020-07-01", category="weapons"))
    assert weapons["code"] == "refused"
    (method,) = run(ledger, order("c5", on="2020-07-01", category="ammunition", method="equal_value_exchange"))
    assert method["code"] == "invalid" and "equal_value_exchange" in method["message"]["en"]
    (context,) = run(ledger, order("c6", on="2014-07-01", category="ammunition", context="armed_attack"))
    assert context["code"] == "ok"


def test_the_memos_of_order_cases_stay_bounded(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Sequences of categories in orders of many lines are not bounded, so the memos keyed by them
    keep at most `MEMO_CASES` cases; past that an order is still checked and answered in full."""
    monkeypatch.setattr(policy, "MEMO_CASES", 0)
    ledger = Ledger(engine)
    memo = ledger.policy._memo
    case = ("jpn", ("water", "fuel", "water"), "joint_training", "reimbursement", dt.date(2020, 5, 1))
    assert ledger.policy.cleared(*case) is None  # a case no other test asks

    def kept() -> tuple[int, set[Any]]:  # the cleared cases, the reasons kept per tuple of categories
        return len(memo.cleared), {key for key in memo.reasons if isinstance(key[1], tuple)}

    before = kept()
    data = two_line_order("m1")
    data["lines"] = [data["lines"][1], data["lines"][0], data["lines"][1]]
    first, again = run(ledger, data, {**data, "id": "m2", "on": "2020-05-02"})
    assert first["code"] == again["code"] == "ok"
    assert again["reasons"] == first["reasons"] and any(r["citations"] for r in first["reasons"])
    assert ledger.policy.cleared(*case) is None
    assert kept() == before


LEDGER_TABLES = {  # table: its columns but a row's serial number, the time it was written and (of
    # a command, whose fingerprint covers its id) the fingerprint
    "acsa_commands": "id, kind, order_id, on_date, party, postings, result, detail, reasons,"
    " marking_level, releasable_to",
    "acsa_orders": "*",
    "acsa_lines": "*",
    "acsa_obligations": "*",
    "acsa_postings": "txn, order_id, obligation_id, on_date, leg, debit, credit, commodity, amount,"
    " marking_level, releasable_to",
}


def test_a_batch_writes_the_rows_its_commands_write_one_at_a_time(engine: Engine, fw: Any) -> None:
    """A large batch is written on SQLite as statements of many rows each (`engine._write`), on
    PostgreSQL with COPY; the same lifecycles, submitted one command per transaction under other
    ids, write the same rows, in the same order, and `verify` finds nothing."""
    from anpo.ledger.demo import interleave

    batched, single = (list(Demo(fw, 1, prefix).lifecycles(40)) for prefix in ("x", "y"))
    ledger = Ledger(engine, fw)
    commands = interleave(batched)  # in the order of the single ones: a step's status depends on it
    assert len(commands) > 200  # several statements of many rows in each table, and a remainder
    assert {r["code"] for r in ledger.submit(P, commands)} == {"ok"}
    for cmd in interleave(single):
        assert ledger.execute(P, cmd)["code"] == "ok", cmd
    with engine.connect() as conn:
        for table, columns in LEDGER_TABLES.items():
            key = "order_id" if table != "acsa_orders" else "id"
            rows = {}
            for prefix in ("x1-", "y1-"):
                found = conn.execute(
                    text(f"SELECT {columns} FROM {table} WHERE {key} LIKE :p ORDER BY 1, 2, 3, 4, 5"),
                    {"p": prefix + "%"},
                ).all()
                rows[prefix] = [tuple(str(v).replace(prefix, "") for v in row) for row in found]
            assert rows["x1-"] == rows["y1-"], table
            assert len(rows["x1-"]) >= 40, table
    assert problems(engine) == []
