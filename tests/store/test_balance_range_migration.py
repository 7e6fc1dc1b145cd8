"""Migration 0007_balance_range rebuilds acsa_balances on SQLite with a CHECK that a balance is an
integer (SQLite's overflowing sum turns into a REAL), keeping every row, both ways; on PostgreSQL,
whose bigint refuses an overflow itself, it changes nothing."""

from __future__ import annotations

from typing import Any

from alembic import command
from sqlalchemy import text

from anpo.ledger.demo import Demo
from anpo.ledger.engine import Ledger
from anpo.ledger.queries import verify
from anpo.security.principal import system_principal
from anpo.store.db import session_factory, transaction
from anpo.store.migrate import alembic_config

P = system_principal()


def _migrate(engine: Any, target: str, down: bool) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, target)


def _balances(engine: Any) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT * FROM acsa_balances ORDER BY 1, 2, 3, 4"))]


def _check(engine: Any) -> bool:
    """Whether acsa_balances carries the constraint (SQLite's table SQL; PostgreSQL has none)."""
    if engine.dialect.name != "sqlite":
        return False
    with engine.connect() as conn:
        sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'acsa_balances'")).scalar_one()
    return "ck_acsa_balances_integer CHECK (typeof(amount) = 'integer')" in sql


def test_the_balances_keep_every_row_both_ways_and_sqlite_gains_the_check(engine: Any, fw: Any) -> None:
    results = Ledger(engine, fw).submit(P, [c for lc in Demo(fw, 7, "m").lifecycles(30) for c in lc])
    assert {r["code"] for r in results} == {"ok"}
    before = _balances(engine)
    assert len(before) > 10 and _check(engine) == (engine.dialect.name == "sqlite")
    _migrate(engine, "0006_posting_pairs", down=True)
    assert _balances(engine) == before and not _check(engine)
    _migrate(engine, "heads", down=False)
    assert _balances(engine) == before and _check(engine) == (engine.dialect.name == "sqlite")
    with transaction(session_factory(engine)) as session:
        assert verify(session) == []
