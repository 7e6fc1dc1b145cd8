"""The running state of the orders a batch touches, loaded once per batch and changed in memory."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anpo.ledger import tables as t
from anpo.security.markings import Marking

CHUNK = 500


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
        return Marking.from_columns(self.marking_level, self.releasable_to)

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


def status_of(order: OrderState) -> str:
    """requested -> binding -> delivered (everything ordered delivered or cancelled) -> closed
    (every delivery received and settled); `cancelled` when cancelled before anything was delivered."""
    delivered_any = any(line.delivered for line in order.lines.values())
    if order.cancelled_on is not None and not delivered_any:
        return "cancelled"
    if order.binding_on is None:
        return "requested"
    if any(line.remaining for line in order.lines.values()):
        return "delivering" if delivered_any else "binding"
    if all(o.received_on is not None and o.outstanding == 0 for o in order.obligations):
        return "closed"
    return "delivered"


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def orders_of_deliveries(session: Session, deliveries: Iterable[str]) -> dict[str, str]:
    ids = sorted(set(deliveries))
    out: dict[str, str] = {}
    for chunk in _chunks(ids):
        rows = session.execute(
            select(t.obligations.c.delivery_id, t.obligations.c.order_id).where(t.obligations.c.delivery_id.in_(chunk))
        )
        out.update({d: o for d, o in rows})
    return out


def load_orders(session: Session, order_ids: Iterable[str]) -> dict[str, OrderState]:
    ids = sorted(set(order_ids))
    orders: dict[str, OrderState] = {}
    for chunk in _chunks(ids):
        for row in session.execute(select(t.orders).where(t.orders.c.id.in_(chunk))).mappings():
            orders[row["id"]] = OrderState(**_fields(row, OrderState))
        for row in session.execute(select(t.lines).where(t.lines.c.order_id.in_(chunk))).mappings():
            data = dict(row)
            order_id = data.pop("order_id")
            data["no"] = data.pop("line_no")
            orders[order_id].lines[data["no"]] = LineState(**data)
        for row in session.execute(
            select(t.obligations)
            .where(t.obligations.c.order_id.in_(chunk))
            .order_by(t.obligations.c.delivered_on, t.obligations.c.id)
        ).mappings():
            orders[row["order_id"]].obligations.append(Obligation(**_fields(row, Obligation)))
    return orders


def _fields(row: Any, cls: type) -> dict[str, Any]:
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in row.items() if k in names}
