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
