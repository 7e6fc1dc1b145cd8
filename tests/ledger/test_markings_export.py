"""Exports, reports, balances and ageing state the combined marking of what they contain: the
highest level of the included records and the parties all of them are releasable to (issue 5)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from ledger_helpers import lifecycle, run, snapshot
from sqlalchemy import Engine

from anpo.ledger.commands import parse
from anpo.ledger.engine import Ledger
from anpo.ledger.export import csv_rows, export
from anpo.ledger.queries import Reader
from anpo.security.markings import Levels
from anpo.security.principal import ANONYMOUS, Principal, system_principal
from anpo.store.db import session_factory, transaction

ON = __import__("datetime").date(2023, 12, 1)


def _fill(engine: Engine, fw: Any) -> None:
    """`a`: CONFIDENTIAL releasable to both sides; `b`: SECRET releasable to Japan only."""
    ledger = Ledger(engine, fw)
    run(ledger, *lifecycle("a", on="2022-09-01"))
    b = lifecycle("b", on="2022-10-01", price="2")
    b[0] = {**b[0], "marking_level": "secret", "releasable_to": ["jpn"]}
    run(ledger, *b)


def _read(engine: Engine, fw: Any, who: Principal, what: str) -> tuple[Any, dict[str, Any]]:
    with transaction(session_factory(engine)) as session:
        reader = Reader(session, Levels(fw), who)
        if what == "ageing":
            data: Any = reader.ageing(ON)
        elif what == "report":
            data = reader.report(2022, "jp", ON)
        elif what == "balances":
            data = reader.balances()
        else:
            data = export(reader, what)
        return data, reader.marking_json()


def test_a_partial_reader_gets_the_banner_and_contents_of_its_part(engine: Engine, fw: Any, tmp_path: Path) -> None:
    _fill(engine, fw)
    usa = Principal("u", "usa", "top_secret", frozenset({"logistics_officer"}))  # may not read `b`
    jpn_conf = Principal("j", "jpn", "confidential", frozenset({"viewer"}))  # may not read `b`
    jpn_secret = Principal("k", "jpn", "secret", frozenset({"viewer"}))  # reads both
    conf = {
        "level": "confidential",
        "releasable_to": ["jpn", "usa"],
        "banner_en": "CONFIDENTIAL//REL TO USA, JPN",
        "banner_ja": "秘//USA, JPN限り",
    }
    both = {
        "level": "secret",
        "releasable_to": ["jpn"],
        "banner_en": "SECRET//REL TO JPN",
        "banner_ja": "極秘//JPN限り",
    }
    public = {"level": "public", "releasable_to": [], "banner_en": "PUBLIC", "banner_ja": "公開"}
    for who, marking, orders in ((usa, conf, {"a"}), (jpn_conf, conf, {"a"}), (jpn_secret, both, {"a", "b"})):
        text, m = _read(engine, fw, who, "json")
        data = json.loads(text)
        assert data["marking"] == m == marking
        assert {p["order"] for p in data["postings"]} == orders
        # balances are the sums of exactly the postings exported
        sums: dict[tuple[str, str], float] = {}
        for p in data["postings"]:
            key = (p["account"], p["commodity"])
            sums[key] = sums.get(key, 0) + float(p["amount"])
        assert {(b["account"], b["commodity"]): float(b["amount"]) for b in data["balances"]} == sums
        # each account and commodity once, summed over the markings read, in code-point order
        for balances in (data["balances"], _read(engine, fw, who, "balances")[0]):
            keys = [(b["account"], b["commodity"]) for b in balances]
            assert keys == sorted(sums)
        text, _ = _read(engine, fw, who, "csv")
        lines = text.splitlines()
        assert lines[:2] == [f"# {marking['banner_en']}", f"# {marking['banner_ja']}"]
        assert [dict(r) for r in csv_rows(text)] == [
            {**p, "obligation": p["obligation"] or ""} for p in data["postings"]
        ]
        text, _ = _read(engine, fw, who, "beancount")
        assert text.splitlines()[:2] == [f"; {marking['banner_en']}", f"; {marking['banner_ja']}"]
        out = tmp_path / f"{who.user_id}.beancount"
        out.write_text(text, encoding="utf-8")
        check = subprocess.run(
            [str(Path(sys.executable).with_name("bean-check")), str(out)], capture_output=True, text=True
        )
        assert check.returncode == 0, check.stdout + check.stderr
        for what in ("ageing", "report"):
            data, m = _read(engine, fw, who, what)
            assert data["marking"] == m == marking
        age, _ = _read(engine, fw, who, "ageing")
        assert {o["order"] for o in age["overdue"]} == orders
        (ag,) = _read(engine, fw, who, "report")[0]["agreements"]
        assert sum(r["provisions"] for r in ag["totals"]) == len(orders)
    # someone who may read none of it gets an empty export marked public
    text, m = _read(engine, fw, ANONYMOUS, "json")
    assert json.loads(text) == {"balances": [], "postings": [], "marking": public} and m == public
    assert _read(engine, fw, ANONYMOUS, "balances") == ([], public)
    # the system principal reads everything: SECRET, releasable to the parties common to all (JPN)
    assert _read(engine, fw, system_principal(), "json")[1] == both


def test_cli_outputs_carry_the_marking(engine: Engine, fw: Any, cli: Any, db_url: str, tmp_path: Path) -> None:
    u = ("--url", db_url)
    empty = cli.json("acsa", "balances", *u)
    assert empty["balances"] == [] and empty["marking"]["banner_en"] == "PUBLIC"
    run(Ledger(engine, fw), *lifecycle("a", on="2022-09-01"))
    banner = {"banner_en": "CONFIDENTIAL//REL TO USA, JPN", "banner_ja": "秘//USA, JPN限り"}
    for args in (
        ("balances",),
        ("ageing", "--on", "2023-12-01"),
        ("report", "--fy", "2022", "--on", "2023-12-01"),
        ("export", "--format", "json"),
    ):
        data = cli.json("acsa", *args, *u)
        assert {k: data["marking"][k] for k in banner} == banner, args
        assert data["marking"]["level"] == "confidential" and data["marking"]["releasable_to"] == ["jpn", "usa"]
    assert cli.run("acsa", "balances", *u).stdout.splitlines()[0] == "CONFIDENTIAL//REL TO USA, JPN"
    assert cli.run("acsa", "ageing", "--lang", "ja", *u).stdout.splitlines()[0] == "秘//USA, JPN限り"
    out = tmp_path / "x.csv"
    written = cli.json("acsa", "export", "--format", "csv", "-o", str(out), *u)
    assert written["marking"]["banner_en"] == banner["banner_en"]
    assert out.read_text(encoding="utf-8").startswith("# CONFIDENTIAL//REL TO USA, JPN\n# 秘//USA, JPN限り\n")


def test_a_retry_passes_the_access_check_of_the_step_it_repeats(engine: Engine, fw: Any) -> None:
    """Whoever may not take the step may not learn its stored result, nor that its id exists: a
    retry by them is refused as the step would be (and the refusal audited); the same retry by
    someone who may take the step returns the stored result."""
    _fill(engine, fw)
    ledger = Ledger(engine, fw)
    b = lifecycle("b", on="2022-10-01", price="2")
    order_b = parse({**b[0], "marking_level": "secret", "releasable_to": ["jpn"]})
    changed = parse({**b[0], "marking_level": "secret", "releasable_to": ["jpn"], "requesting_unit": "x"})
    usa = Principal("u", "usa", "top_secret", frozenset({"logistics_officer"}))  # not releasable to
    jpn_viewer = Principal("k", "jpn", "secret", frozenset({"viewer"}))  # may read, not order
    jpn_officer = Principal("o", "jpn", "secret", frozenset({"logistics_officer"}))
    before = snapshot(engine)
    for who in (usa, jpn_viewer):
        for cmd in (order_b, changed):
            (r,) = ledger.submit(who, [cmd])
            assert r["code"] == "not_permitted" and "status" not in r and "reasons" not in r
    after = snapshot(engine)
    assert after["audit"] == before["audit"] + 4  # each refusal is audited, nothing else changed
    assert {k: v for k, v in after.items() if k != "audit"} == {k: v for k, v in before.items() if k != "audit"}
    (r,) = ledger.submit(jpn_officer, [order_b])
    assert r["code"] == "exists" and r["order"] == "b" and r["marking"]["level"] == "secret"
    (r,) = ledger.submit(jpn_officer, [changed])
    assert r["code"] == "exists_with_different_fields"
