"""The legal basis of a booking (SOFA Art. 2-4), computed from the pack's operators and joint-use
arrangements as of the booking's dates: a booking without one is taken, with a warning."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from anpo.framework.framework import Framework
from anpo.work.facilities import book, list_bookings
from anpo.work.joint_use import user_parties

T = dt.datetime
JP = {"x-anpo-work-token": "tok-jpn"}
US = {"x-anpo-work-token": "tok-usa"}
HANSEN_CITES = [
    {"source": "wp2014_alliance", "locator": "4 同盟強化の方向性 1"},
    {"source": "wp2024_deterrence", "locator": "8 共同使用"},
]


def test_gsdf_at_camp_hansen_since_march_2008_is_joint_use(work: Any) -> None:
    with work() as w:
        row = book(w, "camp_hansen", "jpn", T(2010, 5, 1, 8), T(2010, 5, 3, 17), unit="GSDF 15th Brigade")
    basis = row["basis"]
    assert basis["kind"] == "joint_use" and row["warnings"] == []
    assert [u["user"]["id"] for u in basis["joint_use"]] == ["jpn_gsdf"]
    assert basis["joint_use"][0]["citations"] == HANSEN_CITES
    assert basis["citations"] == [*HANSEN_CITES, {"source": "src_sofa_1960", "locator": "第2条4(a)"}]
    assert "Art. 2-4(a)" in basis["text"]["en"] and "地位協定第2条4項(a)" in basis["text"]["ja"]


def test_before_march_2008_none_is_recorded_and_the_booking_is_taken_with_a_warning(work: Any) -> None:
    with work() as w:
        row = book(w, "camp_hansen", "jpn", T(2005, 5, 1, 8), T(2005, 5, 3, 17))
    assert row["id"] and row["status"] == "active"
    assert row["basis"]["kind"] == "none_recorded" and row["basis"]["joint_use"] == []
    assert row["basis"]["uncovered"] == [{"from": "2005-05-01T08:00:00", "to": "2005-05-03T17:00:00"}]
    assert {"source": "src_sofa_1960", "locator": "第2条4(a)"} in row["basis"]["citations"]
    [warning] = row["warnings"]
    assert warning["en"] == (
        "No joint-use arrangement recorded in anpo's sources covers the SDF at Camp Hansen from 2005-05-01 08:00"
        " to 2005-05-03 17:00: check the arrangement under SOFA Art. 2-4(a) before using the facility"
    )
    assert "キャンプ・ハンセン" in warning["ja"] and "地位協定第2条4項(a)" in warning["ja"]
    with work() as w:  # computed again on read, not stored
        [listed] = list_bookings(w, "camp_hansen")
    assert listed["basis"] == row["basis"] and listed["warnings"] == row["warnings"]


def test_the_operator_needs_no_arrangement(work: Any) -> None:
    with work() as w:
        hansen = book(w, "camp_hansen", "usa", T(2005, 5, 1), T(2005, 5, 2))
        kanoya = book(w, "kanoya_air_base", "jpn", T(2024, 1, 10), T(2024, 1, 11))
    assert hansen["basis"]["kind"] == "operator" and hansen["warnings"] == []
    assert hansen["basis"]["citations"] == HANSEN_CITES
    assert "operated by the United States, the party" in hansen["basis"]["text"]["en"]
    assert kanoya["basis"]["kind"] == "operator" and kanoya["warnings"] == []


def test_us_forces_at_kanoya_only_while_the_mq9_arrangement_lasts(work: Any) -> None:
    with work() as w:
        during = book(w, "kanoya_air_base", "usa", T(2023, 1, 10), T(2023, 1, 12))
        after = book(w, "kanoya_air_base", "usa", T(2024, 1, 10), T(2024, 1, 12))
        to_the_end = book(w, "kanoya_air_base", "usa", T(2023, 9, 30, 8), T(2023, 10, 1))  # `to` is exclusive
        from_the_end = book(w, "kanoya_air_base", "usa", T(2023, 10, 1), T(2023, 10, 1, 8))
    assert during["basis"]["kind"] == "joint_use" and during["warnings"] == []
    assert [u["user"]["id"] for u in during["basis"]["joint_use"]] == ["usa"]
    assert {"source": "src_sofa_1960", "locator": "第2条4(b)"} in during["basis"]["citations"]
    assert after["basis"]["kind"] == "none_recorded" and len(after["warnings"]) == 1
    assert "U.S. forces at JMSDF Kanoya Air Base" in after["warnings"][0]["en"]
    assert "Art. 2-4(b)" in after["warnings"][0]["en"] and "米軍" in after["warnings"][0]["ja"]
    assert to_the_end["basis"]["kind"] == "joint_use"
    assert from_the_end["basis"]["kind"] == "none_recorded"


def test_a_booking_past_the_end_of_an_arrangement_warns_for_the_uncovered_part(work: Any) -> None:
    with work() as w:
        row = book(w, "kanoya_air_base", "usa", T(2023, 9, 20, 8), T(2023, 10, 5, 17))
    basis = row["basis"]
    assert basis["kind"] == "none_recorded" and basis["joint_use"] == []
    assert basis["uncovered"] == [{"from": "2023-10-01T00:00:00", "to": "2023-10-05T17:00:00"}]
    assert "covers only part of the booking" in basis["text"]["en"] and "2022-11-01 – 2023-10-01" in basis["text"]["en"]
    assert "一部" in basis["text"]["ja"]
    [warning] = row["warnings"]
    assert "from 2023-10-01 to 2023-10-05 17:00" in warning["en"]
    assert "2023-10-01から2023-10-05 17:00まで" in warning["ja"]


def test_a_facility_with_no_recorded_operator(work: Any) -> None:
    with work() as w:
        row = book(w, "misawa_air_base", "usa", T(2024, 1, 10), T(2024, 1, 11))
    assert row["basis"]["kind"] == "operator_unknown"
    assert "record no operator of Misawa Air Base" in row["warnings"][0]["en"]
    assert "三沢飛行場" in row["warnings"][0]["ja"]


def test_the_users_party_comes_from_the_pack(fw: Framework) -> None:
    """A party itself, an organisation through its `party`, and BIAC (attached to neither) both."""
    yokota = {f.value.get("user").id: f for f in fw.facts("yokota_air_base", "joint_use")}
    assert user_parties(fw, yokota["jpn_asdf_air_defense_command"]) == {"jpn"}
    assert user_parties(fw, yokota["biac"]) == {"jpn", "usa"}
    assert user_parties(fw, fw.facts("kanoya_air_base", "joint_use")[0]) == {"usa"}


def test_the_web_api_and_page_show_the_basis_and_the_warning(wclient: Any) -> None:
    body = {"facility": "camp_hansen", "start": "2005-05-01T08:00", "end": "2005-05-02T08:00"}
    early = wclient.post("/api/work/bookings", json=body, headers=JP)
    assert early.status_code == 201 and early.json()["basis"]["kind"] == "none_recorded"
    assert "Camp Hansen from 2005-05-01 08:00 to 2005-05-02 08:00" in early.json()["warnings"][0]["en"]
    later = wclient.post("/api/work/bookings", json={**body, "start": "2010-05-01", "end": "2010-05-02"}, headers=JP)
    assert later.json()["basis"]["kind"] == "joint_use" and later.json()["basis"]["citations"][:2] == HANSEN_CITES
    kanoya = {"facility": "kanoya_air_base", "start": "2023-01-10T08:00", "end": "2023-01-10T17:00"}
    assert wclient.post("/api/work/bookings", json=kanoya, headers=US).json()["basis"]["kind"] == "joint_use"
    twin = wclient.get("/api/work/facilities", headers=JP).json()["bookings"]
    assert [b["basis"]["kind"] for b in twin] == ["none_recorded", "joint_use", "joint_use"]
    en = wclient.get("/work/facilities?lang=en", headers=JP).text
    assert "check the arrangement under SOFA Art. 2-4(a) before using the facility" in en
    assert 'data-testid="booking-warning"' in en and 'href="/entity/src_sofa_1960"' in en
    ja = wclient.get("/work/facilities?lang=ja", headers=JP).text
    assert "地位協定第2条4項(a)に基づく取決めを確認してください" in ja
    assert 'data-testid="book-form"' in en  # a coordinator may book from the page


def test_the_cli_warns_on_stderr_and_exits_0(cli: Any, engine: Any, db_url: str) -> None:
    args = ["facilities", "book", "camp_hansen", "--party", "jpn", "--url", db_url]
    early = cli.run(*args, "--start", "2005-05-01T08:00", "--end", "2005-05-02T08:00")
    assert early.exit_code == 0, early.output
    assert "No joint-use arrangement recorded in anpo's sources covers the SDF at Camp Hansen" in early.stderr
    assert "No joint-use" not in early.stdout and "src_sofa_1960" in early.stdout
    ja = cli.run(*args, "--start", "2006-05-01T08:00", "--end", "2006-05-02T08:00", "--lang", "ja")
    assert ja.exit_code == 0 and "地位協定第2条4項(a)" in ja.stderr
    out = cli.run(*args, "--start", "2007-05-01T08:00", "--end", "2007-05-02T08:00", "--json")
    assert out.exit_code == 0 and out.stderr == ""
    assert json.loads(out.stdout)["warnings"][0]["en"].startswith("No joint-use arrangement")
    fine = cli.run(*args, "--start", "2010-05-01T08:00", "--end", "2010-05-02T08:00")
    assert fine.exit_code == 0 and fine.stderr == ""
