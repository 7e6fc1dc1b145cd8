"""The work pages and their JSON twins; writes need a principal; markings filter what is shown."""

from __future__ import annotations

import datetime as dt
from typing import Any

from anpo.framework.model import Text
from anpo.security.markings import Marking
from anpo.work.coordination import open_case

JP = {"x-anpo-work-token": "tok-jpn"}
US = {"x-anpo-work-token": "tok-usa"}


def _case(work: Any, marking: Marking) -> str:
    with work() as w:
        return str(
            open_case(
                w, Text("テスト案件", "Test case"), "missile_launch", "bocc", dt.date(2024, 6, 10), marking=marking
            )["id"]
        )


def test_pages_and_twins(wclient: Any) -> None:
    page = wclient.get("/work/commitments?on=2024-01-01&lang=en")
    assert page.status_code == 200 and "2015-04-27" in page.text and "done after the due date" in page.text
    twin = wclient.get("/api/work/commitments?on=2024-01-01").json()
    assert twin["commitments"][0]["done_by"]["id"] == "guidelines_2015"
    first = twin["commitments"][0]["id"]
    ja = wclient.get("/work/commitments?on=2024-01-01&lang=ja").text
    assert f'data-testid="status-{first}">完了 2015-04-27' in ja  # states in the page's language
    assert wclient.get("/api/work/protection/report?year=2023").json()["total"] == 22
    prot = wclient.get("/work/protection?year=2023&lang=ja")
    assert 'data-testid="count-joint_training-ship">13<' in prot.text
    fac = wclient.get("/api/work/facilities?on=2010-01-01").json()
    hansen = next(f for f in fac["facilities"] if f["id"] == "camp_hansen")
    assert hansen["joint_use"][0]["in_force"] is True and hansen["joint_use"][0]["period"]["from"] == "2008-03-01"
    yokota = next(f for f in fac["facilities"] if f["id"] == "yokota_air_base")
    assert yokota["joint_use"][0]["in_force"] is False  # the ASDF moved in 2012
    assert wclient.get("/work/meetings?body=nope").status_code == 400
    assert wclient.get("/api/work/meetings?start=bad").status_code == 400


def test_calendar_export(wclient: Any) -> None:
    from icalendar import Calendar

    res = wclient.get("/api/work/calendar.ics?lang=en")
    assert res.headers["content-type"].startswith("text/calendar")
    cal = Calendar.from_ical(res.content)
    events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    scc = events["meeting-scc_2013_10_03@anpo"]
    assert scc.decoded("dtstart") == dt.date(2013, 10, 3) and "Tokyo" in str(scc["location"])
    assert "wp2014_alliance" in str(scc["description"])
    assert "exercise-exercise_dawn_blitz_13@anpo" in events
    assert res.content == wclient.get("/api/work/calendar.ics?lang=en").content


def test_posting_needs_a_principal_and_respects_markings(wclient: Any, work: Any) -> None:
    public = _case(work, Marking("public"))
    url = f"/api/work/cases/{public}/entries"
    assert wclient.post(url, json={"type": "message", "text": "hi"}).status_code == 403
    assert (
        wclient.post(
            url, json={"type": "message", "text": "hi"}, headers={"x-anpo-work-token": "tok-viewer"}
        ).status_code
        == 403
    )
    ok = wclient.post(url, json={"type": "message", "text": {"ja": "受領", "en": "received"}}, headers=JP)
    assert ok.status_code == 201 and ok.json()["party"] == "jpn" and ok.json()["seq"] == 2
    assert wclient.post(url, json={"type": "attack", "text": "x"}, headers=JP).status_code == 400
    assert wclient.post(url, json={"type": "message"}, headers=JP).status_code == 400
    secret = wclient.post(
        url,
        json={"type": "message", "text": "jpn only", "marking": {"level": "confidential", "releasable_to": ["jpn"]}},
        headers=JP,
    )
    assert secret.status_code == 201
    bad_level = wclient.post(url, json={"type": "message", "text": "x", "marking": {"level": "cosmic"}}, headers=JP)
    assert bad_level.status_code == 400 and "unknown marking level" in bad_level.json()["error"]["en"]
    seen_by = {
        name: [e["text"]["en"] for e in wclient.get(f"/api/work/cases/{public}", headers=h).json()["entries"]]
        for name, h in (("jpn", JP), ("usa", US), ("anon", {}))
    }
    assert "jpn only" in seen_by["jpn"]
    assert "jpn only" not in seen_by["usa"] and "jpn only" not in seen_by["anon"]
    assert "received" in seen_by["usa"]


