"""Shared helpers of the ledger tests: commands as dicts, a snapshot of everything stored."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, func, select, text

from anpo.ledger import tables as t
from anpo.ledger.commands import parse
from anpo.ledger.engine import Ledger
from anpo.ledger.queries import Reader, verify
from anpo.security.markings import Levels
from anpo.security.principal import system_principal
from anpo.store.db import session_factory, transaction

P = system_principal()


def order(
    cid: str = "o1",
    on: str = "2020-05-01",
    provider: str = "jpn",
    context: str = "joint_training",
    method: str = "reimbursement",
    category: str = "fuel",
    quantity: str = "1000",
    price: str = "0.85",
    currency: str = "USD",
) -> dict[str, Any]:
    return {
        "kind": "order",
        "id": cid,
        "on": on,
        "provider": provider,
        "context": context,
        "requesting_unit": "31st MEU",
        "method": method,
        "lines": [
            {
                "category": category,
                "item": "jp8",
                "unit": "l",
                "quantity": quantity,
                "unit_price": price,
                "currency": currency,
            }
        ],
    }


def lifecycle(oid: str = "o1", **kw: Any) -> list[dict[str, Any]]:
    """Order, both signatures, a partial delivery, its receipt (the rest undelivered); the steps
    follow the order's date by 0, 1, 2 and 3 days."""
    start = dt.date.fromisoformat(kw.get("on", "2020-05-01"))

    def day(n: int) -> str:
        return (start + dt.timedelta(days=n)).isoformat()

    return [
        order(oid, **kw),
        {"kind": "sign", "id": f"{oid}.s1", "order": oid, "party": "jpn", "on": day(0)},
        {"kind": "sign", "id": f"{oid}.s2", "order": oid, "party": "usa", "on": day(1)},
        {
            "kind": "deliver",
            "id": f"{oid}.d1",
            "order": oid,
            "on": day(2),
            "lines": [{"line": 1, "quantity": "600"}],
            "documents": ["voucher-1"],
        },
        {"kind": "receive", "id": f"{oid}.r1", "delivery": f"{oid}.d1", "on": day(3)},
    ]


def run(ledger: Ledger, *cmds: dict[str, Any]) -> list[dict[str, Any]]:
    return [ledger.execute(P, parse(c)) for c in cmds]


def snapshot(engine: Engine) -> dict[str, Any]:
    """Everything the ledger and the audit log hold, to show that a refusal changed nothing."""
    with engine.connect() as conn:
        out: dict[str, Any] = {}
        for table in (t.commands, t.reasons, t.orders, t.lines, t.obligations, t.postings, t.balances):
            out[table.name] = sorted(tuple(str(v) for v in row) for row in conn.execute(select(table)))
        out["audit"] = conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
        out["postings"] = conn.execute(select(func.count()).select_from(t.postings)).scalar_one()
    return out


def balances(engine: Engine, fw: Any) -> dict[tuple[str, str], str]:
    with transaction(session_factory(engine)) as session:
        return {(b["account"], b["commodity"]): b["amount"] for b in Reader(session, Levels(fw), P).balances()}


def problems(engine: Engine) -> list[str]:
    with transaction(session_factory(engine)) as session:
        return [problem.en for problem in verify(session)]
