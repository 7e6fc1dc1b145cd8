"""`anpo.store.db.read_only`: transactions that only read take no write lock on SQLite (DEFERRED
instead of IMMEDIATE, so a reader never holds up a writer) and run in autocommit on PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, func, insert, select

from anpo.security.accounts import User
from anpo.store.db import read_only

USER = {"id": "w", "party": "", "clearance": "public", "roles": "", "password_hash": "x", "disabled": False}


def test_a_read_only_transaction_does_not_hold_up_a_writer(engine: Any) -> None:
    begun: list[str] = []

    def record(statement: str) -> None:
        if statement.startswith("BEGIN"):
            begun.append(statement)

    def trace(dbapi_conn: Any, *args: Any) -> None:
        # BEGIN goes straight to the driver (anpo.store.db._sqlite_begin): watch what SQLite runs
        if engine.dialect.name == "sqlite":
            dbapi_conn.set_trace_callback(record)

    count = select(func.count()).select_from(User)
    event.listen(engine, "checkout", trace)
    reads = read_only(engine)
    with reads.begin() as reader:
        assert reader.execute(count).scalar_one() == 0
        with engine.begin() as writer:  # would wait for the reader if that held the write lock
            writer.execute(insert(User), {**USER, "created_at": 0.0, "failed_logins": 0, "locked_until": 0.0})
        if engine.dialect.name == "postgresql":
            assert reader.connection.dbapi_connection.autocommit
    with reads.begin() as reader:
        assert reader.execute(count).scalar_one() == 1
    event.remove(engine, "checkout", trace)
    if engine.dialect.name == "sqlite":
        assert begun == ["BEGIN", "BEGIN IMMEDIATE", "BEGIN"]
