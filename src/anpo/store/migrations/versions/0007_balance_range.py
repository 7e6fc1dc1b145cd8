"""SQLite refuses a running balance beyond its 64-bit integers (issue 4), as PostgreSQL's bigint does.

SQLite's arithmetic turns an integer sum that overflows into a REAL, so the ledger's upsert
(`amount = acsa_balances.amount + excluded.amount`) would have stored an inexact balance silently.
A CHECK constraint refuses it instead; the ledger rolls the batch back and refuses the command
(`anpo.ledger.engine`, `balance_out_of_range`). SQLite adds a constraint only by rebuilding the
table (a few hundred rows); a CHECK costs a write far less than a trigger would (callgrind: a
trigger made one command per transaction 1.75 % dearer). Nothing to do on PostgreSQL.

Revision ID: 0007_balance_range
Revises: 0006_posting_pairs
"""

from __future__ import annotations

from alembic import op

revision = "0007_balance_range"
down_revision = "0006_posting_pairs"
branch_labels = None
depends_on = None

# as named (`op.f`: not through the metadata's naming convention, which would repeat the table);
# anpo.ledger.engine.BALANCE_CHECK recognises it in SQLite's message
NAME = "ck_acsa_balances_integer"


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("acsa_balances", recreate="always") as batch:
        batch.create_check_constraint(op.f(NAME), "typeof(amount) = 'integer'")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("acsa_balances", recreate="always") as batch:
        batch.drop_constraint(op.f(NAME), type_="check")
