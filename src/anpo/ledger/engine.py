"""The ledger's front door: submit a batch of commands, get one result per command.

A batch is one transaction (TigerBeetle's request): idempotency is checked against the stored
commands, each command is applied in order to the in-memory state of the orders it touches,
and everything the accepted commands produce is written with `executemany`, together with one
audit entry. A refused command gets its error and changes nothing; the others still apply.
On PostgreSQL the transaction is SERIALIZABLE and retried on a serialization failure.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from collections.abc import Sequence
from itertools import chain
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from anpo.framework.framework import Framework
from anpo.ledger import money
from anpo.ledger.apply import Batch
from anpo.ledger.commands import (
    DEFAULT_LEVEL,
    DEFAULT_RELEASABLE,
    Command,
    Correct,
    Deliver,
    Order,
    Receive,
    fingerprint,
    same_command,
)
from anpo.ledger.days import iso, iso_or_none
from anpo.ledger.messages import LedgerError, fail, word
from anpo.ledger.policy import ACTIONS, Policy
from anpo.ledger.state import load_orders, orders_of_deliveries, rows_for
from anpo.security import audit
from anpo.security.access import AccessDenied, require
from anpo.security.markings import Levels, Marking
from anpo.security.principal import Principal
from anpo.store.db import Statements, driver_errors, session_factory, transaction

MAX_ATTEMPTS = 200
MAX_BACKOFF = 0.25  # seconds
DENIED_MARKING = Marking(DEFAULT_LEVEL, frozenset(DEFAULT_RELEASABLE))
RETRY_STATES = {"40001", "40P01", "23505"}  # serialization failure, deadlock, a racing duplicate id
# The constraint of migration 0007_balance_range, named in SQLite's message when it refuses a balance.
BALANCE_CHECK = "ck_acsa_balances_integer"
COPY_ROWS = 64  # PostgreSQL: from this many rows on, COPY beats a (pipelined) executemany
# SQLite: rows go in as multi-row VALUES of at most this many parameters (each row of its own
# statement cost ~7 % more instructions a batched command; any SQLite takes 999 parameters)
VALUES_PER_STATEMENT = 256
# commands that create what later ones name, that name a delivery, that name no order (tuples:
# `isinstance` with `A | B` builds the union at every call, twice as slow)
CREATING = (Order, Deliver)
OF_DELIVERY = (Receive, Correct)
NOT_OF_ORDER = (Order, Receive, Correct)


def retryable(exc: DBAPIError) -> bool:
    state = getattr(exc.orig, "sqlstate", None)
    return state in RETRY_STATES or "database is locked" in str(exc.orig)


class Ledger:
    def __init__(self, engine: Engine, fw: Framework | None = None) -> None:
        if fw is None:
            from anpo.framework.pack import default_framework

            fw = default_framework()
        self.fw = fw
        self.policy = Policy(fw)
        self.levels = Levels(fw)
        self.sqlite = engine.dialect.name == "sqlite"
        bound = engine if self.sqlite else engine.execution_options(isolation_level="SERIALIZABLE")
        self.factory = session_factory(bound)
        self.retries = 0
        # digests of reasons (acsa_reasons) that a committed batch of this ledger has written: rows
        # there are never changed or deleted, so they need not be offered again
        self.reasons_stored: set[str] = set()

    def execute(self, principal: Principal, command: Command) -> dict[str, Any]:
        return self.submit(principal, [command])[0]

    def submit(self, principal: Principal, commands: Sequence[Command]) -> list[dict[str, Any]]:
        """Apply `commands` in one transaction; their results, in order. A batch first assumes its
        ids are new (`_submit`, `optimistic`): a stored one makes its command's row collide with
        the stored row, and the batch is applied again, its ids looked up first."""
        optimistic = True
        for attempt in range(MAX_ATTEMPTS):
            try:
                with transaction(self.factory) as session:
                    results, reasons = self._submit(session, principal, commands, optimistic)
                self.reasons_stored.update(reasons)  # committed
                return results
            except BalanceOutOfRange:
                return self._beyond_range(principal, commands)
            except DBAPIError as exc:
                if out_of_range(exc):
                    return self._beyond_range(principal, commands)
                if optimistic and isinstance(exc, IntegrityError):
                    optimistic = False  # an id was stored already (a retry, or a racing writer's)
                    continue
                if not retryable(exc) or attempt == MAX_ATTEMPTS - 1:
                    raise
                self.retries += 1
                # Every batch updates the same running balances, so concurrent writers conflict;
                # exponential backoff with jitter lets one of them through at a time.
                time.sleep(random.uniform(0, min(MAX_BACKOFF, 0.002 * 2 ** min(attempt, 10))))
        raise AssertionError("unreachable")

    def _beyond_range(self, principal: Principal, commands: Sequence[Command]) -> list[dict[str, Any]]:
        """A batch that would take a balance beyond 64 bits was rolled back whole. Alone, its
        command is refused; in a batch, each command is submitted alone, so that only those that
        overflow are refused and the others are recorded as they would have been."""
        if len(commands) > 1:
            return [result for cmd in commands for result in self.submit(principal, [cmd])]
        whole, _, fraction = money.text(money.MAX_BALANCE).partition(".")
        limit = f"{int(whole):,}.{fraction}"
        return [_error(commands[0], fail("out_of_range", "balance_out_of_range", limit=limit))]

    def _submit(
        self, session: Session, principal: Principal, commands: Sequence[Command], optimistic: bool = False
    ) -> tuple[list[dict[str, Any]], list[str]]:
        """The results of `commands`, and the digests of the reasons written with them.

        `optimistic`: the commands' ids are not looked up first, as if none were stored; nearly
        always so, and the look-up was a query of every batch (3 % of a batched submission) and a
        round trip of every command on PostgreSQL. A stored command applied again either succeeds,
        and then its row collides with the stored one when written (an IntegrityError, which
        `submit` answers by applying the batch again, not optimistic), or is refused (a step
        repeated, such as a second signature of the same side): the ids of refused commands are
        then looked up before anything is written, and if one is stored the batch is applied again
        here, with the look-up."""
        stored = {} if optimistic else _stored(session, [c.id for c in commands])
        now = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
        batch = Batch(self.policy, self.levels, principal, now=now)
        # Orders and deliveries created by this batch's own (new) commands cannot be stored yet
        # (a row is only ever written with the command that creates it): do not look them up.
        created = {c.id for c in commands if isinstance(c, CREATING) and c.id not in stored}
        deliveries = [c.delivery for c in commands if isinstance(c, OF_DELIVERY) and c.delivery not in created]
        batch.delivery_orders = orders_of_deliveries(session, deliveries)
        wanted = [c.order for c in commands if not isinstance(c, NOT_OF_ORDER) and c.order not in created]
        batch.orders = load_orders(session, [*wanted, *batch.delivery_orders.values()])
        done: dict[str, tuple[str, str, dict[str, Any]]] = {}
        results: list[dict[str, Any]] = []
        denied: list[tuple[Command, AccessDenied]] = []
        for cmd in commands:
            fp = fingerprint(cmd)
            prior = stored.get(cmd.id) or done.get(cmd.id)
            if prior is not None:
                kind, prior_fp, result = prior
                # A retry passes the access check of the step it repeats (its action on its
                # marking) before it learns anything of the stored one, even that it exists.
                marking = Marking.from_columns(result["marking"]["level"], result["marking"]["releasable_to"])
                try:
                    require(self.levels, principal, ACTIONS[kind], marking)
                except AccessDenied as exc:
                    denied.append((cmd, exc))
                    results.append(_error(cmd, fail("not_permitted", action=word(exc.action))))
                    continue
                if kind == cmd.kind and same_command(cmd, prior_fp, fp):
                    results.append({**result, "code": "exists"})
                else:
                    results.append(_error(cmd, fail("exists_with_different_fields", id=cmd.id)))
                continue
            try:
                result = batch.apply(cmd, fp)
            except LedgerError as exc:
                results.append(_error(cmd, exc))
                continue
            except AccessDenied as exc:
                denied.append((cmd, exc))
                results.append(_error(cmd, fail("not_permitted", action=word(exc.action))))
                continue
            done[cmd.id] = (cmd.kind, fp, result)
            results.append(result)
        if optimistic:
            refused = [c.id for c, r in zip(commands, results, strict=True) if r["code"] not in ("ok", "exists")]
            if refused and _stored(session, refused):  # nothing written yet
                return self._submit(session, principal, commands)
        if done:
            writes = _write(session, batch, self.sqlite, self.reasons_stored)
            _audit(session, principal, batch, done, self.levels, writes)
        for cmd, refusal in denied:
            audit.record(session, principal, refusal.action, "acsa_command", cmd.id, DENIED_MARKING, outcome="denied")
        return results, list(batch.reasons)


class BalanceOutOfRange(Exception):
    """The batch's postings would take a running balance beyond the 64-bit integers that hold it."""


