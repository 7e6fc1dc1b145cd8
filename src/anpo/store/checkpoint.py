"""SQLite checkpoints on a thread of their own, off the writer's path.

In WAL mode a commit appends pages to the `-wal` file; a checkpoint copies them into the database
file, and with `synchronous=NORMAL` it is the only step that waits for the disk (it syncs the WAL,
then the file). By default the connection that commits past 1,000 WAL pages runs the checkpoint
itself, so one writer in every few hundred waits for two syncs and the copy. Here each engine's
commits wake a thread that checkpoints (`PASSIVE`: it never blocks a reader or a writer) a little
later, on its own connection; the driver releases the GIL while SQLite works, so the copy and the
syncs overlap the writer's Python on another core. A batched submission of 5,000 ledger
lifecycles waited 0.14-0.20 s for them, now about 0.01 s (bench/ledger-rounds.md, stop 18).

The writer's own automatic checkpoint stays on, at `BACKSTOP_PAGES`: a thread that falls behind,
or a process that forked without it, still cannot let the WAL grow without bound. (While one writer
commits back to back the WAL is never found wholly copied at the start of its next transaction, so
it does not start over from its beginning until the backstop's checkpoint catches it up.)

Durability does not change: a commit survives a crash of the process as soon as it returns, and a
checkpoint interrupted by a crash is redone from the WAL when the database is next opened.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

# The writer checkpoints itself only past this many WAL pages (4 KiB each: ~40 MB), ten times
# SQLite's default.
BACKSTOP_PAGES = 10_000
# After a commit wakes it, the thread waits this long before it checkpoints, so a burst of commits
# costs one checkpoint (at most ~10 a second), not one each.
GATHER_SECONDS = 0.1
# A thread woken by no commit for this long closes its connection and ends; the next commit starts
# another. (Tests open hundreds of databases; a server that writes keeps one.)
IDLE_SECONDS = 5.0


class Checkpointer:
    """Checkpoints the SQLite database at `path` whenever `committed` has been called since the
    last checkpoint. `close` (an engine's disposal) ends the thread; as a disposed engine stays
    usable, its next commit starts another."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.checkpoints = 0  # completed, for tests and curiosity
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()  # the current thread's: `close` sets it

    @property
    def running(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    def committed(self, *_args: Any) -> None:
        """A transaction on this database has committed, or is committing (the engine's `commit`
        event fires just before the driver's commit; the thread's pause lets it finish)."""
        self._wake.set()
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._stop = threading.Event()
                    self._thread = threading.Thread(
                        target=self._run, args=(self._stop,), name="anpo-sqlite-checkpoint", daemon=True
                    )
                    self._thread.start()

    def close(self, *_args: Any) -> None:
        """End the thread without a last checkpoint: the engine's last connection to close makes one."""
        with self._lock:
            thread, self._thread = self._thread, None
            stop = self._stop
        stop.set()
        self._wake.set()  # out of its wait; it leaves the flag set for a thread started after
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=30)

    def _run(self, stop: threading.Event) -> None:
        try:  # mode=rw: never create a database that is not there
            conn = sqlite3.connect(f"{Path(self.path).resolve().as_uri()}?mode=rw", uri=True, timeout=30)
        except sqlite3.Error:
            self._leave()
            return
        try:
            while not stop.is_set():
                if not self._wake.wait(IDLE_SECONDS):
                    if self._leave():
                        return
                    continue
                if stop.is_set():
                    return
                self._wake.clear()
                if stop.wait(GATHER_SECONDS):
                    return
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error:
                    continue  # e.g. the file was removed under us: the next commit tries again
                self.checkpoints += 1
        finally:
            conn.close()

    def _leave(self) -> bool:
        """Forget this thread, unless a commit has come since the last wait; whether it did."""
        with self._lock:
            if self._wake.is_set() and self._thread is threading.current_thread():
                return False
            if self._thread is threading.current_thread():
                self._thread = None
            return True
