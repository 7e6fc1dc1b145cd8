"""`anpo acsa export -o FILE` and `anpo calendar export --out FILE` write the file whole or not at
all: a write that fails part-way (a full disk) says so, leaves the previous file as it was and no
temporary file; one that succeeds writes exactly what the command prints without the option.
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest
from ledger_helpers import lifecycle, run
from sqlalchemy import Engine

from anpo.ledger.engine import Ledger


def _disk_full(fd: int) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize(
    "command",
    [
        ("acsa", "export", "--format", "csv", "-o"),
        ("acsa", "export", "--format", "beancount", "--output"),
        ("calendar", "export", "--out"),
    ],
)
def test_an_export_writes_what_it_prints_or_leaves_the_file(
    engine: Engine,
    db_url: str,
    fw: Any,
    cli: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: tuple[str, ...],
) -> None:
    run(Ledger(engine, fw), *lifecycle("o1"))
    u = ("--url", db_url)
    printed = cli.run(*command[:-1], *u)
    assert printed.exit_code == 0, printed.output
    out = tmp_path / "out"  # beside the SQLite database's files
    out.mkdir()
    target = out / "export.out"
    written = cli.run(*command, str(target), *u)
    assert written.exit_code == 0, written.output
    assert target.read_bytes() == printed.stdout_bytes and target.stat().st_size > 0

    target.write_text("the previous export")
    monkeypatch.setattr(os, "fsync", _disk_full)
    for lang, says in (("en", f"cannot write {target}: No space left"), ("ja", f"{target} に書き込めません")):
        res = cli.run(*command, str(target), *u, "--lang", lang)
        assert res.exit_code == 2 and says in res.stderr, res.output
    assert target.read_text() == "the previous export"
    assert [p.name for p in out.iterdir()] == ["export.out"]
