"""`anpo db init` in a process of its own: the schema and every feature's historical records, whatever
the command line happened to import before (the work module's importer once went missing when the
CLI stopped importing that module at start-up)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text


def test_db_init_imports_the_packs_records_in_a_fresh_process(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'anpo.sqlite3'}"
    done = subprocess.run(
        [sys.executable, "-m", "anpo", "db", "init", "--url", url, "--json"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    engine = create_engine(url)
    with engine.connect() as conn:
        meetings = conn.execute(text("SELECT count(*) FROM work_meetings")).scalar_one()
    engine.dispose()
    assert meetings > 0  # the meetings of the shipped pack


def test_an_argument_that_is_not_utf8_is_refused_before_any_command_runs(tmp_path: Path) -> None:
    """Python hands argument bytes that are not UTF-8 over as lone surrogates, which no database
    can store: `anpo cases open` failed with a traceback. Refused in both languages, exit 2,
    before the command opens (and so creates) its database."""
    path = tmp_path / "anpo.sqlite3"
    args = [b"cases", b"open", b"--title-ja", b"a\xffb", b"--title-en", b"x", b"--type", b"other", b"--level", b"acg"]
    done = subprocess.run(
        [sys.executable.encode(), b"-m", b"anpo", *args, b"--url", f"sqlite:///{path}".encode()], capture_output=True
    )
    assert done.returncode == 2, done.stderr
    message = done.stderr.decode()
    assert "is not UTF-8" in message and "UTF-8ではありません" in message and "Traceback" not in message
    assert not path.exists()
