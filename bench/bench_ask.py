"""Benchmarks for `anpo ask` (issue 3): batch answers per second, and single-shot wall time.

Batch: 1,000,000 mixed `acsa.may_provide` cases (both providers, every category and context, dates
from 1995 to 2025) answered in-process by the CLI's batch runner, against a baseline in the same
process: parsing the same lines and looking up a precomputed answer in a dict.
Single shot: median wall time of `anpo ask acsa.may_provide ...` against `python3 -c pass`.

    .venv/bin/python bench/bench_ask.py [--cases N] [--runs N]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from anpo.cli.ask_cmd import run_batch
from anpo.framework.pack import default_framework
from anpo.rules.questions.acsa import ACSA_CONTEXTS, CATEGORIES, PROVIDERS

QUESTION = "acsa.may_provide"


def make_cases(path: Path, count: int, seed: int = 3) -> None:
    rng = random.Random(seed)
    first = dt.date(1995, 1, 1).toordinal()
    last = dt.date(2025, 12, 31).toordinal()
    with path.open("w", encoding="utf-8") as fh:
        for _ in range(count):
            case = {
                "provider": rng.choice(PROVIDERS),
                "category": rng.choice(CATEGORIES),
                "context": rng.choice(ACSA_CONTEXTS),
                "on": dt.date.fromordinal(rng.randint(first, last)).isoformat(),
            }
            fh.write(json.dumps(case) + "\n")


def baseline(path: Path) -> float:
    """Parse each line and look its answer up in a dict: the floor for any batch answerer."""
    table = {(p, c, x): json.dumps({"answer": False}) for p in PROVIDERS for c in CATEGORIES for x in ACSA_CONTEXTS}
    start = time.perf_counter()
    with path.open(encoding="utf-8") as fh, open(os.devnull, "w", encoding="utf-8") as sink:
        out = []
        for line in fh:
            rec = json.loads(line)
            out.append(table[rec["provider"], rec["category"], rec["context"]])
            if len(out) >= 4096:
                sink.write("\n".join(out))
                out.clear()
        sink.write("\n".join(out))
    return time.perf_counter() - start


def batch(path: Path) -> tuple[float, int]:
    """The CLI's batch runner, writing its JSON lines to a file as `anpo ask --batch > out.jsonl` would."""
    fw = default_framework()
    out = path.with_suffix(".out")
    with out.open("w", encoding="utf-8") as sink:
        start = time.perf_counter()
        with contextlib.redirect_stdout(sink):
            status = run_batch(fw, QUESTION, path, with_explain=False)
        sink.flush()
        elapsed = time.perf_counter() - start
    assert status == 0
    with out.open(encoding="utf-8") as fh:
        lines = sum(1 for _ in fh)
    return elapsed, lines


def wall(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cases.jsonl"
        make_cases(path, args.cases)
        base = baseline(path)
        elapsed, lines = batch(path)
    assert lines == args.cases, (lines, args.cases)
    rate = args.cases / elapsed
    print(f"batch {QUESTION}: {args.cases:,} cases in {elapsed:.2f} s = {rate:,.0f} answers/s (target >= 100,000)")
    print(
        f"baseline (json.loads + dict lookup): {base:.2f} s = {args.cases / base:,.0f} lines/s; batch/baseline = {elapsed / base:.2f}x"
    )
    anpo = str(Path(sys.executable).with_name("anpo"))
    cmd = [anpo, "ask", QUESTION, "provider=jpn", "category=ammunition", "context=joint_training", "--on", "2014-07-01"]
    wall(cmd, 2)  # warm the pack cache
    single = wall(cmd, args.runs)
    python = wall(["python3", "-c", "pass"], args.runs)
    print(
        f"single anpo ask: median {single:.3f} s over {args.runs} runs (target < 0.4 s); python3 -c pass: {python:.3f} s; ratio {single / python:.2f}x"
    )
    print(f"cpu: {os.cpu_count()} logical; python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
