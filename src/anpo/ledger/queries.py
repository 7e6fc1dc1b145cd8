"""Reading the ledger: balances, one order, lists, ageing, fiscal-year reports and the invariants.

Every read takes the principal asking and returns only what its marking lets that principal read
(`anpo.security.access.can_read`). Amounts leave as decimal strings (see `money.text`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Date,
    Integer,
    bindparam,
    exists,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from anpo.dates import add_months
from anpo.framework.model import Text
from anpo.ledger import money
from anpo.ledger import tables as t
from anpo.ledger.messages import fail, m
from anpo.security.access import can_read, read_condition
from anpo.security.markings import Levels, Marking
from anpo.security.principal import Principal
from anpo.store.db import Prepared, read_only

BUCKETS = ("0-6", "6-12", "12-18", "18+")


# The running sums, sorted here rather than by the database: PostgreSQL's ORDER BY took a quarter of
# a millisecond for the few hundred rows (and its default collation would not order by code point).
_BALANCES = Prepared(
    select(
        t.balances.c.account,
        t.balances.c.commodity,
        t.balances.c.marking_level,
        t.balances.c.releasable_to,
        t.balances.c.amount,
        t.balances.c.postings,
    )
)
_ACCOUNT_COMMODITY = itemgetter(0, 1)


class Reader:
    """Reads for one principal in one transaction: an ORM session, or a Core connection (lighter)."""

    def __init__(self, session: Session | Connection, levels: Levels, principal: Principal) -> None:
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
        """Per account and commodity, from the running sums (kept in the same transaction as the
        postings): a few hundred rows, whatever the number of postings, read straight off the
        driver (`Prepared`), sorted, and summed over the markings this reader may read as they come."""
        out: list[dict[str, Any]] = []
        last: dict[str, Any] = {}
        rows = _BALANCES.tuples(self.session, {})
        rows.sort(key=_ACCOUNT_COMMODITY)
        text = money.text
        ok = {marking: self.take(*marking) for marking in {(row[2], row[3]) for row in rows}}
        if all(ok.values()) and (len(ok) == 1 or len({row[:2] for row in rows}) == len(rows)):
            # Each row is a balance of its own (every marking readable, and no account and commodity
            # held under two markings, as none can be when all rows have one marking: the primary
            # key): the common case, without the loop that sums (half the time).
            return [
                {"account": account, "commodity": commodity, "amount": text(amount), "units": amount, "postings": n}
                for account, commodity, _, _, amount, n in rows
            ]
        for account, commodity, level, rel, amount, count in rows:
            if not ok[level, rel]:
                continue
            if last and last["commodity"] == commodity and last["account"] == account:
                last["units"] += amount
                last["postings"] += count
            else:
                last = {"account": account, "commodity": commodity, "amount": "", "units": amount, "postings": count}
                out.append(last)
        for balance in out:
            balance["amount"] = text(balance["units"])
        return out

    # --- orders -------------------------------------------------------------------------------------

    def order(self, order_id: str, on: dt.date) -> dict[str, Any]:
        row = self.session.execute(select(t.orders).where(t.orders.c.id == order_id)).first()
        if row is None or not self.take(row.marking_level, row.releasable_to):
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
        c = t.commands.c  # a command's row is also the order's history entry
        out["events"] = [
            {"id": e["id"], "kind": e["kind"], "on": _d(e["on_date"]), "party": e["party"], **json.loads(e["detail"])}
            for e in self.session.execute(
                select(c.id, c.kind, c.on_date, c.party, c.detail)
                .where(c.order_id == order_id)
                .order_by(c.on_date, c.id)
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
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Orders oldest first, each flagged `overdue` (an obligation past its due date on `on`);
        at most `limit` (all when 0) after skipping `offset` readable ones."""
        return self.orders_page(on, status, provider, overdue, limit, offset)[0]

    def orders_page(
        self,
        on: dt.date,
        status: str | None = None,
        provider: str | None = None,
        overdue: bool = False,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[list[dict[str, Any]], bool]:
        """`orders`, and whether more follow. One query: the marking is filtered in SQL
        (`read_condition`, so the page holds only readable orders) and every row is checked again
        with `can_read`; the overdue flag is a subquery per order."""
        q = _orders_statement(
            self.levels, _shape(self.principal), bool(status), bool(provider), overdue, limit > 0, offset > 0
        )
        params = {"on": on, "status": status, "provider": provider, "limit": limit + 1, "offset": offset}
        rows = q.rows(self.session, params)
        more = limit > 0 and len(rows) > limit
        return [
            {**_order_json(r), "overdue": bool(r.overdue)}
            for r in (rows[:limit] if more else rows)
            if self.take(r.marking_level, r.releasable_to)
        ], more

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


def _shape(principal: Principal) -> Principal:
    """What of a principal decides what it may read (for caching statements by it)."""
    return Principal("", principal.party, principal.clearance, frozenset(), principal.system)


@lru_cache(maxsize=512)
def _orders_statement(
    levels: Levels, reader: Principal, status: bool, provider: bool, overdue: bool, limited: bool, offset: bool
) -> Prepared:
    """The orders list for one kind of reader and set of filters, built once (values are bound
    parameters: on, status, provider, limit, offset), so each request skips building it."""
    o, b = t.orders.c, t.obligations.c
    late = exists().where(b.order_id == o.id, b.settled < b.amount, b.due_on < bindparam("on", type_=Date))
    q = (
        select(t.orders, late.label("overdue"))
        .where(read_condition(levels, reader, o.marking_level, o.releasable_to))
        .order_by(o.order_date, o.id)
    )
    if status:
        q = q.where(o.status == bindparam("status"))
    if provider:
        q = q.where(o.provider == bindparam("provider"))
    if overdue:
        q = q.where(late)
    if limited:
        q = q.limit(bindparam("limit", type_=Integer))
    if offset:
        q = q.offset(bindparam("offset", type_=BigInteger))  # any offset a request may give
    return Prepared(q)


def _zero() -> list[int]:
    return [0, 0, 0]


FISCAL_YEARS = range(1900, 3000)  # the years a report may ask for: the web's and the CLI's


def fiscal_year(fy: int, calendar: str) -> tuple[dt.date, dt.date]:
    """[start, end) of a fiscal year: `jp` April fy - March fy+1, `us` October fy-1 - September fy.
    A year outside `FISCAL_YEARS` is refused (`invalid`): the CLI's `--fy 9999` failed with a
    traceback (year 10000)."""
    if fy not in FISCAL_YEARS:
        allowed = f"{FISCAL_YEARS.start}-{FISCAL_YEARS.stop - 1}"
        raise fail("invalid", "unknown_value", field="fy", value=fy, allowed=allowed)
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
    """An order's row (a SQLAlchemy Row or a `Prepared` one: fields by name) as JSON."""
    return {
        "id": row.id,
        "order_date": _d(row.order_date),
        "provider": row.provider,
        "recipient": row.recipient,
        "context": row.context,
        "agreement": row.agreement,
        "requesting_unit": row.requesting_unit,
        "method": row.method,
        "status": row.status,
        "signed_jpn": _d(row.signed_jpn),
        "signed_usa": _d(row.signed_usa),
        "cancelled_on": _d(row.cancelled_on),
        "marking": {"level": row.marking_level, "releasable_to": row.releasable_to},
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


def verify(session: Session) -> list[Text]:
    """Recompute every running figure from the postings; return the problems, in both languages
    (empty when sound):
    every posting is well formed (a positive amount between two different accounts: one row holds
    both entries, so a well-formed transaction balances); stored balances equal the sum of postings; no
    obligation is settled beyond what is owed, and its settled figure equals its settlement
    postings; no line is delivered beyond what was ordered (less cancellations), and its delivered
    figure equals its obligations; every command's posting count matches its postings, and every
    posting belongs to a command.

    Each check is one aggregate query that compares in the database and returns only the rows that
    fail it, so a sound ledger sends back little more than its 200-odd balance rows; but for the
    count of entries per command on SQLite (`_count_mismatches`).

    The balance check, the longest, runs on a connection of its own in a second thread, beside the
    others, with the delivery check (`_beside`): the database does its work with the interpreter
    released, so the two go on the machine's two cores (all of `verify` at 5,000 lifecycles:
    95-108 ms one after the other, 58-65 ms so; bench/ledger-rounds.md, stop 19). Each check reads in one
    transaction, so each compares figures of one committed state: every batch changes all of
    them at once."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        beside = _beside(pool, session, _balance_problems, _delivery_problems)
        malformed = _malformed_problems(session)
        settlement = _settlement_problems(session)
        counts = _count_problems(session)
        balances, deliveries = beside()
        return malformed + balances + settlement + deliveries + counts


def _beside(
    pool: ThreadPoolExecutor, session: Session, *checks: Callable[[Session], list[Text]]
) -> Callable[[], list[list[Text]]]:
    """`checks` started one after the other on a connection of their own in `pool`'s thread, when
    the session's engine can give one that sees the same database (not an in-memory SQLite one,
    nor a session bound to one connection); else run here. Returns what waits for their problems."""
    bind = session.get_bind()
    if not isinstance(bind, Engine) or (bind.dialect.name == "sqlite" and bind.url.database in (None, "", ":memory:")):
        found = [check(session) for check in checks]
        return lambda: found
    # Each check reads in one snapshot: SQLite's deferred transaction (no write lock, which the
    # caller's may hold), PostgreSQL's REPEATABLE READ (its default gives each statement its own).
    if bind.dialect.name == "sqlite":
        engine = read_only(bind)
    else:
        engine = bind.execution_options(isolation_level="REPEATABLE READ")

    def run() -> list[list[Text]]:
        with Session(engine) as own, own.begin():
            return [check(own) for check in checks]

    return pool.submit(run).result


def _malformed_problems(session: Session) -> list[Text]:
    p = t.postings.c
    return [
        m("verify_malformed", posting=pid, txn=txn, debit=debit, credit=credit, amount=money.text(amount))
        for pid, txn, debit, credit, amount in session.execute(
            select(p.id, p.txn, p.debit, p.credit, p.amount)
            .where((p.amount <= 0) | (p.debit == p.credit))
            .order_by(p.id)
        )
    ]


def _balance_problems(session: Session) -> list[Text]:
    """Stored balances against the sums of the postings."""
    p, b = t.postings.c, t.balances.c
    text = money.text
    # Each posting adds its amount to its debit account and takes it from its credit account.
    # Summed per pair of accounts in one pass (a ledger has a few hundred pairs), then per account
    # here: half the time of a GROUP BY per side, which reads the postings twice. A pair's sum
    # only grows (a reversal is the opposite pair), so it can pass 64 bits while every balance
    # stays within them; SQLite's sum() would then fail, so each amount is summed as two halves
    # of 32 bits, put together here exactly (no slower: 31-32 ms either way at 41,491 rows).
    summed: dict[tuple[str, str, str, str], tuple[int, int]] = {}
    pairs = (p.debit, p.credit, p.commodity, p.marking_level, p.releasable_to)
    high = func.sum(p.amount.op(">>")(literal_column("32")))
    low = func.sum(p.amount.op("&")(literal_column("4294967295")))
    for debit, credit, cm, lv, rel, high_sum, low_sum, n in session.execute(
        select(*pairs, high, low, func.count()).group_by(*pairs)
    ):
        total = (int(high_sum) << 32) + int(low_sum)
        for account, signed in ((debit, total), (credit, -total)):
            before = summed.get((account, cm, lv, rel), (0, 0))
            summed[account, cm, lv, rel] = (before[0] + signed, before[1] + int(n))
    stored = {
        (a, cm, lv, rel): (int(s), int(n))
        for a, cm, lv, rel, s, n in session.execute(
            select(b.account, b.commodity, b.marking_level, b.releasable_to, b.amount, b.postings)
        )
    }
    problems = []
    for key in sorted(set(summed) | set(stored)):
        if summed.get(key, (0, 0)) != stored.get(key, (0, 0)):
            account, commodity, level, releasable = key
            figures = {}
            for name, found in (("stored", stored.get(key)), ("summed", summed.get(key))):
                figures[f"{name}_ja"] = "なし" if found is None else f"{text(found[0])}（{found[1]}件）"
                figures[f"{name}_en"] = "nothing" if found is None else f"{text(found[0])} in {found[1]} postings"
            marking = f"{level}/{releasable}"
            problems.append(m("verify_balance", account=account, commodity=commodity, marking=marking, **figures))
    return problems


def _settlement_problems(session: Session) -> list[Text]:
    """No obligation settled beyond its amount, and its settled figure equals its settlement postings."""
    p, o = t.postings.c, t.obligations.c
    text = money.text
    paid = (
        select(p.obligation_id, func.sum(p.amount).label("total"))
        .where(p.leg == "settlement")
        .group_by(p.obligation_id)
        .subquery()
    )
    paid_total = func.coalesce(paid.c.total, 0)
    problems = []
    for oid, amount, settled, total in session.execute(
        select(o.id, o.amount, o.settled, paid.c.total)
        .outerjoin(paid, paid.c.obligation_id == o.id)
        .where((o.settled > o.amount) | (o.settled < 0) | (paid_total != o.settled))
        .order_by(o.id)
    ):
        if settled > amount or settled < 0:
            problems.append(m("verify_over_settled", obligation=oid, settled=text(settled), amount=text(amount)))
        if int(total or 0) != settled:
            problems.append(m("verify_settled_sum", obligation=oid, settled=text(settled), total=text(int(total or 0))))
    return problems


def _delivery_problems(session: Session) -> list[Text]:
    """No line delivered beyond its quantity less cancellations; its delivered figure equals its obligations'."""
    o, line = t.obligations.c, t.lines.c
    text = money.text
    deliveries = (
        select(o.order_id, o.line_no, func.sum(o.quantity).label("total")).group_by(o.order_id, o.line_no).subquery()
    )
    delivered = func.coalesce(deliveries.c.total, 0)
    problems = []
    for oid, no, qty, dlv, cnl, total in session.execute(
        select(line.order_id, line.line_no, line.quantity, line.delivered, line.cancelled, deliveries.c.total)
        .outerjoin(deliveries, (deliveries.c.order_id == line.order_id) & (deliveries.c.line_no == line.line_no))
        .where((line.delivered + line.cancelled > line.quantity) | (line.delivered < 0) | (delivered != line.delivered))
        .order_by(line.order_id, line.line_no)
    ):
        figures = {"order": oid, "line": no, "delivered": text(dlv)}
        if dlv + cnl > qty or dlv < 0:
            problems.append(m("verify_over_delivered", **figures, cancelled=text(cnl), ordered=text(qty)))
        if int(total or 0) != dlv:
            problems.append(m("verify_delivered_sum", **figures, total=text(int(total or 0))))
    return problems


def _count_problems(session: Session) -> list[Text]:
    problems = []
    for cid, n, entries in _count_mismatches(session):
        if n is None:
            problems.append(m("verify_orphan", txn=cid, found=entries))
        else:
            problems.append(m("verify_count", command=cid, acknowledged=n, found=entries or 0))
    return problems


def _count_mismatches(session: Session) -> list[tuple[str, int | None, int | None]]:
    """(command, the entries it acknowledged, the entries found) for every command whose count of
    entries differs from its postings', and (transaction, None, entries) for postings of no
    command; in order of id. Entries are counted as commands count them: two per posting row.

    PostgreSQL groups and compares in the database. On SQLite its GROUP BY sorts the postings (no
    index on `txn`: every write would pay for one); counting them here with `Counter` (in C) as
    they stream by is faster, the more so the less the postings arrive in order (all of `verify`
    at 5,000 lifecycles: 108-109 against 119-120 ms submitted in batches, 111-113 against
    152-157 ms submitted interleaved by `anpo demo`; bench/ledger-rounds.md, stop 16)."""
    p, c = t.postings.c, t.commands.c
    if session.get_bind().dialect.name != "sqlite":
        counts = select(p.txn, (2 * func.count()).label("n")).group_by(p.txn).cte()
        mismatched = (
            select(c.id, c.postings, counts.c.n)
            .outerjoin(counts, counts.c.txn == c.id)
            .where(func.coalesce(counts.c.n, 0) != c.postings)
        )
        orphans = select(counts.c.txn, null(), counts.c.n).where(~exists().where(c.id == counts.c.txn))
        return [(cid, n, found) for cid, n, found in session.execute(union_all(mismatched, orphans).order_by("id"))]
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    rows = Counter(map(itemgetter(0), raw.execute("SELECT txn FROM acsa_postings")))
    # A sound ledger: compared whole, in C. Rows hold two entries, so an odd count never matches.
    expected = dict(raw.execute("SELECT id, postings / 2 FROM acsa_commands WHERE postings <> 0"))
    (odd,) = raw.execute("SELECT EXISTS (SELECT 1 FROM acsa_commands WHERE postings % 2 <> 0)").fetchone()
    if rows == expected and not odd:
        return []
    problems: list[tuple[str, int | None, int | None]] = []
    for cid, n in raw.execute("SELECT id, postings FROM acsa_commands"):
        found = 2 * rows.pop(cid, 0)
        if found != n:
            problems.append((cid, n, found))
    problems.extend((txn, None, 2 * k) for txn, k in rows.items())
    return sorted(problems, key=lambda problem: problem[0])
