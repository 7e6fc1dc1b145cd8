"""A tabletop exercise run live in the web app: the controller starts a shipped scenario and
releases injects, players of each side act, the engine answers the legal questions each action
raises as of the scenario's date and refuses what the law does not allow; the after-action report
lists every refusal with reasons and citations. Exercise play never touches the real records."""

from __future__ import annotations

import shutil
from typing import Any

import pytest
from sqlalchemy import select

from anpo.security.audit import AuditEntry, verify
from anpo.store.db import session_factory, transaction

CTL = {"x-anpo-work-token": "tok-ctl"}
JP = {"x-anpo-work-token": "tok-jpn"}
US = {"x-anpo-work-token": "tok-usa"}
VIEWER = {"x-anpo-work-token": "tok-viewer"}


def _start(wclient: Any, scenario: str = "ballistic_missile_launch") -> str:
    res = wclient.post("/api/work/exercises", json={"scenario": scenario, "seed": 3}, headers=CTL)
    assert res.status_code == 201, res.text
    return str(res.json()["id"])


def test_only_controllers_start_and_step(wclient: Any) -> None:
    body = {"scenario": "ballistic_missile_launch"}
    for headers in ({}, VIEWER, JP):
        assert wclient.post("/api/work/exercises", json=body, headers=headers).status_code == 403
    bad = wclient.post("/api/work/exercises", json={"scenario": "../../etc/passwd"}, headers=CTL)
    assert bad.status_code == 400 and "ballistic_missile_launch" in bad.json()["error"]["en"]
    assert wclient.post("/api/work/exercises", json={"scenario": "x", "seed": "a"}, headers=CTL).status_code == 400
    run = _start(wclient)
    assert wclient.post(f"/api/work/exercises/{run}/step", headers=JP).status_code == 403
    assert wclient.post("/api/work/exercises/run_9999/step", headers=CTL).status_code == 404
    # `script` is true or false: "no" and 0 were read by their truth, "no" as true
    step = f"/api/work/exercises/{run}/step"
    for body in ({"script": "no"}, {"script": 0}, ["script"]):
        refused = wclient.post(step, json=body, headers=CTL)
        assert refused.status_code == 400 and refused.json()["error"]["ja"], body
    assert wclient.get(f"/api/work/exercises/{run}", headers=CTL).json()["injects"]["released"] == 0
    assert wclient.post(step, json={"script": False}, headers=CTL).json()["injects"]["released"] == 1


