"""Benchmark for issue 6: delivery latency of a coordination-case entry to many SSE subscribers.

SQLite: one server process. PostgreSQL: two server processes on one database, subscribers split
between them and entries posted to the first, so half the deliveries cross processes through
LISTEN/NOTIFY. Latency = time from sending the POST to a subscriber reading the entry, measured by
one client process (so one clock). Loopback only; bounded in subscribers, posts and time.

    .venv/bin/python bench/bench_events.py [--backend sqlite|postgresql|both] [--subscribers 500] [--posts 20]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

PG_ADMIN = os.environ.get("ANPO_TEST_PG_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
TOKEN = "bench-token"
DEADLINE_S = 180


def serve(url: str, port: int) -> None:
    """Run one server process (used by the benchmark itself through `--serve`)."""
    import uvicorn

    from anpo.security.principal import Principal
    from anpo.startup import settle
    from anpo.store.db import make_engine
    from anpo.web.app import create_app

    app = create_app()
    app.state.work_engine = (
        make_engine(url, pool_size=20, max_overflow=20) if url.startswith("postgresql") else make_engine(url)
    )
    app.state.work_tokens = {TOKEN: Principal("bench", "jpn", "public", frozenset({"coordinator"}))}
    settle()  # as `anpo serve` does (anpo.web.app.serve_app)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", backlog=2048, timeout_keep_alive=60)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(url: str) -> str:
    """Migrate the database and open the case the subscribers follow."""
    import anpo.work  # noqa: F401
    from anpo.framework.model import Text
    from anpo.framework.pack import default_framework
    from anpo.security.principal import system_principal
    from anpo.store.db import make_engine, session_factory, transaction
    from anpo.store.migrate import upgrade
    from anpo.work.common import Work
    from anpo.work.coordination import open_case

    engine = make_engine(url)
    upgrade(engine)
    with transaction(session_factory(engine)) as session:
        case = open_case(
            Work(default_framework(), session, system_principal()),
            Text("ベンチ", "bench"),
            "missile_launch",
            "bocc",
            dt.date(2024, 6, 10),
        )
    engine.dispose()
    return str(case["id"])


async def subscriber(
    port: int,
    case: str,
    ready: asyncio.Event,
    counter: list[int],
    want: int,
    arrivals: dict[int, list[tuple[float, bool]]],
    remote: bool,
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"GET /api/work/cases/{case}/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n"
        f"x-anpo-work-token: {TOKEN}\r\n\r\n".encode()
    )
    await writer.drain()
    got = 0
    opened = False
    while got < want:
        line = await reader.readline()
        if not line:
            print("closed after", got, file=sys.stderr)
            break
        if line.startswith(b"data: "):
            seq = json.loads(line[6:])["seq"]
            if seq == 1:  # the backlog: the case's opening entry; we are subscribed
                if not opened:
                    opened = True
                    counter[0] += 1
                    if counter[0] == counter[1]:
                        ready.set()
                continue
            arrivals.setdefault(seq, []).append((time.perf_counter(), remote))
            got += 1
    writer.close()


async def post(port: int, case: str, text: str) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    body = json.dumps({"type": "message", "text": text}).encode()
    writer.write(
        f"POST /api/work/cases/{case}/entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nx-anpo-work-token: {TOKEN}\r\nConnection: close\r\n\r\n".encode()
        + body
    )
    await writer.drain()
    raw = await reader.read()
    writer.close()
    return int(json.loads(raw.split(b"\r\n\r\n", 1)[1])["seq"])


async def measure(ports: list[int], case: str, subscribers: int, posts: int) -> dict[str, Any]:
    ready = asyncio.Event()
    counter = [0, subscribers]
    arrivals: dict[int, list[tuple[float, bool]]] = {}
    tasks = [
        asyncio.create_task(
            subscriber(ports[i % len(ports)], case, ready, counter, posts, arrivals, i % len(ports) > 0)
        )
        for i in range(subscribers)
    ]
    await asyncio.wait_for(ready.wait(), 60)
    await asyncio.sleep(0.5)
    sent: dict[int, float] = {}
    for i in range(posts):
        t0 = time.perf_counter()
        seq = await post(ports[0], case, f"entry {i}")
        sent[seq] = t0
        await asyncio.sleep(0.25)
    await asyncio.wait_for(asyncio.gather(*tasks), 60)
    latencies = sorted((t - sent[seq]) * 1000 for seq, ts in arrivals.items() for t, _ in ts)
    delivered = len(latencies)
    q = statistics.quantiles(latencies, n=100)
    split = {}
    if len(ports) > 1:  # deliveries by the other process, which learns of the entry by LISTEN/NOTIFY
        other = sorted((t - sent[seq]) * 1000 for seq, ts in arrivals.items() for t, r in ts if r)
        qo = statistics.quantiles(other, n=100)
        split = {"other_process_p50_ms": round(qo[49], 1), "other_process_p99_ms": round(qo[98], 1)}
    return {
        "subscribers": subscribers,
        "servers": len(ports),
        "posts": posts,
        "deliveries": delivered,
        "expected": subscribers * posts,
        "p50_ms": round(q[49], 1),
        "p99_ms": round(q[98], 1),
        "max_ms": round(latencies[-1], 1),
        **split,
    }


def run_backend(backend: str, subscribers: int, posts: int) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="anpo_bench_"))
    admin = None
    if backend == "sqlite":
        url, servers = f"sqlite:///{tmp / 'bench.sqlite3'}", 1
    else:
        from sqlalchemy import create_engine, text

        name = f"anpo_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url, servers = PG_ADMIN.rsplit("/", 1)[0] + "/" + name, 2
    procs: list[subprocess.Popen[bytes]] = []
    try:
        case = prepare(url)
        ports = [free_port() for _ in range(servers)]
        procs = [subprocess.Popen([sys.executable, __file__, "--serve", url, "--port", str(p)]) for p in ports]
        for p in ports:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", p), 0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
        result = asyncio.run(asyncio.wait_for(measure(ports, case, subscribers, posts), DEADLINE_S))
        return {"backend": backend, **result}
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(10)
        if admin is not None:
            from sqlalchemy import text

            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
            admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--subscribers", type=int, default=500)
    parser.add_argument("--posts", type=int, default=20)
    parser.add_argument("--serve", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return
    if not 1 <= args.subscribers <= 1000 or not 1 <= args.posts <= 200:
        parser.error("--subscribers must be 1..1000 and --posts 1..200")
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    for backend in backends:
        print(json.dumps(run_backend(backend, args.subscribers, args.posts)), flush=True)


if __name__ == "__main__":
    main()
