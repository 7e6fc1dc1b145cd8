"""`anpo.store.checkpoint`: an SQLite engine's commits reach the database file through its
checkpointer's thread, not through a checkpoint run by the writer; the thread ends when idle or
when the engine is disposed, and never creates a database."""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from anpo.store import checkpoint
from anpo.store.checkpoint import Checkpointer
from anpo.store.db import make_engine


def _rows_in_file_alone(path: Path, copy: Path) -> int | None:
    """The rows of `t` in a copy of the database file without its WAL (None while unreadable)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copy(path, copy)
    try:
        with sqlite3.connect(copy) as conn:
            return int(conn.execute("SELECT count(*) FROM t").fetchone()[0])
    except sqlite3.Error:
        return None


def _eventually(predicate: object, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_commits_reach_the_file_without_the_writer_checkpointing(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == checkpoint.BACKSTOP_PAGES
            conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
        for batch in range(5):
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO t (v) VALUES (:v)"), [{"v": f"{batch}-{i}"} for i in range(100)])
        # A few pages, far below either threshold: only the checkpointer's thread copies them.
        copy = tmp_path / "copy.sqlite3"
        assert _eventually(lambda: _rows_in_file_alone(path, copy) == 500)
    finally:
        engine.dispose()


def test_the_thread_ends_when_idle_and_starts_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checkpoint, "IDLE_SECONDS", 0.3)
    path = tmp_path / "b.sqlite3"
    sqlite3.connect(path).execute("PRAGMA journal_mode=WAL").close()
    ckpt = Checkpointer(str(path))
    ckpt.committed()
    assert ckpt.running
    assert _eventually(lambda: ckpt.checkpoints == 1)
    assert _eventually(lambda: not ckpt.running)
    ckpt.committed()
    assert _eventually(lambda: ckpt.checkpoints == 2)
    ckpt.close()
    assert not ckpt.running
    ckpt.committed()  # a disposed engine stays usable: its next commit starts another thread
    assert _eventually(lambda: ckpt.checkpoints == 3)
    ckpt.close()
    assert not ckpt.running


def test_disposing_the_engine_ends_its_thread(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
    (ckpt,) = [
        fn.__self__ for fn in engine.dispatch.engine_disposed if isinstance(getattr(fn, "__self__", None), Checkpointer)
    ]
    assert ckpt.running
    engine.dispose()
    assert not ckpt.running


def test_no_database_is_created(tmp_path: Path) -> None:
    missing = tmp_path / "missing.sqlite3"
    ckpt = Checkpointer(str(missing))
    ckpt.committed()
    assert _eventually(lambda: not ckpt.running)
    assert not missing.exists()
    assert ckpt.checkpoints == 0
