"""`anpo db init` on a database imported from an older pack: the pack's records are brought up to
date (added, updated, withdrawn, each audited), what users did is kept, and a second run changes
nothing. The older pack is a copy of the shipped one, edited as the pack was before its
corrections (the December 2016 outcome on the September meeting, among others)."""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from anpo.framework.framework import Framework
from anpo.framework.loader import load_pack
from anpo.framework.model import Text
from anpo.framework.pack import default_pack_dir
from anpo.security.audit import AuditEntry, verify
from anpo.security.principal import Principal
from anpo.store.db import make_engine, session_factory, transaction
from anpo.store.migrate import init_database, upgrade
from anpo.work.common import Work
from anpo.work.consultations import add_commitment, complete_commitment
from anpo.work.importer import ImportReport, import_pack
from anpo.work.tables import Commitment, Meeting, Outcome, Protection, load

GUIDELINES = "commitment_guidelines_review_2014"
OLD_LABEL = "Guidelines review to be completed by end-2014"
OLD_CITE = "wp2014_alliance 3 「2+2」会合"


def _edit(path: Path, change: Callable[[list[dict[str, Any]]], None]) -> None:
    entities = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(entities)
    path.write_text(yaml.safe_dump(entities, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _entity(entities: list[dict[str, Any]], ent_id: str) -> dict[str, Any]:
    return next(e for e in entities if e["id"] == ent_id)


def _outcome(fact: dict[str, Any], key: str) -> bool:
    return isinstance(fact.get("outcome"), dict) and fact["outcome"]["id"] == key


def older_pack(root: Path, guidelines_done_on: dt.date | None = None) -> Framework:
    """The shipped pack as an older anpo had it, and with records it has since dropped."""
    pack = root / "japan_us"
    shutil.copytree(default_pack_dir(), pack)

    def meetings(entities: list[dict[str, Any]]) -> None:
        december, september = _entity(entities, "dmm_2016_12_07"), _entity(entities, "dmm_2016_09_16")
        moved = next(f for f in december["facts"] if _outcome(f, "acsa_acm"))
        december["facts"].remove(moved)
        september["facts"].append({"outcome": moved["outcome"]})  # without the later citation and note
        scc = _entity(entities, "scc_2013_10_03")
        for dropped_id in ("scc_old_withdrawn", "scc_old_named"):
            entities.append({**copy.deepcopy(scc), "id": dropped_id})
        next(f for f in scc["facts"] if "venue" in f)["venue"]["en"] = "Tokio"
        text = {"ja": "旧版の成果", "en": "An outcome of the older pack"}
        scc["facts"].append({"outcome": {"id": "old_extra", "text": text}})

    def commitments(entities: list[dict[str, Any]]) -> None:
        guidelines = _entity(entities, GUIDELINES)
        guidelines["label"]["en"] = OLD_LABEL
        guidelines["cite"] = [OLD_CITE]
        for fact in [f for f in guidelines["facts"] if "done_on" in f or "done_by" in f]:
            guidelines["facts"].remove(fact)
        for dropped_id in ("commitment_old_dropped", "commitment_old_done"):
            entities.append({**copy.deepcopy(guidelines), "id": dropped_id})
        if guidelines_done_on is not None:
            guidelines["facts"] += [{"done_on": guidelines_done_on}, {"done_by": "guidelines_2015"}]

    def protection(entities: list[dict[str, Any]]) -> None:
        isr = _entity(entities, "protection_2023_isr_ship_ship")
        next(f for f in isr["facts"] if "count" in f)["count"] = 3
        entities.remove(_entity(entities, "protection_2023_training_aircraft_aircraft"))
        old = copy.deepcopy(isr)
        old["id"] = "protection_2022_old"
        next(f for f in old["facts"] if "year" in f)["year"] = 2022
        entities.append(old)

    _edit(pack / "records" / "meetings.yaml", meetings)
    _edit(pack / "records" / "commitments.yaml", commitments)
    _edit(pack / "records" / "facilities.yaml", protection)
    fw, problems = load_pack(pack)
    assert not problems, problems
    return fw


@pytest.fixture
def old_db(db_url: str) -> Iterator[Engine]:
    """A new database (each backend) with the schema, not yet imported."""
    engine = make_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def _import(engine: Engine, fw: Framework) -> ImportReport:
    with transaction(session_factory(engine)) as session:
        return import_pack(session, fw)


def _init(engine: Engine) -> ImportReport:
    (report,) = init_database(engine)
    assert isinstance(report, ImportReport)
    return report


def _audit_after(engine: Engine, last: int) -> list[AuditEntry]:
    with transaction(session_factory(engine)) as session:
        entries = list(session.scalars(select(AuditEntry).where(AuditEntry.id > last).order_by(AuditEntry.id)))
        session.expunge_all()
    return entries


def _last_audit(engine: Engine) -> int:
    with transaction(session_factory(engine)) as session:
        return int(session.scalar(select(func.max(AuditEntry.id))) or 0)


def test_an_older_packs_records_are_brought_up_to_date_keeping_what_users_did(
    old_db: Engine, tmp_path: Path, person: Callable[..., Principal]
) -> None:
    old = older_pack(tmp_path)
    first = _import(old_db, old)
    assert {"scc_old_withdrawn", "scc_old_named", "dmm_2016_09_16"} <= set(first.added["meetings"])
    officer = person("kato", "jpn", "secret", "policy_officer")
    with transaction(session_factory(old_db)) as session:
        w = Work(old, session, officer)
        label = Text("利用者の約束", "a user's commitment")
        add_commitment(w, "c_user_on_old", "scc_old_named", "sdc", label, dt.date(2014, 1, 1))
        add_commitment(w, "c_user_outcome", "scc_2013_10_03", "sdc", label, None, outcome="old_extra")
        complete_commitment(w, "commitment_old_done", dt.date(2015, 5, 1), "guidelines_2015")
        complete_commitment(w, GUIDELINES, dt.date(2015, 5, 1), "guidelines_2015")
    last = _last_audit(old_db)

    report = _init(old_db)  # the shipped pack, as `anpo db init` runs it

    assert report.added == {
        "meetings": [],
        "outcomes": ["dmm_2016_12_07/acsa_acm"],
        "commitments": [],
        "protection": ["protection_2023_training_aircraft_aircraft"],
    }
    assert report.updated == {
        "meetings": ["dmm_2016_12_07", "scc_2013_10_03"],  # December's citations: its outcome's
        "outcomes": [],
        "commitments": [GUIDELINES],
        "protection": ["protection_2023_isr_ship_ship"],
    }
    assert report.withdrawn == {
        "meetings": ["scc_old_withdrawn"],
        "outcomes": ["dmm_2016_09_16/acsa_acm"],
        "commitments": ["commitment_old_dropped"],
        "protection": ["protection_2022_old"],
    }
    assert {(k.kind, k.id, k.reason) for k in report.kept} == {
        ("meetings", "scc_old_named", "referenced"),
        ("outcomes", "scc_2013_10_03/old_extra", "referenced"),
        ("commitments", "commitment_old_done", "done_by_user"),
        ("commitments", GUIDELINES, "done_by_user"),
    }
    kept = {k.id: k.text for k in report.kept}
    assert "c_user_on_old" in kept["scc_old_named"].en and "c_user_on_old" in kept["scc_old_named"].ja
    assert "2015-05-01" in kept[GUIDELINES].en and "2015-04-27" in kept[GUIDELINES].en

    with transaction(session_factory(old_db)) as session:
        outcomes = {(o.meeting_id, o.key) for o in session.scalars(select(Outcome))}
        assert ("dmm_2016_12_07", "acsa_acm") in outcomes and ("dmm_2016_09_16", "acsa_acm") not in outcomes
        assert ("scc_2013_10_03", "old_extra") in outcomes  # a user's commitment names it
        assert not any(m == "scc_old_withdrawn" for m, _ in outcomes)
        guidelines = session.get(Commitment, GUIDELINES)
        assert guidelines is not None
        assert guidelines.label_en == "Completion of the Guidelines review by the end of 2014"
        assert OLD_CITE in {f"{c['source']} {c['locator']}" for c in load(guidelines.citations)["record"]}
        assert len(load(guidelines.citations)["record"]) == 2  # the shipped pack's two
        # the done a user recorded is theirs: kept, though the pack now says 27 April
        assert (guidelines.done_on, guidelines.done_by, guidelines.status) == (
            dt.date(2015, 5, 1),
            "guidelines_2015",
            "done",
        )
        # nor the pack's note and citations of its own done date, which the record does not show
        assert "done_on" not in load(guidelines.notes) and "done_on" not in load(guidelines.citations)
        assert "due" in load(guidelines.notes)
        assert session.get(Commitment, "commitment_old_dropped") is None
        assert session.get(Commitment, "commitment_old_done") is not None
        assert session.get(Meeting, "scc_old_withdrawn") is None
        assert session.get(Meeting, "scc_old_named") is not None
        scc = session.get(Meeting, "scc_2013_10_03")
        assert scc is not None and scc.venue_en == "Tokyo"
        isr = session.get(Protection, "protection_2023_isr_ship_ship")
        assert isr is not None and isr.occasions == 4
        assert session.get(Protection, "protection_2022_old") is None
        aircraft = session.get(Protection, "protection_2023_training_aircraft_aircraft")
        assert aircraft is not None and aircraft.occasions == 5
        assert session.get(Commitment, "c_user_on_old") is not None  # users' records are never touched
        assert verify(session) is None

    entries = _audit_after(old_db, last)
    assert {(e.actor, e.action, e.outcome) for e in entries} == {("system", "work.import", "ok")}
    done = {(e.record_type, e.record_id, json.loads(e.detail).get("op", "add")) for e in entries}
    assert done == {
        ("outcome", "dmm_2016_12_07/acsa_acm", "add"),
        ("protection", "protection_2023_training_aircraft_aircraft", "add"),
        ("meeting", "dmm_2016_12_07", "update"),
        ("meeting", "scc_2013_10_03", "update"),
        ("commitment", GUIDELINES, "update"),
        ("protection", "protection_2023_isr_ship_ship", "update"),
        ("meeting", "scc_old_withdrawn", "withdraw"),
        ("outcome", "dmm_2016_09_16/acsa_acm", "withdraw"),
        ("commitment", "commitment_old_dropped", "withdraw"),
        ("protection", "protection_2022_old", "withdraw"),
    }
    details = {(e.record_type, e.record_id): json.loads(e.detail) for e in entries}
    update = details[("commitment", GUIDELINES)]
    assert update["before"]["label_en"] == OLD_LABEL and set(update["before"]) == {"label_en", "citations"}
    assert details[("meeting", "scc_2013_10_03")] == {
        "source": "pack",
        "op": "update",
        "before": {"venue_en": "Tokio"},
        "after": {"venue_en": "Tokyo"},
    }
    withdrawn = details[("meeting", "scc_old_withdrawn")]  # its last content, outcomes and all
    assert withdrawn["record"]["date"] == "2013-10-03" and withdrawn["record"]["participants"]
    assert "old_extra" not in {o["key"] for o in withdrawn["outcomes"]} and withdrawn["outcomes"]
    assert details[("protection", "protection_2022_old")]["record"]["occasions"] == 3

    again = _init(old_db)
    assert not again.changed
    assert {(k.kind, k.id, k.reason) for k in again.kept} == {(k.kind, k.id, k.reason) for k in report.kept}
    assert _audit_after(old_db, last + len(entries)) == []


def test_without_users_changes_it_converges_to_a_fresh_import(old_db: Engine, engine: Engine, tmp_path: Path) -> None:
    """`engine` is a database the shipped pack was imported into; `old_db`, one the older pack was
    (with a done date the pack has since corrected): after `anpo db init` their pack records are
    the same."""
    _import(old_db, older_pack(tmp_path, guidelines_done_on=dt.date(2015, 4, 20)))
    report = _init(old_db)
    assert GUIDELINES in report.updated["commitments"] and report.kept == []
    assert _pack_rows(old_db) == _pack_rows(engine)
    assert not _init(old_db).changed


def _pack_rows(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {}
    with transaction(session_factory(engine)) as session:
        for table in (Meeting, Outcome, Commitment, Protection):
            columns = [c for c in table.__table__.columns if c.name != "id" or table is not Outcome]
            found = [dict(r._mapping) for r in session.execute(select(*columns))]
            rows[table.__tablename__] = sorted(found, key=lambda r: json.dumps(r, default=str, sort_keys=True))
    return rows


def test_db_init_says_what_it_added_updated_and_withdrew(old_db: Engine, tmp_path: Path, db_url: str) -> None:
    from anpo.cli import app

    old = older_pack(tmp_path)
    _import(old_db, old)
    runner = CliRunner()
    done = runner.invoke(app, ["db", "init", "--url", db_url, "--lang", "ja"])
    assert done.exit_code == 0, done.output
    assert "準備完了" in done.stdout
    assert "取り下げ 会合の成果（2件）: dmm_2016_09_16/acsa_acm, scc_2013_10_03/old_extra" in done.stdout
    assert "追加 会合の成果（1件）: dmm_2016_12_07/acsa_acm" in done.stdout
    assert "更新 約束（1件）: commitment_guidelines_review_2014" in done.stdout

    _import(old_db, old)  # back to the older pack's records: the import follows the pack it is given
    done = runner.invoke(app, ["db", "init", "--url", db_url, "--json"])
    assert done.exit_code == 0, done.output
    pack = json.loads(done.stdout)["pack"]
    assert pack["added"]["outcomes"] == ["dmm_2016_12_07/acsa_acm"]
    assert pack["withdrawn"]["meetings"] == ["scc_old_named", "scc_old_withdrawn"]
    assert pack["updated"]["protection"] == ["protection_2023_isr_ship_ship"]
    assert pack["kept"] == []

    done = runner.invoke(app, ["db", "init", "--url", db_url])
    assert done.exit_code == 0, done.output
    assert "the pack's records are up to date (nothing changed)" in done.stdout
