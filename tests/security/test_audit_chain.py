"""The audit chain detects a changed entry, on both backends."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from anpo.security.audit import record, verify
from anpo.security.markings import PUBLIC, Marking
from anpo.security.principal import system_principal
from anpo.store.db import session_factory, transaction


def test_tampering_with_one_entry_is_found(engine: Any) -> None:
    factory = session_factory(engine)
    with transaction(factory) as s:
        for i in range(5):
            record(s, system_principal(), "test.write", "thing", str(i), Marking("confidential", frozenset({"jpn"})))
    with transaction(factory) as s:
        assert verify(s) is None
        third = s.execute(text("SELECT id FROM audit_log ORDER BY id LIMIT 1 OFFSET 2")).scalar()
        s.execute(text("UPDATE audit_log SET record_id = 'forged' WHERE id = :i"), {"i": third})
    with transaction(factory) as s:
        assert verify(s) == third


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
