"""QA of the work API's refusals: no existence oracle in a client-chosen id, a commitment done by
something that did not exist yet, a marking refused with its reason, and one error shape (`code`,
`ja`, `en`) for every refusal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from anpo.framework.model import Text
from anpo.security.markings import Marking
from anpo.security.principal import Principal
from anpo.work.common import WorkError

WRITER_ROLES = frozenset({"policy_officer", "coordinator", "logistics_officer"})
PEOPLE = {
    # the QA's two users: sato (jpn, secret) and smith (usa, confidential), each with the roles to write
    "tok-sato": Principal("sato", "jpn", "secret", WRITER_ROLES),
    "tok-smith": Principal("smith", "usa", "confidential", WRITER_ROLES),
    "tok-jpn": Principal("tanaka", "jpn", "secret", frozenset({"coordinator"})),
    "tok-policy": Principal("suzuki", "jpn", "secret", frozenset({"policy_officer"})),
}
SATO = {"x-anpo-work-token": "tok-sato"}
SMITH = {"x-anpo-work-token": "tok-smith"}
JP = {"x-anpo-work-token": "tok-jpn"}  # a coordinator
POLICY = {"x-anpo-work-token": "tok-policy"}
SECRET_ID = "secret_jpn_taskname_xyz"
SECRET_COMMITMENT = {
    "id": SECRET_ID,
    "meeting": "scc_2013_10_03",
    "owner": "sdc",
    "label": {"ja": "極秘の約束", "en": "Secret commitment"},
    "due": "2027-03-01",
    "outcome": "expand_cooperation",
    "marking": {"level": "secret", "releasable_to": ["jpn"]},
}
CASE = {"title": {"ja": "発射事案", "en": "Launch"}, "type": "missile_launch", "level": "bocc", "on": "2024-06-10"}
BOOKING = {"facility": "camp_hansen", "start": "2025-03-01T08:00", "end": "2025-03-02T08:00"}
PROTECTION = {"protected_party": "usa", "activity": "joint_training", "asset": "ship", "by": "ship", "on": "2024-05-01"}


@pytest.fixture
def qa(engine: Any, mfw: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from anpo.web.app import create_app

    app = create_app(mfw)
    app.state.work_engine = engine
    app.state.work_tokens = PEOPLE
    with TestClient(app) as c:
        yield c


def _denied(engine: Any, record_id: str) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT actor, action, marking_level FROM audit_log WHERE record_id = :r AND outcome = 'denied' ORDER BY id"
            ),
            {"r": record_id},
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


# -- 1. a client-chosen id is no existence oracle ----------------------------------------------------


def test_an_id_taken_by_a_hidden_record_is_answered_as_any_taken_id_and_audited(qa: Any, engine: Any) -> None:
    made = qa.post("/api/work/commitments", json=SECRET_COMMITMENT, headers=SATO)
    assert made.status_code == 201, made.text
    # smith may not read it: it does not exist for him (its done is a 404)
    done = qa.post(f"/api/work/commitments/{SECRET_ID}/done", json={"on": "2027-01-01"}, headers=SMITH)
    assert done.status_code == 404
    mine = {**SECRET_COMMITMENT, "marking": {"level": "confidential", "releasable_to": ["usa"]}}
    probe = qa.post("/api/work/commitments", json=mine, headers=SMITH)
    again = qa.post("/api/work/commitments", json=SECRET_COMMITMENT, headers=SATO)  # sato, who may read it
    # one answer, whether or not the caller may read the record: it names no record, kind or marking
    assert probe.status_code == again.status_code == 409
    assert probe.json() == again.json()
    body = probe.json()
    assert body["code"] == "exists" and body["error"]["ja"] and body["error"]["en"]
    assert "commitment" not in body["error"]["en"] and "exists" not in body["error"]["en"]
    assert "Secret" not in str(body) and "secret_" not in body["error"]["en"].replace(SECRET_ID, "")
    # nothing of smith's was written, and his refusal is audited as a denied access to the record,
    # marked as the record is (so it shows only to those who may read it); sato's, on a record she
    # may read, is no denied access
    assert _denied(engine, SECRET_ID) == [("smith", "work.commitment.write", "secret")] * 2  # his done, his add
    listed = qa.get("/api/work/commitments?on=2030-01-01", headers=SMITH).json()["commitments"]
    assert SECRET_ID not in [c["id"] for c in listed]


def test_a_case_id_taken_by_a_hidden_case_is_the_same_refusal(work: Any, person: Any, engine: Any) -> None:
    """The only other create of the work layer taking an id from its caller: `open_case(case_id=)`
    (an exercise run's cases); bookings, protection records, cases and runs otherwise draw theirs."""
    from anpo.work.coordination import open_case

    title = Text("発射", "Launch")
    secret = Marking("secret", frozenset({"jpn"}))
    with work() as w:
        open_case(w, title, "missile_launch", "bocc", dt.date(2024, 6, 10), marking=secret, case_id="case_hidden")
    answers = []
    for who in (person("u", "usa", "secret"), person("j", "jpn", "secret")):
        with pytest.raises(WorkError) as refused, work(who) as w:
            open_case(w, title, "missile_launch", "bocc", dt.date(2024, 6, 10), case_id="case_hidden")
        answers.append(refused.value.as_json())
        if who.party == "usa":
            assert w.denied == [("work.case.open", "case", "case_hidden", secret)]
        else:
            assert w.denied == []
    assert answers[0] == answers[1] and answers[0]["code"] == "exists"


# -- 2. what did a commitment existed on the day it did it -------------------------------------------


def test_done_by_something_that_did_not_exist_yet_is_refused(qa: Any, cli: Any, db_url: str) -> None:
    body = {**SECRET_COMMITMENT, "id": "c_review", "marking": None, "outcome": None}
    assert qa.post("/api/work/commitments", json=body, headers=POLICY).status_code == 201
    url = "/api/work/commitments/c_review/done"
    early = qa.post(url, json={"on": "2013-10-05", "by": "guidelines_2015"}, headers=POLICY)
    assert early.status_code == 400, early.text
    error = early.json()["error"]
    assert early.json()["code"] == "invalid"
    assert "guidelines_2015" in error["en"] and "2015-04-27" in error["en"] and "2013-10-05" in error["en"]
    assert "2015-04-27" in error["ja"] and "まだありませんでした" in error["ja"]
    # an instrument no longer in force, and an event before its date, did nothing either
    ended = qa.post(url, json={"on": "2016-01-01", "by": "guidelines_1997"}, headers=POLICY)
    assert ended.status_code == 400 and "2015-04-27" in ended.json()["error"]["en"]
    before = qa.post(url, json={"on": "2013-10-05", "by": "scc_2015_04_27"}, headers=POLICY)
    assert before.status_code == 400 and "2015-04-27" in before.json()["error"]["en"]
    month = qa.post(url, json={"on": "2015-08-31", "by": "ev_2015_09_peace_security_legislation"}, headers=POLICY)
    assert month.status_code == 400 and "2015-09-01" in month.json()["error"]["en"]  # its date as recorded: its month
    # the CLI's equivalent: exit status 2 with the reason, nothing written
    refused = cli.run(
        "commitments", "done", "c_review", "--on", "2013-10-05", "--by", "guidelines_2015", "--url", db_url
    )
    assert refused.exit_code == 2 and "2015-04-27" in refused.output
    assert qa.get("/api/work/commitments?on=2030-01-01").json()["commitments"]
    kept = {c["id"]: c for c in qa.get("/api/work/commitments?on=2030-01-01").json()["commitments"]}["c_review"]
    assert kept["status"] != "done"
    ok = qa.post(url, json={"on": "2015-04-27", "by": "guidelines_2015"}, headers=POLICY)
    assert ok.status_code == 200 and ok.json()["done_by"]["id"] == "guidelines_2015"


# -- 3 and 4. a marking refused says why ------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body"),
    [("/api/work/cases", CASE), ("/api/work/bookings", BOOKING), ("/api/work/protection", PROTECTION)],
)
def test_a_marking_above_the_clearance_or_not_releasable_to_ones_party_is_refused_with_why(
    qa: Any, engine: Any, path: str, body: dict[str, Any]
) -> None:
    above = qa.post(path, json={**body, "marking": {"level": "secret", "releasable_to": ["usa"]}}, headers=SMITH)
    assert above.status_code == 403, above.text
    assert above.json()["code"] == "forbidden"
    assert above.json()["error"] == {
        "ja": "区分「極秘」の記録はあなたの資格（秘）を超えています",
        "en": "a record marked Secret is above your clearance (Confidential)",
    }
    other = qa.post(path, json={**body, "marking": {"level": "confidential", "releasable_to": ["jpn"]}}, headers=SMITH)
    assert other.status_code == 403 and other.json()["code"] == "forbidden"
    assert "your own party (the United States)" in other.json()["error"]["en"]
    assert "releasable to Japan only" in other.json()["error"]["en"]
    assert "あなたの当事国（アメリカ合衆国）" in other.json()["error"]["ja"] and "日本国" in other.json()["error"]["ja"]
    top = qa.post(path, json={**body, "marking": {"level": "top_secret", "releasable_to": ["jpn"]}}, headers=SATO)
    assert top.status_code == 403 and top.json()["code"] == "forbidden"
    assert top.json()["error"]["en"] == "a record marked Top Secret is above your clearance (Secret)"
    assert "機密" in top.json()["error"]["ja"] and "極秘" in top.json()["error"]["ja"]
    with engine.connect() as conn:  # still audited as denied, and nothing written
        denied = conn.execute(text("SELECT count(*) FROM audit_log WHERE outcome = 'denied'")).scalar_one()
    assert denied == 3


