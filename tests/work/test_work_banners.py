"""The banner of a work response (`X-Anpo-Marking`, the page's banner line) is at least the
highest marking of what it holds, in every channel: lists, reports, the after-action report in
each format, a poll's "unchanged" answer and the live log's stream; and what the caller may not
read is left out. Runs on SQLite and PostgreSQL (the `engine` fixture)."""

from __future__ import annotations

from typing import Any

import httpx

JP = {"x-anpo-work-token": "tok-jpn"}
US = {"x-anpo-work-token": "tok-usa"}
CTL = {"x-anpo-work-token": "tok-ctl"}
POLICY = {"x-anpo-work-token": "tok-policy"}
JPN_ONLY = {"level": "confidential", "releasable_to": ["jpn"]}
SECRET_JPN = {"level": "secret", "releasable_to": ["jpn"]}


def banner(response: Any) -> str:
    return str(response.headers["x-anpo-marking"])


def _case(client: Any, marking: dict[str, Any]) -> str:
    body = {"title": {"ja": "発射", "en": "Launch"}, "type": "missile_launch", "level": "bocc", "on": "2024-06-10"}
    response = client.post("/api/work/cases", json={**body, "marking": marking}, headers=JP)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_the_determinations_list_is_marked_as_the_determinations_in_it(wclient: Any) -> None:
    case = _case(wclient, JPN_ONLY)
    body = {"situation": "important_influence_situation", "cabinet_decision_on": "2024-06-10", "decided_by": "cabinet"}
    assert wclient.post(f"/api/work/cases/{case}/determinations", json=body, headers=JP).status_code == 201
    mine = wclient.get("/api/work/determinations", headers=JP)
    assert [d["case"] for d in mine.json()["determinations"]] == [case]
    assert banner(mine) == "CONFIDENTIAL//REL TO JPN"  # was PUBLIC: a determination carried no marking
    theirs = wclient.get("/api/work/determinations", headers=US)
    assert theirs.json()["determinations"] == [] and banner(theirs) == "PUBLIC"


def test_the_protection_report_is_marked_as_the_records_it_counts(wclient: Any) -> None:
    before = wclient.get("/api/work/protection/report?year=2023", headers=JP).json()["total"]
    body = {"protected_party": "usa", "activity": "joint_training", "asset": "ship", "by": "ship", "on": "2023-05-01"}
    made = wclient.post("/api/work/protection", json={**body, "marking": JPN_ONLY}, headers=JP)
    assert made.status_code == 201, made.text
    record = made.json()["id"]
    decided = {"approve": True, "on": "2023-05-02"}
    assert wclient.post(f"/api/work/protection/{record}/decision", json=decided, headers=JP).status_code == 200
    done = {"on": "2023-05-03", "units": "DD"}
    assert wclient.post(f"/api/work/protection/{record}/carried-out", json=done, headers=JP).status_code == 200
    mine = wclient.get("/api/work/protection/report?year=2023", headers=JP)
    assert mine.json()["total"] == before + 1
    assert banner(mine) == "CONFIDENTIAL//REL TO JPN"  # was PUBLIC over a total that counts it
    assert mine.json()["marking"]["level"] == "confidential"
    theirs = wclient.get("/api/work/protection/report?year=2023", headers=US)
    assert theirs.json()["total"] == before and record not in theirs.text and banner(theirs) == "PUBLIC"


def test_exercise_runs_carry_their_marking_in_lists_polls_and_every_report_format(wclient: Any) -> None:
    started = wclient.post(
        "/api/work/exercises", json={"scenario": "ballistic_missile_launch", "marking": SECRET_JPN}, headers=CTL
    )
    assert started.status_code == 201, started.text
    run, version = started.json()["id"], started.json()["version"]
    listed = wclient.get("/api/work/exercises", headers=CTL)
    assert [r["id"] for r in listed.json()["runs"]] == [run]
    assert banner(listed) == "SECRET//REL TO JPN"  # was PUBLIC: the list's rows had no marking
    page = wclient.get("/work/exercises?lang=en", headers=CTL)
    assert banner(page) == "SECRET//REL TO JPN" and "SECRET//REL TO JPN" in page.text
    unchanged = wclient.get(f"/api/work/exercises/{run}?known={version}", headers=CTL)
    assert unchanged.json()["unchanged"] is True and banner(unchanged) == "SECRET//REL TO JPN"
    for fmt in ("html", "pdf", "json"):
        report = wclient.get(f"/api/work/exercises/{run}/report?format={fmt}", headers=CTL)
        assert report.status_code == 200 and banner(report) == "SECRET//REL TO JPN", fmt  # html, pdf: PUBLIC
    for other in (US, {}):
        theirs = wclient.get("/api/work/exercises", headers=other)
        assert theirs.json()["runs"] == [] and banner(theirs) == "PUBLIC"
        assert wclient.get(f"/api/work/exercises/{run}?known={version}", headers=other).status_code == 404
        assert wclient.get(f"/api/work/exercises/{run}/report?format=pdf", headers=other).status_code == 404


def test_meetings_are_marked_with_the_commitments_they_name(wclient: Any) -> None:
    body = {"id": "c_jpn_eyes", "meeting": "scc_2015_04_27", "owner": "jpn", "label": {"ja": "課題", "en": "Task"}}
    made = wclient.post("/api/work/commitments", json={**body, "marking": JPN_ONLY}, headers=POLICY)
    assert made.status_code == 201, made.text
    url = "/api/work/meetings?start=2015-04-27&end=2015-04-27"
    mine = wclient.get(url, headers=POLICY)
    assert "c_jpn_eyes" in mine.json()["meetings"][0]["commitments"]
    assert banner(mine) == "CONFIDENTIAL//REL TO JPN"  # was PUBLIC: the meeting is, its commitment is not
    assert banner(wclient.get("/work/meetings?start=2015-04-27&end=2015-04-27&lang=en", headers=POLICY)) == (
        "CONFIDENTIAL//REL TO JPN"
    )
    for other in (US, {}):
        theirs = wclient.get(url, headers=other)
        assert "c_jpn_eyes" not in theirs.text and banner(theirs) == "PUBLIC"


def test_the_live_log_stream_is_marked_as_its_case(two_servers: Any) -> None:
    a, _ = two_servers
    with httpx.Client(base_url=a.url, timeout=5) as http:
        case = _case(http, JPN_ONLY)
        with http.stream("GET", f"/api/work/cases/{case}/events", headers=JP) as stream:
            assert stream.status_code == 200
            assert banner(stream) == "CONFIDENTIAL//REL TO JPN"  # was PUBLIC: a stream is not scanned
        assert http.get(f"/api/work/cases/{case}/events", headers=US).status_code == 404
