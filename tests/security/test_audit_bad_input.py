"""`anpo audit verify` on a log changed, cut or reordered (it says which entry and how), and on a
database that has no log or is no database (a message and exit 1, never a traceback)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from anpo.security.audit import record
from anpo.security.markings import PUBLIC
from anpo.security.principal import system_principal
from anpo.store.db import session_factory, transaction


def _tamper(engine: Any, *statements: str) -> None:
    """As someone with direct database access (on PostgreSQL, with the append-only trigger off)."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        for sql in statements:
            conn.execute(text(sql))


def _five(engine: Any) -> list[int]:
    with transaction(session_factory(engine)) as s:
        for i in range(5):
            record(s, system_principal(), "test.write", "thing", str(i), PUBLIC)
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT id FROM audit_log ORDER BY id")).scalars())


@pytest.mark.parametrize(
    ("change", "bad", "problem", "says"),
    [
        ("UPDATE audit_log SET actor = 'x' WHERE id = {2}", 2, "changed", "its fields or hash were changed"),
        ("DELETE FROM audit_log WHERE id = {2}", 3, "missing_before", "the entry it was written after is gone"),
        (
            "UPDATE audit_log SET id = -1 WHERE id = {2};UPDATE audit_log SET id = {2} WHERE id = {3};"
            "UPDATE audit_log SET id = {3} WHERE id = -1",
            2,
            "out_of_order",
            "it follows another entry than the one it was written after",
        ),
    ],
    ids=["changed", "deleted", "reordered"],
)
def test_verify_says_which_entry_and_how(
    engine: Any, db_url: str, cli: Any, change: str, bad: int, problem: str, says: str
) -> None:
    ids = _five(engine)
    _tamper(engine, *change.format(*ids).split(";"))
    result = cli.run("audit", "verify", "--url", db_url)
    assert result.exit_code == 1 and f"audit entry {ids[bad]} does not match: {says}" in result.stdout, result.output
    data = json.loads(cli.run("audit", "verify", "--url", db_url, "--json").stdout)
    assert data == {"ok": False, "first_bad_entry": ids[bad], "problem": problem}
    ja = cli.run("audit", "verify", "--url", db_url, "--lang", "ja")
    assert f"監査ログのエントリ{ids[bad]}が一致しません: " in ja.stdout


def test_a_log_cut_at_its_end_still_chains_so_the_head_is_shown(engine: Any, db_url: str, cli: Any) -> None:
    from anpo.security.audit import check

    ids = _five(engine)
    with transaction(session_factory(engine)) as s:
        whole = check(s)
    assert whole.bad is None and whole.last == ids[-1]
    ok = cli.run("audit", "verify", "--url", db_url)
    assert ok.exit_code == 0 and f"the last {ids[-1]}, {whole.head[:16]})" in ok.stdout, ok.output
    _tamper(engine, f"DELETE FROM audit_log WHERE id = {ids[-1]}")
    cut = cli.run("audit", "verify", "--url", db_url)
    assert cut.exit_code == 0 and f"the last {ids[-2]}, " in cut.stdout and whole.head[:16] not in cut.stdout
    assert json.loads(cli.run("audit", "verify", "--url", db_url, "--json").stdout) == {
        "ok": True,
        "first_bad_entry": None,
    }


def test_verify_on_a_database_without_the_log(db_url: str, cli: Any) -> None:
    """An empty database (PostgreSQL's was a traceback, UndefinedTable)."""
    if db_url.startswith("sqlite"):
        Path(db_url.removeprefix("sqlite:///")).touch()
    result = cli.run("audit", "verify", "--url", db_url)
    assert result.exit_code == 1 and not isinstance(result.exception, Exception), result.exception
    assert "no audit log (the database is not initialized): run `anpo db init` first" in result.stderr


def test_verify_on_a_file_that_is_no_database(tmp_path: Path, cli: Any) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_text("not a database\n" * 100)
    result = cli.run("audit", "verify", "--url", f"sqlite:///{junk}")
    assert result.exit_code == 1 and not isinstance(result.exception, Exception), result.exception
    assert "cannot use the database: file is not a database" in result.stderr
    missing = cli.run("audit", "verify", "--url", f"sqlite:///{tmp_path / 'none.sqlite3'}")
    assert missing.exit_code == 1 and "does not exist" in missing.stderr
    assert not (tmp_path / "none.sqlite3").exists()
