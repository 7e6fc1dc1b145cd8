"""Defects a QA pass found in the rules of the work layer, each checked on both backends: who may
cancel a booking, who may record Japan's situation determinations (also in exercise play), the
period of the determinations list, the legal basis of a booking outside Japan, party names inside
sentences, and the yes/no fields of a live exercise action."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import select

from anpo.security.audit import AuditEntry
from anpo.security.principal import Principal
from anpo.store.db import session_factory, transaction
from anpo.work.common import WorkError

JP = {"x-anpo-work-token": "tok-jpn"}
US = {"x-anpo-work-token": "tok-usa"}
CTL = {"x-anpo-work-token": "tok-ctl"}
ADMIN = {"x-anpo-work-token": "tok-admin"}
T = dt.datetime
SOFA = "src_sofa_1960"


def _with_admin(wclient: Any) -> None:
    """An administrator of no party beside the fixture's principals (a new mapping: the fixture's
    is shared by every test)."""
    tokens = dict(wclient.app.state.work_tokens)
    tokens["tok-admin"] = Principal("root", None, "secret", frozenset({"administrator"}))
    wclient.app.state.work_tokens = tokens


def _audited(engine: Any, actor: str, action: str) -> set[tuple[str, str, str]]:
    with transaction(session_factory(engine)) as session:
        rows = session.execute(select(AuditEntry).where(AuditEntry.actor == actor, AuditEntry.action == action))
        return {(a.outcome, a.record_type, a.record_id) for a in rows.scalars()}


def _bilingual(res: Any, status: int) -> dict[str, Any]:
    assert res.status_code == status, res.text
    body: dict[str, Any] = res.json()
    assert body["error"]["ja"] and body["error"]["en"]
    return body


# -- 1. a booking is cancelled by its own party (or an administrator) -----------------------------


def test_a_coordinator_may_not_cancel_the_other_partys_booking(wclient: Any, engine: Any) -> None:
    _with_admin(wclient)
    body = {"facility": "camp_hansen", "start": "2025-04-01T08:00", "end": "2025-04-02T08:00"}
    theirs = wclient.post("/api/work/bookings", json={**body, "party": "usa"}, headers=ADMIN)
    assert theirs.status_code == 201 and theirs.json()["party"] == "usa"
    url = f"/api/work/bookings/{theirs.json()['id']}/cancel"
    refused = _bilingual(wclient.post(url, headers=JP), 403)
    assert "own party" in refused["error"]["en"] and "自国" in refused["error"]["ja"]
    listed = wclient.get("/api/work/facilities", headers=JP).json()["bookings"]
    assert [b["status"] for b in listed if b["id"] == theirs.json()["id"]] == ["active"]
    assert ("denied", "booking", str(theirs.json()["id"])) in _audited(engine, "sato", "work.booking.write")
    # booking for the other party is refused by the same rule, in the same words
    other = _bilingual(wclient.post("/api/work/bookings", json={**body, "party": "usa"}, headers=JP), 403)
    assert other["error"] == refused["error"]
    assert wclient.post(url, headers=US).json()["status"] == "cancelled"  # its own party may
    ours = wclient.post("/api/work/bookings", json=body, headers=JP).json()
    done = wclient.post(f"/api/work/bookings/{ours['id']}/cancel", headers=ADMIN)  # an administrator may
    assert done.status_code == 200 and done.json()["status"] == "cancelled"


def test_the_rule_lives_with_the_bookings_for_the_web_and_the_commands(
    work: Any, person: Any, cli: Any, db_url: str
) -> None:
    from anpo.work.facilities import book, cancel_booking

    with work() as w:  # the commands' principal (local tooling) is an administrator of no party
        row = book(w, "camp_hansen", "usa", T(2025, 5, 1, 8), T(2025, 5, 2, 8))
    with pytest.raises(WorkError) as refused, work(person("sato", "jpn")) as w:
        cancel_booking(w, row["id"])
    assert refused.value.code == "forbidden"
    with pytest.raises(WorkError) as other, work(person("sato", "jpn")) as w:
        book(w, "camp_hansen", "usa", T(2025, 6, 1, 8), T(2025, 6, 2, 8))
    assert other.value.code == "forbidden"
    out = cli.run("facilities", "cancel", str(row["id"]), "--url", db_url, "--json")
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["status"] == "cancelled"


# -- 2. situations are determined by the Government of Japan ------------------------------------


def _case(wclient: Any, on: str = "2024-06-10") -> str:
    body = {"title": "Launch", "type": "missile_launch", "level": "bocc", "on": on}
    return str(wclient.post("/api/work/cases", json=body, headers=JP).json()["id"])


def test_a_us_official_may_not_record_japans_situation_determination(wclient: Any, engine: Any, fw: Any) -> None:
    from anpo.rules.core import ask

    _with_admin(wclient)
    case = _case(wclient)
    url = f"/api/work/cases/{case}/determinations"
    det = {"situation": "anticipated_armed_attack", "cabinet_decision_on": "2024-06-10"}
    refused = _bilingual(wclient.post(url, json=det, headers=US), 403)
    assert "Government of Japan" in refused["error"]["en"] and "日本国政府" in refused["error"]["ja"]
    rule = ask(fw, "situation.requirements", {"situation": "anticipated_armed_attack"}, dt.date(2024, 6, 10))
    cited = [c for r in rule["reasons"] for c in r["citations"]]
    assert cited and refused["citations"] == cited  # the basis: what situation.requirements cites
    assert wclient.get(f"/api/work/cases/{case}", headers=JP).json()["determinations"] == []
    assert ("denied", "case", case) in _audited(engine, "smith", "work.determination.write")
    assert wclient.post(url, json=det, headers=JP).status_code == 201
    assert wclient.post(url, json={**det, "situation": "armed_attack"}, headers=ADMIN).status_code == 201


def test_a_us_players_determination_is_refused_in_play_with_the_basis(wclient: Any) -> None:
    run = wclient.post("/api/work/exercises", json={"scenario": "ballistic_missile_launch"}, headers=CTL).json()["id"]
    assert wclient.post(f"/api/work/exercises/{run}/step", headers=CTL).status_code == 200
    url = f"/api/work/exercises/{run}/actions"
    det = {"do": "determine", "case": "launch", "situation": "anticipated_armed_attack", "cabinet_decision": True}
    played = wclient.post(url, json=det, headers=US)
    assert played.status_code == 200, played.text
    event = played.json()["event"]
    assert (event["outcome"], event["party"]) == ("refused", "usa")
    lead = event["reasons"][0]
    assert "Government of Japan" in lead["en"] and "日本国政府" in lead["ja"] and lead["citations"]
    # the controller acting for usa is refused alike; for jpn it is recorded
    assert wclient.post(url, json={**det, "party": "usa"}, headers=CTL).json()["event"]["outcome"] == "refused"
    assert wclient.post(url, json={**det, "party": "jpn"}, headers=CTL).json()["event"]["outcome"] == "allowed"
    report = wclient.get(f"/api/work/exercises/{run}/report?format=json", headers=CTL).json()
    refusals = [e for e in report["refusals"] if e["action"] == "determine"]
    assert [e["party"] for e in refusals] == ["usa", "usa"] and all(e["citations"] for e in refusals)
    [case] = report["cases"]
    assert [d["situation"]["id"] for d in case["determinations"]] == ["anticipated_armed_attack"]


def test_a_scripted_usa_determination_is_a_refusal_in_the_report(fw: Any, tmp_path: Any) -> None:
    from anpo.exercise.engine import run_scripted
    from anpo.exercise.scenario import SCENARIO_DIR, load_scenario

    text = (SCENARIO_DIR / "nankai_trough_earthquake.yaml").read_text(encoding="utf-8")
    assert "        party: jpn\n        situation: large_scale_disaster" in text
    path = tmp_path / "usa_determines.yaml"
    path.write_text(
        text.replace("        party: jpn\n        situation: large_scale_disaster", "        party: usa\n"
                     "        situation: large_scale_disaster"),
        encoding="utf-8",
    )  # fmt: skip
    result = run_scripted(load_scenario(path), 1, fw)
    [refusal] = [e for e in result["refusals"] if e["action"] == "determine"]
    assert refusal["party"] == "usa" and refusal["citations"] and refusal["expectation_met"] is False


def _protection_request(wclient: Any, on: str = "2024-06-10") -> dict[str, Any]:
    body = {"protected_party": "usa", "activity": "information_gathering", "asset": "ship", "by": "ship", "on": on}
    res = wclient.post("/api/work/protection", json=body, headers=US)  # the protected side may ask
    assert res.status_code == 201, res.text
    return dict(res.json())


def test_only_japans_side_records_the_ministers_decision_and_the_protection(wclient: Any, engine: Any) -> None:
    _with_admin(wclient)
    record = _protection_request(wclient)
    decision = f"/api/work/protection/{record['id']}/decision"
    refused = _bilingual(wclient.post(decision, json={"approve": True, "on": "2024-06-11"}, headers=US), 403)
    assert "Minister of Defense" in refused["error"]["en"] and "防衛大臣" in refused["error"]["ja"]
    cited = [c for r in record["check"]["reasons"] for c in r["citations"]]
    assert cited and refused["citations"] == cited  # the basis: the request's own legal check
    assert ("denied", "protection", record["id"]) in _audited(engine, "smith", "work.protection.decide")
    assert wclient.post(decision, json={"approve": True, "on": "2024-06-11"}, headers=JP).status_code == 200
    carried = f"/api/work/protection/{record['id']}/carried-out"
    _bilingual(wclient.post(carried, json={"on": "2024-06-12", "units": "DD"}, headers=US), 403)
    rows = wclient.get("/api/work/protection?year=2024", headers=JP).json()["records"]
    assert [r["status"] for r in rows if r["id"] == record["id"]] == ["approved"]  # nothing written
    assert wclient.post(carried, json={"on": "2024-06-12", "units": "DD"}, headers=ADMIN).status_code == 200


def test_a_us_players_protection_request_is_decided_by_the_run_as_japans_minister(wclient: Any) -> None:
    run = wclient.post("/api/work/exercises", json={"scenario": "ballistic_missile_launch"}, headers=CTL).json()["id"]
    assert wclient.post(f"/api/work/exercises/{run}/step", headers=CTL).status_code == 200
    ask = {"do": "protect", "case": "launch", "protected_party": "usa", "activity": "ballistic_missile_warning"}
    played = wclient.post(f"/api/work/exercises/{run}/actions", json={**ask, "asset": "ship", "by": "ship"}, headers=US)
    assert played.status_code == 200, played.text
    event = played.json()["event"]
    assert (event["outcome"], event["party"]) == ("allowed", "usa")
    assert "approved by the Minister of Defense" in event["text"]["en"] and "防衛大臣" in event["text"]["ja"]


def test_a_determinations_log_entry_names_the_diets_part_in_words(wclient: Any) -> None:
    """Stored so, it reads right in the JSON, the live stream and the after-action report too, not
    only on the page (which once swapped the id for its label as it showed it)."""
    case = _case(wclient, "2024-06-10")
    det = {"situation": "anticipated_armed_attack", "cabinet_decision_on": "2024-06-10"}
    assert wclient.post(f"/api/work/cases/{case}/determinations", json=det, headers=JP).status_code == 201
    [entry] = [
        e for e in wclient.get(f"/api/work/cases/{case}", headers=JP).json()["entries"] if e["type"] == "determination"
    ]
    assert "（国会承認: 閣議決定後直ちに承認を求める）" in entry["text"]["ja"]
    assert "(Diet approval: approval sought right after the Cabinet decision)" in entry["text"]["en"]


# -- 3. determinations over a period: by the date they take effect ------------------------------


def test_determinations_are_listed_by_their_own_date_not_when_recorded(cli: Any, engine: Any, db_url: str) -> None:
    def case(on: str) -> str:
        args = ("--title-ja", "事案", "--title-en", "Case", "--type", "other", "--level", "acg", "--on", on)
        return str(cli.json("cases", "open", *args, "--url", db_url)["id"])

    first, second = case("2024-06-01"), case("2023-05-01")
    cli.json(
        "cases", "determine", first, "anticipated_armed_attack", "--cabinet-decision", "2024-06-10", "--url", db_url
    )
    cli.json("cases", "determine", second, "gray_zone", "--url", db_url)  # no Cabinet decision: the case's date

    def listed(*period: str) -> list[tuple[str, str]]:
        rows = cli.json("cases", "determinations", *period, "--url", db_url)["determinations"]
        return [(d["on"], d["situation"]["id"]) for d in rows]

    assert listed("--from", "2024-01-01", "--to", "2024-12-31") == [("2024-06-10", "anticipated_armed_attack")]
    assert listed("--from", "2023-01-01", "--to", "2023-12-31") == [("2023-05-01", "gray_zone")]
    assert listed() == [("2023-05-01", "gray_zone"), ("2024-06-10", "anticipated_armed_attack")]  # in their order
    assert listed("--from", "2025-01-01") == []  # recorded today, but of 2023 and 2024
    text = cli.run("cases", "determinations", "--from", "2024-01-01", "--to", "2024-12-31", "--url", db_url)
    assert text.exit_code == 0 and text.stdout.startswith("2024-06-10") and "(none)" not in text.stdout


def test_the_web_twin_lists_by_the_same_date(wclient: Any) -> None:
    case = _case(wclient, "2022-03-01")
    det = {"situation": "important_influence_situation", "cabinet_decision_on": "2022-03-02"}
    assert wclient.post(f"/api/work/cases/{case}/determinations", json=det, headers=JP).status_code == 201
    rows = wclient.get("/api/work/determinations?start=2022-01-01&end=2022-12-31").json()["determinations"]
    assert [(d["case"], d["on"]) for d in rows] == [(case, "2022-03-02")]
    assert wclient.get("/api/work/determinations?start=2023-01-01").json()["determinations"] == []


# -- 4. a facility outside Japan: no SOFA; arrangements covering part of a booking ---------------


def test_a_booking_on_guam_cites_no_sofa_and_says_to_check_with_the_host(work: Any) -> None:
    from anpo.work.facilities import book

    with work() as w:
        guam = book(w, "guam_training_ranges", "jpn", T(2024, 7, 1, 8), T(2024, 7, 3, 17))
        tinian = book(w, "tinian_training_ranges", "jpn", T(2024, 7, 1, 8), T(2024, 7, 3, 17))
    for row in (guam, tinian):
        basis = row["basis"]
        assert basis["kind"] == "none_recorded"
        assert SOFA not in {c["source"] for c in basis["citations"]} and basis["citations"]
        texts = [basis["text"], *row["warnings"]]
        assert not any("SOFA" in t["en"] or "地位協定" in t["ja"] for t in texts), texts
        assert "no arrangement recorded" in basis["text"]["en"] and "取決め" in basis["text"]["ja"]
        [warning] = row["warnings"]
        assert "check the arrangement with the host, the United States" in warning["en"]
        assert "受入国（アメリカ合衆国）との取決めを確認" in warning["ja"]


def test_a_facility_in_japan_still_cites_the_sofa(work: Any) -> None:
    from anpo.work.facilities import book

    with work() as w:
        hansen = book(w, "camp_hansen", "jpn", T(2005, 5, 1, 8), T(2005, 5, 3, 17))
    assert {"source": SOFA, "locator": "第2条4(a)"} in hansen["basis"]["citations"]
    assert "SOFA Art. 2-4(a)" in hansen["warnings"][0]["en"]


def test_the_cli_warns_of_guam_without_the_sofa(cli: Any, engine: Any, db_url: str) -> None:
    args = ["facilities", "book", "guam_training_ranges", "--party", "jpn", "--url", db_url]
    out = cli.run(*args, "--start", "2024-07-01T08:00", "--end", "2024-07-02T08:00")
    assert out.exit_code == 0, out.output
    assert "check the arrangement with the host" in out.stderr and "SOFA" not in out.stderr + out.stdout


def test_arrangements_covering_part_of_a_booking_are_listed_as_partly(work: Any) -> None:
    from anpo.work.facilities import book

    with work() as w:
        row = book(w, "kanoya_air_base", "usa", T(2023, 9, 20, 8), T(2023, 10, 5, 17))
        whole = book(w, "kanoya_air_base", "usa", T(2023, 1, 10), T(2023, 1, 12))
    basis = row["basis"]
    assert basis["kind"] == "none_recorded" and basis["joint_use"] == []
    assert [(u["user"]["id"], u["period"]) for u in basis["partly"]] == [
        ("usa", {"from": "2022-11-01", "to": "2023-10-01"})
    ]
    assert basis["partly"][0]["citations"]
    assert whole["basis"]["kind"] == "joint_use" and whole["basis"]["partly"] == []


# -- 5. party names inside sentences ------------------------------------------------------------


def test_the_united_states_is_named_with_its_article_in_sentences(work: Any, fw: Any) -> None:
    from anpo.rules.core import ask
    from anpo.work.facilities import book

    with work() as w:
        hansen = book(w, "camp_hansen", "usa", T(2005, 5, 1), T(2005, 5, 2))
        kanoya = book(w, "kanoya_air_base", "jpn", T(2024, 1, 10), T(2024, 1, 11))
        partial = book(w, "kanoya_air_base", "usa", T(2023, 9, 20, 8), T(2023, 10, 5, 17))
    assert hansen["basis"]["text"]["en"] == "Camp Hansen is operated by the United States, the party that booked it"
    assert "is operated by Japan, the party that booked it" in kanoya["basis"]["text"]["en"]
    assert "United States of America" not in hansen["basis"]["text"]["en"]
    allowed = ask(
        fw, "sdf.may_protect_assets", {"protected_party": "usa", "activity": "joint_training"}, dt.date(2024, 1, 1)
    )
    assert allowed["reasons"][0]["en"].startswith("When the forces of the United States are actually engaged")
    not_defence = ask(
        fw, "sdf.may_protect_assets", {"protected_party": "usa", "activity": "disaster_relief"}, dt.date(2024, 1, 1)
    )
    assert "the equipment of the forces of the United States engaged in it" in not_defence["reasons"][0]["en"]
    australia = ask(
        fw, "sdf.may_protect_assets", {"protected_party": "aus", "activity": "joint_training"}, dt.date(2024, 1, 1)
    )
    assert australia["reasons"][0]["en"].startswith("When the forces of Australia are")
    # the label shown on its own is unchanged
    assert fw["usa"].label.en == "United States of America"
    assert partial["basis"]["partly"][0]["user"]["label"]["en"] == "United States of America"


# -- 6. yes/no fields of a live exercise action --------------------------------------------------


def test_an_actions_yes_no_fields_take_true_or_false_only(wclient: Any) -> None:
    run = wclient.post("/api/work/exercises", json={"scenario": "ballistic_missile_launch"}, headers=CTL).json()["id"]
    wclient.post(f"/api/work/exercises/{run}/step", headers=CTL)
    url = f"/api/work/exercises/{run}/actions"
    det = {"do": "determine", "case": "launch", "situation": "anticipated_armed_attack"}
    before = wclient.get(f"/api/work/exercises/{run}", headers=CTL).json()["timeline"]
    for field in ("cabinet_decision", "diet_approval"):
        for value in ("2024-06-10", "yesterday", "true", "no", 1, 0, ["x"], {"a": 1}):
            res = _bilingual(wclient.post(url, json={**det, field: value}, headers=JP), 400)
            assert field in res["error"]["en"] and field in res["error"]["ja"], (field, value)
    assert wclient.get(f"/api/work/exercises/{run}", headers=CTL).json()["timeline"] == before  # nothing played
    without = wclient.post(url, json={**det, "cabinet_decision": False}, headers=JP).json()["event"]
    assert without["outcome"] == "refused" and "Cabinet decision" in without["reasons"][0]["en"]
    with_it = wclient.post(url, json={**det, "cabinet_decision": True, "diet_approval": False}, headers=JP)
    assert with_it.json()["event"]["outcome"] == "allowed"


def test_a_scenario_files_yes_no_fields_take_true_or_false_only() -> None:
    from anpo.exercise.scenario import CaseSpec, parse_actions
    from anpo.framework.model import Text

    cases = {"c": CaseSpec("c", Text("案件", "case"), "other", "acg")}
    for value in ("yes", "2024-06-10", 1):
        problems: list[str] = []
        item = {"do": "determine", "case": "c", "situation": "armed_attack", "cabinet_decision": value}
        parse_actions([item], "actions", cases, problems)
        assert any("cabinet_decision must be true or false" in p for p in problems), (value, problems)
    problems = []
    parse_actions([{"do": "determine", "case": "c", "situation": "x", "diet_approval": True}], "a", cases, problems)
    assert problems == []
