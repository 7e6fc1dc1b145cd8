"""The ledger writes less per command (issue 4): a command's row is also the order's history entry
(acsa_events, which repeated every command one for one, is folded into acsa_commands), a command
stores only the part of its result that its other columns do not hold, an order's legal reasons
are stored once per distinct text in acsa_reasons, and the postings lose an index no query used.

Existing rows are carried over both ways: a retry of a command stored before the upgrade returns
the same result as before, and a downgrade gives back the events and the results as they were.

Revision ID: 0005_ledger_journal
Revises: 0002_ledger
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import context, op

revision = "0005_ledger_journal"
down_revision = "0002_ledger"
branch_labels = None
depends_on = None

# As the ledger stores JSON (anpo.ledger.policy.COMPACT); spelled out here so that this revision
# does not change when the code does.
COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
HEAD = ("code", "id", "kind", "order", "status", "postings", "marking")
PAGE = 5000  # commands carried over per round trip; a test sets `ledger_journal_page` lower
NEW_COLUMNS = ("on_date", "party", "detail", "marking_level", "releasable_to")

commands = sa.table(
    "acsa_commands",
    sa.column("id", sa.String),
    sa.column("kind", sa.String),
    sa.column("order_id", sa.String),
    sa.column("on_date", sa.Date),
    sa.column("party", sa.String),
    sa.column("postings", sa.Integer),
    sa.column("result", sa.Text),
    sa.column("detail", sa.Text),
    sa.column("reasons", sa.String),
    sa.column("marking_level", sa.String),
    sa.column("releasable_to", sa.String),
)
events = sa.table(
    "acsa_events",
    sa.column("id", sa.String),
    sa.column("order_id", sa.String),
    sa.column("kind", sa.String),
    sa.column("on_date", sa.Date),
    sa.column("party", sa.String),
    sa.column("detail", sa.Text),
    sa.column("marking_level", sa.String),
    sa.column("releasable_to", sa.String),
)
reasons = sa.table("acsa_reasons", sa.column("id", sa.String), sa.column("reasons", sa.Text))


def _pages(conn: sa.Connection, query: sa.Select[Any]) -> Iterator[Sequence[Any]]:
    """The rows of `query` (over acsa_commands) in pages of PAGE commands by id, so that a ledger
    of any size is carried over in bounded memory."""
    page = context.config.attributes.get("ledger_journal_page", PAGE)
    last = ""
    while True:
        rows = conn.execute(query.where(commands.c.id > last).order_by(commands.c.id).limit(page)).all()
        if not rows:
            return
        yield rows
        last = rows[-1].id


def _events_table() -> None:
    op.create_table(
        "acsa_events",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("party", sa.String(8), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("marking_level", sa.String(32), nullable=False),
        sa.Column("releasable_to", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_acsa_events"),
    )
    op.create_index("ix_acsa_events_order_id", "acsa_events", ["order_id"])


def upgrade() -> None:
    op.create_table(
        "acsa_reasons",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_acsa_reasons"),
    )
    with op.batch_alter_table("acsa_commands") as batch:
        batch.add_column(sa.Column("on_date", sa.Date()))
        batch.add_column(sa.Column("party", sa.String(8)))
        batch.add_column(sa.Column("detail", sa.Text()))
        batch.add_column(sa.Column("reasons", sa.String(64)))
        batch.add_column(sa.Column("marking_level", sa.String(32)))
        batch.add_column(sa.Column("releasable_to", sa.String(64)))
    conn = op.get_bind()
    query = sa.select(commands.c.id, commands.c.result, *(events.c[name] for name in NEW_COLUMNS)).select_from(
        commands.outerjoin(events, events.c.id == commands.c.id)
    )
    seen: set[str] = set()
    for rows in _pages(conn, query):
        updates, texts = [], {}
        for cid, result, on_date, *rest in rows:
            if on_date is None:
                raise RuntimeError(f"acsa_commands {cid}: no acsa_events row to carry over")
            full = json.loads(result)
            slim = {"status": full["status"], **{k: v for k, v in full.items() if k not in (*HEAD, "reasons")}}
            digest = None
            if "reasons" in full:
                text = COMPACT.encode(full["reasons"])
                digest = hashlib.sha256(text.encode()).hexdigest()
                if digest not in seen:
                    texts[digest] = text
            party, detail, level, releasable = rest
            updates.append(
                {
                    "b_id": cid,
                    "b_result": COMPACT.encode(slim),
                    "b_on_date": on_date,
                    "b_party": party,
                    "b_detail": detail,
                    "b_reasons": digest,
                    "b_level": level,
                    "b_releasable": releasable,
                }
            )
        if texts:
            conn.execute(reasons.insert(), [{"id": k, "reasons": v} for k, v in texts.items()])
            seen.update(texts)
        conn.execute(
            commands.update()
            .where(commands.c.id == sa.bindparam("b_id"))
            .values(
                result=sa.bindparam("b_result"),
                on_date=sa.bindparam("b_on_date"),
                party=sa.bindparam("b_party"),
                detail=sa.bindparam("b_detail"),
                reasons=sa.bindparam("b_reasons"),
                marking_level=sa.bindparam("b_level"),
                releasable_to=sa.bindparam("b_releasable"),
            ),
            updates,
        )
    with op.batch_alter_table("acsa_commands") as batch:
        for name in NEW_COLUMNS:
            batch.alter_column(name, existing_type=sa.Date() if name == "on_date" else sa.Text(), nullable=False)
        batch.create_index("ix_acsa_commands_order_id", ["order_id"])
    op.drop_index("ix_acsa_events_order_id", table_name="acsa_events")
    op.drop_table("acsa_events")
    op.drop_index("ix_acsa_postings_order_id", table_name="acsa_postings")


def _full(row: Any, reasons_text: str | None) -> str:
    """The result as revision 0002 stored it: the head (from the row's columns) first, then the
    step's own figures, an order's reasons last."""
    slim = json.loads(row.result)
    head = {
        "code": "ok",
        "id": row.id,
        "kind": row.kind,
        "order": row.order_id,
        "status": slim.pop("status"),
        "postings": row.postings,
        "marking": {"level": row.marking_level, "releasable_to": row.releasable_to},
    }
    full = {**head, **slim}
    if reasons_text is not None:
        full["reasons"] = json.loads(reasons_text)
    return COMPACT.encode(full)


def downgrade() -> None:
    op.create_index("ix_acsa_postings_order_id", "acsa_postings", ["order_id"])
    _events_table()
    conn = op.get_bind()
    query = sa.select(commands, reasons.c.reasons.label("reasons_text")).select_from(
        commands.outerjoin(reasons, reasons.c.id == commands.c.reasons)
    )
    for rows in _pages(conn, query):
        conn.execute(
            events.insert(),
            [
                {
                    "id": r.id,
                    "order_id": r.order_id,
                    "kind": r.kind,
                    "on_date": r.on_date,
                    "party": r.party,
                    "detail": r.detail,
                    "marking_level": r.marking_level,
                    "releasable_to": r.releasable_to,
                }
                for r in rows
            ],
        )
        conn.execute(
            commands.update().where(commands.c.id == sa.bindparam("b_id")).values(result=sa.bindparam("b_result")),
            [{"b_id": r.id, "b_result": _full(r, r.reasons_text)} for r in rows],
        )
    with op.batch_alter_table("acsa_commands") as batch:
        batch.drop_index("ix_acsa_commands_order_id")
        for name in (*NEW_COLUMNS, "reasons"):
            batch.drop_column(name)
    op.drop_table("acsa_reasons")
