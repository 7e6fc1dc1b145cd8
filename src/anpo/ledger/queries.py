"""Reading the ledger: balances, one order, lists, ageing, fiscal-year reports and the invariants.

Every read takes the principal asking and returns only what its marking lets that principal read
(`anpo.security.access.can_read`). Amounts leave as decimal strings (see `money.text`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anpo.ledger import money
from anpo.ledger import tables as t
from anpo.ledger.apply import add_months
from anpo.ledger.messages import fail
from anpo.security.access import can_read
from anpo.security.markings import Levels, Marking
from anpo.security.principal import Principal

BUCKETS = ("0-6", "6-12", "12-18", "18+")


class Reader:
    def __init__(self, session: Session, levels: Levels, principal: Principal) -> None:
        self.session = session
        self.levels = levels
        self.principal = principal
        self._seen: dict[tuple[str, str], bool] = {}
        self._included: set[tuple[str, str]] = set()

    def readable(self, level: str, releasable_to: str) -> bool:
        key = (level, releasable_to)
        ok = self._seen.get(key)
        if ok is None:
            ok = self._seen[key] = can_read(self.levels, self.principal, Marking.from_columns(level, releasable_to))
        return ok

    def take(self, level: str, releasable_to: str) -> bool:
        """Whether a record with this marking may be read; if so, its marking counts towards the
        marking of what this reader has returned (`marking`)."""
        ok = self.readable(level, releasable_to)
        if ok:
            self._included.add((level, releasable_to))
        return ok

    def marking(self) -> Marking:
        """The combined marking of every record this reader has returned so far: the highest level
        and the parties all of them are releasable to; public when it has returned nothing."""
        return self.levels.combine(Marking.from_columns(lv, rel) for lv, rel in sorted(self._included))

    def marking_json(self) -> dict[str, Any]:
        """`marking` as JSON, with its English and Japanese banner lines."""
        return self.levels.describe(self.marking())

    # --- balances ---------------------------------------------------------------------------------

    def balances(self) -> list[dict[str, Any]]:
        """Per account and commodity, from the running sums (kept in the same transaction as the postings)."""
        b = t.balances.c
        sums: dict[tuple[str, str], list[int]] = {}
        ok: dict[tuple[str, str], bool] = {}
        for account, commodity, level, rel, amount, count in self.session.execute(
            select(b.account, b.commodity, b.marking_level, b.releasable_to, b.amount, b.postings)
        ).all():
            marking = (level, rel)
            readable = ok.get(marking)
            if readable is None:
                readable = ok[marking] = self.take(level, rel)
            if readable:
                acc = sums.get((account, commodity))
                if acc is None:
                    sums[(account, commodity)] = [amount, count]
                else:
                    acc[0] += amount
                    acc[1] += count
        text = money.text
        return [
            {"account": a, "commodity": c, "amount": text(v[0]), "units": v[0], "postings": v[1]}
            for (a, c), v in sorted(sums.items())
        ]

    # --- orders -------------------------------------------------------------------------------------

    def order(self, order_id: str, on: dt.date) -> dict[str, Any]:
        row = self.session.execute(select(t.orders).where(t.orders.c.id == order_id)).mappings().first()
        if row is None or not self.take(row["marking_level"], row["releasable_to"]):
            raise fail("unknown_order", order=order_id)
        out = _order_json(row)
        out["lines"] = [
            {
                "line": x["line_no"],
                "category": x["category"],
                "item": x["item"],
                "unit": x["unit"],
                "quantity": money.text(x["quantity"]),
                "delivered": money.text(x["delivered"]),
                "cancelled": money.text(x["cancelled"]),
                "unit_price": money.text(x["unit_price"]),
                "currency": x["currency"],
            }
            for x in self.session.execute(
                select(t.lines).where(t.lines.c.order_id == order_id).order_by(t.lines.c.line_no)
            ).mappings()
        ]
        out["obligations"] = [
            _obligation_json(o, on)
            for o in self.session.execute(
                select(t.obligations)
                .where(t.obligations.c.order_id == order_id)
                .order_by(t.obligations.c.delivered_on, t.obligations.c.id)
            ).mappings()
        ]
        out["events"] = [
            {"id": e["id"], "kind": e["kind"], "on": _d(e["on_date"]), "party": e["party"], **json.loads(e["detail"])}
            for e in self.session.execute(
                select(t.events).where(t.events.c.order_id == order_id).order_by(t.events.c.on_date, t.events.c.id)
            ).mappings()
        ]
        return out

    def orders(
        self,
        on: dt.date,
        status: str | None = None,
        provider: str | None = None,
        overdue: bool = False,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        q = select(t.orders).order_by(t.orders.c.order_date, t.orders.c.id)
        if status:
            q = q.where(t.orders.c.status == status)
        if provider:
            q = q.where(t.orders.c.provider == provider)
        if overdue:
            late = select(t.obligations.c.order_id).where(
                t.obligations.c.settled < t.obligations.c.amount, t.obligations.c.due_on < on
            )
            q = q.where(t.orders.c.id.in_(late))
        rows = [r for r in self.session.execute(q).mappings() if self.readable(r["marking_level"], r["releasable_to"])]
        rows = rows[:limit] if limit > 0 else rows
        for r in rows:
            self.take(r["marking_level"], r["releasable_to"])
        late_ids = self._overdue_orders([r["id"] for r in rows], on)
        return [{**_order_json(r), "overdue": r["id"] in late_ids} for r in rows]

    def _overdue_orders(self, ids: list[str], on: dt.date) -> set[str]:
        out: set[str] = set()
        o = t.obligations.c
        for i in range(0, len(ids), 500):
            out.update(
                self.session.scalars(
                    select(o.order_id).where(o.order_id.in_(ids[i : i + 500]), o.settled < o.amount, o.due_on < on)
                )
            )
        return out

    # --- ageing ---------------------------------------------------------------------------------------

    def open_obligations(self, on: dt.date) -> list[dict[str, Any]]:
        o = t.obligations.c
        rows = self.session.execute(
            select(t.obligations).where(o.settled < o.amount, o.delivered_on <= on).order_by(o.delivered_on, o.id)
        ).mappings()
        return [_obligation_json(r, on) for r in rows if self.take(r["marking_level"], r["releasable_to"])]

    def ageing(self, on: dt.date) -> dict[str, Any]:
        """What is owed and unsettled on `on`, by debtor, commodity and months since delivery."""
        items = self.open_obligations(on)
        totals: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(BUCKETS, 0))
        for item in items:
            totals[(item["debtor"], item["commodity"])][item["bucket"]] += item["outstanding_units"]
        rows = []
        for (debtor, commodity), buckets in sorted(totals.items()):
            rows.append(
                {
                    "debtor": debtor,
                    "commodity": commodity,
                    "buckets": {k: money.text(v) for k, v in buckets.items()},
                    "total": money.text(sum(buckets.values())),
                    "overdue": money.text(buckets["12-18"] + buckets["18+"]),
                }
            )
        overdue = [i for i in items if i["overdue"]]
        return {
            "on": on.isoformat(),
            "buckets": list(BUCKETS),
            "rows": rows,
            "overdue": overdue,
            "marking": self.marking_json(),
        }

    # --- reports -------------------------------------------------------------------------------------

    def report(self, fy: int, calendar: str, on: dt.date) -> dict[str, Any]:
        """Provisions delivered in fiscal year `fy` (Japanese: April fy - March fy+1; U.S.: October
        fy-1 - September fy), per agreement: by category and context, totals, settled, outstanding,
        and every item unsettled more than a year after delivery as of `on`."""
        start, end = fiscal_year(fy, calendar)
        o = t.obligations.c
        rows = self.session.execute(
            select(t.obligations).where(o.delivered_on >= start, o.delivered_on < end).order_by(o.delivered_on, o.id)
        ).mappings()
        per: dict[str, dict[str, Any]] = {}
        for r in rows:
            if not self.take(r["marking_level"], r["releasable_to"]):
                continue
            ag = per.setdefault(r["agreement"], {"by": defaultdict(_zero), "late": []})
            for key in (
                ("category", r["category"], r["creditor"], r["commodity"]),
                ("context", r["context"], r["creditor"], r["commodity"]),
                ("total", "", r["creditor"], r["commodity"]),
            ):
                acc = ag["by"][key]
                acc[0] += 1
                acc[1] += r["amount"]
                acc[2] += r["settled"]
            if r["settled"] < r["amount"] and add_months(r["delivered_on"], 12) < on:
                ag["late"].append(_obligation_json(r, on))
        agreements = []
        for name, ag in sorted(per.items()):
            groups: dict[str, list[dict[str, Any]]] = {"category": [], "context": [], "total": []}
            for (kind, key, provider, commodity), (n, amount, settled) in sorted(ag["by"].items()):
                entry = {
                    "provider": provider,
                    "commodity": commodity,
                    "provisions": n,
                    "provided": money.text(amount),
                    "settled": money.text(settled),
                    "outstanding": money.text(amount - settled),
                }
                groups[kind].append({kind: key, **entry} if key else entry)
            agreements.append(
                {
                    "agreement": name,
                    "by_category": groups["category"],
                    "by_context": groups["context"],
                    "totals": groups["total"],
                    "unsettled_over_a_year": ag["late"],
                }
            )
        return {
            "fy": fy,
            "calendar": calendar,
            "from": start.isoformat(),
            "to": (end - dt.timedelta(days=1)).isoformat(),
            "on": on.isoformat(),
            "agreements": agreements,
            "marking": self.marking_json(),
        }


def _zero() -> list[int]:
    return [0, 0, 0]


def fiscal_year(fy: int, calendar: str) -> tuple[dt.date, dt.date]:
    """[start, end) of a fiscal year: `jp` April fy - March fy+1, `us` October fy-1 - September fy."""
    if calendar == "jp":
        return dt.date(fy, 4, 1), dt.date(fy + 1, 4, 1)
    return dt.date(fy - 1, 10, 1), dt.date(fy, 10, 1)


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from `start` to `end` (0 when end < start)."""
    months = (end.year - start.year) * 12 + end.month - start.month - (1 if end.day < start.day else 0)
    return max(months, 0)


