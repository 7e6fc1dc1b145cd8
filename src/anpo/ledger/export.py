"""Exports that other tools check: JSON, CSV and a beancount ledger.

The beancount ledger has one transaction per command, an `open` for every account and a
`balance` assertion for every account and commodity with anpo's balance, so that `bean-check`
verifies both that every transaction balances and that beancount's balances equal anpo's.

Every export states the combined marking of what it contains (only what the reader may read):
JSON as a top-level `"marking"` object (`level`, `releasable_to`, `banner_en`, `banner_ja`),
CSV as two comment lines `# BANNER` (English, then Japanese) before the header, beancount as two
`; BANNER` comment lines at the top. CSV readers skip lines starting with `#` (`csv_rows`); no
id, and so no data row, can start with `#`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anpo.ledger import money
from anpo.ledger import tables as t
from anpo.ledger.days import as_date
from anpo.ledger.queries import Reader

FORMATS = ("json", "csv", "beancount")
CSV_COLUMNS = ("txn", "order", "obligation", "on", "leg", "account", "commodity", "amount")
_ROOTS = {
    "commitments": "Liabilities",
    "awaiting_receipt": "Assets",
    "received": "Assets",
    "provided": "Equity",
    "receivable": "Assets",
    "payable": "Liabilities",
    "settled_in": "Assets",
    "settled_out": "Liabilities",
}
OPEN_ON = dt.date(1999, 1, 1)


def banner_lines(reader: Reader, prefix: str) -> list[str]:
    """The English and the Japanese banner of what `reader` has returned, as comment lines."""
    marking = reader.marking_json()
    return [f"{prefix} {marking['banner_en']}", f"{prefix} {marking['banner_ja']}"]


def csv_rows(text: str) -> list[dict[str, str]]:
    """The rows of an exported CSV (its `#` banner lines skipped), as `csv.DictReader` reads them."""
    return list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))


def postings(reader: Reader) -> Iterator[tuple[str, str, str | None, dt.date, str, str, str, int]]:
    """Every entry the reader may read, in the order posted: (txn, order, obligation, date, leg,
    account, commodity, amount, debit positive). A posting row holds two entries, its debit then
    its credit; the exports list entries, as a journal and beancount do."""
    p = t.postings.c
    q = select(
        p.txn,
        p.order_id,
        p.obligation_id,
        p.on_date,
        p.leg,
        p.debit,
        p.credit,
        p.commodity,
        p.amount,
        p.marking_level,
        p.releasable_to,
    ).order_by(p.id)
    for txn, order, obligation, on, leg, debit, credit, commodity, amount, level, releasable in reader.session.execute(
        q
    ):
        if reader.take(level, releasable):
            on = as_date(on)
            yield txn, order, obligation, on, leg, debit, commodity, amount
            yield txn, order, obligation, on, leg, credit, commodity, -amount


def to_json(reader: Reader) -> str:
    data: dict[str, Any] = {
        "balances": [{k: v for k, v in b.items() if k != "units"} for b in reader.balances()],
        "postings": [
            dict(zip(CSV_COLUMNS, (*row[:3], row[3].isoformat(), *row[4:7], money.text(row[7])), strict=True))
            for row in postings(reader)
        ],
    }
    data["marking"] = reader.marking_json()
    return json.dumps(data, ensure_ascii=False, indent=1)


def to_csv(reader: Reader) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for row in postings(reader):
        w.writerow((*row[:3], row[3].isoformat(), *row[4:7], money.text(row[7])))
    return "\n".join(banner_lines(reader, "#")) + "\n" + out.getvalue()


def _component(part: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in part.replace("-", "_").split("_") if w) or "X"


def account_name(account: str) -> str:
    """`jpn:receivable:acsa_2016` -> `Assets:Jpn:Receivable:Acsa2016`."""
    parts = account.split(":")
    root = _ROOTS.get(parts[1], "Equity") if len(parts) > 1 else "Equity"
    return ":".join([root, *(_component(x) for x in parts)])


def to_beancount(reader: Reader, session: Session | None = None) -> str:
    lines = ['option "title" "anpo ACSA ledger"', 'option "operating_currency" "JPY"', ""]
    txns: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    accounts: set[str] = set()
    commodities: set[str] = set()
    last = OPEN_ON
    for row in postings(reader):
        txns[row[0]].append(row)
        accounts.add(row[5])
        commodities.add(row[6])
        last = max(last, row[3])
    for c in sorted(commodities):
        lines.append(f"{OPEN_ON.isoformat()} commodity {c}")
    for a in sorted(accounts):
        lines.append(f"{OPEN_ON.isoformat()} open {account_name(a)}")
    lines.append("")
    # A command's postings may carry different dates (a signature posts on the binding date);
    # beancount wants one date per transaction, so split a command by date.
    entries: list[tuple[dt.date, str, list[tuple[Any, ...]]]] = []
    for txn, rows in txns.items():
        by_date: dict[dt.date, list[tuple[Any, ...]]] = defaultdict(list)
        for row in rows:
            by_date[row[3]].append(row)
        entries.extend((d, txn, rs) for d, rs in by_date.items())
    entries.sort(key=lambda e: (e[0], e[1]))
    for on, txn, rows in entries:
        first = rows[0]
        legs = ",".join(sorted({r[4] for r in rows}))
        lines.append(f'{on.isoformat()} * "{txn}" "{legs}"')
        lines.append(f'  order: "{first[1]}"')
        for r in rows:
            lines.append(f"  {account_name(r[5])}  {money.text(r[7])} {r[6]}")
        lines.append("")
    check_on = last + dt.timedelta(days=1)
    for b in reader.balances():
        lines.append(f"{check_on.isoformat()} balance {account_name(b['account'])}  {b['amount']} {b['commodity']}")
    return "\n".join([*banner_lines(reader, ";"), *lines]) + "\n"


def export(reader: Reader, fmt: str) -> str:
    if fmt == "json":
        return to_json(reader)
    if fmt == "csv":
        return to_csv(reader)
    return to_beancount(reader)
