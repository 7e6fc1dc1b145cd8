"""Recording a new meeting (a "2+2" the pack does not have) and following its taskings to done,
through the API and the CLI on both backends; its marking, the refusals of bad input and of a
taken id (one answer whether or not the caller may read the record), and the audit entries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from anpo.security.audit import AuditEntry
from anpo.security.principal import Principal
from anpo.store.db import session_factory, transaction

POLICY = {"x-anpo-work-token": "tok-policy"}  # jpn, secret, policy officer
JP = {"x-anpo-work-token": "tok-jpn"}  # jpn, secret, coordinator
US = {"x-anpo-work-token": "tok-usa"}  # usa, secret, coordinator
US_POLICY = {"x-anpo-work-token": "tok-usa-policy"}

SOURCE = "Joint Statement of the Security Consultative Committee (July 10, 2026)"
MEETING = {
    "id": "scc_2026_07_10",
    "body": "scc",
    "date": "2026-07-10",
    "label": {"ja": "日米安全保障協議委員会（2+2）2026年7月", "en": "Security Consultative Committee (2+2), July 2026"},
    "venue": {"ja": "東京", "en": "Tokyo"},
    "mode": "in_person",
    "participants": ["jpn_minister_for_foreign_affairs", "jpn_minister_of_defense", "usa_secretary_of_state"],
    "outcomes": [
        {"id": "command_control", "text": {"ja": "指揮統制の向上を指示", "en": "Tasked better command and control"}}
    ],
    "source": SOURCE,
    "locator": "para. 4",
}
COMMITMENT = {
    "id": "commitment_scc_2026_command_control",
    "meeting": "scc_2026_07_10",
    "owner": "sdc",
    "label": {"ja": "指揮統制の見直し", "en": "Command and control review"},
    "due": "2026-12-31",
    "outcome": "command_control",
}


def _with_us_policy(wclient: Any) -> None:
    """A U.S. policy officer cleared for secret, besides the conftest's principals."""
    jones = Principal("jones", "usa", "secret", frozenset({"policy_officer"}))
    wclient.app.state.work_tokens = {**wclient.app.state.work_tokens, "tok-usa-policy": jones}


def _audit(engine: Any, record_id: str) -> list[tuple[str, str, str]]:
    with transaction(session_factory(engine)) as session:
        query = select(AuditEntry).where(AuditEntry.record_id == record_id).order_by(AuditEntry.id)
        return [(a.action, a.outcome, a.actor) for a in session.execute(query).scalars()]


def test_a_2_plus_2_recorded_tasks_a_commitment_followed_to_done(wclient: Any, engine: Any) -> None:
    made = wclient.post("/api/work/meetings", json=MEETING, headers=POLICY)
    assert made.status_code == 201, made.text
    m = made.json()
    assert (m["origin"], m["channel"]["id"], m["date"], m["precision"]) == ("user", "scc", "2026-07-10", "day")
    assert m["channel"]["label"]["en"] == "Security Consultative Committee"
    assert m["venue"] == {"ja": "東京", "en": "Tokyo"} and m["mode"] == "in_person"
    assert [p["position"] for p in m["participants"]] == MEETING["participants"]
    assert m["citations"] == [{"source": SOURCE, "locator": "para. 4"}]
    assert m["outcomes"] == [
        {"key": "command_control", "text": MEETING["outcomes"][0]["text"], "citations": m["citations"]}
    ]
    assert m["commitments"] == [] and m["marking"]["level"] == "public"
    listed = wclient.get("/api/work/meetings?body=scc&start=2026-01-01").json()["meetings"]
    assert [x["id"] for x in listed] == ["scc_2026_07_10"]
    assert wclient.get("/api/work/meetings/scc_2026_07_10").json()["label"] == MEETING["label"]

    tasked = wclient.post("/api/work/commitments", json=COMMITMENT, headers=POLICY)
    assert tasked.status_code == 201, tasked.text
    c = tasked.json()
    assert c["meeting"]["id"] == "scc_2026_07_10" and c["outcome"] == "command_control"
    assert c["citations"] == [{"source": SOURCE, "locator": "para. 4"}]  # the meeting's: where it comes from
    listed = wclient.get("/api/work/meetings?body=scc&start=2026-01-01").json()["meetings"]
    assert listed[0]["commitments"] == [COMMITMENT["id"]]
    assert listed[0]["commitment_labels"] == {COMMITMENT["id"]: COMMITMENT["label"]}
    before = wclient.get("/api/work/commitments?on=2026-11-01&status=open").json()["commitments"]
    assert COMMITMENT["id"] in [x["id"] for x in before]

    done = wclient.post(f"/api/work/commitments/{COMMITMENT['id']}/done", json={"on": "2026-11-20"}, headers=POLICY)
    assert done.status_code == 200 and done.json()["status"] == "done" and done.json()["late"] is False
    after = wclient.get("/api/work/commitments?on=2026-11-21&status=done").json()["commitments"]
    assert COMMITMENT["id"] in [x["id"] for x in after]
    assert _audit(engine, "scc_2026_07_10") == [("work.meeting.write", "ok", "suzuki")]
    assert _audit(engine, COMMITMENT["id"]) == [("work.commitment.write", "ok", "suzuki")] * 2

    page = wclient.get("/work/meetings?body=scc&start=2026-01-01&lang=en")
    assert f'href="/work/commitments#{COMMITMENT["id"]}"' in page.text and "Command and control review" in page.text
    assert "2030-01-01" not in page.text