def test_live_run_answers_and_refuses_as_the_law_of_the_scenario_date(wclient: Any, engine: Any) -> None:
    real_before = wclient.get("/api/work/protection/report?year=2024").json()
    run = _start(wclient)
    url = f"/api/work/exercises/{run}"
    # Before the first inject no case is open: acting on it is a bad request, not a crash.
    early = wclient.post(f"{url}/actions", json={"do": "message", "case": "launch", "text": "x"}, headers=JP)
    assert early.status_code == 400 and "not been opened" in early.json()["error"]["en"]

    state = wclient.post(f"{url}/step", headers=CTL).json()
    assert state["injects"]["released"] == 1 and state["timeline"][0]["kind"] == "inject"
    case_id = state["cases"]["launch"]

    def act(headers: dict[str, str], **form: Any) -> Any:
        return wclient.post(f"{url}/actions", json=form, headers=headers)

    msg = act(US, do="message", case="launch", text_en="Launch information shared", text_ja="発射情報を共有")
    assert msg.status_code == 200 and msg.json()["event"]["party"] == "usa"
    assert msg.json()["event"]["actor"] == "smith"
    fuel = act(JP, do="supply", case="launch", provider="jpn", category="fuel", context="information_gathering")
    assert fuel.json()["event"]["outcome"] == "allowed"
    weapons = act(JP, do="supply", case="launch", provider="jpn", category="weapons", context="information_gathering")
    refusal = weapons.json()["event"]
    assert refusal["outcome"] == "refused" and refusal["reasons"] and refusal["citations"]
    assert "weapons" in refusal["reasons"][0]["en"]
    det = act(JP, do="determine", case="launch", situation="anticipated_armed_attack")
    assert det.json()["event"]["outcome"] == "refused"
    assert "Cabinet decision" in det.json()["event"]["reasons"][0]["en"]
    protect = act(
        JP,
        do="protect",
        case="launch",
        protected_party="usa",
        activity="ballistic_missile_warning",
        asset="ship",
        by="ship",
    )
    assert protect.json()["event"]["outcome"] == "allowed"
    asked = act(US, do="ask", case="launch", question="treaty.article5_applies", params="place=senkaku_islands")
    assert asked.json()["event"]["outcome"] == "answered" and asked.json()["event"]["citations"]

    # Players act for their own side only; bad actions are 4xx with the reason.
    assert act(JP, do="message", case="launch", party="usa", text="x").status_code == 403
    assert act(VIEWER, do="message", case="launch", text="x").status_code == 403
    assert act(JP, do="fire", case="launch").status_code == 400
    assert act(JP, do="open_case", case="launch").status_code == 400  # the controller's
    assert act(JP, do="ask", case="launch", question="nope.nope").status_code == 400
    nowhere = act(JP, do="message", case="nowhere", text="x")
    assert nowhere.status_code == 400
    # each language its own sentence (both used to carry "... (defined: launch) / 案件「nowhere」...")
    error = nowhere.json()["error"]
    assert error["en"] == "bad action: action[0]: unknown case 'nowhere' (defined: launch)"
    assert error["ja"].startswith("行動に問題があります: action[0]: 案件「nowhere」")
    assert not any("\u3040" <= ch <= "\u9fff" for ch in error["en"]) and "defined" not in error["ja"]
    assert act(JP, do="book", case="launch", facility="camp_hansen", party="jpn", hours="many").status_code == 400

    # The case log shows the actions and the refusals live to both sides.
    log = wclient.get(f"/api/work/cases/{case_id}", headers=US).json()["entries"]
    assert [e["type"] for e in log].count("refusal") == 2
    page = wclient.get(f"/work/exercises/{run}?lang=en", headers=US)
    assert page.status_code == 200 and "Refused" in page.text and 'data-testid="act-form"' in page.text

    # The controller plays the rest of the script, ends the run; no more actions afterwards.
    for _ in range(4):
        assert wclient.post(f"{url}/step", json={"script": True}, headers=CTL).status_code == 200
    assert wclient.post(f"{url}/step", headers=CTL).status_code == 409
    assert wclient.post(f"{url}/end", headers=CTL).json()["status"] == "ended"
    assert act(JP, do="message", case="launch", text="late").status_code == 409

    report = wclient.get(f"{url}/report?format=json", headers=US).json()
    assert len(report["refusals"]) == 4  # two by players, two by the script (weapons; no Cabinet decision)
    html = wclient.get(f"{url}/report", headers=US).text
    assert html.count('id="refusal-') == 4
    for r in report["refusals"]:
        for reason in r["reasons"]:
            assert reason["en"] in html.replace("&#39;", "'")
            assert all(c["source"] in html for c in reason["citations"])
    pdf = wclient.get(f"{url}/report?format=pdf", headers=US)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert wclient.get(f"{url}/report?format=doc", headers=US).status_code == 400

    # Exercise play is kept apart from the real records, and every write is audited.
    assert wclient.get("/api/work/protection/report?year=2024").json() == real_before
    assert report["protection"]["by_occasion"] == {"isr_incl_bm_warning": {"ship_by_ship": 2}}
    with transaction(session_factory(engine)) as session:
        actors = {
            (a.actor, a.action)
            for a in session.execute(select(AuditEntry).where(AuditEntry.record_type == "exercise_run")).scalars()
        }
        assert {
            ("ctl", "work.exercise.control"),
            ("sato", "work.exercise.act"),
            ("smith", "work.exercise.act"),
        } <= actors
        assert verify(session) is None


def test_booking_in_an_exercise_does_not_block_a_real_one(wclient: Any, work: Any) -> None:
    import datetime as dt

    from anpo.work.facilities import book, list_bookings

    run = _start(wclient, "nankai_trough_earthquake")
    state = wclient.post(f"/api/work/exercises/{run}/step", headers=CTL).json()
    clock = dt.datetime.fromisoformat(state["clock"])
    case = next(iter(state["cases"]))
    form = {"do": "book", "case": case, "facility": "camp_hansen", "party": "jpn", "hours": 24}
    first = wclient.post(f"/api/work/exercises/{run}/actions", json=form, headers=JP).json()["event"]
    again = wclient.post(f"/api/work/exercises/{run}/actions", json=form, headers=JP).json()["event"]
    assert (first["outcome"], again["outcome"]) == ("allowed", "refused")
    assert "already booked" in again["reasons"][0]["en"]
    with work() as w:
        real = book(w, "camp_hansen", "jpn", clock, clock + dt.timedelta(hours=2))
        assert real["exercise"] is None
        assert [b["id"] for b in list_bookings(w)] == [real["id"]]


