"""Bad input to the ledger's commands gets a message and exit status 2 (1 for a database that
cannot be opened), never a traceback, and writes nothing. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
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
        ("sqlite:///{not_a_database}", 1, "file is not a database"),
    ],
)
def test_a_database_url_that_cannot_be_used_gets_a_message_not_a_traceback(
    url: str,
    status: int,
    says: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """`anpo ... --url` with a URL SQLAlchemy cannot read, or a file it cannot open or that is no
    database, printed a traceback; `main` (the `anpo` command) now says so, exit 2 for the URL and 1
    for the database."""
    from anpo.cli import main

    not_a_database = tmp_path / "notes.txt"
    not_a_database.write_text("not a database, but some text long enough to be read as one\n" * 20)
    url = url.format(not_a_database=not_a_database)
    monkeypatch.setattr(sys, "argv", ["anpo", "acsa", "balances", "--url", url])
    with pytest.raises(SystemExit) as exited:
        main()
    err = capsys.readouterr().err
    assert exited.value.code == status
    assert "cannot use the database" in err and says in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "ja", "en"),
    [
        (["bogus"], "そのようなコマンドはありません", "No such command 'bogus'"),
        (["acsa", "list", "--limit", "abc"], "引数又はオプションの値が正しくありません", "Invalid value for '--limit'"),
        (["acsa", "list", "--bogus"], "そのようなオプションはありません", "No such option: --bogus"),
        (["acsa", "show"], "必要な引数又はオプションがありません", "Missing argument"),
    ],
)
def test_the_command_lines_own_errors_are_in_both_languages(
    argv: list[str], ja: str, en: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A mistyped command, option or value got Click's message in English only; `anpo` says it in
    both languages after the usage line, with Click's exit status 2."""
    from anpo.cli import main

    monkeypatch.setattr(sys, "argv", ["anpo", *argv])
    with pytest.raises(SystemExit) as exited:
        main()
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert "Usage: anpo" in err and f"anpo: {ja}" in err and en in err, err


