"""The running state of the orders a batch touches, loaded once per batch and changed in memory."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, String, Table, any_, bindparam, func, select
from sqlalchemy import column as column_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from anpo.ledger import tables as t
from anpo.ledger.days import as_date
from anpo.security.markings import Marking
from anpo.store.db import Prepared, rows_together


@dataclass(slots=True)
class LineState:
    no: int
    category: str
    item: str
    unit: str
    commodity: str
    quantity: int
    unit_price: int
    currency: str
    delivered: int = 0
    cancelled: int = 0
    dirty: bool = False

    @property
    def remaining(self) -> int:
        return self.quantity - self.delivered - self.cancelled


@dataclass(slots=True)
class Obligation:
    id: str
    order_id: str
    delivery_id: str
    line_no: int
    debtor: str
    creditor: str
    agreement: str
    category: str
    context: str
    method: str
    commodity: str
    quantity: int
    amount: int
    value: int
    currency: str
    delivered_on: dt.date
    due_on: dt.date
    received_on: dt.date | None = None
    settled: int = 0
    new: bool = False
    dirty: bool = False

    @property
    def outstanding(self) -> int:
        return self.amount - self.settled


@dataclass(slots=True)
class OrderState:
    id: str
    order_date: dt.date
    provider: str
    recipient: str
    context: str
    agreement: str
    requesting_unit: str
    method: str
    status: str
    marking_level: str
    releasable_to: str
    signed_jpn: dt.date | None = None
    signed_usa: dt.date | None = None
    cancelled_on: dt.date | None = None
    lines: dict[int, LineState] = field(default_factory=dict)
    obligations: list[Obligation] = field(default_factory=list)
    new: bool = False
    dirty: bool = False

    @property
    def marking(self) -> Marking:
        return _marking(self.marking_level, self.releasable_to)

    @property
    def binding_on(self) -> dt.date | None:
        if self.signed_jpn is None or self.signed_usa is None:
            return None
        return max(self.signed_jpn, self.signed_usa)

    def signed(self, party: str) -> dt.date | None:
        return self.signed_jpn if party == "jpn" else self.signed_usa

    def delivery(self, delivery_id: str) -> list[Obligation]:
        return [o for o in self.obligations if o.delivery_id == delivery_id]

    def refresh_status(self) -> None:
        new = status_of(self)
        if new != self.status:
            self.status = new
            self.dirty = True


@functools.lru_cache(maxsize=256)
def _marking(level: str, releasable_to: str) -> Marking:
    return Marking.from_columns(level, releasable_to)


def status_of(order: OrderState) -> str:
    """requested -> binding -> delivered (everything ordered delivered or cancelled) -> closed
    (every delivery received and settled); `cancelled` when cancelled before anything was delivered."""
    delivered_any = remaining = False
    for line in order.lines.values():  # plain loops: this runs after every command
        if line.delivered:
            delivered_any = True
        if line.quantity - line.delivered - line.cancelled:
            remaining = True
    if order.cancelled_on is not None and not delivered_any:
        return "cancelled"
    if order.signed_jpn is None or order.signed_usa is None:
        return "requested"
    if remaining:
        return "delivering" if delivered_any else "binding"
    for o in order.obligations:
        if o.received_on is None or o.amount != o.settled:
            return "delivered"
    return "closed"


IDS = "ids"


@functools.cache
def _statement(name: str, pg: bool) -> Select[Any]:
    """The statements that look rows up by a list of ids, built once per dialect, the ids bound as
    one parameter whatever their number: `column = ANY(:ids)` with an array on PostgreSQL,
    `column IN (SELECT value FROM json_each(:ids))` with a JSON array on SQLite. (A long
    `IN (...)` list is slow to render, to convert and to plan on every batch, and SQLite limits
    the number of parameters.)"""

    def among(column: ColumnElement[str]) -> ColumnElement[bool]:
        if pg:
            return column == any_(bindparam(IDS, type_=ARRAY(String)))
        return column.in_(select(column_("value")).select_from(func.json_each(bindparam(IDS, type_=String))))

    o = t.obligations.c
    c = t.commands.c
    statements: dict[str, Select[Any]] = {
        "commands": select(
            c.id,
            c.kind,
            c.fingerprint,
            c.order_id,
            c.postings,
            c.result,
            c.marking_level,
            c.releasable_to,
            t.reasons.c.reasons,
        )
        .outerjoin(t.reasons, t.reasons.c.id == c.reasons)
        .where(among(c.id)),
        "orders": select(*_stored_fields(OrderState, t.orders)).where(among(t.orders.c.id)),
        "lines": select(t.lines.c.order_id, *_stored_fields(LineState, t.lines)).where(among(t.lines.c.order_id)),
        "obligations": select(*_stored_fields(Obligation, t.obligations))
        .where(among(o.order_id))
        .order_by(o.delivered_on, o.id),
        "deliveries": select(o.delivery_id, o.order_id).where(among(o.delivery_id)),
    }
    return statements[name]


@functools.cache
def _prepared(name: str, pg: bool) -> Prepared:
    return Prepared(_statement(name, pg))


def rows_for(session: Session, name: str, ids: Sequence[str]) -> Iterator[Any]:
    """The rows of statement `name` for `ids` (none, without a query, when there are no ids), as the
    driver returns them (`Prepared`: SQLAlchemy's work per execution was most of a one-command
    batch's look-ups); a date comes as ISO text from SQLite (see `load_orders`)."""
    if not ids:
        return iter(())
    pg = session.get_bind().dialect.name == "postgresql"
    return iter(_prepared(name, pg).rows(session, {IDS: list(ids) if pg else json.dumps(list(ids))}))


def orders_of_deliveries(session: Session, deliveries: Iterable[str]) -> dict[str, str]:
    return {d: o for d, o in rows_for(session, "deliveries", sorted(set(deliveries)))}


def load_orders(session: Session, order_ids: Iterable[str]) -> dict[str, OrderState]:
    ids = sorted(set(order_ids))
    if not ids:
        return {}
    pg = session.get_bind().dialect.name == "postgresql"
    arg = {IDS: ids if pg else json.dumps(ids)}
    # one round trip for the three on PostgreSQL (`rows_together`)
    order_rows, line_rows, obligation_rows = rows_together(
        session, [(_prepared(name, pg), arg) for name in ("orders", "lines", "obligations")]
    )
    orders: dict[str, OrderState] = {}
    # Each statement selects the state's stored fields in the dataclass's order (`_stored_fields`),
    # so a row is its constructor's arguments, once its dates are dates (`_dated`).
    order_dates = _date_fields(OrderState)
    for row in order_rows:
        orders[row[0]] = OrderState(*_dated(row, order_dates))
    for order_id, *line in line_rows:
        orders[order_id].lines[line[0]] = LineState(*line)
    obligation_dates = _date_fields(Obligation)
    for row in obligation_rows:
        orders[row[1]].obligations.append(Obligation(*_dated(row, obligation_dates)))
    return orders


@functools.cache
def _date_fields(cls: type) -> tuple[int, ...]:
    """The positions of `cls`'s date fields."""
    return tuple(i for i, f in enumerate(dataclasses.fields(cls)) if "dt.date" in str(f.type))


def _dated(row: Sequence[Any], positions: tuple[int, ...]) -> list[Any]:
    """`row` with the values at `positions` as dates: SQLite returns a DATE as its ISO text."""
    values = list(row)
    for i in positions:
        if values[i] is not None:
            values[i] = as_date(values[i])
    return values


# The column that holds a field whose name differs from it.
_COLUMN_OF = {"no": "line_no"}


def _stored_fields(cls: type, table: Table) -> list[ColumnElement[Any]]:
    """The columns of `table` that hold `cls`'s leading fields, in the fields' order; the fields
    after them (in-memory bookkeeping) must have defaults."""
    columns: list[ColumnElement[Any]] = []
    for f in dataclasses.fields(cls):
        name = _COLUMN_OF.get(f.name, f.name)
        if name not in table.c:
            break
        columns.append(table.c[name])
    return columns
