"""Exercise play and the real records stay apart, on both backends: the real endpoints and
commands change no record of an exercise run (a booking or protection record of one is "not
found"; a run's case, shown on the case pages, is played from the run's page), and a run changes
no real record."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from anpo.framework.model import Text
from anpo.work import coordination as co
from anpo.work.common import WorkError
from anpo.work.protection import carry_out, decide_protection, list_protection, request_protection

CTL = {"x-anpo-work-token": "tok-ctl"}
JP = {"x-anpo-work-token": "tok-jpn"}
CASE = {"title": {"ja": "発射", "en": "Launch"}, "type": "missile_launch", "level": "bocc", "on": "2024-06-10"}


def _run(wclient: Any, scenario: str, script: bool = False) -> tuple[str, dict[str, Any]]:
    run = wclient.post("/api/work/exercises", json={"scenario": scenario, "seed": 1}, headers=CTL).json()["id"]
    state = wclient.post(f"/api/work/exercises/{run}/step", json={"script": script}, headers=CTL).json()
    return run, state


def _bookings(wclient: Any, run: str) -> list[dict[str, Any]]:
    return list(wclient.get(f"/api/work/exercises/{run}/report?format=json", headers=JP).json()["bookings"])


def test_a_real_cancel_does_not_reach_an_exercise_booking(wclient: Any, cli: Any, db_url: str) -> None:
    """`POST /api/work/bookings/ID/cancel` and `anpo facilities cancel ID` cancelled a booking made
    in a live exercise (the real lists never show it)."""
    run, state = _run(wclient, "nankai_trough_earthquake")
    form = {"do": "book", "case": next(iter(state["cases"])), "facility": "camp_hansen", "party": "jpn", "hours": 24}
    event = wclient.post(f"/api/work/exercises/{run}/actions", json=form, headers=JP).json()["event"]
    assert event["outcome"] == "allowed"
    (booking,) = _bookings(wclient, run)
    res = wclient.post(f"/api/work/bookings/{booking['id']}/cancel", headers=JP)
    assert res.status_code == 404, res.text
    assert res.json()["error"] == {"ja": f"予約「{booking['id']}」はありません", "en": f"no booking '{booking['id']}'"}
    for lang, text in (("en", "no booking"), ("ja", "はありません")):
        out = cli.run("facilities", "cancel", str(booking["id"]), "--url", db_url, "--lang", lang)
        assert out.exit_code == 2 and text in out.output, out.output
    assert [b["status"] for b in _bookings(wclient, run)] == ["active"]


def test_real_writes_to_an_exercise_case_are_refused_with_the_run(wclient: Any, cli: Any, db_url: str) -> None:
    """A run's case is shown on the case pages (marked with its run), but a message, determination
    or closing through the real endpoints and commands changed it behind the run's back."""
    run, state = _run(wclient, "ballistic_missile_launch")
    case_id = state["cases"]["launch"]
    url = f"/api/work/cases/{case_id}"
    before = wclient.get(url, headers=JP).json()
    assert before["exercise"] == run
    listed = {c["id"]: c for c in wclient.get("/api/work/cases", headers=JP).json()["cases"]}
    assert listed[case_id]["exercise"] == run
    writes = (
        (f"{url}/entries", {"type": "message", "text": "x"}),
        (f"{url}/determinations", {"situation": "gray_zone"}),
        (f"{url}/close", None),
    )
    for path, body in writes:
        res = wclient.post(path, json=body, headers=JP)
        assert res.status_code == 409, (path, res.text)
        error = res.json()["error"]
        assert f"exercise run '{run}'" in error["en"] and f"演習「{run}」" in error["ja"], error
    commands = (
        ("cases", "post", case_id, "--text", "x"),
        ("cases", "determine", case_id, "gray_zone"),
        ("cases", "close", case_id),
    )
    for args in commands:
        out = cli.run(*args, "--url", db_url)
        assert out.exit_code == 2 and f"exercise run '{run}'" in out.output, (args, out.output)
    page = wclient.get(f"/work/cases/{case_id}?lang=en", headers=JP).text
    assert f'href="/work/exercises/{run}"' in page and 'data-testid="post-form"' not in page
    assert f'data-testid="case-exercise-{case_id}"' in wclient.get("/work/cases?lang=en", headers=JP).text
    after = wclient.get(url, headers=JP).json()
    assert (after["status"], after["entries"], after["determinations"]) == ("open", before["entries"], [])
    # the run itself still plays its case
    played = {"do": "message", "case": "launch", "text": "from the run"}
    assert wclient.post(f"/api/work/exercises/{run}/actions", json=played, headers=JP).status_code == 200
    assert len(wclient.get(url, headers=JP).json()["entries"]) == len(before["entries"]) + 1


