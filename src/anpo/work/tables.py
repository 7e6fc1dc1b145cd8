"""The tables of the alliance's work: meetings, outcomes, commitments, asset protection,
situation determinations, coordination cases and their entries, facility bookings, live exercise runs.

Every row carries a marking (`marking_level`, `releasable_to`); structured values (participants,
citations, answers) are JSON text so the schema is the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from anpo.security.markings import Marking
from anpo.store.db import Base


def dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def load(value: str | None) -> Any:
    return json.loads(value) if value else None


class Marked:
    """The two marking columns every record has."""

    marking_level: Mapped[str] = mapped_column(String(32), default="public")
    releasable_to: Mapped[str] = mapped_column(String(64), default="")

    @property
    def marking(self) -> Marking:
        return Marking.from_columns(self.marking_level, self.releasable_to)

    def set_marking(self, marking: Marking) -> None:
        self.marking_level = marking.level
        self.releasable_to = marking.releasability_column()


class Meeting(Marked, Base):
    __tablename__ = "work_meetings"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    origin: Mapped[str] = mapped_column(String(16))  # pack | user
    channel: Mapped[str] = mapped_column(String(64))
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    end_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    precision: Mapped[str] = mapped_column(String(8), default="day")
    label_ja: Mapped[str] = mapped_column(Text)
    label_en: Mapped[str] = mapped_column(Text)
    venue_ja: Mapped[str] = mapped_column(Text, default="")
    venue_en: Mapped[str] = mapped_column(Text, default="")
    mode: Mapped[str] = mapped_column(String(16), default="")
    participants: Mapped[str] = mapped_column(Text, default="[]")
    agenda: Mapped[str] = mapped_column(Text, default="[]")
    citations: Mapped[str] = mapped_column(Text, default="[]")


class Outcome(Marked, Base):
    __tablename__ = "work_outcomes"
    __table_args__ = (UniqueConstraint("meeting_id", "key", name="uq_work_outcomes_meeting_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[str] = mapped_column(ForeignKey("work_meetings.id"))
    key: Mapped[str] = mapped_column(String(64))
    text_ja: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    citations: Mapped[str] = mapped_column(Text, default="[]")


class Commitment(Marked, Base):
    __tablename__ = "work_commitments"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    origin: Mapped[str] = mapped_column(String(16))
    meeting_id: Mapped[str | None] = mapped_column(ForeignKey("work_meetings.id"), nullable=True)
    outcome_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    label_ja: Mapped[str] = mapped_column(Text)
    label_en: Mapped[str] = mapped_column(Text)
    summary_ja: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(64))
    due: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    done_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    done_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | done | dropped
    notes: Mapped[str] = mapped_column(Text, default="{}")  # {"due": {ja,en}, "done_on": {ja,en}}
    citations: Mapped[str] = mapped_column(Text, default="{}")  # {"record"|"due"|"done_on"|"done_by": [...]}


class Protection(Marked, Base):
    """An asset-protection record: request, the legal check, the Minister's decision, the protection."""

    __tablename__ = "work_protection"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    origin: Mapped[str] = mapped_column(String(16))
    year: Mapped[int] = mapped_column(Integer, index=True)
    requested_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    protected_party: Mapped[str] = mapped_column(String(16))
    protecting_party: Mapped[str] = mapped_column(String(16), default="jpn")
    requesting_unit: Mapped[str] = mapped_column(Text, default="")
    activity: Mapped[str] = mapped_column(String(64))
    protected_asset: Mapped[str] = mapped_column(String(16))
    protecting_asset: Mapped[str] = mapped_column(String(16))
    protected_assets: Mapped[str] = mapped_column(Text, default="")
    protecting_units: Mapped[str] = mapped_column(Text, default="")
    check_allowed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    check_answer: Mapped[str] = mapped_column(Text, default="{}")
    status: Mapped[str] = mapped_column(String(16))  # requested|refused_by_law|approved|declined|carried_out
    decided_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    decided_by: Mapped[str] = mapped_column(String(64), default="")
    carried_out_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    occasions: Mapped[int] = mapped_column(Integer, default=1)
    label_ja: Mapped[str] = mapped_column(Text, default="")
    label_en: Mapped[str] = mapped_column(Text, default="")
    citations: Mapped[str] = mapped_column(Text, default="[]")


class Case(Marked, Base):
    __tablename__ = "work_cases"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title_ja: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(Text)
    case_type: Mapped[str] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime)
    on: Mapped[dt.date] = mapped_column(Date)  # the date whose law governs the case
    status: Mapped[str] = mapped_column(String(16), default="open")
    exercise: Mapped[str] = mapped_column(String(64), default="")


class Determination(Marked, Base):
    __tablename__ = "work_determinations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("work_cases.id"), nullable=True)
    situation: Mapped[str] = mapped_column(String(64))
    determined_at: Mapped[dt.datetime] = mapped_column(DateTime)
    decided_by: Mapped[str] = mapped_column(Text, default="")
    cabinet_decision_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    diet_approval_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    answer: Mapped[str] = mapped_column(Text, default="{}")


class Entry(Marked, Base):
    """One entry of a case's bilateral log: a message, decision, tasking, determination, answer or refusal."""

    __tablename__ = "work_case_entries"
    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_work_case_entries_case_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("work_cases.id"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    author: Mapped[str] = mapped_column(String(64))
    party: Mapped[str] = mapped_column(String(16), default="")
    entry_type: Mapped[str] = mapped_column(String(16))
    text_ja: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    data: Mapped[str] = mapped_column(Text, default="{}")


class Booking(Marked, Base):
    __tablename__ = "work_bookings"

    # Drawn at random by `anpo.work.ids` (the sequence counted the bookings a reader may not see);
    # the column keeps its autoincrement default, so the schema is unchanged.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    facility: Mapped[str] = mapped_column(String(64), index=True)
    party: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str] = mapped_column(Text, default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    start: Mapped[dt.datetime] = mapped_column(DateTime)
    end: Mapped[dt.datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | cancelled
    booked_by: Mapped[str] = mapped_column(String(64), default="")
    # The exercise run the booking belongs to ("" for real bookings): exercise play never blocks
    # a real booking, and real bookings are not shown as an exercise's.
    exercise: Mapped[str] = mapped_column(String(64), default="", server_default="")


class ExerciseRun(Marked, Base):
    """A tabletop exercise an exercise controller runs live in the web app: where it stands."""

    __tablename__ = "work_exercise_runs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    scenario: Mapped[str] = mapped_column(String(128))  # the id of a shipped scenario
    seed: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="running")  # running | ended
    next_inject: Mapped[int] = mapped_column(Integer, default=0)
    clock: Mapped[dt.datetime] = mapped_column(DateTime)
    case_ids: Mapped[str] = mapped_column(Text, default="{}")
    events: Mapped[str] = mapped_column(Text, default="[]")
    controller: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime)