def test_case_page_shows_questions_and_hides_marked_cases(wclient: Any, work: Any) -> None:
    marked = _case(work, Marking("confidential", frozenset({"jpn", "usa"})))
    page = wclient.get(f"/work/cases/{marked}?lang=en", headers=US)
    assert page.status_code == 200
    assert "sdf.may_protect_assets" in page.text and "coordination.mechanism" in page.text
    assert "CONFIDENTIAL//REL TO USA, JPN" in page.text
    listed = wclient.get("/work/cases?lang=ja", headers=US).text
    assert "弾道ミサイル発射 · 共同運用調整所（BOCC）" in listed and "<td>未了</td>" in listed
    assert wclient.get(f"/work/cases/{marked}").status_code == 404  # anonymous: not even its existence
    assert marked not in [c["id"] for c in wclient.get("/api/work/cases").json()["cases"]]


def test_denied_accesses_and_reads_of_marked_records_are_audited(wclient: Any, work: Any, engine: Any) -> None:
    from sqlalchemy import select

    from anpo.security.audit import AuditEntry, verify
    from anpo.store.db import session_factory, transaction

    marked = _case(work, Marking("confidential", frozenset({"jpn"})))
    public = _case(work, Marking("public"))
    assert wclient.get(f"/api/work/cases/{marked}", headers=US).status_code == 404  # not releasable to usa
    assert wclient.get(f"/api/work/cases/{marked}/events").status_code == 404
    assert wclient.post(f"/api/work/cases/{marked}/entries", json={"text": "x"}, headers=US).status_code == 404
    viewer = {"x-anpo-work-token": "tok-viewer"}
    assert wclient.post(f"/api/work/cases/{public}/entries", json={"text": "x"}, headers=viewer).status_code == 403
    assert wclient.get(f"/api/work/cases/{marked}", headers=JP).status_code == 200
    assert wclient.get(f"/api/work/cases/{public}", headers=US).status_code == 200
    with transaction(session_factory(engine)) as session:
        rows = session.execute(select(AuditEntry).where(AuditEntry.record_type == "case")).scalars()
        seen = {(a.actor, a.action, a.outcome, a.record_id) for a in rows}
        assert verify(session) is None
    assert {
        ("smith", "read", "denied", marked),
        ("anonymous", "read", "denied", marked),
        ("smith", "work.case.post", "denied", marked),
        ("v", "work.case.post", "denied", public),
        ("sato", "read", "ok", marked),
    } <= seen
    assert ("smith", "read", "ok", public) not in seen  # reading public records is not logged


def test_the_web_layers_login_decides_who_acts(engine: Any, mfw: Any, work: Any) -> None:
    """When the login (issue 5) sets `request.state.principal`, the work routes act as that user."""
    from fastapi import Request
    from fastapi.testclient import TestClient

    from anpo.security.principal import Principal
    from anpo.web.app import create_app

    app = create_app(mfw)
    app.state.work_engine = engine

    @app.middleware("http")
    async def login(request: Request, call_next: Any) -> Any:
        request.state.principal = Principal("tanaka", "jpn", "secret", frozenset({"coordinator"}))
        return await call_next(request)

    case = _case(work, Marking("public"))
    with TestClient(app) as c:
        res = c.post(f"/api/work/cases/{case}/entries", json={"text": "logged in"})
    assert res.status_code == 201 and (res.json()["author"], res.json()["party"]) == ("tanaka", "jpn")