def bucket(start: dt.date, on: dt.date) -> str:
    months = months_between(start, on)
    if months < 6:
        return "0-6"
    if months < 12:
        return "6-12"
    if months < 18:
        return "12-18"
    return "18+"


def _d(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _order_json(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "order_date": _d(row["order_date"]),
        "provider": row["provider"],
        "recipient": row["recipient"],
        "context": row["context"],
        "agreement": row["agreement"],
        "requesting_unit": row["requesting_unit"],
        "method": row["method"],
        "status": row["status"],
        "signed_jpn": _d(row["signed_jpn"]),
        "signed_usa": _d(row["signed_usa"]),
        "cancelled_on": _d(row["cancelled_on"]),
        "marking": {"level": row["marking_level"], "releasable_to": row["releasable_to"]},
    }


def _obligation_json(r: Any, on: dt.date) -> dict[str, Any]:
    outstanding = r["amount"] - r["settled"]
    return {
        "id": r["id"],
        "order": r["order_id"],
        "delivery": r["delivery_id"],
        "line": r["line_no"],
        "debtor": r["debtor"],
        "creditor": r["creditor"],
        "agreement": r["agreement"],
        "category": r["category"],
        "context": r["context"],
        "method": r["method"],
        "commodity": r["commodity"],
        "owed": money.text(r["amount"]),
        "settled": money.text(r["settled"]),
        "outstanding": money.text(outstanding),
        "outstanding_units": outstanding,
        "delivered_on": _d(r["delivered_on"]),
        "due_on": _d(r["due_on"]),
        "received_on": _d(r["received_on"]),
        "bucket": bucket(r["delivered_on"], on),
        "overdue": outstanding > 0 and r["due_on"] < on,
    }


# --- invariants ------------------------------------------------------------------------------------


def verify(session: Session) -> list[str]:
    """Recompute every running figure from the postings; return the problems (empty when sound):
    every transaction balances per commodity; stored balances equal the sum of postings; no
    obligation is settled beyond what is owed, and its settled figure equals its settlement
    postings; no line is delivered beyond what was ordered (less cancellations), and its delivered
    figure equals its obligations; every command's posting count matches its postings."""
    p = t.postings.c
    problems: list[str] = []
    for txn, commodity, total in session.execute(
        select(p.txn, p.commodity, func.sum(p.amount)).group_by(p.txn, p.commodity).having(func.sum(p.amount) != 0)
    ):
        problems.append(f"transaction {txn} does not balance in {commodity}: {total}")
    summed = {
        (a, c, lv, rel): (int(s), int(n))
        for a, c, lv, rel, s, n in session.execute(
            select(p.account, p.commodity, p.marking_level, p.releasable_to, func.sum(p.amount), func.count()).group_by(
                p.account, p.commodity, p.marking_level, p.releasable_to
            )
        )
    }
    b = t.balances.c
    stored = {
        (a, c, lv, rel): (int(s), int(n))
        for a, c, lv, rel, s, n in session.execute(
            select(b.account, b.commodity, b.marking_level, b.releasable_to, b.amount, b.postings)
        )
    }
    for key in sorted(set(summed) | set(stored)):
        if summed.get(key, (0, 0)) != stored.get(key, (0, 0)):
            problems.append(f"balance {key} is {stored.get(key)} but its postings sum to {summed.get(key)}")
    o = t.obligations.c
    settled_sums = dict(
        session.execute(
            select(p.obligation_id, func.sum(p.amount))
            .where(p.leg == "settlement", p.amount > 0)
            .group_by(p.obligation_id)
        ).all()
    )
    for oid, amount, settled in session.execute(select(o.id, o.amount, o.settled)):
        if settled > amount or settled < 0:
            problems.append(f"obligation {oid} settled {settled} of {amount}")
        if int(settled_sums.get(oid) or 0) != settled:
            problems.append(
                f"obligation {oid} settled {settled} but its settlement postings sum to {settled_sums.get(oid)}"
            )
    delivered = {
        (oid, no): int(q)
        for oid, no, q in session.execute(
            select(o.order_id, o.line_no, func.sum(o.quantity)).group_by(o.order_id, o.line_no)
        )
    }
    line = t.lines.c
    for oid, no, qty, dlv, cnl in session.execute(
        select(line.order_id, line.line_no, line.quantity, line.delivered, line.cancelled)
    ):
        if dlv + cnl > qty or dlv < 0:
            problems.append(f"order {oid} line {no}: delivered {dlv} + cancelled {cnl} > ordered {qty}")
        if delivered.get((oid, no), 0) != dlv:
            problems.append(f"order {oid} line {no}: delivered {dlv} but deliveries sum to {delivered.get((oid, no))}")
    counts: dict[str, int] = {txn: int(n) for txn, n in session.execute(select(p.txn, func.count()).group_by(p.txn))}
    c = t.commands.c
    for cid, n in session.execute(select(c.id, c.postings)):
        if counts.get(cid, 0) != n:
            problems.append(f"command {cid} acknowledged {n} postings but has {counts.get(cid, 0)}")
    return problems
