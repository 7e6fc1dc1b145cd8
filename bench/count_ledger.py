"""Instructions per batched submission of the ACSA ledger, counted by valgrind (callgrind): a
figure that does not move with the machine's load, for comparing two versions of the code when
wall-clock runs of `bench_ledger.py` vary by a fifth from one minute to the next.

Generates `--lifecycles` demo lifecycles (seed 1, as `bench_ledger.py`; the policy's answers are
memoised by the generation, as there), creates one SQLite database, then submits all of them
`--reps` times, each time into a fresh copy of that database, 200 lifecycles per transaction.
Run it under callgrind with `--reps 1` and `--reps 3`: half the difference of the two totals is one
submission, without the start-up, the generation and the schema's creation.

    for r in 1 3; do PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        .venv/bin/python bench/count_ledger.py --lifecycles 1000 --reps $r 2>&1 | grep Collected; done

With `--single`, each command is its own transaction (the CLI's and the web's path), in date
order as `bench_ledger.py`'s single mode submits them; use fewer lifecycles (300, say).

With `--verify`, each submission is followed by `verify`, as `bench_ledger.py`'s post-and-verify.
With `--beancount`, the lifecycles are submitted once and exported, and beancount loads and checks
that ledger `--reps` times instead (`loader.load_string`, as `bench_ledger.py`): the two give the
anpo-against-beancount ratio in instructions, which the machine's minute does not move (a proxy
for the ratio of seconds: it leaves out waits for the disk, and instructions differ in cost).

    for what in --verify --beancount; do for r in 1 3; do PYTHONHASHSEED=0 valgrind --tool=callgrind \
        --callgrind-out-file=/dev/null .venv/bin/python bench/count_ledger.py --lifecycles 1000 \
        --reps $r $what 2>&1 | grep Collected; done; done

Without valgrind it prints the wall time of each submission, and how much of it the submitting
thread spent off the CPU (wall time less its own CPU time: waiting for the disk, or for the GIL)
and in the kernel (its system time: the writes and reads of the database's files).
"""

from __future__ import annotations

import argparse
import gc
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_ledger import submit_all, submit_chunks  # this script's own directory is on the path

from anpo.framework.framework import Framework
from anpo.framework.pack import default_framework
from anpo.ledger.demo import Demo, interleave
from anpo.ledger.engine import Ledger
from anpo.ledger.export import to_beancount
from anpo.ledger.queries import Reader, verify
from anpo.security.markings import Levels
from anpo.security.principal import system_principal
from anpo.startup import settle
from anpo.store.db import make_engine, session_factory, transaction
from anpo.store.migrate import init_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lifecycles", type=int, default=1000)
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--single", action="store_true", help="one command per transaction")
    parser.add_argument("--verify", action="store_true", help="verify the ledger after each submission")
    parser.add_argument("--beancount", action="store_true", help="load the exported ledger with beancount instead")
    args = parser.parse_args()
    fw = default_framework()
    lifecycles = list(Demo(fw, 1, "b").lifecycles(args.lifecycles))
    tmp = Path(tempfile.mkdtemp())
    try:
        template = tmp / "template.sqlite3"
        engine = make_engine(f"sqlite:///{template}")
        init_database(engine)
        engine.dispose()  # the last connection closed: the WAL is checkpointed into the file
        settle()
        if args.beancount:
            count_beancount(fw, template, lifecycles, args.reps)
            return
        for rep in range(args.reps):
            path = tmp / f"run{rep}.sqlite3"
            shutil.copy(template, path)
            engine = make_engine(f"sqlite:///{path}")
            start, cpu, kernel = time.perf_counter(), time.thread_time(), _kernel_time()
            if args.single:
                submit_chunks(Ledger(engine, fw), [[c] for c in interleave(lifecycles)])
            else:
                submit_all(Ledger(engine, fw), lifecycles)
            if args.verify:
                with transaction(session_factory(engine)) as session:
                    assert verify(session) == []
            wall, cpu = time.perf_counter() - start, time.thread_time() - cpu
            kernel = _kernel_time() - kernel
            print(
                f"submission {rep + 1}: {wall:.3f} s, of which off the CPU {wall - cpu:.3f} s, in the kernel {kernel:.3f} s",
                flush=True,
            )
            engine.dispose()
    finally:
        shutil.rmtree(tmp)


def _kernel_time() -> float:
    """The system time of the calling thread so far, in seconds (Linux)."""
    return resource.getrusage(resource.RUSAGE_THREAD).ru_stime


def count_beancount(fw: Framework, path: Path, lifecycles: list[list[Any]], reps: int) -> None:
    """Submit `lifecycles` once into the database at `path`, export it, and load the export `reps`
    times with beancount."""
    from beancount import loader

    engine = make_engine(f"sqlite:///{path}")
    submit_all(Ledger(engine, fw), lifecycles)
    with transaction(session_factory(engine)) as session:
        text = to_beancount(Reader(session, Levels(fw), system_principal()))
    engine.dispose()
    gc.collect()
    for rep in range(reps):
        start = time.perf_counter()
        _, errors, _ = loader.load_string(text)
        assert not errors, errors[:3]
        print(f"beancount load {rep + 1}: {time.perf_counter() - start:.3f} s", flush=True)


if __name__ == "__main__":
    main()
