"""Live updates of coordination cases: one broker per server process fans new case entries out to
the subscribers allowed to read them.

The broker learns of new entries from the database itself, so several processes agree: on
PostgreSQL each entry's transaction sends NOTIFY `anpo_work` (delivered on commit) and the broker
LISTENs; on SQLite it polls for entries above its high-water mark. A write in this process also
wakes it at once. Either way it reads entries in id order and never sends one twice.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, func, select

from anpo.framework.framework import Framework
from anpo.security.access import can_read
from anpo.security.markings import Levels, Marking
from anpo.security.principal import Principal, system_principal
from anpo.store.db import session_factory, transaction
from anpo.work.common import Work
from anpo.work.coordination import NOTIFY_CHANNEL, entry_json
from anpo.work.tables import Entry

QUEUE_MAX = 1000


@dataclass(eq=False)
class Subscriber:
    case_id: str
    principal: Principal
    queue: asyncio.Queue[dict[str, Any]] = field(default_factory=lambda: asyncio.Queue(QUEUE_MAX))
    dropped: bool = False


class Broker:
    def __init__(self, engine: Engine, fw: Framework, poll_seconds: float = 0.2) -> None:
        self.engine, self.fw = engine, fw
        self.levels = Levels(fw)
        self.factory = session_factory(engine)
        self.postgres = engine.dialect.name == "postgresql"
        # PostgreSQL wakes us by NOTIFY; the slow poll there only covers a lost listener connection.
        self.poll_seconds = 5.0 if self.postgres else poll_seconds
        self.subs: dict[str, set[Subscriber]] = {}
        self.last_id = 0
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._starting: asyncio.Future[None] | None = None

    async def start(self) -> None:
        """Start once, however many requests ask at the same moment (each waits for the start)."""
        if self._starting is None:
            self._starting = asyncio.ensure_future(self._start())
        await asyncio.shield(self._starting)

    async def _start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self.last_id = await asyncio.to_thread(self._max_id)
        self._tasks.append(asyncio.create_task(self._run()))
        if self.postgres:
            self._tasks.append(asyncio.create_task(self._listen()))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        self._starting = None

    def subscribe(self, case_id: str, principal: Principal) -> Subscriber:
        sub = Subscriber(case_id, principal)
        self.subs.setdefault(case_id, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        subs = self.subs.get(sub.case_id)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self.subs[sub.case_id]

    def wake(self) -> None:
        """Called after a commit in this process (from any thread): look for new entries now."""
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    def _max_id(self) -> int:
        with transaction(self.factory) as session:
            return int(session.execute(select(func.coalesce(func.max(Entry.id), 0))).scalar_one())

    def _fetch(self, after: int) -> list[tuple[int, str, Marking, dict[str, Any]]]:
        with transaction(self.factory) as session:
            w = Work(self.fw, session, system_principal())
            rows = session.execute(select(Entry).where(Entry.id > after).order_by(Entry.id).limit(500)).scalars()
            return [(e.id, e.case_id, e.marking, entry_json(w, e)) for e in rows]

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
            self._wake.clear()
            try:
                rows = await asyncio.to_thread(self._fetch, self.last_id)
            except Exception:  # the database may be briefly away; try again on the next tick
                await asyncio.sleep(self.poll_seconds)
                continue
            for entry_id, case_id, marking, data in rows:
                self.last_id = max(self.last_id, entry_id)
                self._dispatch(case_id, marking, data)
            if len(rows) == 500:
                self._wake.set()

    def _dispatch(self, case_id: str, marking: Marking, data: dict[str, Any]) -> None:
        for sub in list(self.subs.get(case_id, ())):
            try:
                allowed = can_read(self.levels, sub.principal, marking)
            except ValueError:
                allowed = False
            if not allowed:
                continue
            try:
                sub.queue.put_nowait(data)
            except asyncio.QueueFull:
                sub.dropped = True  # the stream ends; the client reconnects with Last-Event-ID

    async def _listen(self) -> None:
        import psycopg

        conninfo = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    assert self._wake is not None
                    self._wake.set()  # catch up on anything committed before LISTEN took effect
                    async for _note in conn.notifies():
                        self._wake.set()
            except asyncio.CancelledError:
                raise
            except Exception:
                await asyncio.sleep(1.0)
