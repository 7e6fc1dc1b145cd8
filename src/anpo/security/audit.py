"""The audit log: every write and every denied access, hash-chained, written in the same
transaction as the change it records.

Each entry's hash covers its fields and the previous entry's hash, so changing, removing or
reordering any entry breaks the chain from there on; `verify` finds the first bad entry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import BigInteger, Integer, String, Table, Text, bindparam, func, insert, literal_column, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from anpo.security.markings import Marking
from anpo.security.principal import Principal
from anpo.store.db import Base, Prepared, Statements, rows_together

GENESIS = "0" * 64
# PostgreSQL: one advisory lock serialises appends so the chain never forks.
PG_AUDIT_LOCK = 0x616E706F  # "anpo"


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[str] = mapped_column(String(32))  # UTC, ISO 8601
    actor: Mapped[str] = mapped_column(String(64))
    party: Mapped[str] = mapped_column(String(16), default="")
    action: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))  # ok | denied
    record_type: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(128))
    marking_level: Mapped[str] = mapped_column(String(32))
    releasable_to: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


FIELDS = (
    "at",
    "actor",
    "party",
    "action",
    "outcome",
    "record_type",
    "record_id",
    "marking_level",
    "releasable_to",
    "detail",
)


def entry_hash(prev_hash: str, values: dict[str, Any]) -> str:
    canonical = json.dumps([prev_hash, *(values[f] for f in FIELDS)], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


_LOG = cast(Table, AuditEntry.__table__)
# Straight to the driver (`Prepared`): through SQLAlchemy's execution the audit entry was about a
# fifth of a one-command ledger write (py-spy). The limit is a literal: a bound one would be a parameter
# that only SQLAlchemy's execution fills in.
_LAST_HASH = Prepared(select(_LOG.c.hash).order_by(_LOG.c.id.desc()).limit(literal_column("1")))
_PG_LOCK = Prepared(select(func.pg_advisory_xact_lock(bindparam("k", type_=BigInteger))))
_APPEND = Prepared(insert(_LOG).values({c.name: bindparam(c.name) for c in _LOG.c if c.name != "id"}))


def record(
    session: Session,
    principal: Principal,
    action: str,
    record_type: str,
    record_id: str,
    marking: Marking,
    *,
    outcome: str = "ok",
    detail: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
    writes: Statements = (),
) -> None:
    """Append an entry in `session`'s transaction (it commits or rolls back with the change).

    The change's pending objects are flushed first, so the entry follows what it records; the entry
    itself is one Core INSERT (through the ORM's unit of work it cost a single-command write
    nearly half its time). `writes` are statements of the change not yet sent (the ledger's):
    they go first, in the same round trip as the chain's lock and last hash (`rows_together`)."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    if session.get_bind().dialect.name == "postgresql":
        # the lock, then the last hash, read once the lock is held
        _, found = rows_together(session, [(_PG_LOCK, {"k": PG_AUDIT_LOCK}), (_LAST_HASH, {})], writes)
    else:
        (found,) = rows_together(session, [(_LAST_HASH, {})], writes)
    last = found[0].hash if found else None
    values = {
        "at": (at or dt.datetime.now(dt.UTC)).isoformat(timespec="microseconds"),
        "actor": principal.user_id,
        "party": principal.party or "",
        "action": action,
        "outcome": outcome,
        "record_type": record_type,
        "record_id": _bounded(str(record_id)),
        "marking_level": marking.level,
        "releasable_to": marking.releasability_column(),
        "detail": json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str),
    }
    prev = last or GENESIS
    _APPEND.run(session, {**values, "prev_hash": prev, "hash": entry_hash(prev, values)})


RECORD_ID_CHARS = 128  # audit_log.record_id


def _bounded(record_id: str) -> str:
    """The id of what an entry records, cut to its column: a denied request may name anything (a
    5,000-character scenario id made PostgreSQL refuse the denial's entry, a 500); the entry
    keeps the start and says how much was cut."""
    if len(record_id) <= RECORD_ID_CHARS:
        return record_id
    digits = 1
    while len(str(len(record_id) - (RECORD_ID_CHARS - 4 - digits))) > digits:  # "…(+N)": 4 + digits
        digits += 1
    kept = RECORD_ID_CHARS - 4 - digits
    return f"{record_id[:kept]}…(+{len(record_id) - kept})"


def verify(session: Session) -> int | None:
    """Recompute the chain; the id of the first entry that does not match, or None if all do."""
    return check(session).bad


@dataclass(frozen=True)
class Verdict:
    """What `check` found: the entries read, the last one's id and hash (the head: a log cut short
    at its end still chains, so a head noted earlier is how to tell), and the first bad entry with
    what is wrong with it: `changed` (its fields or hash), `missing_before` (the entry it follows is
    gone) or `out_of_order` (it follows another entry than the one it was written after)."""

    entries: int = 0
    last: int | None = None
    head: str = GENESIS
    bad: int | None = None
    problem: str = ""


def check(session: Session) -> Verdict:
    """Recompute the chain and say which entry first breaks it, and how (it said only "does not
    match", the same for a changed, a removed and a reordered entry)."""
    prev, count, last = GENESIS, 0, None
    for entry in session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars():
        values = {f: getattr(entry, f) for f in FIELDS}
        if entry.hash != entry_hash(entry.prev_hash, values):
            return Verdict(count, last, prev, entry.id, "changed")
        if entry.prev_hash != prev:
            # the entry it was written after: elsewhere in the log (moved), or nowhere (removed)
            moved = session.execute(select(AuditEntry.id).where(AuditEntry.hash == entry.prev_hash)).first()
            return Verdict(count, last, prev, entry.id, "out_of_order" if moved else "missing_before")
        prev, count, last = entry.hash, count + 1, entry.id
    return Verdict(count, last, prev)
