"""Migration 0005_ledger_journal carries a ledger's rows both ways: down, the history comes back as
acsa_events and every stored result as the whole JSON the ledger first returned (what revision
0002 stored); up again, a retry of every command returns that same result, the history of every
order reads the same, and every invariant holds."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from alembic import command
from sqlalchemy import text

from anpo.ledger.demo import Demo
from anpo.ledger.engine import Ledger
from anpo.ledger.policy import COMPACT
from anpo.ledger.queries import Reader, verify
from anpo.security.markings import Levels
from anpo.security.principal import system_principal
from anpo.store.db import make_engine, session_factory, transaction
from anpo.store.migrate import alembic_config

P = system_principal()


def _histories(engine: Any, fw: Any, order_ids: list[str]) -> dict[str, Any]:
    with transaction(session_factory(engine)) as session:
        reader = Reader(session, Levels(fw), P)
        return {oid: reader.order(oid, dt.date(2026, 11, 1))["events"] for oid in order_ids}


def _migrate(engine: Any, target: str, down: bool) -> None:
    config = alembic_config()
    config.attributes["ledger_journal_page"] = 7  # rows are carried over in pages: cross many
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, target)


def test_the_ledger_survives_a_downgrade_and_an_upgrade(engine: Any, db_url: str, fw: Any) -> None:
    commands = [c for lc in Demo(fw, 5, "mg").lifecycles(30) for c in lc]
    results = Ledger(engine, fw).submit(P, commands)
    assert {r["code"] for r in results} == {"ok"}
    orders = [r["order"] for r in results if r["kind"] == "order"]
    before = _histories(engine, fw, orders)

    _migrate(engine, "0002_ledger", down=True)
    with engine.connect() as conn:
        stored = dict(conn.execute(text("SELECT id, result FROM acsa_commands")).all())  # type: ignore[arg-type]
        events = conn.execute(text("SELECT id, order_id, kind, party, detail FROM acsa_events")).all()
    assert {cid: json.loads(r) for cid, r in stored.items()} == {r["id"]: r for r in results}
    assert [stored[r["id"]] for r in results] == [COMPACT.encode(r) for r in results]  # as 0002 stored them
    assert len(events) == len(results)
    by_id = {e.id: e for e in events}
    for oid, history in before.items():
        for entry in history:
            e = by_id[entry["id"]]
            assert (e.order_id, e.kind, e.party) == (oid, entry["kind"], entry["party"])
            assert {k: v for k, v in entry.items() if k not in ("id", "kind", "on", "party")} == json.loads(e.detail)

    _migrate(engine, "heads", down=False)
    fresh = make_engine(db_url)  # a new process's engine, on the upgraded schema
    again = Ledger(fresh, fw).submit(P, commands)
    fresh.dispose()
    assert [COMPACT.encode({**r, "code": "ok"}) for r in again] == [COMPACT.encode(r) for r in results]
    assert {r["code"] for r in again} == {"exists"}
    assert _histories(engine, fw, orders) == before
    with transaction(session_factory(engine)) as session:
        assert verify(session) == []
