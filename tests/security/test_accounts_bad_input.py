"""Bad input to accounts (`anpo users ...` and `anpo.security.accounts`) gets a reason in both
languages and a non-zero exit, never a traceback, and stores nothing. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from anpo.cli import app
from anpo.framework.framework import Framework
from anpo.security import accounts
from anpo.security.accounts import AccountError, create_token, create_user
from anpo.security.markings import Levels
from anpo.store.db import session_factory, transaction

PASSWORD = "correct horse battery staple"


def _rows(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def _create(engine: Engine, fw: Framework, username: str, password: str = PASSWORD) -> None:
    with transaction(session_factory(engine)) as session:
        create_user(session, Levels(fw), username, password, party=None, clearance="public", roles=())


def test_a_username_with_a_final_line_break_is_refused(engine: Engine, fw: Framework, db_url: str, cli: Any) -> None:
    """`USERNAME` ended in `$`, which also matches before a final line break: "alice\\n" was stored
    as a second account beside "alice"."""
    _create(engine, fw, "alice")
    with pytest.raises(AccountError) as refused:
        _create(engine, fw, "alice\n")
    assert "2-63" in refused.value.text.en and "2〜63" in refused.value.text.ja
    args = ["users", "create", "bob\n", "--password-stdin", "--url", db_url, "--lang", "ja"]
    res = cli.runner.invoke(app, args, input=PASSWORD + "\n")
    assert res.exit_code == 2 and "ユーザー名は" in res.stderr, res.output
    assert _rows(engine, "SELECT id FROM users") == [("alice",)]
    assert _rows(engine, "SELECT count(*) FROM audit_log WHERE action = 'user.create'") == [(1,)]


@pytest.mark.parametrize(
    ("password", "en", "ja"),
    [
        ("correct horse\udcff battery", "not UTF-8", "UTF-8ではない"),  # a pipe's bad bytes, surrogateescaped
        ("correct horse\x00battery", "control characters", "制御文字"),
        ("\t" * 12, "control characters", "制御文字"),
        ("correct horse battery\n", "control characters", "制御文字"),
    ],
)
def test_a_password_that_cannot_be_hashed_or_typed_is_refused(
    engine: Engine, fw: Framework, password: str, en: str, ja: str
) -> None:
    """A lone surrogate failed in argon2 with a traceback; control characters were hashed and stored,
    for an account that could never log in through the form (NUL refused, tabs and line breaks not typed)."""
    with pytest.raises(AccountError) as refused:
        _create(engine, fw, "carol", password)
    assert en in refused.value.text.en and ja in refused.value.text.ja
    assert _rows(engine, "SELECT id FROM users") == []


def test_a_password_on_stdin_that_is_not_utf8_is_refused(engine: Engine, db_url: str, cli: Any) -> None:
    """`--password-stdin` with bytes that are not UTF-8 ended in a traceback (a UnicodeDecodeError
    under a strict locale, argon2's UnicodeEncodeError under surrogateescape)."""
    args = ["users", "create", "carol", "--password-stdin", "--url", db_url]
    res = cli.runner.invoke(app, args, input=b"correct horse \xff\xfe battery\n")
    assert res.exit_code == 2 and "a password has bytes that are not UTF-8" in res.stderr, res.output
    res = cli.runner.invoke(app, [*args, "--lang", "ja"], input=b"correct horse \xff\xfe battery\n")
    assert res.exit_code == 2 and "パスワードにUTF-8ではないバイトがあります" in res.stderr, res.output
    assert _rows(engine, "SELECT id FROM users") == []


def test_a_token_name_too_long_is_refused_not_cut_short(engine: Engine, fw: Framework, db_url: str, cli: Any) -> None:
    """A name past the column's 64 characters was cut to 64 while the command echoed it whole."""
    _create(engine, fw, "carol")
    long = "n" * (accounts.TOKEN_NAME_MAX + 1)
    with transaction(session_factory(engine)) as session, pytest.raises(AccountError) as refused:
        create_token(session, "carol", long)
    assert "64" in refused.value.text.en and "64" in refused.value.text.ja
    res = cli.run("users", "token", "carol", "--name", long, "--url", db_url, "--lang", "ja")
    assert res.exit_code == 2 and "トークンの用途は64文字以下" in res.stderr, res.output
    assert _rows(engine, "SELECT name FROM api_tokens") == []
    exact = "n" * accounts.TOKEN_NAME_MAX
    assert cli.json("users", "token", "carol", "--name", exact, "--url", db_url)["name"] == exact
    assert _rows(engine, "SELECT name FROM api_tokens") == [(exact,)]


@pytest.mark.parametrize("args", [["create", "root", "--password-stdin"], ["disable", "root"], ["token", "root"]])
def test_a_missing_database_file_is_named_and_not_made(tmp_path: Path, cli: Any, args: list[str]) -> None:
    """`users create|disable|token` on a SQLite file that does not exist left an empty file behind
    and said only "no such table: users"; they now say what `users list` says."""
    path = tmp_path / "none.sqlite3"
    res = cli.runner.invoke(app, ["users", *args, "--url", f"sqlite:///{path}"], input=PASSWORD + "\n")
    assert res.exit_code == 1 and "does not exist" in res.stderr and "anpo db init" in res.stderr, res.output
    assert not path.exists()
