"""The alliance's work: meetings, outcomes, commitments, asset protection, determinations,
coordination cases and entries, facility bookings (issue 6).

Revision ID: 0002_work
Revises: 0001_audit
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_work"
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
        "work_meetings",
        sa.Column("id", sa.String(128), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("precision", sa.String(8), nullable=False),
        sa.Column("label_ja", sa.Text(), nullable=False),
        sa.Column("label_en", sa.Text(), nullable=False),
        sa.Column("venue_ja", sa.Text(), nullable=False),
        sa.Column("venue_en", sa.Text(), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("participants", sa.Text(), nullable=False),
        sa.Column("agenda", sa.Text(), nullable=False),
        sa.Column("citations", sa.Text(), nullable=False),
        *_marking(),
        sa.PrimaryKeyConstraint("id", name="pk_work_meetings"),
    )
    op.create_index("ix_work_meetings_date", "work_meetings", ["date"])
    op.create_table(
        "work_outcomes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("meeting_id", sa.String(128), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("text_ja", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("citations", sa.Text(), nullable=False),
        *_marking(),
        sa.PrimaryKeyConstraint("id", name="pk_work_outcomes"),
        sa.ForeignKeyConstraint(["meeting_id"], ["work_meetings.id"], name="fk_work_outcomes_meeting_id_work_meetings"),
        sa.UniqueConstraint("meeting_id", "key", name="uq_work_outcomes_meeting_key"),
    )
    op.create_table(
        "work_commitments",
        sa.Column("id", sa.String(128), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("meeting_id", sa.String(128), nullable=True),
        sa.Column("outcome_key", sa.String(64), nullable=True),
        sa.Column("label_ja", sa.Text(), nullable=False),
        sa.Column("label_en", sa.Text(), nullable=False),
        sa.Column("summary_ja", sa.Text(), nullable=False),
        sa.Column("summary_en", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("done_by", sa.String(128), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("citations", sa.Text(), nullable=False),
        *_marking(),
        sa.PrimaryKeyConstraint("id", name="pk_work_commitments"),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["work_meetings.id"], name="fk_work_commitments_meeting_id_work_meetings"
        ),
    )
    op.create_table(
        "work_protection",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=True),
        sa.Column("protected_party", sa.String(16), nullable=False),
        sa.Column("protecting_party", sa.String(16), nullable=False),
        sa.Column("requesting_unit", sa.Text(), nullable=False),
        sa.Column("activity", sa.String(64), nullable=False),
        sa.Column("protected_asset", sa.String(16), nullable=False),
        sa.Column("protecting_asset", sa.String(16), nullable=False),
        sa.Column("protected_assets", sa.Text(), nullable=False),
        sa.Column("protecting_units", sa.Text(), nullable=False),
        sa.Column("check_allowed", sa.Boolean(), nullable=True),
        sa.Column("check_answer", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("carried_out_on", sa.Date(), nullable=True),
        sa.Column("occasions", sa.Integer(), nullable=False),
        sa.Column("label_ja", sa.Text(), nullable=False),
        sa.Column("label_en", sa.Text(), nullable=False),
        sa.Column("citations", sa.Text(), nullable=False),
        *_marking(),
        sa.PrimaryKeyConstraint("id", name="pk_work_protection"),
    )
    op.create_index("ix_work_protection_year", "work_protection", ["year"])
    op.create_table(
        "work_cases",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("title_ja", sa.Text(), nullable=False),
        sa.Column("title_en", sa.Text(), nullable=False),
        sa.Column("case_type", sa.String(32), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("exercise", sa.String(64), nullable=False),
        *_marking(),
        sa.PrimaryKeyConstraint("id", name="pk_work_cases"),
    )
    op.create_table(
        "work_determinations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(64), nullable=True),
        sa.Column("situation", sa.String(64), nullable=False),
        sa.Column("determined_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.Text(), nullable=False),
        sa.Column("cabinet_decision_on", sa.Date(), nullable=True),
        sa.Column("diet_approval_on", sa.Date(), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=False),
        *_marking(),
        sa.PrimaryKeyConstraint("id", name="pk_work_determinations"),
        sa.ForeignKeyConstraint(["case_id"], ["work_cases.id"], name="fk_work_determinations_case_id_work_cases"),
    )
    op.create_table(
        "work_case_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("party", sa.String(16), nullable=False),
        sa.Column("entry_type", sa.String(16), nullable=False),
        sa.Column("text_ja", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        *_marking(),
        sa.PrimaryKeyConstraint("id", name="pk_work_case_entries"),
        sa.ForeignKeyConstraint(["case_id"], ["work_cases.id"], name="fk_work_case_entries_case_id_work_cases"),
        sa.UniqueConstraint("case_id", "seq", name="uq_work_case_entries_case_seq"),
    )
    op.create_table(
        "work_bookings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("facility", sa.String(64), nullable=False),
        sa.Column("party", sa.String(16), nullable=False),
        sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("start", sa.DateTime(), nullable=False),
        sa.Column("end", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("booked_by", sa.String(64), nullable=False),
        *_marking(),
        sa.PrimaryKeyConstraint("id", name="pk_work_bookings"),
    )
    op.create_index("ix_work_bookings_facility", "work_bookings", ["facility"])


def downgrade() -> None:
    op.drop_index("ix_work_bookings_facility", table_name="work_bookings")
    op.drop_table("work_bookings")
    op.drop_table("work_case_entries")
    op.drop_table("work_determinations")
    op.drop_table("work_cases")
    op.drop_index("ix_work_protection_year", table_name="work_protection")
    op.drop_table("work_protection")
    op.drop_table("work_commitments")
    op.drop_table("work_outcomes")
    op.drop_index("ix_work_meetings_date", table_name="work_meetings")
    op.drop_table("work_meetings")
