"""Meetings, outcomes and commitments imported from the pack, followed to done."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from sqlalchemy import text

from anpo.framework.model import Text
from anpo.security.markings import Marking
from anpo.store.migrate import init_database
from anpo.work.common import WorkError
from anpo.work.consultations import add_commitment, complete_commitment, list_commitments, list_meetings

GUIDELINES = "commitment_guidelines_review_2014"


def test_guidelines_commitment_done_on_2015_04_27_with_citations(work: Any) -> None:
    with work() as w:
        rows = {c["id"]: c for c in list_commitments(w, dt.date(2024, 1, 1))}
    c = rows[GUIDELINES]
    assert c["meeting"]["id"] == "scc_2013_10_03"
    assert c["owner"]["id"] == "sdc"
    assert (c["due"], c["done_on"], c["done_by"]["id"], c["status"]) == (
        "2014-12-31",
        "2015-04-27",
        "guidelines_2015",
        "done",
    )
    assert c["late"] is True  # done after the end-2014 deadline
    sources = {x["source"] for x in c["citations"]}
    assert {"wp2014_alliance", "src_guidelines_2015"} <= sources
    assert c["citations_by_fact"]["done_on"]


@pytest.mark.parametrize(
    ("on", "status"),
    [("2013-10-02", None), ("2014-06-01", "open"), ("2015-01-15", "late"), ("2015-04-27", "done")],
)
def test_status_follows_the_date(work: Any, on: str, status: str | None) -> None:
    with work() as w:
        rows = {c["id"]: c for c in list_commitments(w, dt.date.fromisoformat(on))}
    assert (rows[GUIDELINES]["status"] if GUIDELINES in rows else None) == status


def test_reimport_changes_nothing(engine: Any, work: Any) -> None:
    with work() as w:
        before = len(list_meetings(w))
    init_database(engine)
    with work() as w:
        assert len(list_meetings(w)) == before >= 30
        assert [c["id"] for c in list_commitments(w, dt.date(2024, 1, 1))] == [GUIDELINES]


def test_meetings_of_a_body_over_a_period(work: Any) -> None:
    with work() as w:
        rows = list_meetings(w, dt.date(2013, 1, 1), dt.date(2015, 12, 31), "scc")
        assert [m["id"] for m in rows][:1] == ["scc_2013_10_03"]
        assert all(m["channel"]["id"] == "scc" and "2013" <= m["date"][:4] <= "2015" for m in rows)
        assert any(o["key"] == "guidelines_review_by_end_2014" for o in rows[0]["outcomes"])
        assert rows[0]["commitments"] == [GUIDELINES]
        with pytest.raises(WorkError, match="unknown body"):
            list_meetings(w, channel="no_such_body")


def test_new_commitment_goes_late_then_done_and_is_audited(work: Any, person: Any) -> None:
    officer = person("kato", "jpn", "secret", "policy_officer")
    with work(officer) as w:
        add_commitment(w, "c_test", "scc_2013_10_03", "sdc", Text("テスト", "test"), dt.date(2014, 3, 1))
    with work() as w:
        late = list_commitments(w, dt.date(2014, 6, 1), status="late")
        assert "c_test" in [c["id"] for c in late]
        complete_commitment(w, "c_test", dt.date(2015, 4, 27), "guidelines_2015")  # on the day they were made
        assert "c_test" not in [c["id"] for c in list_commitments(w, dt.date(2015, 5, 1), status="late")]
        from sqlalchemy import select

        from anpo.security.audit import AuditEntry

        actions = w.session.execute(select(AuditEntry.action).where(AuditEntry.record_id == "c_test")).scalars().all()
        assert actions == ["work.commitment.write", "work.commitment.write"]


def test_refusals_write_nothing(work: Any, person: Any) -> None:
    viewer = person("v", "usa", "secret", "viewer")
    from anpo.security.access import AccessDenied

    with pytest.raises(AccessDenied), work(viewer) as w:
        add_commitment(w, "c_x", "scc_2013_10_03", "sdc", Text("x", "x"), None)
    with pytest.raises(WorkError, match="before the meeting"), work() as w:
        add_commitment(w, "c_y", "scc_2013_10_03", "sdc", Text("y", "y"), dt.date(2000, 1, 1))
    with work() as w:
        ids = [c["id"] for c in list_commitments(w, dt.date(2030, 1, 1))]
    assert "c_x" not in ids and "c_y" not in ids


def test_marked_commitment_hidden_from_the_other_party(work: Any, person: Any) -> None:
    with work() as w:
        add_commitment(
            w,
            "c_jpn_only",
            "scc_2013_10_03",
            "sdc",
            Text("内部", "internal"),
            None,
            marking=Marking("confidential", frozenset({"jpn"})),
        )
    with work(person("u", "usa")) as w:
        assert "c_jpn_only" not in [c["id"] for c in list_commitments(w, dt.date(2020, 1, 1))]
    with work(person("j", "jpn")) as w:
        assert "c_jpn_only" in [c["id"] for c in list_commitments(w, dt.date(2020, 1, 1))]


def test_cli_commitments_and_meetings(cli: Any, engine: Any, db_url: str) -> None:
    data = cli.json("commitments", "list", "--url", db_url)
    c = next(x for x in data["commitments"] if x["id"] == GUIDELINES)
    assert c["done_on"] == "2015-04-27" and c["citations"]
    assert cli.json("commitments", "list", "--open", "--url", db_url)["commitments"] == []
    late = cli.json("commitments", "list", "--late", "--on", "2015-02-01", "--url", db_url)["commitments"]
    assert [x["id"] for x in late] == [GUIDELINES]
    meetings = cli.json(
        "meetings", "list", "--body", "scc", "--from", "2013-10-01", "--to", "2013-10-31", "--url", db_url
    )
    assert [m["id"] for m in meetings["meetings"]] == ["scc_2013_10_03"]
    bad = cli.run("meetings", "list", "--body", "nope", "--url", db_url)
    assert bad.exit_code == 2 and "unknown body" in bad.output


def test_reading_commands_neither_take_nor_wait_for_the_write_lock(cli: Any, engine: Any, db_url: str) -> None:
    """`meetings list`, `commitments list`, `cases list` and the other reading commands only read:
    while a writer's transaction is open they answer at once (they asked SQLite for the write lock,
    and so waited for the writer, up to the 30 s busy timeout, then failed)."""
    with engine.begin() as writer:  # BEGIN IMMEDIATE on SQLite: the write lock, held
        writer.execute(text("UPDATE work_meetings SET mode = mode"))
        started = time.monotonic()
        assert cli.json("commitments", "list", "--url", db_url)["commitments"]
        assert cli.json("meetings", "list", "--body", "scc", "--url", db_url)["meetings"]
        assert cli.run("cases", "list", "--url", db_url).exit_code == 0
        assert time.monotonic() - started < 10