def test_a_real_decision_does_not_reach_an_exercise_protection_record(
    wclient: Any, cli: Any, db_url: str, work: Any
) -> None:
    """`POST /api/work/protection/ID/decision` (and `carried-out`, and the commands) decided an
    exercise run's request, which no real list shows."""
    with work() as w:
        rec = request_protection(
            w,
            protected_party="usa",
            activity="joint_training",
            protected_asset="ship",
            protecting_asset="ship",
            requested_on=dt.date(2024, 6, 10),
            exercise="run_9001",
        )
    assert rec["status"] == "requested"
    base = f"/api/work/protection/{rec['id']}"
    for path, body in (
        (f"{base}/decision", {"approve": True, "on": "2024-06-10"}),
        (f"{base}/carried-out", {"on": "2024-06-11"}),
    ):
        res = wclient.post(path, json=body, headers=JP)
        assert res.status_code == 404 and res.json()["error"]["en"] == f"no protection record '{rec['id']}'", res.text
    for args in (("decide", rec["id"], "--on", "2024-06-10"), ("carry-out", rec["id"], "--on", "2024-06-11")):
        out = cli.run("protection", *args, "--url", db_url)
        assert out.exit_code == 2 and "no protection record" in out.output, out.output
    with work() as w:  # the run itself still decides its own request
        assert decide_protection(w, rec["id"], True, dt.date(2024, 6, 10), exercise="run_9001")["status"] == "approved"


def test_an_exercise_run_changes_no_real_record(wclient: Any, work: Any) -> None:
    """The work functions a run calls refuse a real case or protection record as not found."""
    case_id = wclient.post("/api/work/cases", json=CASE, headers=JP).json()["id"]
    with work() as w:
        real = request_protection(
            w,
            protected_party="usa",
            activity="joint_training",
            protected_asset="ship",
            protecting_asset="ship",
            requested_on=dt.date(2024, 6, 10),
        )
    now = dt.datetime(2024, 6, 10, 9)
    calls = (
        lambda w: co.post_entry(w, case_id, "message", Text("x", "x"), now, exercise="run_9001"),
        lambda w: co.record_answer(w, case_id, {}, True, Text("x", "x"), now, exercise="run_9001"),
        lambda w: co.determine(w, case_id, "gray_zone", now, exercise="run_9001"),
        lambda w: co.close_case(w, case_id, now, exercise="run_9001"),
        lambda w: decide_protection(w, real["id"], True, dt.date(2024, 6, 10), exercise="run_9001"),
        lambda w: carry_out(w, real["id"], dt.date(2024, 6, 10), "", exercise="run_9001"),
    )
    for call in calls:
        with pytest.raises(WorkError) as refused, work() as w:
            call(w)
        assert refused.value.code == "not_found", refused.value.text
    case = wclient.get(f"/api/work/cases/{case_id}", headers=JP).json()
    assert (case["status"], len(case["entries"]), case["determinations"]) == ("open", 1, [])
    with work() as w:
        assert [p["status"] for p in list_protection(w, 2024) if p["id"] == real["id"]] == ["requested"]


def test_the_determinations_over_time_leave_out_exercise_play(wclient: Any, cli: Any, db_url: str) -> None:
    """`/api/work/determinations` and `anpo cases determinations` listed a run's determinations
    (a fictional gray zone, later an armed attack) as the Government's."""
    _run_id, state = _run(wclient, "senkaku_gray_zone", script=True)
    case_id = next(iter(state["cases"].values()))
    assert wclient.get(f"/api/work/cases/{case_id}", headers=JP).json()["determinations"]
    real = wclient.post("/api/work/cases", json=CASE, headers=JP).json()["id"]
    det = wclient.post(f"/api/work/cases/{real}/determinations", json={"situation": "gray_zone"}, headers=JP)
    assert det.status_code == 201, det.text
    listed = wclient.get("/api/work/determinations", headers=JP).json()["determinations"]
    assert [d["case"] for d in listed] == [real]
    rows = cli.json("cases", "determinations", "--url", db_url)["determinations"]
    assert [d["case"] for d in rows] == [real]
