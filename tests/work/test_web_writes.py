"""The work records written through the API: the same functions and access checks as the CLI,
bad requests answered 4xx with a reason in both languages, refusals by law with their reasons."""

from __future__ import annotations

from typing import Any

JP = {"x-anpo-work-token": "tok-jpn"}
US = {"x-anpo-work-token": "tok-usa"}
POLICY = {"x-anpo-work-token": "tok-policy"}
VIEWER = {"x-anpo-work-token": "tok-viewer"}


def test_cases_open_determine_close(wclient: Any) -> None:
    body = {"title": {"ja": "発射事案", "en": "Launch"}, "type": "missile_launch", "level": "bocc", "on": "2024-06-10"}
    assert wclient.post("/api/work/cases", json=body, headers=VIEWER).status_code == 403
    bad = wclient.post("/api/work/cases", json={**body, "level": "hq"}, headers=JP)
    assert bad.status_code == 400 and "acg, bocc, ccc" in bad.json()["error"]["en"]
    assert wclient.post("/api/work/cases", json={**body, "title": 5}, headers=JP).status_code == 400
    assert wclient.post("/api/work/cases", json={**body, "on": "someday"}, headers=JP).status_code == 400
    case = wclient.post("/api/work/cases", json=body, headers=JP)
    assert case.status_code == 201 and case.json()["on"] == "2024-06-10"
    url = f"/api/work/cases/{case.json()['id']}"
    refused = wclient.post(f"{url}/determinations", json={"situation": "anticipated_armed_attack"}, headers=JP)
    assert refused.status_code == 422 and "Cabinet decision" in refused.json()["error"]["en"]
    assert refused.json()["answer"]["reasons"][0]["citations"]
    before_2016 = wclient.post(
        "/api/work/cases", json={**body, "on": "2010-01-01"}, headers=JP
    ).json()["id"]  # fmt: skip
    gone = wclient.post(
        f"/api/work/cases/{before_2016}/determinations",
        json={"situation": "survival_threatening_situation"},
        headers=JP,
    )
    assert gone.status_code == 422 and "not a situation in law" in gone.json()["error"]["en"]
    det = wclient.post(
        f"{url}/determinations",
        json={"situation": "anticipated_armed_attack", "cabinet_decision_on": "2024-06-10", "decided_by": "Cabinet"},
        headers=JP,  # Japan's side only (tests/work/test_qa_rules.py)
    )
    assert det.status_code == 201 and det.json()["cabinet_decision_on"] == "2024-06-10"
    assert wclient.get(url).json()["situation"]["id"] == "anticipated_armed_attack"
    assert wclient.post(f"{url}/close", headers=JP).json()["status"] == "closed"
    assert wclient.post(f"{url}/close", headers=JP).status_code == 409
    assert wclient.post(f"{url}/entries", json={"text": "late"}, headers=JP).status_code == 409


def test_commitments_add_and_done(wclient: Any) -> None:
    body = {
        "id": "commitment_test_review",
        "meeting": "scc_2013_10_03",
        "owner": "sdc",
        "label": {"ja": "見直し", "en": "Review"},
        "due": "2014-12-31",
    }
    assert wclient.post("/api/work/commitments", json=body, headers=JP).status_code == 403  # coordinators may not
    assert wclient.post("/api/work/commitments", json={**body, "owner": "nobody"}, headers=POLICY).status_code == 400
    assert wclient.post("/api/work/commitments", json={**body, "meeting": "nope"}, headers=POLICY).status_code == 404
    assert wclient.post("/api/work/commitments", json=body, headers=POLICY).status_code == 201
    assert wclient.post("/api/work/commitments", json=body, headers=POLICY).status_code == 409
    done = wclient.post(
        "/api/work/commitments/commitment_test_review/done",
        json={"on": "2015-04-27", "by": "guidelines_2015"},
        headers=POLICY,
    )
    assert done.status_code == 200 and done.json()["status"] == "done" and done.json()["late"] is True
    listed = wclient.get("/api/work/commitments?on=2016-01-01").json()["commitments"]
    assert {c["id"] for c in listed} >= {"commitment_test_review", "commitment_guidelines_review_2014"}


def test_protection_request_decide_carry_out_counts_in_the_year(wclient: Any) -> None:
    before = wclient.get("/api/work/protection/report?year=2024").json()["total"]
    ok = {"protected_party": "usa", "activity": "joint_training", "asset": "ship", "by": "ship", "on": "2024-05-01"}
    early = wclient.post("/api/work/protection", json={**ok, "on": "2015-05-01"}, headers=JP)
    assert early.status_code == 201 and early.json()["status"] == "refused_by_law"  # Art. 95-2 is from 2016
    assert early.json()["check"]["reasons"][0]["citations"]
    assert wclient.post("/api/work/protection", json={**ok, "asset": "tank"}, headers=JP).status_code == 400
    rec = wclient.post("/api/work/protection", json=ok, headers=JP).json()
    url = f"/api/work/protection/{rec['id']}"
    assert wclient.post(f"{url}/carried-out", json={"on": "2024-05-02"}, headers=JP).status_code == 409
    assert wclient.post(f"{url}/decision", json={"approve": "yes", "on": "2024-05-01"}, headers=JP).status_code == 400
    assert wclient.post(f"{url}/decision", json={"approve": True, "on": "2024-05-01"}, headers=JP).status_code == 200
    done = wclient.post(f"{url}/carried-out", json={"on": "2024-05-02", "units": "DD-X"}, headers=JP)
    assert done.json()["status"] == "carried_out"
    assert wclient.get("/api/work/protection/report?year=2024").json()["total"] == before + 1


