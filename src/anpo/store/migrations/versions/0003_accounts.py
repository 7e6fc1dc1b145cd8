"""Accounts, server-side sessions and API tokens (issue 5).

Revision ID: 0003_accounts
Revises: 0001_audit
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_accounts"
down_revision = "0001_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("party", sa.String(16), nullable=False),
        sa.Column("clearance", sa.String(32), nullable=False),
        sa.Column("roles", sa.String(256), nullable=False),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
    )
    for table in ("web_sessions", "api_tokens"):
        extra = (
            [sa.Column("created_at", sa.Float(), nullable=False), sa.Column("last_seen", sa.Float(), nullable=False)]
            if table == "web_sessions"
            else [sa.Column("name", sa.String(64), nullable=False), sa.Column("created_at", sa.Float(), nullable=False)]
        )
        op.create_table(
            table,
            sa.Column("token_hash", sa.String(64), nullable=False),
            sa.Column("user_id", sa.String(64), nullable=False),
            *extra,
            sa.PrimaryKeyConstraint("token_hash", name=f"pk_{table}"),
            sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=f"fk_{table}_user_id_users", ondelete="CASCADE"),
        )
        op.create_index(f"ix_{table}_user_id", table, ["user_id"])


def downgrade() -> None:
    op.drop_table("api_tokens")
    op.drop_table("web_sessions")
    op.drop_table("users")
