"""SQLite refuses a running balance beyond its 64-bit integers (issue 4), as PostgreSQL's bigint does.

SQLite's arithmetic turns an integer sum that overflows into a REAL, so the ledger's upsert
(`amount = acsa_balances.amount + excluded.amount`) would have stored an inexact balance silently.
A trigger aborts the statement instead; the ledger rolls the batch back and refuses the command
(`anpo.ledger.engine`, `balance_out_of_range`). A trigger rather than a CHECK constraint: SQLite
can only add a constraint by rebuilding the table. Nothing to do on PostgreSQL.

Revision ID: 0007_balance_range
Revises: 0006_posting_pairs
"""

from __future__ import annotations

from alembic import op

revision = "0007_balance_range"
down_revision = "0006_posting_pairs"
branch_labels = None
depends_on = None

# anpo.ledger.engine.BALANCE_TRIGGER_MESSAGE recognises it
MESSAGE = "acsa_balances.amount out of range"


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for event in ("INSERT", "UPDATE"):
        op.execute(
            f"CREATE TRIGGER acsa_balances_integer_{event.lower()} BEFORE {event} ON acsa_balances"
            f" WHEN typeof(NEW.amount) <> 'integer' BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for event in ("insert", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS acsa_balances_integer_{event}")
