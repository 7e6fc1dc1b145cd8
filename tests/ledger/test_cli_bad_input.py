"""Bad input to the ledger's commands gets a message and exit status 2 (1 for a database that
cannot be opened), never a traceback, and writes nothing. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from ledger_helpers import lifecycle, run
from sqlalchemy import Engine, func, select

from anpo.ledger import tables as t
from anpo.ledger.engine import Ledger


def _commands(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.commands)).scalar_one())


def test_a_line_number_beyond_its_column_is_refused_and_nothing_is_written(
    engine: Engine, db_url: str, fw: Any, cli: Any
) -> None:
    """A line number past 64 bits failed with a traceback (the fingerprint's orjson), one past the
    INTEGER column was looked up in vain: both are refused with the limit, in the language asked."""
    run(Ledger(engine, fw), *lifecycle("o1"))
    before = _commands(engine)
    u = ("--url", db_url)
    for n in ("99999999999999999999999999", "2147483648"):
        res = cli.run("acsa", "deliver", "o1", "--line", f"{n}=1", "--doc", "d", "--on", "2020-05-04", *u)
        assert res.exit_code == 2 and f"line={n} is too large (at most 2,147,483,647)" in res.stderr, res.output
    settle = ("settle", "o1", "--method", "reimbursement", "--amount", "1", "--commodity", "USD", "--on", "2020-06-01")
    res = cli.run("acsa", *settle, "--line", "99999999999999999999999", *u, "--lang", "ja")
    assert res.exit_code == 2 and "大きすぎます" in res.stderr, res.output
    assert _commands(engine) == before


def test_list_refuses_a_limit_past_64_bits_and_an_unknown_status_or_provider(
    engine: Engine, db_url: str, fw: Any, cli: Any
) -> None:
    """`--limit 9223372036854775807` failed with a traceback (the driver's overflow; on PostgreSQL
    anything past 32 bits, the parameter's type); a negative one
    meant "all"; an unknown status or provider listed nothing, where the API names the allowed values."""
    run(Ledger(engine, fw), *lifecycle("o1"))
    u = ("--url", db_url)
    for limit in ("9223372036854775807", "2147483647", "-1"):
        res = cli.run("acsa", "list", "--limit", limit, *u)
        assert res.exit_code == 2 and "--limit" in res.output and "Traceback" not in res.output, res.output
    assert cli.json("acsa", "list", "--limit", "2147483646", *u)["count"] == 1
    res = cli.run("acsa", "list", "--status", "bogus", *u)
    assert res.exit_code == 2 and "status=bogus is not allowed (allowed: requested, binding" in res.stderr
    res = cli.run("acsa", "list", "--provider", "xx", *u, "--lang", "ja")
    assert res.exit_code == 2 and "provider=xx は使えません（使える値: jpn, usa）" in res.stderr
    assert cli.json("acsa", "list", "--status", "delivering", "--provider", "jpn", *u)["count"] == 1


def test_export_to_a_path_that_cannot_be_written_says_so(engine: Engine, db_url: str, cli: Any, tmp_path: Path) -> None:
    u = ("--url", db_url)
    for target in (tmp_path / "missing" / "x.csv", tmp_path):
        res = cli.run("acsa", "export", "--format", "csv", "-o", str(target), *u)
        assert res.exit_code == 2 and f"cannot write {target}" in res.stderr, res.output
    res = cli.run("calendar", "export", "--out", str(tmp_path), *u)
    assert res.exit_code == 2 and f"cannot write {tmp_path}" in res.stderr, res.output


@pytest.mark.parametrize(
    ("url", "status", "says"),
    [
        ("bogus://x", 2, "Can't load plugin"),
        ("not a url", 2, "Could not parse"),
        ("sqlite:////nonexistent-anpo-dir/x.sqlite3", 1, "unable to open database file"),
    ],
)
def test_a_database_url_that_cannot_be_used_gets_a_message_not_a_traceback(
    url: str, status: int, says: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`anpo ... --url` with a URL SQLAlchemy cannot read, or a file it cannot open, printed a
    traceback; `main` (the `anpo` command) now says so, exit 2 for the URL and 1 for the database."""
    from anpo.cli import main

    monkeypatch.setattr(sys, "argv", ["anpo", "acsa", "balances", "--url", url])
    with pytest.raises(SystemExit) as exited:
        main()
    err = capsys.readouterr().err
    assert exited.value.code == status
    assert "cannot use the database" in err and says in err and "Traceback" not in err
