"""The audit chain detects a changed entry, on both backends; on PostgreSQL the log is append-only."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from anpo.security.audit import record, verify
from anpo.security.markings import PUBLIC, Marking
from anpo.security.principal import system_principal
from anpo.store.db import session_factory, transaction


def _tamper(engine: Any, sql: str, params: dict[str, Any]) -> None:
    """Change history as someone with direct database access would: on PostgreSQL that takes a
    superuser who switches the append-only trigger off for their session."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(sql), params)


def _five(engine: Any) -> list[int]:
    factory = session_factory(engine)
    with transaction(factory) as s:
        for i in range(5):
            record(s, system_principal(), "test.write", "thing", str(i), Marking("confidential", frozenset({"jpn"})))
    with transaction(factory) as s:
        return list(s.execute(text("SELECT id FROM audit_log ORDER BY id")).scalars())


def test_tampering_with_one_entry_is_found(engine: Any) -> None:
    ids = _five(engine)
    with transaction(session_factory(engine)) as s:
        assert verify(s) is None
    third = ids[-3]
    _tamper(engine, "UPDATE audit_log SET record_id = 'forged' WHERE id = :i", {"i": third})
    with transaction(session_factory(engine)) as s:
        assert verify(s) == third


def test_anpo_audit_verify_fails_and_names_the_entry(engine: Any, db_url: str, cli: Any) -> None:
    ids = _five(engine)
    ok = cli.run("audit", "verify", "--url", db_url, "--json")
    assert ok.exit_code == 0 and json.loads(ok.stdout)["ok"] is True
    _tamper(engine, "UPDATE audit_log SET outcome = 'denied' WHERE id = :i", {"i": ids[1]})
    bad = cli.run("audit", "verify", "--url", db_url)
    assert bad.exit_code == 1
    assert f"audit entry {ids[1]} does not match" in bad.stdout
    ja = cli.run("audit", "verify", "--url", db_url, "--lang", "ja", "--json")
    assert ja.exit_code == 1 and json.loads(ja.stdout)["first_bad_entry"] == ids[1]
    _tamper(engine, "DELETE FROM audit_log WHERE id = :i", {"i": ids[0]})  # removing one is found too
    gone = cli.run("audit", "verify", "--url", db_url, "--json")
    assert gone.exit_code == 1 and json.loads(gone.stdout)["first_bad_entry"] == ids[1]


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"]
)
def test_postgresql_refuses_to_change_the_log(engine: Any, statement: str) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    _five(engine)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar() >= 5


def test_an_entry_rolls_back_with_its_transaction(engine: Any) -> None:
    factory = session_factory(engine)
    with transaction(factory) as s:
        before = s.execute(text("SELECT count(*) FROM audit_log")).scalar()
    try:
        with transaction(factory) as s:
            record(s, system_principal(), "test.write", "thing", "1", PUBLIC)
            raise RuntimeError("the change fails")
    except RuntimeError:
        pass
    with transaction(factory) as s:
        assert s.execute(text("SELECT count(*) FROM audit_log")).scalar() == before
