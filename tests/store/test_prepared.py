"""`anpo.store.db.Prepared`: a statement run straight on the driver returns the rows SQLAlchemy
returns (dates as the driver gives them), with the statement's own bound values, on both backends."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, bindparam, func, literal, select
from sqlalchemy.exc import DBAPIError

from anpo.ledger import tables as t
from anpo.store.db import Prepared, rows_together, session_factory, transaction


def _plain(value: Any) -> Any:
    """What SQLAlchemy converts on SQLite and the driver does not: dates and booleans."""
    return value.isoformat() if isinstance(value, dt.date) else int(value) if isinstance(value, bool) else value


def test_prepared_rows_equal_sqlalchemy_rows(engine: Any) -> None:
    rows = [
        {"id": f"o{i}", "order_date": dt.date(2024, 1, 1 + i), "provider": "usa", "recipient": "jpn",
         "context": "joint_training", "agreement": "acsa", "requesting_unit": f"unit '{i}'", "method": "reimbursement",
         "status": "requested" if i % 2 else "signed", "signed_jpn": None, "signed_usa": dt.date(2024, 2, 1),
         "cancelled_on": None, "marking_level": "secret" if i % 3 else "public", "releasable_to": "jpn,usa"}
        for i in range(7)
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(t.orders.insert(), rows)
    o = t.orders.c
    statement = (
        select(t.orders, (o.order_date < bindparam("before", type_=t.orders.c.order_date.type)).label("early"))
        .where(o.status == bindparam("status"), o.marking_level != literal("top_secret"))
        .order_by(o.order_date)
        .limit(bindparam("limit"))
    )
    prepared = Prepared(statement)
    params = {"before": dt.date(2024, 1, 4), "status": "signed", "limit": 3}
    with engine.connect() as conn:
        expected = [tuple(_plain(v) for v in r) for r in conn.execute(statement, params)]
        got = prepared.rows(conn, params)
    assert [tuple(_plain(v) for v in r) for r in got] == expected and len(expected) == 3
    assert got[0].id == "o0" and got[0].requesting_unit == "unit '0'" and bool(got[0].early)
    with transaction(session_factory(engine)) as session:  # a Session works as well as a Connection
        assert [r.id for r in prepared.rows(session, {**params, "status": "requested"})] == ["o1", "o3", "o5"]


def test_prepared_refuses_parameters_rendered_at_execution(engine: Any) -> None:
    prepared = Prepared(select(t.orders.c.id).where(t.orders.c.id.in_(bindparam("ids", expanding=True))))
    with engine.connect() as conn, pytest.raises(ValueError, match="rendered at execution"):
        prepared.rows(conn, {"ids": ["a", "b"]})


def test_a_driver_error_is_raised_as_sqlalchemy_raises_it(engine: Any) -> None:
    nowhere = Table("nowhere", MetaData(), Column("x", Integer))
    with engine.connect() as conn, pytest.raises(DBAPIError) as raised:
        Prepared(select(nowhere.c.x)).rows(conn, {})
    assert "nowhere" in str(raised.value) and not raised.value.connection_invalidated


def test_rows_together_equal_each_statements_rows(engine: Any) -> None:
    """`rows_together` (one pipeline on PostgreSQL) returns each statement's rows, in order, as
    `Prepared.rows` alone would; a failing statement among them raises as SQLAlchemy would."""
    with engine.begin() as conn:
        conn.execute(
            t.lines.insert(),
            [
                {"order_id": f"o{i % 3}", "line_no": i, "category": "fuel", "item": "JP8", "unit": "L",
                 "commodity": "JP8_L", "quantity": 10 * i, "unit_price": 1, "currency": "USD", "delivered": 0,
                 "cancelled": 0}
                for i in range(1, 8)
            ],
        )  # fmt: skip
    c = t.lines.c
    by_order = Prepared(select(c.line_no).where(c.order_id == bindparam("o")).order_by(c.line_no))
    total = Prepared(select(func.sum(c.quantity)).where(c.line_no > bindparam("n")))
    queries = [(by_order, {"o": "o1"}), (total, {"n": 4}), (by_order, {"o": "none"}), (by_order, {"o": "o0"})]
    with transaction(session_factory(engine)) as session:
        got = rows_together(session, queries)
        assert got == [prepared.rows(session, params) for prepared, params in queries]
    assert [[r.line_no for r in rows] for rows in (got[0], got[3])] == [[1, 4, 7], [3, 6]]
    assert got[1][0][0] == 50 + 60 + 70 and got[2] == []
    nowhere = Table("nowhere", MetaData(), Column("x", Integer))
    with engine.connect() as conn, pytest.raises(DBAPIError) as raised:
        rows_together(conn, [(by_order, {"o": "o1"}), (Prepared(select(nowhere.c.x)), {})])
    assert "nowhere" in str(raised.value)