@pytest.mark.browser
def test_controller_and_players_run_an_exercise_in_browsers(two_servers: Any) -> None:
    from playwright.sync_api import expect, sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"

    a, b = two_servers
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=args)
        try:

            def open_as(server: Any, token: str) -> Any:
                context = browser.new_context()
                context.add_cookies([{"name": "anpo_work_token", "value": token, "url": server.url}])
                return context.new_page()

            ctl = open_as(a, "tok-ctl")
            ctl.goto(f"{a.url}/work/exercises?lang=en")
            ctl.get_by_test_id("start-scenario").select_option("ballistic_missile_launch")
            ctl.get_by_test_id("start-send").click()
            expect(ctl.get_by_test_id("run-title")).to_contain_text("ballistic-missile launch")
            run_url = ctl.url.replace(a.url, "")
            ctl.get_by_test_id("step").click()
            expect(ctl.get_by_test_id("released")).to_have_text("1")
            expect(ctl.get_by_test_id("case-link-launch")).to_be_visible()

            player = open_as(b, "tok-jpn")  # the other server process's page
            player.goto(f"{b.url}{run_url}?lang=en")
            player.get_by_test_id("act-do").select_option("supply")
            player.get_by_test_id("act-provider").fill("jpn")
            player.get_by_test_id("act-category").fill("weapons")
            player.get_by_test_id("act-context").fill("information_gathering")
            player.get_by_test_id("act-send").click()
            expect(player.get_by_test_id("act-result")).to_contain_text("Refused")
            expect(player.get_by_test_id("act-result")).to_contain_text("weapons")
            # The controller sees the player's refused action, with its reasons, without reloading.
            expect(ctl.get_by_test_id("timeline")).to_contain_text("Refused: provision of weapons", timeout=3000)
            expect(ctl.get_by_test_id("timeline")).to_contain_text("Japan-U.S. ACSA (2016)")  # the source by name
            assert ctl.locator("#timeline [data-source=src_acsa_2016]").count() >= 1  # with its id
            # A ticked Cabinet-decision box goes as a JSON true (the API refuses the string "true").
            player.get_by_test_id("act-do").select_option("determine")
            player.get_by_test_id("act-situation").fill("anticipated_armed_attack")
            player.get_by_test_id("act-cabinet_decision").check()
            player.get_by_test_id("act-send").click()
            expect(player.get_by_test_id("act-result")).to_contain_text("Determined")
        finally:
            browser.close()


def test_a_marked_run_is_seen_by_its_parties_only(wclient: Any) -> None:
    body = {"scenario": "senkaku_gray_zone", "marking": {"level": "confidential", "releasable_to": ["jpn"]}}
    res = wclient.post("/api/work/exercises", json=body, headers=CTL)
    assert res.status_code == 201 and res.json()["marking"]["banner"]["en"] == "CONFIDENTIAL//REL TO JPN"
    run = res.json()["id"]
    state = wclient.post(f"/api/work/exercises/{run}/step", headers=CTL).json()
    case = next(iter(state["cases"].values()))
    assert wclient.get(f"/api/work/cases/{case}", headers=JP).json()["marking"]["level"] == "confidential"
    for path in (f"/api/work/exercises/{run}", f"/work/exercises/{run}", f"/api/work/cases/{case}"):
        assert wclient.get(path, headers=US).status_code == 404
    assert wclient.post(f"/api/work/exercises/{run}/actions", json={"do": "message"}, headers=US).status_code == 404
    assert run not in [r["id"] for r in wclient.get("/api/work/exercises", headers=US).json()["runs"]]
    assert run in [r["id"] for r in wclient.get("/api/work/exercises", headers=JP).json()["runs"]]
    bad = wclient.post("/api/work/exercises", json={**body, "marking": {"level": "cosmic"}}, headers=CTL)
    assert bad.status_code == 400


def test_polling_an_unchanged_run_is_cheap_but_still_checked(wclient: Any) -> None:
    run = _start(wclient)
    first = wclient.get(f"/api/work/exercises/{run}", headers=JP).json()
    again = wclient.get(f"/api/work/exercises/{run}?known={first['version']}", headers=JP).json()
    assert again == {"id": run, "version": first["version"], "unchanged": True}
    wclient.post(f"/api/work/exercises/{run}/step", headers=CTL)
    changed = wclient.get(f"/api/work/exercises/{run}?known={first['version']}", headers=JP).json()
    assert changed["injects"]["released"] == 1 and changed["version"] != first["version"]
