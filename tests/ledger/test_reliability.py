"""Crash safety and concurrency with real processes on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from ledger_helpers import problems
from sqlalchemy import Engine, select

from anpo.ledger import tables as t
from anpo.ledger.demo import Demo, interleave
from anpo.security import audit
from anpo.store.db import session_factory, transaction

WRITER = Path(__file__).with_name("writer.py")


def _start(db_url: str, batch: int, *seeds: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WRITER), db_url, str(batch), *map(str, seeds)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )


def _acks(text: str) -> dict[str, str]:
    return {p[1]: p[2] for p in (line.split() for line in text.splitlines()) if len(p) == 3 and p[0] == "ACK"}


def _stored(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(select(t.commands.c.id, t.commands.c.postings)).all())  # type: ignore[arg-type]


def test_sigkilled_writer_loses_no_acknowledged_step_and_applies_none_twice(
    engine: Engine, db_url: str, fw: Any
) -> None:
    rng = random.Random(4)
    everything = {c.id for c in interleave(list(Demo(fw, 11, "w").lifecycles(40)))}
    acknowledged: dict[str, str] = {}
    kills = 0
    for round_no in range(6):
        proc = _start(db_url, 3, 11)
        # kill at a random point of the stream: after a random number of acknowledgements, plus a
        # random few milliseconds (so sometimes mid-transaction, sometimes between batches)
        target = rng.randrange(1, 120) + 40 * round_no
        lines: list[str] = []
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if len(lines) >= target:
                time.sleep(rng.uniform(0, 0.02))
                break
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        out, _err = proc.communicate()
        acks = _acks("".join(lines) + out)
        assert all(code in ("ok", "exists") for code in acks.values()), acks
        acknowledged.update(acks)
        stored = _stored(engine)
        assert set(acknowledged) <= set(stored)  # nothing acknowledged is lost
        assert problems(engine) == []  # nothing applied twice, everything balances
    proc = _start(db_url, 50, 11)  # the final restart completes the stream
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "DONE" in out
    assert set(_stored(engine)) == everything
    assert problems(engine) == []
    assert kills >= 5


def test_concurrent_writers_keep_the_invariants(engine: Engine, db_url: str, fw: Any) -> None:
    # Three processes post the same shared workload (racing on the same ids) and one of their own.
    procs = [_start(db_url, 4, 21, 30 + i) for i in range(3)]
    outs = []
    for proc in procs:
        out, err = proc.communicate(timeout=150)
        assert proc.returncode == 0, err[-2000:]
        outs.append(_acks(out))
    expected = {c.id for seed in (21, 30, 31, 32) for c in interleave(list(Demo(fw, seed, "w").lifecycles(40)))}
    for acks in outs:
        assert all(code in ("ok", "exists") for code in acks.values())
    shared = {c.id for c in interleave(list(Demo(fw, 21, "w").lifecycles(40)))}
    # each shared command was applied by exactly one writer; the others got the original result
    for cid in shared:
        assert sum(acks[cid] == "ok" for acks in outs) == 1, cid
    assert set(_stored(engine)) == expected  # no update lost
    assert problems(engine) == []
    with transaction(session_factory(engine)) as session:
        assert audit.verify(session) is None  # the writers' entries make one chain: appends took turns


@pytest.mark.parametrize("count", [80, 1], ids=["copy", "pipeline"])
def test_a_racing_duplicate_id_is_retried_and_answered_from_the_first(engine: Engine, fw: Any, count: int) -> None:
    """The writes of a batch (on PostgreSQL: COPY from 64 rows on, else one pipeline of INSERTs)
    fail as a retryable database error when another transaction stored the same command id first;
    the retry then finds it and answers `exists`. (On SQLite writers queue on BEGIN IMMEDIATE, so
    the lookup always sees the first.)"""
    from ledger_helpers import P, order

    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite writers are serialised before they look ids up")

    from anpo.ledger import engine as ledger_engine
    from anpo.ledger.commands import parse
    from anpo.ledger.engine import Ledger

    ledger = Ledger(engine, fw)
    cmds = [parse(order(f"race{i}")) for i in range(count)]
    assert {r["code"] for r in ledger.submit(P, cmds)} == {"ok"}
    real_stored = ledger_engine._stored
    calls = []

    def blind(session: Any, ids: list[str]) -> Any:  # the first attempt does not see the stored ids
        calls.append(ids)
        return {} if len(calls) == 1 else real_stored(session, ids)

    ledger_engine._stored = blind  # type: ignore[assignment]
    try:
        again = ledger.submit(P, cmds)
    finally:
        ledger_engine._stored = real_stored  # type: ignore[assignment]
    assert len(calls) == 2 and ledger.retries == 1
    assert {r["code"] for r in again} == {"exists"} and again[0]["order"] == "race0"
    assert problems(engine) == []
