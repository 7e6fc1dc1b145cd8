"""The access property: for random users and records, what the API returns — lists, searches,
counts, get-by-id (200 or 404) and the error message — is exactly what `can_read` allows.

Users are every combination of party (jpn, usa, none) and clearance (each level of the pack),
logged in with real API tokens; records are coordination cases with random markings. Each example
adds records and re-checks every user against every record in the database, so the run covers
well over 10,000 user/record pairs per backend. The ACSA order list, which filters by marking in
SQL (`anpo.security.access.read_condition`) and pages, is checked the same way, page by page.
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
from anpo.ledger.commands import parse
from anpo.ledger.engine import Ledger
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


def _order(oid: str, day: dt.date, marking: Marking) -> Any:
    line = {"category": "fuel", "item": "jp8", "unit": "l", "quantity": "10", "unit_price": "1", "currency": "USD"}
    return parse(
        {
            "kind": "order",
            "id": oid,
            "on": day.isoformat(),
            "provider": "usa",
            "context": "joint_training",
            "requesting_unit": "unit",
            "method": "reimbursement",
            "lines": [line],
            "marking_level": marking.level,
            "releasable_to": sorted(marking.releasable_to),
        }
    )


def test_acsa_order_list_pages_hold_exactly_what_can_read_allows(
    population: tuple[Any, dict[str, Principal]], engine: Any, fw: Framework
) -> None:
    app, tokens = population
    levels = Levels(fw)
    ledger = Ledger(engine, fw)
    records: dict[str, tuple[dt.date, Marking]] = {}
    pairs = 0
    client = TestClient(app)

    @settings(
        max_examples=8,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        new=st.lists(st.tuples(markings, st.integers(0, 30)), min_size=15, max_size=15),
        page=st.integers(3, 20),
    )
    def check(new: list[tuple[Marking, int]], page: int) -> None:
        nonlocal pairs
        commands = []
        for marking, days in new:
            oid = f"o{len(records)}"
            records[oid] = (dt.date(2024, 6, 1) + dt.timedelta(days=days), marking)
            commands.append(_order(oid, records[oid][0], marking))
        assert {r["code"] for r in ledger.submit(system_principal(), commands)} == {"ok"}
        for token, principal in tokens.items():
            headers = {"Authorization": f"Bearer {token}"}
            allowed = sorted((day, oid) for oid, (day, m) in records.items() if can_read(levels, principal, m))
            listed: list[str] = []
            offset: int | None = 0
            while offset is not None:
                data = client.get(f"/api/acsa/orders?limit={page}&offset={offset}", headers=headers).json()
                assert data["count"] == len(data["orders"]) <= page and data["offset"] == offset
                listed += [o["id"] for o in data["orders"]]
                offset = data["next_offset"]
                assert offset is None or data["count"] == page
            assert listed == [oid for _, oid in allowed], principal  # each once, oldest first
            pairs += len(records)

    check()
    client.close()
    assert pairs >= 5_000, pairs
