"""The ledger's tables (created by migration 0002_ledger, reshaped by 0005_ledger_journal and
0006_posting_pairs; on SQLite, 0007_balance_range keeps a balance an integer).

Commands, reasons and postings are append-only. Orders, lines, obligations and balances also hold
running figures (signatures, quantities delivered, amounts settled, sums of postings) so that reads
stay fast; `anpo.ledger.queries.verify` recomputes every one of them from the postings. A
postings row holds both entries of a double-entry pair, as a TigerBeetle transfer does: the
account debited, the account credited, and one positive amount (`anpo.ledger.postings`).

A command's row is also the order's history entry (its date, the party that acted, what it
recorded): one row per step rather than a command row and an event row repeating it. Its `result`
holds only what the other columns do not (the order's status after the step and the step's own
figures); an order's legal reasons, ~700 bytes the same for every order asking the same question,
are stored once in `acsa_reasons` under the SHA-256 of their JSON. `anpo.ledger.engine` rebuilds
the whole result for a retry. A reasons row carries no marking of its own: it is the pack's public
legal text with its citations, shared by orders of any marking, and is only ever read through a
command row, whose marking (and the access check on it) governs.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, Index, Integer, String, Table, Text, text

from anpo.store.db import Base

meta = Base.metadata


def _marking() -> list[Column[str]]:
    return [Column("marking_level", String(32), nullable=False), Column("releasable_to", String(64), nullable=False)]


commands = Table(
    "acsa_commands",
    meta,
    Column("id", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("order_id", String(64), nullable=False, index=True),
    Column("on_date", Date, nullable=False),
    Column("party", String(8), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("postings", Integer, nullable=False),
    Column("result", Text, nullable=False),
    Column("detail", Text, nullable=False),
    Column("reasons", String(64)),
    Column("at", String(32), nullable=False),
    *_marking(),
)

reasons = Table(
    "acsa_reasons",
    meta,
    Column("id", String(64), primary_key=True),
    Column("reasons", Text, nullable=False),
)

orders = Table(
    "acsa_orders",
    meta,
    Column("id", String(64), primary_key=True),
    Column("order_date", Date, nullable=False),
    Column("provider", String(8), nullable=False),
    Column("recipient", String(8), nullable=False),
    Column("context", String(64), nullable=False),
    Column("agreement", String(64), nullable=False),
    Column("requesting_unit", String(200), nullable=False),
    Column("method", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("signed_jpn", Date),
    Column("signed_usa", Date),
    Column("cancelled_on", Date),
    *_marking(),
)

lines = Table(
    "acsa_lines",
    meta,
    Column("order_id", String(64), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("category", String(32), nullable=False),
    Column("item", String(24), nullable=False),
    Column("unit", String(24), nullable=False),
    Column("commodity", String(24), nullable=False),
    Column("quantity", BigInteger, nullable=False),
    Column("unit_price", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("delivered", BigInteger, nullable=False),
    Column("cancelled", BigInteger, nullable=False),
)

obligations = Table(
    "acsa_obligations",
    meta,
    Column("id", String(80), primary_key=True),
    Column("order_id", String(64), nullable=False, index=True),
    Column("delivery_id", String(64), nullable=False, index=True),
    Column("line_no", Integer, nullable=False),
    Column("debtor", String(8), nullable=False),
    Column("creditor", String(8), nullable=False),
    Column("agreement", String(64), nullable=False),
    Column("category", String(32), nullable=False),
    Column("context", String(64), nullable=False),
    Column("method", String(32), nullable=False),
    Column("commodity", String(24), nullable=False),
    Column("quantity", BigInteger, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("value", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("delivered_on", Date, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("received_on", Date),
    Column("settled", BigInteger, nullable=False),
    *_marking(),
    Index(
        "ix_acsa_obligations_open",
        "delivered_on",
        sqlite_where=text("settled < amount"),
        postgresql_where=text("settled < amount"),
    ),
)

postings = Table(
    "acsa_postings",
    meta,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("txn", String(64), nullable=False),
    Column("order_id", String(64), nullable=False),
    Column("obligation_id", String(80)),
    Column("on_date", Date, nullable=False),
    Column("leg", String(12), nullable=False),
    Column("debit", String(96), nullable=False),
    Column("credit", String(96), nullable=False),
    Column("commodity", String(24), nullable=False),
    Column("amount", BigInteger, nullable=False),  # E4, always > 0: `debit` gains it, `credit` loses it
    *_marking(),
)

balances = Table(
    "acsa_balances",
    meta,
    Column("account", String(96), primary_key=True),
    Column("commodity", String(24), primary_key=True),
    Column("marking_level", String(32), primary_key=True),
    Column("releasable_to", String(64), primary_key=True),
    Column("amount", BigInteger, nullable=False),
    Column("postings", BigInteger, nullable=False),
)
