"""Where the time of `Reader.balances` goes: the whole call against its parts, medians of
`--calls` calls each, in one process, so that the parts can be read as shares of the whole
(this machine runs at two speeds from one minute to the next; compare within a run).

Fills the database at `--url` (default: the SQLite file /tmp/anpo-balances.sqlite3; a PostgreSQL
database must exist) with `--lifecycles` demo lifecycles (seed 1; 61,000 hold about 1,000,000
postings, 224 balance rows) unless it holds a ledger already, then times:
- `balances`: `Reader.balances()` as the system principal;
- `fetch`: the driver's rows of its query (`Prepared.tuples`);
- `fetch as JSON`: the same rows as one JSON string built by the database (`json_group_array` on
  SQLite, `json_agg` on PostgreSQL), decoded by orjson, and sorted;
- `sort`, `markings`, `dicts`: the Python steps after the fetch;
- `duplicate check`: whether an account and commodity appears twice, which `balances` skips since
  stop 21 when every row has the same marking (the primary key rules it out then).

    .venv/bin/python bench/balances_parts.py [--lifecycles 61000] [--url sqlite:////tmp/anpo-balances.sqlite3]
    createdb -h 127.0.0.1 -U postgres anpo_balances
    .venv/bin/python bench/balances_parts.py --url postgresql+psycopg://postgres@127.0.0.1:5432/anpo_balances
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable
from typing import Any

import orjson
from bench_ledger import P, submit_all  # this script's own directory is on the path
from sqlalchemy import inspect
from sqlalchemy import text as sql_text

from anpo.framework.pack import default_framework
from anpo.ledger import money
from anpo.ledger.demo import Demo
from anpo.ledger.engine import Ledger
from anpo.ledger.queries import _ACCOUNT_COMMODITY, _BALANCES, Reader
from anpo.security.markings import Levels
from anpo.store.db import make_engine, session_factory, transaction
from anpo.store.migrate import init_database

COLUMNS = "account, commodity, marking_level, releasable_to, amount, postings"
AS_JSON = {
    "sqlite": f"SELECT json_group_array(json_array({COLUMNS})) FROM acsa_balances",
    "postgresql": f"SELECT json_agg(json_build_array({COLUMNS}))::text FROM acsa_balances",
}


def median_ms(fn: Callable[[], Any], calls: int) -> float:
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lifecycles", type=int, default=61000)
    parser.add_argument("--url", default="sqlite:////tmp/anpo-balances.sqlite3")
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    fw = default_framework()
    engine = make_engine(args.url)
    if not inspect(engine).has_table("acsa_balances"):
        init_database(engine)
    with engine.connect() as conn:
        empty = conn.execute(sql_text("SELECT count(*) FROM acsa_balances")).scalar_one() == 0
    if empty:
        submit_all(Ledger(engine, fw), list(Demo(fw, 1, "b").lifecycles(args.lifecycles)))
    gc.collect()
    with transaction(session_factory(engine)) as session:
        reader = Reader(session, Levels(fw), P)
        raw: Any = session.connection().connection.dbapi_connection
        as_json_sql = AS_JSON[engine.dialect.name]
        rows = _BALANCES.tuples(session, {})
        postings = sum(row[5] for row in rows)
        text = money.text

        def as_json() -> list[Any]:
            found: list[Any] = orjson.loads(raw.cursor().execute(as_json_sql).fetchone()[0])
            found.sort(key=_ACCOUNT_COMMODITY)
            return found

        parts: dict[str, Callable[[], Any]] = {
            "balances": reader.balances,
            "fetch": lambda: _BALANCES.tuples(session, {}),
            "fetch as JSON": as_json,
            "sort": lambda: sorted(rows, key=_ACCOUNT_COMMODITY),
            "markings": lambda: {(r[2], r[3]) for r in rows},
            "duplicate check": lambda: len({r[:2] for r in rows}) == len(rows),
            "dicts": lambda: [
                {"account": a, "commodity": c, "amount": text(x), "units": x, "postings": n}
                for a, c, _, _, x, n in rows
            ],
        }
        for fn in parts.values():
            fn()
        print(f"{engine.dialect.name}: {postings:,} postings, {len(rows)} balance rows; medians of {args.calls} calls")
        times = {name: median_ms(fn, args.calls) for name, fn in parts.items()}
        whole = times["balances"]
        for name, ms in times.items():
            print(f"  {name:15s} {ms:.3f} ms = {ms / whole:.2f} of balances")
    engine.dispose()


if __name__ == "__main__":
    main()
