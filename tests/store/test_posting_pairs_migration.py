"""Migration 0006_posting_pairs carries a ledger's postings both ways: down, every pair comes back
as its two entries (debit then credit, opposite amounts), which balance per command and add up to
the stored balances and to every command's count; up again, the same pairs in the same order, in a
table shaped as a new database's, every invariant holds and the ledger takes new commands. Entries
that do not pair up stop the upgrade and leave the database as it was."""

from __future__ import annotations

from typing import Any

import pytest
from alembic import command
from sqlalchemy import inspect, text

from anpo.ledger.demo import Demo
from anpo.ledger.engine import Ledger
from anpo.ledger.queries import verify
from anpo.security.principal import system_principal
from anpo.store.db import make_engine, session_factory, transaction
from anpo.store.migrate import alembic_config

P = system_principal()
OLD = "0005_ledger_journal"
SAME = "txn, order_id, obligation_id, on_date, leg, commodity, marking_level, releasable_to"
BALANCE = "account, commodity, marking_level, releasable_to"


def _migrate(engine: Any, target: str, down: bool) -> None:
    config = alembic_config()
    config.attributes["ledger_postings_page"] = 3  # odd: many pages end between a pair's entries
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, target)


def _submit(engine: Any, fw: Any, prefix: str, n: int) -> None:
    results = Ledger(engine, fw).submit(P, [c for lc in Demo(fw, 5, prefix).lifecycles(n) for c in lc])
    assert {r["code"] for r in results} == {"ok"}


def _rows(engine: Any, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def _versions(engine: Any) -> set[str]:
    return {v for (v,) in _rows(engine, "SELECT version_num FROM alembic_version")}


def _shape(engine: Any) -> list[Any]:
    """What the database says of acsa_postings: columns (with their defaults), primary key,
    indexes, and its SQL on SQLite or the sequence owned by its id on PostgreSQL."""
    with engine.connect() as conn:
        inspector = inspect(conn)
        shape: list[Any] = [
            [{k: str(v) for k, v in c.items()} for c in inspector.get_columns("acsa_postings")],
            inspector.get_pk_constraint("acsa_postings"),
            inspector.get_indexes("acsa_postings"),
        ]
        if conn.dialect.name == "postgresql":
            shape.append(conn.execute(text("SELECT pg_get_serial_sequence('acsa_postings', 'id')")).scalar())
        else:
            shape.append(conn.execute(text("SELECT sql FROM sqlite_master WHERE tbl_name = 'acsa_postings'")).all())
        return shape


def _takes_a_fresh_id(engine: Any, columns: str) -> None:
    """A row inserted without an id gets one after the last (on PostgreSQL, from the sequence the
    migration set: the ledger retries a failed insert, which would hide a stale one). Rolled back."""
    copy = f"INSERT INTO acsa_postings ({columns}) SELECT {columns} FROM acsa_postings WHERE id = :top RETURNING id"
    with engine.connect() as conn:
        top = conn.execute(text("SELECT max(id) FROM acsa_postings")).scalar()
        assert conn.execute(text(copy), {"top": top}).scalar() > top
        conn.rollback()


def test_the_pairs_survive_a_downgrade_and_an_upgrade(engine: Any, db_url: str, fw: Any) -> None:
    _submit(engine, fw, "pp", 30)
    fresh = _shape(engine)
    assert fresh[1]["name"] == "pk_acsa_postings"
    if engine.dialect.name == "postgresql":
        assert fresh[-1] == "public.acsa_postings_id_seq"
    before = _rows(engine, f"SELECT {SAME}, debit, credit, amount FROM acsa_postings ORDER BY id")
    assert before

    _migrate(engine, OLD, down=True)
    assert OLD in _versions(engine)
    entries = _rows(engine, f"SELECT {SAME}, account, amount FROM acsa_postings ORDER BY id")
    assert entries == [
        entry for *same, debit, credit, a in before for entry in ((*same, debit, a), (*same, credit, -a))
    ]
    unbalanced = "SELECT txn, commodity FROM acsa_postings GROUP BY txn, commodity HAVING sum(amount) <> 0"
    assert _rows(engine, unbalanced) == []
    sums = f"SELECT {BALANCE}, sum(amount), count(*) FROM acsa_postings GROUP BY {BALANCE}"
    balances = f"SELECT {BALANCE}, amount, postings FROM acsa_balances"
    assert sorted(_rows(engine, sums)) == sorted(_rows(engine, balances))
    counts = "SELECT txn, count(*) FROM acsa_postings GROUP BY txn"
    acknowledged = "SELECT id, postings FROM acsa_commands WHERE postings > 0"
    assert sorted(_rows(engine, counts)) == sorted(_rows(engine, acknowledged))
    _takes_a_fresh_id(engine, f"{SAME}, account, amount")
    # a pair's entries need be consecutive only within their txn (writers at the same time
    # interleave ids): move the first txn's last entry after every other txn's
    first_txn = "SELECT txn FROM acsa_postings WHERE id = (SELECT min(id) FROM acsa_postings)"
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE acsa_postings SET id = (SELECT max(id) + 1 FROM acsa_postings)"
                f" WHERE id = (SELECT max(id) FROM acsa_postings WHERE txn = ({first_txn}))"
            )
        )

    _migrate(engine, "heads", down=False)
    # the same pairs in the same order (ids are not compared: a pair takes its first entry's id)
    assert _rows(engine, f"SELECT {SAME}, debit, credit, amount FROM acsa_postings ORDER BY id") == before
    assert _shape(engine) == fresh
    _takes_a_fresh_id(engine, f"{SAME}, debit, credit, amount")
    with transaction(session_factory(engine)) as session:
        assert verify(session) == []
    later = make_engine(db_url)  # a new process's engine, on the upgraded schema
    _submit(later, fw, "pq", 10)  # new ids follow the carried ones
    later.dispose()
    with transaction(session_factory(engine)) as session:
        assert verify(session) == []


FIRST = "(SELECT min(id) FROM acsa_postings)"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (f"UPDATE acsa_postings SET amount = amount + 1 WHERE id = {FIRST}", "are not opposite and non-zero"),
        (
            "UPDATE acsa_postings SET amount = 0 WHERE id IN (SELECT id FROM acsa_postings ORDER BY id LIMIT 2)",
            "0 and 0",
        ),
        (f"UPDATE acsa_postings SET leg = 'other' WHERE id = {FIRST}", "their leg differs"),
        ("DELETE FROM acsa_postings WHERE id = (SELECT max(id) FROM acsa_postings)", "an odd number of entries"),
    ],
)
def test_entries_that_do_not_pair_up_stop_the_upgrade(engine: Any, fw: Any, change: str, problem: str) -> None:
    _submit(engine, fw, "pb", 4)
    _migrate(engine, OLD, down=True)
    with engine.begin() as conn:
        conn.execute(text(change))
    stored = _rows(engine, "SELECT * FROM acsa_postings ORDER BY id")

    with pytest.raises(RuntimeError, match=problem):
        _migrate(engine, "heads", down=False)
    assert OLD in _versions(engine)
    assert "0006_posting_pairs" not in _versions(engine)
    assert _rows(engine, "SELECT * FROM acsa_postings ORDER BY id") == stored
    assert not inspect(engine).has_table("acsa_postings_old")
