"""Ageing, fiscal-year reports and exports, checked against the figures users rely on."""

from __future__ import annotations

import datetime as dt
import gc
import json
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from ledger_helpers import P, lifecycle, problems, run
from sqlalchemy import Engine, text

from anpo.ledger.engine import Ledger
from anpo.ledger.export import csv_rows
from anpo.ledger.queries import bucket, fiscal_year
from anpo.startup import YOUNG_THRESHOLD


@pytest.mark.parametrize(
    ("delivered", "on", "expected"),
    [
        ("2020-01-15", "2020-07-14", "0-6"),
        ("2020-01-15", "2020-07-15", "6-12"),
        ("2020-01-15", "2021-01-14", "6-12"),
        ("2020-01-15", "2021-01-15", "12-18"),
        ("2020-01-15", "2021-07-15", "18+"),
        ("2020-01-31", "2020-02-29", "0-6"),
    ],
)
def test_ageing_buckets_by_whole_months_since_delivery(delivered: str, on: str, expected: str) -> None:
    assert bucket(dt.date.fromisoformat(delivered), dt.date.fromisoformat(on)) == expected


def test_fiscal_years() -> None:
    assert fiscal_year(2023, "jp") == (dt.date(2023, 4, 1), dt.date(2024, 4, 1))
    assert fiscal_year(2023, "us") == (dt.date(2022, 10, 1), dt.date(2023, 10, 1))


def test_ageing_overdue_and_reports(engine: Engine, fw: Any, cli: Any, db_url: str) -> None:
    ledger = Ledger(engine, fw)
    run(ledger, *lifecycle("a", on="2022-09-01"))  # delivered 2022-09-03: JP FY2022, US FY2022
    run(ledger, *lifecycle("b", on="2022-11-01", provider="usa", currency="USD"))  # JP FY2022, US FY2023
    run(ledger, *lifecycle("c", on="2023-05-01"))  # JP FY2023, US FY2023
    u = ("--url", db_url)
    age = cli.json("acsa", "ageing", "--on", "2023-12-01", *u)
    rows = {(r["debtor"], r["commodity"]): r for r in age["rows"]}
    # a: 510 USD 14 months old (overdue); c: 510 USD 7 months old; b: usa provided, jpn owes 510 USD
    assert rows[("usa", "USD")]["buckets"] == {"0-6": "0", "6-12": "510", "12-18": "510", "18+": "0"}
    assert rows[("jpn", "USD")]["buckets"] == {"0-6": "0", "6-12": "0", "12-18": "510", "18+": "0"}
    assert sorted(o["order"] for o in age["overdue"]) == ["a", "b"]
    assert all(o["due_on"] < "2023-12-01" for o in age["overdue"])
    listed = cli.json("acsa", "list", "--on", "2023-12-01", *u)
    assert {r["id"]: r["overdue"] for r in listed["orders"]} == {"a": True, "b": True, "c": False}
    assert listed["count"] == 3 and listed["marking"]["banner_en"]
    jp = cli.json("acsa", "report", "--fy", "2022", "--on", "2023-12-01", *u)
    (ag,) = jp["agreements"]
    assert {(r["provider"], r["provisions"], r["outstanding"]) for r in ag["totals"]} == {
        ("jpn", 1, "510"),
        ("usa", 1, "510"),
    }
    assert sorted(o["order"] for o in ag["unsettled_over_a_year"]) == ["a", "b"]
    us = cli.json("acsa", "report", "--fy", "2023", "--calendar", "us", "--on", "2023-12-01", *u)
    (ag,) = us["agreements"]
    assert sorted((r["provider"], r["provisions"]) for r in ag["totals"]) == [("jpn", 1), ("usa", 1)]
    assert {r["context"] for r in ag["by_context"]} == {"joint_training"}
    res = cli.run("acsa", "report", "--fy", "2022", "--format", "csv", "--on", "2023-12-01", *u)
    head = res.stdout.splitlines()
    assert res.exit_code == 0 and head[0] == "# CONFIDENTIAL//REL TO USA, JPN" and head[1] == "# 秘//USA, JPN限り"
    assert head[2].startswith("agreement,group,key")
    # settling moves the amount out of ageing and out of the outstanding figures
    run(
        ledger,
        {
            "kind": "settle",
            "id": "xa",
            "order": "a",
            "on": "2023-11-01",
            "method": "reimbursement",
            "amount": "510",
            "commodity": "USD",
        },
    )
    age = cli.json("acsa", "ageing", "--on", "2023-12-01", *u)
    assert sorted(o["order"] for o in age["overdue"]) == ["b"]
    assert problems(engine) == []