def test_a_missing_role_is_named(qa: Any) -> None:
    res = qa.post("/api/work/commitments", json={**SECRET_COMMITMENT, "marking": None}, headers=JP)
    assert res.status_code == 403 and res.json()["code"] == "forbidden"
    assert (
        "roles administrator, policy officer" in res.json()["error"]["en"] and "政策担当" in res.json()["error"]["ja"]
    )


def test_an_entry_above_the_posters_clearance_names_both(qa: Any) -> None:
    case = qa.post(
        "/api/work/cases",
        json={**CASE, "marking": {"level": "confidential", "releasable_to": ["usa", "jpn"]}},
        headers=SMITH,
    )
    assert case.status_code == 201, case.text
    entry = {"type": "message", "text": "hello", "marking": {"level": "secret", "releasable_to": ["usa", "jpn"]}}
    res = qa.post(f"/api/work/cases/{case.json()['id']}/entries", json=entry, headers=SMITH)
    assert res.status_code == 403 and res.json()["code"] == "forbidden"
    assert res.json()["error"] == {
        "ja": "区分「極秘」の記録はあなたの資格（秘）を超えています",
        "en": "an entry marked Secret is above your clearance (Confidential)",
    }


# -- 5. one error shape ---------------------------------------------------------------------------


def test_every_work_api_error_has_a_code_and_both_languages(qa: Any) -> None:
    case = qa.post("/api/work/cases", json=CASE, headers=JP).json()["id"]
    record = qa.post("/api/work/protection", json=PROTECTION, headers=JP).json()["id"]
    requests: list[tuple[str, str, Any, dict[str, str]]] = [
        ("post", f"/api/work/protection/{record}/decision", {"approve": "yes", "on": "2024-06-10"}, JP),
        ("post", f"/api/work/protection/{record}/decision", {"approve": True}, JP),
        ("post", f"/api/work/protection/{record}/carried-out", {"on": "2024-06-10", "units": 5}, JP),
        ("post", "/api/work/protection/nope/decision", {"approve": True, "on": "2024-06-10"}, JP),
        ("post", "/api/work/protection", {**PROTECTION, "unit": 5}, JP),
        ("post", "/api/work/protection", {**PROTECTION, "on": None}, JP),
        ("post", "/api/work/protection", [1], JP),
        ("post", "/api/work/protection", {**PROTECTION, "bogus": 1}, JP),
        ("post", "/api/work/protection", {**PROTECTION, "marking": "secret"}, JP),
        ("post", "/api/work/protection", {**PROTECTION, "marking": {"levle": "secret"}}, JP),
        ("post", "/api/work/protection", {**PROTECTION, "marking": {"releasable_to": ["jpn"]}}, JP),
        ("post", "/api/work/protection", {**PROTECTION, "marking": {"level": "cosmic"}}, JP),
        ("post", "/api/work/protection", PROTECTION, {}),  # anonymous
        ("post", "/api/work/cases", {**CASE, "title": 5}, JP),
        ("post", "/api/work/cases", {**CASE, "level": "hq"}, JP),
        ("post", "/api/work/cases", {**CASE, "marking": {"level": "top_secret"}}, SATO),
        ("post", f"/api/work/cases/{case}/entries", {"type": "message"}, JP),
        ("post", f"/api/work/cases/{case}/entries", {"type": 5, "text": "x"}, JP),
        ("post", "/api/work/cases/nope/entries", {"text": "x"}, JP),
        ("post", f"/api/work/cases/{case}/determinations", {"situation": "anticipated_armed_attack"}, JP),
        ("post", "/api/work/commitments", {**SECRET_COMMITMENT, "id": True}, POLICY),
        ("post", "/api/work/commitments", {**SECRET_COMMITMENT, "label": None}, POLICY),
        ("post", "/api/work/commitments", SECRET_COMMITMENT, JP),
        ("post", "/api/work/commitments/nope/done", {"on": "2020-01-01"}, POLICY),
        ("post", "/api/work/commitments/commitment_guidelines_review_2014/done", {"by": "x"}, POLICY),
        ("post", "/api/work/bookings", {**BOOKING, "start": "someday"}, SMITH),
        ("post", "/api/work/bookings", {**BOOKING, "party": "jpn"}, SMITH),
        ("post", "/api/work/bookings/abc/cancel", None, SMITH),
        ("post", "/api/work/bookings/99/cancel", None, SMITH),
        ("post", "/api/work/exercises", {"scenario": "ballistic_missile_launch", "seed": 1.5}, SMITH),
        ("post", "/api/work/exercises/nope/step", {"script": "no"}, SMITH),
        ("get", "/api/work/exercises/nope/report?format=doc", None, SMITH),
        ("get", "/api/work/protection/report?year=abc", None, SMITH),
        ("get", "/api/work/protection/report", None, SMITH),
        ("get", "/api/work/commitments?on=someday", None, SMITH),
        ("get", "/api/work/commitments?status=maybe", None, SMITH),
        ("get", "/api/work/meetings?start=2020-01-01&end=2010-01-01", None, SMITH),
        ("get", "/api/work/cases/nope", None, SMITH),
        ("get", "/api/work/cases/nope/events?after=-1", None, SMITH),
    ]
    for method, url, body, headers in requests:
        if method == "get":
            res = qa.get(url, headers=headers)
        elif body is None:
            res = qa.post(url, headers=headers)
        else:
            res = qa.post(url, json=body, headers=headers)
        assert 400 <= res.status_code < 500, (url, body, res.status_code, res.text)
        got = res.json()
        assert isinstance(got.get("code"), str) and got["code"], (url, body, got)
        assert got["error"]["ja"] and got["error"]["en"], (url, body, got)
    # a body that is no JSON at all
    broken = qa.post("/api/work/cases", content=b"{not json", headers={**JP, "content-type": "application/json"}).json()
    assert broken["code"] and broken["error"]["ja"] and broken["error"]["en"]