def test_the_command_line_still_exits_as_its_commands_say(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`main` runs Typer's app not standalone (to word Click's errors): a command that succeeds
    exits 0, one that fails with its own message keeps its status, and a group called without a
    command prints its help and exits 2, as before."""
    from anpo.cli import main

    for argv, status in ((["bodies", "--on", "2000-01-01"], 0), (["bodies", "--on", "bogus"], 2), (["acsa"], 2)):
        monkeypatch.setattr(sys, "argv", ["anpo", *argv])
        with pytest.raises(SystemExit) as exited:
            main()
        assert exited.value.code == status, argv
    out = capsys.readouterr()
    assert "cannot read date 'bogus'" in out.err and "Usage: anpo acsa" in out.out + out.err


def test_commands_past_their_size_limits_are_refused_naming_the_limit_and_nothing_is_written(
    engine: Engine, db_url: str, fw: Any, cli: Any
) -> None:
    """A document reference, the documents and line entries of a delivery, the lines of an order
    and a reason had no bound (a reason only over the web): each is refused by the parser now, with
    the field, the length or count and the limit, in the language asked."""
    run(Ledger(engine, fw), *lifecycle("o1"))
    before = _commands(engine)
    u = ("--url", db_url)
    deliver = ("acsa", "deliver", "o1", "--on", "2020-05-04", *u)
    res = cli.run(*deliver, "--line", "1=1", "--doc", "d" * 501)
    assert res.exit_code == 2 and "documents is too long (501 characters, at most 500)." in res.stderr, res.output
    res = cli.run(*deliver, "--line", "1=1", *[a for n in range(101) for a in ("--doc", f"d{n}")], "--lang", "ja")
    assert res.exit_code == 2 and "documents が多すぎます（101件、上限 100件）。" in res.stderr, res.output
    res = cli.run(*deliver, "--line", ",".join(f"{n}=1" for n in range(1, 1002)), "--doc", "d")
    assert res.exit_code == 2 and "lines has too many entries (1,001, at most 1,000)." in res.stderr, res.output
    line = "category=fuel,item=jp8,unit=l,quantity=1,unit_price=1,currency=USD"
    order = ("acsa", "order", "--provider", "jpn", "--context", "joint_training", "--method", "reimbursement")
    res = cli.run(*order, *[a for _ in range(1001) for a in ("--line", line)], "--on", "2020-05-01", *u)
    assert res.exit_code == 2 and "lines has too many entries (1,001, at most 1,000)." in res.stderr, res.output
    res = cli.run("acsa", "cancel", "o1", "--reason", "r" * 2001, "--on", "2020-05-05", *u, "--json")
    assert res.exit_code == 2 and json.loads(res.stdout)["code"] == "invalid", res.output
    assert "reason is too long (2001 characters, at most 2000)." in res.stderr
    assert _commands(engine) == before
    assert cli.json("acsa", "show", "o1", *u)["status"] == "delivering"
    # at the limits, accepted
    docs = [a for n in range(100) for a in ("--doc", f"{n:03}" + "d" * 497)]
    assert cli.json(*deliver, "--line", "1=1", *docs)["code"] == "ok"
    assert cli.json("acsa", "cancel", "o1", "--reason", "r" * 2000, "--on", "2020-05-05", *u)["code"] == "ok"


def test_a_correction_from_a_file_with_a_reason_past_the_limit_is_refused() -> None:
    """A correction is read from files (there is no CLI command for it): its reason is bounded too."""
    from anpo.ledger.commands import parse
    from anpo.ledger.messages import LedgerError

    data = {"kind": "correct", "id": "c1", "delivery": "o1.d1", "line": 1, "quantity": "5", "on": "2020-05-05"}
    assert parse(data | {"reason": "r" * 2000}).reason == "r" * 2000  # type: ignore[union-attr]
    with pytest.raises(LedgerError) as refused:
        parse(data | {"reason": "r" * 2001})
    assert refused.value.code == "invalid"
    assert refused.value.text.en == "reason is too long (2001 characters, at most 2000)."


def test_a_name_given_twice_or_unknown_in_a_name_value_list_is_refused(
    engine: Engine, db_url: str, fw: Any, cli: Any
) -> None:
    """`--line category=fuel,category=food,...` kept the last, `extra=1` was dropped, and a delivery's
    `--line 1=300,1=200` delivered 200: each is refused, naming the name (and the allowed names)."""
    run(Ledger(engine, fw), *lifecycle("o1"))
    before = _commands(engine)
    u = ("--url", db_url)
    order = ("acsa", "order", "--provider", "jpn", "--context", "joint_training", "--method", "reimbursement", *u)
    rest = "item=jp8,unit=l,quantity=1,unit_price=1,currency=USD"
    res = cli.run(*order, "--line", f"category=fuel,category=food,{rest}", "--on", "2020-05-01")
    assert res.exit_code == 2 and "'category' is given more than once in 'category=fuel" in res.stderr, res.output
    res = cli.run(*order, "--line", f"category=fuel,{rest},extra=1", "--on", "2020-05-01", "--lang", "ja")
    assert res.exit_code == 2 and "「extra」は使えません" in res.stderr, res.output
    assert "category, item, unit, quantity, unit_price, currency" in res.stderr
    deliver = ("acsa", "deliver", "o1", "--doc", "d", "--on", "2020-05-04", *u)
    res = cli.run(*deliver, "--line", "1=300,1=200")
    assert res.exit_code == 2 and "'1' is given more than once in '1=300,1=200'" in res.stderr, res.output
    assert _commands(engine) == before
    assert cli.json(*order, "--line", f"category=fuel,{rest}", "--on", "2020-05-01")["code"] == "ok"


READ_ONLY = (
    ("acsa", "balances"),
    ("acsa", "list", "--json"),
    ("acsa", "verify"),
    ("meetings", "list"),
    ("cases", "list"),
    ("calendar", "export"),
    ("users", "list"),
    ("audit", "verify"),
)


@pytest.mark.parametrize("command", READ_ONLY)
def test_a_read_only_command_on_a_missing_sqlite_file_does_not_create_it(
    command: tuple[str, ...], cli: Any, tmp_path: Path
) -> None:
    """A read-only command on a SQLite file that did not exist left an empty one behind, then said
    to run `anpo db init` (or that it could not use the database): it now says the database does
    not exist, with exit status 1 as "cannot use the database" has (the ledger's and the work's
    commands had 2), and creates nothing; `anpo db init` still creates it."""
    path = tmp_path / "none.sqlite3"
    res = cli.run(*command, "--url", f"sqlite:///{path}")
    assert res.exit_code == 1, res.output
    assert f"the database {path} does not exist: run `anpo db init` first" in res.stderr
    assert list(tmp_path.iterdir()) == []
    ja = cli.run(*command, "--url", f"sqlite:///{path}", "--lang", "ja")
    assert ja.exit_code == 1 and f"データベース {path} がありません" in ja.stderr
    assert cli.run("db", "init", "--url", f"sqlite:///{path}").exit_code == 0 and path.exists()
    assert cli.run(*command, "--url", f"sqlite:///{path}").exit_code == 0


def test_a_step_on_a_missing_sqlite_file_does_not_create_it(cli: Any, tmp_path: Path) -> None:
    """A step (a write) on a SQLite file that did not exist left an empty one behind too, then said
    to run `anpo db init`: no step can apply to a database without its tables."""
    path = tmp_path / "none.sqlite3"
    res = cli.run("acsa", "sign", "o1", "--party", "jpn", "--url", f"sqlite:///{path}")
    assert res.exit_code == 1 and f"the database {path} does not exist" in res.stderr, res.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [*READ_ONLY[:6], ("acsa", "sign", "o1", "--party", "jpn"), ("audit", "verify")])
def test_a_command_on_an_uninitialised_database_exits_1(command: tuple[str, ...], cli: Any, tmp_path: Path) -> None:
    """A database without the tables of `anpo db init` (an empty file) exits 1 in the ledger's and
    the work's commands, as in `audit verify` (they exited 2, with the same advice)."""
    path = tmp_path / "empty.sqlite3"
    path.touch()
    res = cli.run(*command, "--url", f"sqlite:///{path}")
    assert res.exit_code == 1 and not isinstance(res.exception, Exception), res.output
    assert "anpo db init" in res.stderr
    assert cli.run(*command, "--url", f"sqlite:///{path}", "--lang", "ja").exit_code == 1
