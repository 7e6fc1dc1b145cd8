"""The ACSA ledger: commands, orders, lines, events, obligations, postings, balances (issue 4).

Revision ID: 0002_ledger
Revises: 0001_audit
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_ledger"
down_revision = "0001_audit"
branch_labels = None
depends_on = None


def _marking() -> list[sa.Column[str]]:
    return [
        sa.Column("marking_level", sa.String(32), nullable=False),
        sa.Column("releasable_to", sa.String(64), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "acsa_commands",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("postings", sa.Integer(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_acsa_commands"),
    )
    op.create_table(
        "acsa_orders",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("order_date", sa.Date(), nullable=False),
        sa.Column("provider", sa.String(8), nullable=False),
        sa.Column("recipient", sa.String(8), nullable=False),
        sa.Column("context", sa.String(64), nullable=False),
        sa.Column("agreement", sa.String(64), nullable=False),
        sa.Column("requesting_unit", sa.String(200), nullable=False),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("signed_jpn", sa.Date()),
        sa.Column("signed_usa", sa.Date()),
        sa.Column("cancelled_on", sa.Date()),
        *_marking(),
        sa.PrimaryKeyConstraint("id", name="pk_acsa_orders"),
    )
    op.create_table(
        "acsa_lines",
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("item", sa.String(24), nullable=False),
        sa.Column("unit", sa.String(24), nullable=False),
        sa.Column("commodity", sa.String(24), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("delivered", sa.BigInteger(), nullable=False),
        sa.Column("cancelled", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("order_id", "line_no", name="pk_acsa_lines"),
    )
    op.create_table(
        "acsa_events",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("party", sa.String(8), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        *_marking(),
        sa.PrimaryKeyConstraint("id", name="pk_acsa_events"),
    )
    op.create_index("ix_acsa_events_order_id", "acsa_events", ["order_id"])
    op.create_table(
        "acsa_obligations",
        sa.Column("id", sa.String(80), nullable=False),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("delivery_id", sa.String(64), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("debtor", sa.String(8), nullable=False),
        sa.Column("creditor", sa.String(8), nullable=False),
        sa.Column("agreement", sa.String(64), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("context", sa.String(64), nullable=False),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("commodity", sa.String(24), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("delivered_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("received_on", sa.Date()),
        sa.Column("settled", sa.BigInteger(), nullable=False),
        *_marking(),
        sa.PrimaryKeyConstraint("id", name="pk_acsa_obligations"),
    )
    op.create_index("ix_acsa_obligations_order_id", "acsa_obligations", ["order_id"])
    op.create_index("ix_acsa_obligations_delivery_id", "acsa_obligations", ["delivery_id"])
    op.create_index(
        "ix_acsa_obligations_open",
        "acsa_obligations",
        ["delivered_on"],
        sqlite_where=sa.text("settled < amount"),
        postgresql_where=sa.text("settled < amount"),
    )
    op.create_table(
        "acsa_postings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("txn", sa.String(64), nullable=False),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("obligation_id", sa.String(80)),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("leg", sa.String(12), nullable=False),
        sa.Column("account", sa.String(96), nullable=False),
        sa.Column("commodity", sa.String(24), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        *_marking(),
        sa.PrimaryKeyConstraint("id", name="pk_acsa_postings"),
    )
    op.create_index("ix_acsa_postings_order_id", "acsa_postings", ["order_id"])
    op.create_table(
        "acsa_balances",
        sa.Column("account", sa.String(96), nullable=False),
        sa.Column("commodity", sa.String(24), nullable=False),
        sa.Column("marking_level", sa.String(32), nullable=False),
        sa.Column("releasable_to", sa.String(64), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("postings", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("account", "commodity", "marking_level", "releasable_to", name="pk_acsa_balances"),
    )


def downgrade() -> None:
    for name in (
        "acsa_balances",
        "acsa_postings",
        "acsa_obligations",
        "acsa_events",
        "acsa_lines",
        "acsa_orders",
        "acsa_commands",
    ):
        op.drop_table(name)
