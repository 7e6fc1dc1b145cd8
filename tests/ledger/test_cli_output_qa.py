"""QA findings on the CLI's output: `acsa report` has a text form (it printed JSON without --json,
unlike balances, ageing and list) and `calendar export --out` says what it wrote (it printed
nothing, unlike `acsa export --output`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ledger_helpers import lifecycle, run
from sqlalchemy import Engine

from anpo.ledger.engine import Ledger


def test_acsa_report_prints_text_in_the_language_asked(engine: Engine, fw: Any, cli: Any, db_url: str) -> None:
    ledger = Ledger(engine, fw)
    run(ledger, *lifecycle("a", on="2022-09-01"))  # delivered 2022-09-03: JP FY2022, unsettled
    u = ("--fy", "2022", "--on", "2023-12-01", "--url", db_url)
    en = cli.run("acsa", "report", *u)
    assert en.exit_code == 0, en.output
    with_json = cli.json("acsa", "report", *u)
    (ag,) = with_json["agreements"]
    lines = en.stdout.splitlines()
    assert not en.stdout.lstrip().startswith("{")  # text, not JSON
    assert lines[0] == with_json["marking"]["banner_en"]
    assert lines[1] == "Fiscal-year report: 2022 (Japanese (April–March)) 2022-04-01 – 2023-03-31 (as of 2023-12-01)"
    assert f"Agreement: {ag['agreement']}" in lines
    for heading in ("  Total", "  By category", "  By context", "  Unsettled more than a year after delivery"):
        assert heading in lines, heading
    (total,) = ag["totals"]
    assert (
        f"    {total['provider'].upper()} {total['commodity']}: Provisions {total['provisions']} · Provided"
        f" {total['provided']} · Settled {total['settled']} · Outstanding {total['outstanding']}"
    ) in lines
    assert any(line.startswith("    a: ") for line in lines)  # the order unsettled past a year

    ja = cli.run("acsa", "report", *u, "--lang", "ja")
    assert ja.exit_code == 0 and ja.stdout.splitlines()[0] == with_json["marking"]["banner_ja"]
    assert "年度報告: 2022 (日本（4月〜3月）)" in ja.stdout and "基準日 2023-12-01" in ja.stdout
    assert "  合計" in ja.stdout and "提供件数 1" in ja.stdout and "引渡しから1年を超えて未決済" in ja.stdout

    # JSON as before with --json or --format json; CSV unchanged; an unknown format names the three
    assert json.loads(cli.run("acsa", "report", *u, "--format", "json").stdout) == with_json
    assert cli.run("acsa", "report", *u, "--format", "csv").stdout.splitlines()[2].startswith("agreement,group,key")
    bad = cli.run("acsa", "report", *u, "--format", "xml")
    assert bad.exit_code == 2 and "text" in bad.output and "csv" in bad.output

    empty = cli.run("acsa", "report", "--fy", "2001", "--url", db_url)
    assert empty.exit_code == 0 and empty.stdout.splitlines()[-1] == "Nothing you may read"


def test_calendar_export_says_the_file_it_wrote(engine: Engine, cli: Any, db_url: str, tmp_path: Path) -> None:
    target = tmp_path / "anpo.ics"
    written = cli.run("calendar", "export", "--out", str(target), "--url", db_url)
    assert written.exit_code == 0, written.output
    assert written.stdout.startswith(f"{target} (") and written.stdout.endswith(")\n")
    assert target.read_bytes().startswith(b"BEGIN:VCALENDAR")
    ja = cli.run("calendar", "export", "--out", str(target), "--url", db_url, "--lang", "ja")
    assert ja.exit_code == 0 and ja.stdout.startswith(f"{target} (") and ja.stdout != written.stdout
    # to standard output: the calendar alone, no path
    printed = cli.run("calendar", "export", "--url", db_url)
    assert printed.stdout.startswith("BEGIN:VCALENDAR")
