"""`read_condition` — the read rule as SQL, which lists filter and paginate by — keeps exactly the
rows `can_read` allows, for random principals and stored markings, on SQLite and PostgreSQL.

The strategies go beyond what the application writes (unknown levels and parties, upper case,
LIKE wildcards, empty and doubled commas, a party that contains a comma), since a condition that
agrees only on well-formed data would fail open on the first odd row.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, String, Table, delete, insert, select
from sqlalchemy.dialects import sqlite

from anpo.framework.framework import Framework
from anpo.security.access import can_read, read_condition
from anpo.security.markings import Levels, Marking
from anpo.security.principal import Principal

LEVELS = ["public", "confidential", "secret", "top_secret", "Secret", "ultra", ""]
PARTIES = ["jpn", "usa", "JPN", "gbr", "j_n", "%", "jp", "pn", ""]
meta = MetaData()
probe = Table(
    "read_condition_probe",
    meta,
    Column("id", Integer, primary_key=True),
    Column("marking_level", String(32), nullable=False),
    Column("releasable_to", String(64), nullable=False),
)
stored = st.tuples(
    st.sampled_from(LEVELS),
    st.lists(st.sampled_from([*PARTIES, " jpn"]), max_size=4).map(",".join),
)
principals = st.builds(
    Principal,
    st.just("someone"),
    st.sampled_from([None, *PARTIES, "jpn,usa"]),
    st.sampled_from(LEVELS),
    st.just(frozenset()),
    st.booleans(),
)


def test_read_condition_keeps_exactly_what_can_read_allows(engine: Any, fw: Framework) -> None:
    levels = Levels(fw)
    meta.create_all(engine)
    compared = 0

    @settings(
        max_examples=150,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(rows=st.lists(stored, min_size=1, max_size=25), readers=st.lists(principals, min_size=1, max_size=6))
    def check(rows: list[tuple[str, str]], readers: list[Principal]) -> None:
        nonlocal compared
        with engine.begin() as conn:
            conn.execute(delete(probe))
            conn.execute(
                insert(probe),
                [{"id": i, "marking_level": lv, "releasable_to": rel} for i, (lv, rel) in enumerate(rows)],
            )
            for principal in readers:
                where = read_condition(levels, principal, probe.c.marking_level, probe.c.releasable_to)
                got = set(conn.scalars(select(probe.c.id).where(where)))
                allowed = {
                    i for i, (lv, rel) in enumerate(rows) if can_read(levels, principal, Marking.from_columns(lv, rel))
                }
                assert got == allowed, (principal, rows)
                compared += len(rows)

    check()
    assert compared >= 1_000, compared


def test_read_condition_examples(fw: Framework) -> None:
    """The shapes of the condition: everything for trusted tooling, public only without a party or
    with a clearance the pack does not define."""
    levels = Levels(fw)
    level, rel = probe.c.marking_level, probe.c.releasable_to
    assert str(read_condition(levels, Principal("s", None, "public", system=True), level, rel)) == "true"
    public_only = str(read_condition(levels, Principal("a", None, "top_secret"), level, rel))
    assert public_only == "read_condition_probe.marking_level = :marking_level_1"
    assert str(read_condition(levels, Principal("a", "jpn", "cosmic"), level, rel)) == public_only
    assert "instr" in str(
        read_condition(levels, Principal("a", "jpn", "secret"), level, rel).compile(dialect=sqlite.dialect())
    )
