"""Labels shown on their own start with a capital, as the other labels do: the rows of `anpo
protection report` ("joint training: ships …" was lower case) and the coordination case types
("ballistic-missile launch")."""

from __future__ import annotations

from typing import Any

from anpo.work.coordination import CASE_TYPES
from anpo.work.protection import OCCASIONS


def test_protection_report_rows_start_with_a_capital(cli: Any, engine: Any, db_url: str) -> None:
    out = cli.run("protection", "report", "--year", "2023", "--url", db_url)
    assert out.exit_code == 0, out.output
    rows = [line.strip() for line in out.stdout.splitlines()[1:] if not line.startswith("      ")]
    assert "Joint training: Ships protected by SDF ships × 13" in rows
    assert "ISR activities including ballistic-missile warning: Ships protected by SDF ships × 4" in rows
    assert rows[-1] == "Total: 22"
    assert all(row[:1].isupper() for row in rows), rows
    data = cli.json("protection", "report", "--year", "2023", "--url", db_url)
    assert {r["occasion_label"]["en"] for r in data["rows"]} == {
        "ISR activities including ballistic-missile warning",
        "Joint training",
    }
    assert all(label.en[:1].isupper() for label, _activities in OCCASIONS.values())


def test_case_type_labels_are_in_sentence_case(wclient: Any) -> None:
    assert [label.en for label in CASE_TYPES.values()] == [
        "Ballistic-missile launch",
        "Gray-zone incident",
        "Large-scale disaster",
        "Other",
    ]
    page = wclient.get("/work/cases?lang=en", headers={"x-anpo-work-token": "tok-jpn"}).text
    assert '<option value="missile_launch">Ballistic-missile launch</option>' in page
