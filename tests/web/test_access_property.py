"""The access property: for random users and records, what the API returns — lists, searches,
counts, get-by-id (200 or 404) and the error message — is exactly what `can_read` allows.

Users are every combination of party (jpn, usa, none) and clearance (each level of the pack),
logged in with real API tokens; records are coordination cases with random markings. Each example
adds records and re-checks every user against every record in the database, so the run covers
well over 10,000 user/record pairs per backend.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from web_helpers import PASSWORD

from anpo.framework.framework import Framework
from anpo.framework.model import Text
from anpo.security.access import can_read
from anpo.security.accounts import create_token, create_user
from anpo.security.markings import Levels, Marking
from anpo.security.principal import Principal, system_principal
from anpo.store.db import session_factory, transaction
from anpo.work import coordination
from anpo.work.common import Work

LEVELS = ("public", "confidential", "secret", "top_secret")
PARTIES: tuple[str | None, ...] = ("jpn", "usa", None)
EXAMPLES = 7
RECORDS_PER_EXAMPLE = 40
markings = st.builds(
    Marking,
    st.sampled_from(LEVELS),
    st.frozensets(st.sampled_from(("jpn", "usa"))),
)


@pytest.fixture
def population(engine: Any, fw: Framework) -> tuple[Any, dict[str, Principal]]:
    from anpo.web.app import create_app

    levels = Levels(fw)
    assert tuple(levels.order) == LEVELS
    tokens: dict[str, Principal] = {}
    with transaction(session_factory(engine)) as session:
        for i, (party, clearance) in enumerate(itertools.product(PARTIES, LEVELS)):
            name = f"u{i}_{party or 'none'}_{clearance}"
            user = create_user(session, levels, name, PASSWORD, party=party, clearance=clearance, roles=("viewer",))
            tokens[create_token(session, name, "property")] = user.principal()
    return create_app(fw, engine=engine), tokens


def test_api_returns_exactly_what_can_read_allows(
    population: tuple[Any, dict[str, Principal]], engine: Any, fw: Framework
) -> None:
    app, tokens = population
    levels = Levels(fw)
    records: dict[str, Marking] = {}
    pairs = 0
    client = TestClient(app)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(new=st.lists(markings, min_size=RECORDS_PER_EXAMPLE, max_size=RECORDS_PER_EXAMPLE), probe=st.randoms())
    def check(new: list[Marking], probe: Any) -> None:
        nonlocal pairs
        with transaction(session_factory(engine)) as session:
            w = Work(fw, session, system_principal())
            for marking in new:
                case = coordination.open_case(
                    w, Text("事案", "Incident"), "gray_zone", "acg", dt.date(2024, 6, 1), marking=marking
                )
                records[str(case["id"])] = marking
        for token, principal in tokens.items():
            headers = {"Authorization": f"Bearer {token}"}
            allowed = {rid for rid, m in records.items() if can_read(levels, principal, m)}
            listed = client.get("/api/work/cases", headers=headers).json()["cases"]
            assert {c["id"] for c in listed} == allowed, principal
            assert len(listed) == len(allowed)  # counts: no duplicates, nothing extra
            searched = client.get("/api/work/cases?status=open", headers=headers).json()["cases"]
            assert {c["id"] for c in searched} == allowed
            for c in listed:  # each listed record carries the marking it was given
                m = records[c["id"]]
                assert c["marking"]["level"] == m.level
            missing = client.get("/api/work/cases/case_none", headers=headers)
            assert missing.status_code == 404
            for rid in probe.sample(sorted(records), min(8, len(records))):
                got = client.get(f"/api/work/cases/{rid}", headers=headers)
                if rid in allowed:
                    assert got.status_code == 200 and got.json()["id"] == rid
                else:  # indistinguishable from a record that does not exist
                    assert got.status_code == 404
                    assert got.json()["error"]["en"].replace(rid, "?") == missing.json()["error"]["en"].replace(
                        "case_none", "?"
                    )
                    assert got.json()["error"]["ja"].replace(rid, "?") == missing.json()["error"]["ja"].replace(
                        "case_none", "?"
                    )
            pairs += len(records)

    check()
    client.close()
    assert pairs >= 10_000, pairs
