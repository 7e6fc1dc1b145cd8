"""Live tabletop exercises (issue 6): the state of each run an exercise controller starts in the web
app, and the exercise a facility booking belongs to (exercise bookings never block real ones).

Revision ID: 0004_work_exercise
Revises: 0002_work
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_work_exercise"
down_revision = "0002_work"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "work_exercise_runs",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("scenario", sa.String(128), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("next_inject", sa.Integer(), nullable=False),
        sa.Column("clock", sa.DateTime(), nullable=False),
        sa.Column("case_ids", sa.Text(), nullable=False),
        sa.Column("events", sa.Text(), nullable=False),
        sa.Column("controller", sa.String(64), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("marking_level", sa.String(32), nullable=False),
        sa.Column("releasable_to", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_work_exercise_runs"),
    )
    with op.batch_alter_table("work_bookings") as batch:
        batch.add_column(sa.Column("exercise", sa.String(64), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("work_bookings") as batch:
        batch.drop_column("exercise")
    op.drop_table("work_exercise_runs")
