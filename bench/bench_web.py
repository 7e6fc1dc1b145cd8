"""Issue 5: throughput and latency of the web platform, logged in, with the access check and audit on.

Starts `uvicorn anpo.web.app:serve_app` (one process, as `anpo serve` does; `--app` names another
factory, `--loop` and `--http` are passed to uvicorn, whose `auto` picks uvloop and httptools when
installed) on 127.0.0.1 over a fresh database with an account and marked ACSA orders, logs in
through the login form (session cookie + CSRF), and
drives it from a second process with 32 concurrent keep-alive connections (a lean asyncio HTTP/1.1
client), for each endpoint in turn:

- bare: `GET /api/health` without a session (no database, no access check) — the floor the
  ratios are taken against; a plain (`def`) route, so FastAPI runs it in its thread pool, as it
  runs most of the app's routes;
- bare async: `GET /api/me` without a session: an `async def` route that, without a cookie or
  token, touches no database — the floor of a route that skips the thread pool, shown so that the
  ratios can be read against it too;
- ask:  `GET /api/ask/consult.members?body=scc&side=usa&on=1985-06-01`, logged in;
- list: `GET /api/acsa/orders`, logged in: the session is resolved and the first page of orders
  the user may read (half are not releasable to the user) is read with their overdue flags, in one
  read-only database transaction.

Prints a Markdown table row per endpoint: requests/s, p50 and p99 latency, the ratio of its
throughput to the bare endpoint's in the same run, and the server process's CPU time per request
(user + system, from /proc: on this 2-CPU machine the server is the bottleneck, so this is the
cost each request adds).

    .venv/bin/python bench/bench_web.py [--seconds 8] [--rounds 1] [--clients 32] [--url postgresql+psycopg://...]
        [--loop auto|asyncio|uvloop] [--http auto|h11|httptools] [--app anpo.web.app:create_app]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import multiprocessing as mp
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

PASSWORD = "correct horse battery staple"
ENDPOINTS = {
    "bare": "/api/health",
    "bare async": "/api/me",
    "ask": "/api/ask/consult.members?body=scc&side=usa&on=1985-06-01",
    "list": "/api/acsa/orders",
}


def recreate(url: str) -> None:
    """Drop and create a PostgreSQL database whose name starts with `anpo_bench` (others are left
    alone: they must be empty), so that every run starts from the same state."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    target = make_url(url)
    name = target.database or ""
    if not name.startswith("anpo_bench"):
        return
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()


def prepare(url: str, orders: int) -> None:
    from anpo.framework.pack import default_framework
    from anpo.ledger.commands import parse
    from anpo.ledger.engine import Ledger
    from anpo.security.accounts import create_user
    from anpo.security.markings import Levels
    from anpo.security.principal import system_principal
    from anpo.store.db import make_engine, session_factory, transaction
    from anpo.store.migrate import init_database

    engine = make_engine(url)
    init_database(engine)
    fw = default_framework()
    with transaction(session_factory(engine)) as session:
        create_user(session, Levels(fw), "bench", PASSWORD, party="jpn", clearance="secret", roles=("viewer",))
    line = {"category": "fuel", "item": "jp8", "unit": "l", "quantity": "1000", "unit_price": "0.85", "currency": "USD"}
    commands = [
        parse(
            {
                "kind": "order",
                "id": f"bench-{i}",
                "on": "2024-06-01",
                "provider": "usa",
                "context": "joint_training",
                "requesting_unit": "bench",
                "method": "reimbursement",
                "lines": [line],
                "marking_level": "secret",
                "releasable_to": ["jpn", "usa"] if i % 2 else ["usa"],
            }
        )
        for i in range(orders)
    ]
    results = Ledger(engine, fw).submit(system_principal(), commands)
    assert all(r["code"] == "ok" for r in results), results[:1]
    engine.dispose()


