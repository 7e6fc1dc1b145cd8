"""A row of acsa_postings holds a pair of entries (issue 4): a debit account, a credit account and
one positive amount, as a TigerBeetle transfer does, in place of one row per entry with a signed
amount. A transaction balances by construction, and the ledger writes half the rows.

Existing rows are carried over both ways, in pages (bounded memory). Up: within a command (`txn`),
by id, the first and second entries make a pair, the third and fourth the next, and so on; the
ledger always wrote a pair so, with the same fields and opposite amounts. Every pair is checked
before anything changes, and the first that is not one stops the upgrade, naming its command: no
ledger is half converted. A pair keeps its first entry's id, so that the order by id is kept.
Down: a pair becomes its debit entry (id 2 * id - 1) then its credit entry (2 * id).

The table is rebuilt on both backends: the old one is renamed aside, the new one created as a new
database creates it, filled, and the old one dropped. Balances and commands' posting counts still
count entries, and do not change.

Revision ID: 0006_posting_pairs
Revises: 0005_ledger_journal
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa
from alembic import context, op

revision = "0006_posting_pairs"
down_revision = "0005_ledger_journal"
branch_labels = None
depends_on = None

PAGE = 5000  # rows read or written per round trip; a test sets `ledger_postings_page` lower
# What the two entries of a pair have in common, and a pair row holds once.
SAME = ("txn", "order_id", "obligation_id", "on_date", "leg", "commodity", "marking_level", "releasable_to")
ASIDE = "acsa_postings_old"


def _columns(pairs: bool) -> list[Any]:
    """acsa_postings as this revision (`pairs`) or revision 0002 creates it, spelled out so that
    this revision does not change when the code does."""
    if pairs:
        accounts = [
            sa.Column("debit", sa.String(96), nullable=False),
            sa.Column("credit", sa.String(96), nullable=False),
        ]
    else:
        accounts = [sa.Column("account", sa.String(96), nullable=False)]
    return [
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("txn", sa.String(64), nullable=False),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("obligation_id", sa.String(80)),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("leg", sa.String(12), nullable=False),
        *accounts,
        sa.Column("commodity", sa.String(24), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("marking_level", sa.String(32), nullable=False),
        sa.Column("releasable_to", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_acsa_postings"),
    ]


def _table(name: str, pairs: bool) -> sa.Table:
    return sa.Table(name, sa.MetaData(), *_columns(pairs))


def _page() -> int:
    page: int = context.config.attributes.get("ledger_postings_page", PAGE)
    return page


def _rows(conn: sa.Connection, table: sa.Table) -> Iterator[Any]:
    """The rows of `table` by id, read in pages by id (the primary key: acsa_postings has no other
    index, so paging by txn would scan the whole table for every page)."""
    query = sa.select(table).order_by(table.c.id).limit(_page())
    last = None
    while True:
        rows = conn.execute(query if last is None else query.where(table.c.id > last)).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def _pairs(conn: sa.Connection, table: sa.Table) -> Iterator[tuple[Any, Any]]:
    """The entries of `table` (one row each) in pairs, each when its second entry is read; raise at
    the first two entries of a txn that do not make a pair, or at a txn left with one entry.
    Commands written at the same time may interleave their ids, so entries wait by txn."""
    waiting: dict[str, Any] = {}
    for row in _rows(conn, table):
        first = waiting.pop(row.txn, None)
        if first is None:
            waiting[row.txn] = row
            continue
        problems = [f"their {name} differs" for name in SAME if first._mapping[name] != row._mapping[name]]
        if first.amount == 0 or first.amount + row.amount != 0:
            problems.append(f"their amounts {first.amount} and {row.amount} are not opposite and non-zero")
        if problems:
            raise RuntimeError(
                f"acsa_postings: txn {row.txn!r}: entries {first.id} and {row.id} are not a pair: "
                f"{'; '.join(problems)}. Nothing was converted."
            )
        yield first, row
    if waiting:
        txn, row = next(iter(waiting.items()))
        raise RuntimeError(
            f"acsa_postings: txn {txn!r} has an odd number of entries: entry {row.id} has no pair. "
            "Nothing was converted."
        )


def _pair_rows(conn: sa.Connection, old: sa.Table) -> Iterator[dict[str, Any]]:
    for a, b in _pairs(conn, old):
        debit, credit = (a, b) if a.amount > 0 else (b, a)
        same = {name: a._mapping[name] for name in SAME}
        yield {"id": a.id, **same, "debit": debit.account, "credit": credit.account, "amount": debit.amount}


def _entry_rows(conn: sa.Connection, old: sa.Table) -> Iterator[dict[str, Any]]:
    for r in _rows(conn, old):
        same = {name: r._mapping[name] for name in SAME}
        yield {"id": 2 * r.id - 1, **same, "account": r.debit, "amount": r.amount}
        yield {"id": 2 * r.id, **same, "account": r.credit, "amount": -r.amount}


def _rebuild(pairs: bool, convert: Callable[[sa.Connection, sa.Table], Iterator[dict[str, Any]]]) -> None:
    """Replace acsa_postings by a new table of the other shape, filled with `convert` of the old."""
    conn = op.get_bind()
    postgresql = conn.dialect.name == "postgresql"
    op.rename_table("acsa_postings", ASIDE)
    if postgresql:  # names of constraints and sequences are schema-wide: free them for the new table
        op.execute(f"ALTER TABLE {ASIDE} RENAME CONSTRAINT pk_acsa_postings TO pk_{ASIDE}")
        op.execute(f"ALTER SEQUENCE acsa_postings_id_seq RENAME TO {ASIDE}_id_seq")
    new = op.create_table("acsa_postings", *_columns(pairs))
    batch: list[dict[str, Any]] = []
    for row in convert(conn, _table(ASIDE, not pairs)):
        batch.append(row)
        if len(batch) == _page():
            conn.execute(new.insert(), batch)
            batch = []
    if batch:
        conn.execute(new.insert(), batch)
    op.drop_table(ASIDE)
    if postgresql:  # the rows came with their ids: the next insert takes the one after the last
        op.execute("SELECT setval('acsa_postings_id_seq', (SELECT coalesce(max(id), 0) + 1 FROM acsa_postings), false)")


def upgrade() -> None:
    for _ in _pairs(op.get_bind(), _table("acsa_postings", pairs=False)):
        pass  # check every pair before the first change: a ledger that does not pair up stays as it was
    _rebuild(pairs=True, convert=_pair_rows)


def downgrade() -> None:
    _rebuild(pairs=False, convert=_entry_rows)