def test_bookings_for_ones_own_party_with_conflicts(wclient: Any) -> None:
    body = {"facility": "camp_hansen", "start": "2025-03-01T08:00", "end": "2025-03-02T08:00"}
    first = wclient.post("/api/work/bookings", json=body, headers=JP)
    assert first.status_code == 201 and first.json()["party"] == "jpn"
    clash = wclient.post("/api/work/bookings", json={**body, "start": "2025-03-01T20:00"}, headers=US)
    assert clash.status_code == 409 and clash.json()["conflicts"][0]["id"] == first.json()["id"]
    assert wclient.post("/api/work/bookings", json={**body, "party": "usa"}, headers=JP).status_code == 403
    assert wclient.post("/api/work/bookings", json={**body, "end": "2025-02-01T00:00"}, headers=JP).status_code == 400
    assert wclient.post("/api/work/bookings", json={**body, "facility": "atlantis"}, headers=JP).status_code == 400
    assert wclient.post("/api/work/bookings", json=body, headers=VIEWER).status_code == 403
    assert wclient.post(f"/api/work/bookings/{first.json()['id']}/cancel", headers=JP).json()["status"] == "cancelled"
    assert wclient.post("/api/work/bookings", json={**body, "start": "2025-03-01T20:00"}, headers=US).status_code == 201


def test_determinations_over_time(wclient: Any, cli: Any, engine: Any) -> None:
    body = {"title": "Gray zone", "type": "gray_zone", "level": "acg", "on": "2024-09-01"}
    case = wclient.post("/api/work/cases", json=body, headers=JP).json()["id"]
    url = f"/api/work/cases/{case}/determinations"
    assert wclient.post(url, json={"situation": "gray_zone"}, headers=JP).status_code == 201
    det = {"situation": "important_influence_situation", "cabinet_decision_on": "2024-09-02"}
    assert wclient.post(url, json=det, headers=JP).status_code == 201
    rows = wclient.get("/api/work/determinations").json()["determinations"]
    assert [d["situation"]["id"] for d in rows] == ["gray_zone", "important_influence_situation"]
    assert rows[0]["ended_at"] == rows[1]["determined_at"] and rows[1]["ended_at"] is None
    assert wclient.get("/api/work/determinations?end=2000-01-01").json()["determinations"] == []
    assert wclient.get("/api/work/determinations?start=nope").status_code == 400
    out = cli.json("cases", "determinations", "--url", engine.url.render_as_string(hide_password=False))
    assert [d["case"] for d in out["determinations"]] == [case, case]


def test_cases_page_offers_opening_a_case_to_coordinators_only(wclient: Any) -> None:
    assert 'data-testid="open-case-form"' in wclient.get("/work/cases?lang=ja", headers=JP).text
    for headers in ({}, VIEWER):
        assert 'data-testid="open-case-form"' not in wclient.get("/work/cases", headers=headers).text


def _json_values() -> Any:
    from hypothesis import strategies as st

    scalars = st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=12)
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
        max_leaves=6,
    )


WRITES = (
    ("/api/work/cases", ("title", "type", "level", "on", "marking")),
    ("/api/work/cases/{case}/entries", ("type", "text", "marking")),
    (
        "/api/work/cases/{case}/determinations",
        ("situation", "cabinet_decision_on", "diet_approval_on", "decided_by"),
    ),
    ("/api/work/commitments", ("id", "meeting", "owner", "label", "due", "outcome", "marking")),
    ("/api/work/commitments/commitment_guidelines_review_2014/done", ("on", "by")),
    ("/api/work/protection", ("protected_party", "activity", "asset", "by", "on", "unit", "marking")),
    ("/api/work/protection/{protection}/decision", ("approve", "on")),
    ("/api/work/bookings", ("facility", "party", "start", "end", "unit", "purpose", "marking")),
    ("/api/work/exercises", ("scenario", "seed", "marking")),
    ("/api/work/exercises/{run}/actions", ("do", "case", "party", "text", "params", "hours", "question")),
)


def test_no_request_body_gets_a_server_error(wclient: Any) -> None:
    """Whatever JSON a client sends to a write, the answer is a 2xx or a 4xx with a reason."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    ctl = {"x-anpo-work-token": "tok-ctl"}
    case = wclient.post("/api/work/cases", json={"title": "t", "type": "other", "level": "acg"}, headers=JP).json()
    request = {
        "protected_party": "usa",
        "activity": "joint_training",
        "asset": "ship",
        "by": "ship",
        "on": "2024-06-10",
    }
    protection = wclient.post("/api/work/protection", json=request, headers=JP).json()
    run = wclient.post("/api/work/exercises", json={"scenario": "ballistic_missile_launch"}, headers=ctl).json()
    wclient.post(f"/api/work/exercises/{run['id']}/step", headers=ctl)
    ids = {"case": case["id"], "protection": protection["id"], "run": run["id"]}

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def check(data: Any) -> None:
        url, keys = data.draw(st.sampled_from(WRITES))
        url = url.format(**ids)
        body = data.draw(st.dictionaries(st.sampled_from(keys), _json_values(), max_size=len(keys)) | _json_values())
        headers = data.draw(st.sampled_from([JP, US, POLICY, {"x-anpo-work-token": "tok-ctl"}, {}]))
        res = wclient.post(url, json=body, headers=headers)
        assert res.status_code < 500, (url, body, res.text)
        if res.status_code >= 400:
            assert set(res.json()["error"]) == {"ja", "en"}

    check()