def test_the_cli_records_a_meeting_and_a_commitment_as_the_system(cli: Any, engine: Any) -> None:
    url = engine.url.render_as_string(hide_password=False)
    m = cli.json(
        "meetings", "record", "scc_2026_cli", "--body", "scc", "--date", "2026-07-10",
        "--label-ja", "日米2+2", "--label-en", "US-Japan 2+2", "--source", "src_guidelines_2015", "--locator", "IV",
        "--participant", "jpn_minister_of_defense", "--outcome", "review|見直しを指示|Tasked a review",
        "--marking", "confidential", "--rel", "jpn,usa", "--url", url,
    )  # fmt: skip
    assert m["citations"] == [{"source": "src_guidelines_2015", "locator": "IV"}]
    assert m["outcomes"][0]["key"] == "review" and m["outcomes"][0]["text"]["ja"] == "見直しを指示"
    assert m["marking"]["level"] == "confidential" and m["marking"]["releasable_to"] == ["jpn", "usa"]
    c = cli.json(
        "commitments",
        "add",
        "commitment_cli_review",
        "--meeting",
        "scc_2026_cli",
        "--owner",
        "sdc",
        "--label-ja",
        "見直し",
        "--label-en",
        "Review",
        "--due",
        "2026-12-31",
        "--outcome",
        "review",
        "--url",
        url,
    )  # fmt: skip  (marked as its meeting)
    assert c["meeting"]["id"] == "scc_2026_cli" and c["marking"]["level"] == "confidential"
    assert c["marking"]["releasable_to"] == ["jpn", "usa"]
    done = cli.json("commitments", "done", "commitment_cli_review", "--on", "2026-11-20", "--url", url)
    assert done["status"] == "done"
    text = cli.run("meetings", "list", "--body", "scc", "--from", "2026-07-01", "--lang", "ja", "--url", url)
    assert text.exit_code == 0 and "日米2+2" in text.stdout and "見直しを指示" in text.stdout
    assert _audit(engine, "scc_2026_cli") == [("work.meeting.write", "ok", "system")]

    base = ("--body", "scc", "--date", "2026-07-10", "--label-ja", "会合", "--label-en", "Meeting", "--source", SOURCE)
    for args, reason in (
        (("scc_x", *base[:1], "nowhere", *base[2:]), "unknown body 'nowhere'"),
        (("scc_x", *base[:3], "2026-13-01", *base[4:]), "2026-13-01"),
        (("scc_x", *base, "--outcome", "only-an-id"), "give an outcome as 'ID|Japanese text|English text'"),
        (("scc_x", *base, "--end-date", "2026-07-01"), "is before the start"),
        (("scc_2026_cli", *base), "the id 'scc_2026_cli' is not available"),
        (("scc_x", *base[:-1], "scc"), "'source' (scc) is a body"),
    ):
        out = cli.run("meetings", "record", *args, "--url", url)
        assert out.exit_code == 2 and reason in out.stderr, (args, out.output)
    out = cli.run("commitments", "add", "c_x", "--meeting", "nope", "--owner", "sdc", "--label-ja", "x", "--label-en",
                  "x", "--url", url, "--lang", "ja")  # fmt: skip
    assert out.exit_code == 2 and "会合「nope」はありません" in out.stderr