def out_of_range(exc: DBAPIError) -> bool:
    """The database refused a balance beyond its 64-bit integer (PostgreSQL: numeric value out of
    range; SQLite: the constraint of migration 0007_balance_range)."""
    orig = exc.orig
    return getattr(orig, "sqlstate", None) == "22003" or BALANCE_CHECK in str(orig)


def _error(cmd: Command, exc: LedgerError) -> dict[str, Any]:
    return {"id": cmd.id, "kind": cmd.kind, **exc.as_json()}


def _stored(session: Session, ids: list[str]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    return {
        row.id: (row.kind, row.fingerprint, _stored_result(row))
        for row in rows_for(session, "commands", sorted(set(ids)))
    }


COMMAND_COLUMNS = (
    "id",
    "kind",
    "order_id",
    "on_date",
    "party",
    "fingerprint",
    "postings",
    "result",
    "detail",
    "at",
    "marking_level",
    "releasable_to",
    "reasons",  # last: NULL but for orders (see `_write`)
)


def _stored_result(row: Any) -> dict[str, Any]:
    """A stored command's result as it was first returned, rebuilt from its row (the inverse of the
    row `Batch.apply` builds, keys in the same order)."""
    own = json.loads(row.result)
    result = {
        "code": "ok",
        "id": row.id,
        "kind": row.kind,
        "order": row.order_id,
        "status": own.pop("status"),
        "postings": row.postings,
        "marking": {"level": row.marking_level, "releasable_to": row.releasable_to},
        **own,
    }
    if row.reasons is not None:
        result["reasons"] = json.loads(row.reasons)
    return result


def _audit(
    session: Session,
    principal: Principal,
    batch: Batch,
    done: dict[str, tuple[str, str, dict[str, Any]]],
    levels: Levels,
    writes: Statements,
) -> None:
    """One audit entry per batch, naming every command it applied; `writes` are the batch's
    statements not yet sent (`_write`), which go with the entry's first round trip."""
    markings = [Marking.from_columns(level, rel) for level, rel in sorted(batch.markings)]
    marking = markings[0] if len(markings) == 1 else levels.combine(markings)
    if len(done) == 1:
        ((cid, (kind, _, result)),) = done.items()
        audit.record(
            session,
            principal,
            ACTIONS[kind],
            "acsa_order",
            result["order"],
            marking,
            detail={"command": cid, "kind": kind, "postings": result["postings"]},
            writes=writes,
        )
        return
    kinds: dict[str, int] = {}
    for kind, _, _ in done.values():
        kinds[kind] = kinds.get(kind, 0) + 1
    ids = list(done)
    audit.record(
        session,
        principal,
        "acsa.batch",
        "acsa_batch",
        f"{ids[0]}..{ids[-1]}",
        marking,
        detail={"commands": len(ids), "kinds": kinds, "postings": len(batch.postings), "ids": ids},
        writes=writes,
    )


def _copy(conn: Connection, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """PostgreSQL: append rows with COPY, in the batch's transaction."""
    raw: Any = conn.connection.dbapi_connection  # a psycopg (3) connection
    with driver_errors(conn, sql), raw.cursor() as cur, cur.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _write(session: Session, batch: Batch, sqlite: bool, reasons_stored: set[str]) -> Statements:
    """What the batch's commands produced, as statements to run with the audit entry's first
    look-up (`audit.record`, through `rows_together`): on PostgreSQL in its round trip, on SQLite
    straight on the driver (SQLAlchemy's execution of each cost a command alone a tenth of its
    time). PostgreSQL appends with COPY, here, from `COPY_ROWS` rows of a table on; SQLite takes
    a table's rows in groups, many to a statement (`VALUES_PER_STATEMENT`)."""
    conn = session.connection()
    ph = "?" if sqlite else "%s"
    pending: list[tuple[str, Sequence[Sequence[Any]]]] = []

    def run(sql: str, rows: Sequence[Sequence[Any]]) -> None:
        pending.append((sql, rows))

    def insert(table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]], suffix: str = "") -> None:
        if not rows:
            return
        cols = ", ".join(columns)
        if not sqlite and not suffix and len(rows) >= COPY_ROWS:
            _copy(conn, f"COPY {table} ({cols}) FROM STDIN", rows)
            return
        one = "(" + ", ".join([ph] * len(columns)) + ")"
        # SQLite: OR FAIL, not the default ABORT, which keeps a statement journal to undo a failed
        # statement alone: for a statement of many rows it spilled to a temporary file (21 MB in 10,000
        # writes a submission of 5,000 lifecycles). A failure here rolls the whole batch back anyway.
        verb = "INSERT OR FAIL INTO" if sqlite else "INSERT INTO"
        per = VALUES_PER_STATEMENT // len(columns) if sqlite else 1
        whole = len(rows) // per * per if per > 1 else 0
        if whole:
            # SQLite: `per` rows to a statement, one step of the VM and one release of the GIL for
            # all of them; the same text each time, so prepared once (the driver's cache).
            flat = list(chain.from_iterable(rows[:whole]))
            size = per * len(columns)
            chunks = [flat[i : i + size] for i in range(0, whole * len(columns), size)]
            run(f"{verb} {table} ({cols}) VALUES {', '.join([one] * per)}{suffix}", chunks)
            rows = rows[whole:]
        if rows:
            run(f"{verb} {table} ({cols}) VALUES {one}{suffix}", rows)

    def update(sql: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            run(sql.replace("?", ph), rows)

    # Orders' rows carry the digest of their reasons, the other commands' rows stop before it.
    # sqlite3 binds None only after looking for an adapter for it and failing (an AttributeError
    # raised and cleared, about 0.45 µs a value): on SQLite the rows without reasons are inserted
    # without the column, which is then NULL.
    full = len(COMMAND_COLUMNS)
    with_reasons = [row for row in batch.commands if len(row) == full]
    without = [row for row in batch.commands if len(row) < full]
    insert("acsa_commands", COMMAND_COLUMNS, with_reasons)
    if sqlite:
        insert("acsa_commands", COMMAND_COLUMNS[:-1], without)
    else:
        insert("acsa_commands", COMMAND_COLUMNS, [(*row, None) for row in without])
    insert(
        "acsa_reasons",
        ("id", "reasons"),
        sorted((digest, text) for digest, text in batch.reasons.items() if digest not in reasons_stored),
        " ON CONFLICT (id) DO NOTHING",  # written by another process, or before this ledger started
    )
    orders = list(batch.orders.values())
    insert(
        "acsa_orders",
        (
            "id",
            "order_date",
            "provider",
            "recipient",
            "context",
            "agreement",
            "requesting_unit",
            "method",
            "status",
            "signed_jpn",
            "signed_usa",
            "cancelled_on",
            "marking_level",
            "releasable_to",
        ),
        [
            (
                o.id,
                iso(o.order_date),
                o.provider,
                o.recipient,
                o.context,
                o.agreement,
                o.requesting_unit,
                o.method,
                o.status,
                iso_or_none(o.signed_jpn),
                iso_or_none(o.signed_usa),
                iso_or_none(o.cancelled_on),
                o.marking_level,
                o.releasable_to,
            )
            for o in orders
            if o.new
        ],
    )
    update(
        "UPDATE acsa_orders SET status = ?, signed_jpn = ?, signed_usa = ?, cancelled_on = ? WHERE id = ?",
        [
            (o.status, iso_or_none(o.signed_jpn), iso_or_none(o.signed_usa), iso_or_none(o.cancelled_on), o.id)
            for o in orders
            if o.dirty and not o.new
        ],
    )
    insert(
        "acsa_lines",
        (
            "order_id",
            "line_no",
            "category",
            "item",
            "unit",
            "commodity",
            "quantity",
            "unit_price",
            "currency",
            "delivered",
            "cancelled",
        ),
        [
            (
                o.id,
                x.no,
                x.category,
                x.item,
                x.unit,
                x.commodity,
                x.quantity,
                x.unit_price,
                x.currency,
                x.delivered,
                x.cancelled,
            )
            for o in orders
            if o.new
            for x in o.lines.values()
        ],
    )
    update(
        "UPDATE acsa_lines SET delivered = ?, cancelled = ? WHERE order_id = ? AND line_no = ?",
        [(x.delivered, x.cancelled, o.id, x.no) for o in orders if not o.new for x in o.lines.values() if x.dirty],
    )
    obligations = [ob for o in orders for ob in o.obligations]
    insert(
        "acsa_obligations",
        (
            "id",
            "order_id",
            "delivery_id",
            "line_no",
            "debtor",
            "creditor",
            "agreement",
            "category",
            "context",
            "method",
            "commodity",
            "quantity",
            "amount",
            "value",
            "currency",
            "delivered_on",
            "due_on",
            "received_on",
            "settled",
            "marking_level",
            "releasable_to",
        ),
        [
            (
                ob.id,
                ob.order_id,
                ob.delivery_id,
                ob.line_no,
                ob.debtor,
                ob.creditor,
                ob.agreement,
                ob.category,
                ob.context,
                ob.method,
                ob.commodity,
                ob.quantity,
                ob.amount,
                ob.value,
                ob.currency,
                iso(ob.delivered_on),
                iso(ob.due_on),
                iso_or_none(ob.received_on),
                ob.settled,
                batch.orders[ob.order_id].marking_level,
                batch.orders[ob.order_id].releasable_to,
            )
            for ob in obligations
            if ob.new
        ],
    )
    update(
        "UPDATE acsa_obligations SET quantity = ?, amount = ?, value = ?, received_on = ?, settled = ? WHERE id = ?",
        [
            (ob.quantity, ob.amount, ob.value, iso_or_none(ob.received_on), ob.settled, ob.id)
            for ob in obligations
            if ob.dirty and not ob.new
        ],
    )
    insert(
        "acsa_postings",
        (
            "txn",
            "order_id",
            "obligation_id",
            "on_date",
            "leg",
            "debit",
            "credit",
            "commodity",
            "amount",
            "marking_level",
            "releasable_to",
        ),
        batch.postings,
    )
    # The running balances: each posting adds its amount to its debit account and takes it from
    # its credit account; `postings` counts entries, one on each side. Summed per pair of accounts
    # as they were posted (`Batch.post`): a batch repeats few pairs, so this loop is short.
    sums: dict[tuple[str, str, str, str], list[int]] = {}
    for (debit, credit, commodity, level, releasable), (amount, n) in batch.pairs.items():
        for side, signed in (
            ((debit, commodity, level, releasable), amount),
            ((credit, commodity, level, releasable), -amount),
        ):
            acc = sums.get(side)
            if acc is None:
                sums[side] = [signed, n]
            else:
                acc[0] += signed
                acc[1] += n
    # A batch's own sum beyond 64 bits could not even be bound; one within them may still take a
    # stored balance beyond (PostgreSQL's bigint refuses, SQLite's constraint of 0007_balance_range).
    if any(not -money.MAX_BALANCE <= acc[0] <= money.MAX_BALANCE for acc in sums.values()):
        raise BalanceOutOfRange
    insert(
        "acsa_balances",
        ("account", "commodity", "marking_level", "releasable_to", "amount", "postings"),
        [(*k, v[0], v[1]) for k, v in sorted(sums.items())],
        " ON CONFLICT (account, commodity, marking_level, releasable_to) DO UPDATE SET"
        " amount = acsa_balances.amount + excluded.amount, postings = acsa_balances.postings + excluded.postings",
    )
    return pending