def test_demo_figures_agree_and_beancount_checks_them(engine: Engine, db_url: str, cli: Any, tmp_path: Path) -> None:
    u = ("--url", db_url)
    demo = cli.json("demo", "--orders", "150", "--seed", "3", *u)
    assert set(demo["results"]) == {"ok"}
    assert gc.get_freeze_count() > 10_000  # what it loaded is kept out of collections (anpo.startup)
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    again = cli.json("demo", "--orders", "150", "--seed", "3", *u)  # reproducible: the same ids, all retries
    assert set(again["results"]) == {"exists"} and again["commands"] == demo["commands"]
    assert problems(engine) == []
    bal = {(b["account"], b["commodity"]): Decimal(b["amount"]) for b in cli.json("acsa", "balances", *u)["balances"]}
    # every commodity's balances sum to zero: the ledger balances
    per: dict[str, Decimal] = {}
    for (_, c), v in bal.items():
        per[c] = per.get(c, Decimal(0)) + v
    assert set(per.values()) == {Decimal(0)}
    # ageing outstanding equals what the payable accounts still show
    on = "2030-01-01"
    age = cli.json("acsa", "ageing", "--on", on, *u)
    owed: dict[tuple[str, str], Decimal] = {}
    for (account, c), v in bal.items():
        if ":payable:" in account:
            key = (account.split(":")[0], c)
            owed[key] = owed.get(key, Decimal(0)) - v
    assert {(r["debtor"], r["commodity"]): Decimal(r["total"]) for r in age["rows"]} == {
        k: v for k, v in owed.items() if v
    }
    # the reports over all fiscal years add up to the same outstanding amounts
    total: dict[tuple[str, str], Decimal] = {}
    for fy in range(2016, 2027):
        for ag in cli.json("acsa", "report", "--fy", str(fy), "--on", on, *u)["agreements"]:
            for r in ag["totals"]:
                key = ("usa" if r["provider"] == "jpn" else "jpn", r["commodity"])
                total[key] = total.get(key, Decimal(0)) + Decimal(r["outstanding"])
    assert {k: v for k, v in total.items() if v} == {k: v for k, v in owed.items() if v}
    # every settlement method and both directions are present
    rows = cli.json("acsa", "list", "--limit", "0", *u)["orders"]
    assert {r["method"] for r in rows} == {"reimbursement", "replacement_in_kind", "equal_value_exchange"}
    assert {r["provider"] for r in rows} == {"jpn", "usa"}
    assert any(r["overdue"] for r in rows)
    # beancount: bean-check accepts the export, and its balances equal anpo's
    out = tmp_path / "acsa.beancount"
    cli.json("acsa", "export", "--format", "beancount", "-o", str(out), *u)
    check = subprocess.run(
        [str(Path(sys.executable).with_name("bean-check")), str(out)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    from beancount import loader
    from beancount.core import realization

    entries, errors, _ = loader.load_file(str(out))
    assert errors == []
    real = realization.realize(entries)
    from anpo.ledger.export import account_name

    for (account, commodity), amount in bal.items():
        node = realization.get(real, account_name(account))
        got = node.balance.get_currency_units(commodity).number if node is not None else Decimal(0)
        assert got == amount, (account, commodity)
    # JSON and CSV exports carry the same postings
    data = json.loads(cli.run("acsa", "export", "--format", "json", *u).stdout)
    rows = csv_rows(cli.run("acsa", "export", "--format", "csv", *u).stdout)
    assert len(data["postings"]) == len(rows) > 0
    assert [dict(r) for r in rows] == [{**p, "obligation": p["obligation"] or ""} for p in data["postings"]]


def test_ledger_commands_need_an_initialised_database(cli: Any, tmp_path: Path) -> None:
    res = cli.run("acsa", "balances", "--url", f"sqlite:///{tmp_path / 'empty.sqlite3'}", "--lang", "ja")
    assert res.exit_code == 1 and "anpo db init" in res.stderr


def test_refused_batch_entries_still_leave_audit_trail_of_applied_ones(engine: Engine, fw: Any) -> None:
    from anpo.security.audit import verify
    from anpo.store.db import session_factory, transaction

    run(Ledger(engine, fw), *lifecycle())
    with transaction(session_factory(engine)) as session:
        assert verify(session) is None
        from sqlalchemy import text

        actions = [a for (a,) in session.execute(text("SELECT action FROM audit_log ORDER BY id"))]
    assert [a for a in actions if a.startswith("acsa.")] == [
        "acsa.order",
        "acsa.sign",
        "acsa.sign",
        "acsa.deliver",
        "acsa.receive",
    ]
    assert P.system


def test_verify_from_the_cli_names_what_disagrees_in_both_languages(engine: Engine, db_url: str, cli: Any) -> None:
    u = ("--url", db_url)
    cli.json("demo", "--orders", "20", "--seed", "2", *u)
    assert cli.json("acsa", "verify", *u) == {"ok": True, "problems": []}
    sound = cli.run("acsa", "verify", *u, "--lang", "ja")
    assert sound.exit_code == 0 and "台帳は整合しています" in sound.stdout
    with engine.begin() as conn:
        conn.execute(text("UPDATE acsa_lines SET delivered = delivered + 1"))
    found = cli.run("acsa", "verify", *u, "--json")
    assert found.exit_code == 1
    data = json.loads(found.stdout)
    assert data["ok"] is False
    line_sums = [p for p in data["problems"] if "but deliveries sum to" in p["en"]]
    assert len(line_sums) == 20 and all("引渡しの合計" in p["ja"] for p in line_sums)  # every line of every order
    ja = cli.run("acsa", "verify", *u, "--lang", "ja")
    assert ja.exit_code == 1 and "引渡しの合計" in ja.stdout and "deliveries" not in ja.stdout


def test_reading_commands_neither_take_nor_wait_for_the_write_lock(engine: Engine, db_url: str, cli: Any) -> None:
    """`anpo acsa verify`, `balances` and the other reading commands only read: while a writer's
    transaction is open they answer at once (they asked SQLite for the write lock, and so waited
    for the writer, up to the 30 s busy timeout, then failed)."""
    u = ("--url", db_url)
    cli.json("demo", "--orders", "5", "--seed", "2", *u)
    with engine.begin() as writer:  # BEGIN IMMEDIATE on SQLite: the write lock, held
        writer.execute(text("UPDATE acsa_orders SET requesting_unit = requesting_unit"))
        started = time.monotonic()
        assert cli.json("acsa", "verify", *u) == {"ok": True, "problems": []}
        assert cli.json("acsa", "balances", *u)["balances"]
        assert cli.run("acsa", "export", "--format", "beancount", *u).exit_code == 0
        assert cli.json("audit", "verify", *u) == {"ok": True, "first_bad_entry": None}
        assert cli.json("users", "list", *u)["users"] == []
        assert time.monotonic() - started < 10


def test_a_fiscal_year_out_of_range_is_refused_in_both_languages(engine: Engine, db_url: str, cli: Any) -> None:
    """`--fy 9999` reached year 10000 (a Japanese fiscal year ends in the next): a traceback. The CLI
    now refuses what the web refuses, 1900-2999, in the language asked, exit 2."""
    for fy in ("9999", "0"):
        en = cli.run("acsa", "report", "--fy", fy, "--url", db_url)
        assert en.exit_code == 2 and f"fy={fy} is not allowed (allowed: 1900-2999)" in en.output
    ja = cli.run("acsa", "report", "--fy", "9999", "--url", db_url, "--lang", "ja")
    assert ja.exit_code == 2 and "fy=9999 は使えません" in ja.output
    assert cli.json("acsa", "report", "--fy", "2999", "--calendar", "us", "--url", db_url)["fy"] == 2999