def test_a_secret_meeting_of_japan_is_invisible_to_the_united_states(wclient: Any, engine: Any) -> None:
    _with_us_policy(wclient)
    secret = {**MEETING, "id": "scc_2026_secret", "marking": {"level": "secret", "releasable_to": ["jpn"]}}
    assert wclient.post("/api/work/meetings", json=secret, headers=POLICY).status_code == 201
    mine = wclient.get("/api/work/meetings?start=2026-01-01", headers=JP)
    assert "scc_2026_secret" in [x["id"] for x in mine.json()["meetings"]]
    assert mine.headers["x-anpo-marking"].startswith("SECRET")
    assert wclient.get("/api/work/meetings/scc_2026_secret", headers=JP).status_code == 200
    for who in (US, US_POLICY, {}):
        listed = wclient.get("/api/work/meetings?start=2026-01-01", headers=who).json()["meetings"]
        assert "scc_2026_secret" not in [x["id"] for x in listed]
        assert wclient.get("/api/work/meetings/scc_2026_secret", headers=who).status_code == 404
        assert "scc_2026_secret" not in wclient.get("/work/meetings?start=2026-01-01", headers=who).text
    hidden = wclient.post("/api/work/commitments", json={**COMMITMENT, "meeting": "scc_2026_secret"}, headers=US_POLICY)
    assert hidden.status_code == 404  # as a meeting that does not exist

    # a taken id: the one answer whether the caller may read the meeting or not
    visible = wclient.post("/api/work/meetings", json=secret, headers=POLICY)
    unseen = wclient.post("/api/work/meetings", json={**secret, "marking": None}, headers=US_POLICY)
    assert visible.status_code == unseen.status_code == 409
    assert visible.json() == unseen.json() == {
        "error": {"ja": "ID「scc_2026_secret」は使えません。別のIDを選んでください",
                  "en": "the id 'scc_2026_secret' is not available: choose another"},
        "code": "exists",
    }  # fmt: skip
    entries = _audit(engine, "scc_2026_secret")
    assert ("work.meeting.write", "ok", "suzuki") in entries
    assert ("work.meeting.write", "denied", "jones") in entries  # the probe, marked as the meeting
    assert ("work.meeting.write", "denied", "suzuki") not in entries  # a taken id of one's own: no denial


def test_refusals_write_nothing(wclient: Any, engine: Any) -> None:
    def post(headers: dict[str, str] = POLICY, **changes: Any) -> Any:
        return wclient.post("/api/work/meetings", json={**MEETING, "id": "scc_refused", **changes}, headers=headers)

    for changes, status, reason in (
        ({"body": "nowhere"}, 400, "unknown body 'nowhere' (allowed: "),
        ({"body": "jpn_minister_of_defense"}, 400, "'body' (jpn_minister_of_defense) is a position"),
        ({"date": "2026-13-01"}, 400, "2026-13-01"),
        ({"date": None}, 400, "'date' is required"),
        ({"end_date": "2026-07-09"}, 400, "the end (2026-07-09) is before the start (2026-07-10)"),
        ({"label": {"ja": "会合"}}, 400, "'label.en' is empty"),
        ({"label": {"ja": "会合", "en": " "}}, 400, "'label.en' is empty"),
        ({"label": "Meeting"}, 400, "'label' is {ja, en}"),
        ({"venue": {"en": "Tokyo"}}, 400, "'venue.ja' is empty"),
        ({"mode": "carrier_pigeon"}, 400, "unknown mode 'carrier_pigeon'"),
        ({"participants": ["sdc"]}, 400, "'participants' (sdc) is a body"),
        ({"participants": ["nobody"]}, 400, "unknown 'participants' (nobody)"),
        ({"participants": "jpn_minister_of_defense"}, 400, "'participants' is a list"),
        ({"outcomes": [{"id": "a", "text": {"ja": "あ", "en": "A"}}] * 2}, 400, "the outcome id 'a' is given twice"),
        ({"outcomes": [{"id": "a", "text": {"ja": "あ"}}]}, 400, "'outcomes[0].text.en' is empty"),
        ({"outcomes": ["a|あ|A"]}, 400, "outcomes are a list of {id, text: {ja, en}} (outcomes[0])"),
        ({"source": None}, 400, "'source' is required"),
        ({"source": "scc"}, 400, "'source' (scc) is a body (allowed kinds: source)"),
        ({"id": "scc 2026"}, 400, "may not contain spaces"),
        ({"id": "scc_2013_10_03"}, 409, "is not available"),  # a pack meeting's
        ({"id": "scc"}, 409, "is not available"),  # a record of the pack
        ({"marking": {"level": "cosmic"}}, 400, "unknown marking level 'cosmic'"),
    ):
        answer = post(**changes)
        assert answer.status_code == status, (changes, answer.text)
        body = answer.json()
        assert reason in body["error"]["en"] and body["error"]["ja"], (changes, body)
        assert body["code"] == ("exists" if status == 409 else "invalid"), body
    unknown = post(colour="blue")  # as every write of the work API: a field it does not take
    assert unknown.status_code == 422 and unknown.json()["fields"] == ["colour"]
    forbidden = post(JP)  # a coordinator: a policy officer's write
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "forbidden"
    assert "roles administrator, policy officer" in forbidden.json()["error"]["en"], forbidden.json()
    assert post({}).status_code == 403  # anonymous
    assert wclient.get("/api/work/meetings/scc_refused").status_code == 404
    assert _audit(engine, "scc_refused") == [
        ("work.meeting.write", "denied", "sato"),
        ("work.meeting.write", "denied", "anonymous"),
    ]


def test_only_those_who_may_record_meetings_see_the_form(wclient: Any) -> None:
    assert 'data-testid="meeting-form"' in wclient.get("/work/meetings", headers=POLICY).text
    for who in (JP, US, {}):
        assert 'data-testid="meeting-form"' not in wclient.get("/work/meetings", headers=who).text
