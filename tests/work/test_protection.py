"""Asset protection: request, legal check, Minister's decision, protection; the yearly report."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from anpo.work.common import WorkError
from anpo.work.protection import carry_out, decide_protection, request_protection, yearly_report

WHITE_PAPER_2023 = {
    "isr_incl_bm_warning": {"ship_by_ship": 4},
    "joint_training": {"ship_by_ship": 13, "aircraft_by_aircraft": 5},
}


def test_2023_report_equals_the_white_paper(work: Any) -> None:
    with work() as w:
        report = yearly_report(w, 2023)
    assert report["by_occasion"] == WHITE_PAPER_2023
    assert report["total"] == 22
    for row in report["rows"]:
        assert any(c["source"] == "wp2024_deterrence" for c in row["citations"])


def test_the_workflow_counts_in_its_year(work: Any) -> None:
    with work() as w:
        req = request_protection(
            w,
            protected_party="usa",
            activity="ballistic_missile_warning",
            protected_asset="ship",
            protecting_asset="ship",
            requested_on=dt.date(2024, 5, 1),
            requesting_unit="USS Example",
        )
        assert req["status"] == "requested" and req["check"]["answer"] is True
        with pytest.raises(WorkError, match="only an approved"):
            carry_out(w, req["id"], dt.date(2024, 5, 2), "JS Example")
        decide_protection(w, req["id"], True, dt.date(2024, 5, 1))
        carry_out(w, req["id"], dt.date(2024, 5, 2), "JS Example")
    with work() as w:
        assert yearly_report(w, 2024)["by_occasion"] == {"isr_incl_bm_warning": {"ship_by_ship": 1}}
        assert yearly_report(w, 2023)["by_occasion"] == WHITE_PAPER_2023
        assert yearly_report(w, 1999)["total"] == 0


def test_law_refuses_before_2016_and_for_disaster_relief(work: Any) -> None:
    with work() as w:
        early = request_protection(
            w,
            protected_party="usa",
            activity="joint_training",
            protected_asset="ship",
            protecting_asset="ship",
            requested_on=dt.date(2015, 6, 1),
        )
        relief = request_protection(
            w,
            protected_party="usa",
            activity="disaster_relief",
            protected_asset="aircraft",
            protecting_asset="aircraft",
            requested_on=dt.date(2024, 1, 2),
        )
        for rec in (early, relief):
            assert rec["status"] == "refused_by_law"
            assert rec["check"]["reasons"] and rec["check"]["reasons"][0]["citations"]
        with pytest.raises(WorkError):
            decide_protection(w, early["id"], True, dt.date(2015, 6, 2))


def test_cli_report(cli: Any, engine: Any, db_url: str) -> None:
    data = cli.json("protection", "report", "--year", "2023", "--url", db_url)
    assert data["by_occasion"] == WHITE_PAPER_2023
    assert cli.json("protection", "report", "--year", "2010", "--url", db_url)["total"] == 0
    refused = cli.run(
        "protection",
        "request",
        "--party",
        "usa",
        "--activity",
        "disaster_relief",
        "--asset",
        "ship",
        "--by",
        "ship",
        "--on",
        "2024-01-01",
        "--url",
        db_url,
    )
    assert refused.exit_code == 1
    bad = cli.run(
        "protection",
        "request",
        "--party",
        "usa",
        "--activity",
        "joint_training",
        "--asset",
        "tank",
        "--by",
        "ship",
        "--on",
        "2024-01-01",
        "--url",
        db_url,
    )
    assert bad.exit_code == 2 and "allowed: ship" in bad.output