def login(base: str) -> dict[str, str]:
    with httpx.Client(base_url=base) as client:
        client.get("/login")
        csrf = client.cookies["anpo_csrf"]
        res = client.post("/login", data={"username": "bench", "password": PASSWORD, "csrf_token": csrf})
        assert res.status_code in (200, 303), res.status_code
        assert client.get("/api/me").json()["user"] == "bench"
        return dict(client.cookies.items())


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    """One keep-alive GET on a raw connection (a lean client, so the generator is not the bottleneck)."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return status


async def _drive(base: str, path: str, cookies: dict[str, str], clients: int, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    host, port = base.removeprefix("http://").split(":")
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n" + (f"Cookie: {cookie}\r\n" if cookie else "") + "\r\n"
    raw = request.encode()
    conns = [await asyncio.open_connection(host, int(port)) for _ in range(clients)]
    for reader, writer in conns:  # warm up
        await _get(reader, writer, raw)
    stop = time.perf_counter() + seconds

    async def worker(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal errors
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            status = await _get(reader, writer, raw)
            latencies.append(time.perf_counter() - t0)
            if status != 200:
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(r, w) for r, w in conns))
    elapsed = time.perf_counter() - started
    for _, writer in conns:
        writer.close()
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
        "errors": errors,
    }


def _load(args: tuple[str, str, dict[str, str], int, float], out: Any) -> None:
    out.send(asyncio.run(_drive(*args)))


def drive(base: str, path: str, cookies: dict[str, str], clients: int, seconds: float) -> dict[str, Any]:
    """Run the load generator in a second process."""
    parent, child = mp.Pipe()
    proc = mp.Process(target=_load, args=((base, path, cookies, clients, seconds), child))
    proc.start()
    result: dict[str, Any] = parent.recv()
    proc.join()
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--orders", type=int, default=40)
    ap.add_argument("--rounds", type=int, default=1, help="drive the endpoints in turn this many times; report medians")
    ap.add_argument(
        "--url",
        help="database URL (default: a new SQLite file in a temporary directory); a PostgreSQL "
        "database named anpo_bench* is dropped and created anew, any other must be empty",
    )
    ap.add_argument("--app", default="anpo.web.app:serve_app", help="the app factory uvicorn runs")
    ap.add_argument("--loop", default="auto", help="uvicorn's --loop (auto: uvloop when installed)")
    ap.add_argument("--http", default="auto", help="uvicorn's --http (auto: httptools when installed)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'anpo.sqlite3'}"
        if url.startswith("postgresql"):
            recreate(url)
        prepare(url, args.orders)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        cmd = [sys.executable, "-m", "uvicorn", args.app, "--factory", "--host", "127.0.0.1"]
        cmd += ["--loop", args.loop, "--http", args.http]
        server = subprocess.Popen(
            [*cmd, "--port", str(port), "--log-level", "warning", "--no-access-log"],
            env={**os.environ, "ANPO_DATABASE_URL": url},
            cwd=tmp,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(150):
                try:
                    if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            cookies = login(base)
            rounds: list[dict[str, dict[str, Any]]] = []
            for _ in range(args.rounds):
                runs = {}
                for name, path in ENDPOINTS.items():
                    cpu = _cpu_seconds(server.pid)
                    runs[name] = drive(
                        base, path, cookies if not name.startswith("bare") else {}, args.clients, args.seconds
                    )
                    used = _cpu_seconds(server.pid) - cpu
                    runs[name]["server_cpu_ms"] = 1000 * used / runs[name]["requests"] if used >= 0 else None
                for r in runs.values():
                    r["ratio_to_bare"] = r["rps"] / runs["bare"]["rps"]
                rounds.append(runs)
        finally:
            server.terminate()
            server.wait(timeout=10)
    results = {name: _median_of([runs[name] for runs in rounds]) for name in ENDPOINTS}
    if args.json:
        print(json.dumps(results, indent=2))
        return
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    loop, http = f"{args.loop} ({_installed('uvloop')})", f"{args.http} ({_installed('httptools')})"
    print(f"uvicorn {args.app} --factory --loop {loop} --http {http}")
    each = f"{args.seconds:g} s" + (f", median of {args.rounds} rounds" if args.rounds > 1 else "")
    print(
        f"| endpoint ({backend}, {args.clients} clients, {each}) | req/s | p50 ms | p99 ms | vs bare "
        "| server CPU ms/request | errors |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, r in results.items():
        cpu = "—" if r["server_cpu_ms"] is None else f"{r['server_cpu_ms']:.2f}"
        ratios = "" if args.rounds == 1 else " (" + ", ".join(f"{x:.2f}" for x in r["ratios"]) + ")"
        print(
            f"| {name} `{ENDPOINTS[name]}` | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} "
            f"| {r['ratio_to_bare']:.2f}{ratios} | {cpu} | {r['errors']} |"
        )


def _median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One endpoint's figures over the rounds: the median of each (the ratio to bare is the median
    of each round's own ratio, the bare row having run minutes apart at most), errors summed."""
    out: dict[str, Any] = {"ratios": [r["ratio_to_bare"] for r in runs], "errors": sum(r["errors"] for r in runs)}
    for key in ("requests", "rps", "p50_ms", "p99_ms", "ratio_to_bare"):
        out[key] = statistics.median(r[key] for r in runs)
    cpu = [r["server_cpu_ms"] for r in runs if r["server_cpu_ms"] is not None]
    out["server_cpu_ms"] = statistics.median(cpu) if cpu else None
    return out


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the server process has used so far; -inf where /proc is missing."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("-inf")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _installed(module: str) -> str:
    return f"{module} installed" if importlib.util.find_spec(module) else f"no {module}"


if __name__ == "__main__":
    main()
