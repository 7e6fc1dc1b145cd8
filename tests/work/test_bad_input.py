"""Bad input to the work records, on both backends: a 4xx (exit status 2) with the reason in both
languages, never a traceback, nothing half-written, nothing stored other than what was sent."""

from __future__ import annotations

from typing import Any

JP = {"x-anpo-work-token": "tok-jpn"}
CTL = {"x-anpo-work-token": "tok-ctl"}
POLICY = {"x-anpo-work-token": "tok-policy"}
COMMITMENT = {
    "meeting": "scc_2013_10_03",
    "owner": "sdc",
    "label": {"ja": "見直し", "en": "Review"},
    "due": "2014-12-31",
}


def _refused(res: Any, status: int, en: str, ja: str) -> None:
    assert res.status_code == status, res.text
    error = res.json()["error"]
    assert en in error["en"] and ja in error["ja"], error


def test_a_commitment_id_or_outcome_past_its_column_is_a_400_not_a_500(wclient: Any) -> None:
    """An id of 129 characters (VARCHAR(128)) or an outcome of 65 (VARCHAR(64)) was a 500 on
    PostgreSQL and kept on SQLite; an outcome the meeting does not have was kept as a dangling key."""
    long_id = wclient.post("/api/work/commitments", json={**COMMITMENT, "id": "c" * 129}, headers=POLICY)
    _refused(long_id, 400, "at most 128 characters (129 given)", "128文字以内")
    for outcome in ("o" * 65, "no_such_outcome"):
        bad = wclient.post(
            "/api/work/commitments", json={**COMMITMENT, "id": "c_x", "outcome": outcome}, headers=POLICY
        )
        _refused(bad, 400, "meeting 'scc_2013_10_03' has no outcome", "成果")
    listed = wclient.get("/api/work/commitments?on=2016-01-01").json()["commitments"]
    assert not any(c["id"] in ("c" * 129, "c_x") for c in listed)
    meetings = wclient.get("/api/work/meetings?start=2013-10-03&end=2013-10-03").json()["meetings"]
    key = next(m for m in meetings if m["id"] == "scc_2013_10_03")["outcomes"][0]["key"]
    kept = wclient.post("/api/work/commitments", json={**COMMITMENT, "id": "c" * 128, "outcome": key}, headers=POLICY)
    assert kept.status_code == 201 and kept.json()["outcome"] == key


def test_a_commitment_done_before_its_meeting_is_refused(wclient: Any) -> None:
    """`{"on": "0001-01-01"}` marked a commitment of the October 2013 meeting done, as a due date
    before the meeting is refused."""
    assert wclient.post("/api/work/commitments", json={**COMMITMENT, "id": "c_done"}, headers=POLICY).status_code == 201
    url = "/api/work/commitments/c_done/done"
    for day in ("0001-01-01", "2013-10-02"):
        early = wclient.post(url, json={"on": day}, headers=POLICY)
        _refused(early, 400, f"the date done ({day}) is before the meeting (2013-10-03)", "会合の日")
    listed = wclient.get("/api/work/commitments?on=2016-01-01").json()["commitments"]
    assert next(c for c in listed if c["id"] == "c_done")["done_on"] is None
    assert wclient.post(url, json={"on": "2013-10-03"}, headers=POLICY).json()["done_on"] == "2013-10-03"


def test_a_determination_on_a_closed_case_or_approved_before_the_cabinet_is_refused(wclient: Any) -> None:
    """A closed case took a determination (and a log entry) though it takes no message; a Diet
    approval dated before the Cabinet decision it approves was kept."""
    body = {"title": {"ja": "発射", "en": "Launch"}, "type": "missile_launch", "level": "bocc", "on": "2024-06-10"}
    url = f"/api/work/cases/{wclient.post('/api/work/cases', json=body, headers=JP).json()['id']}"
    det = {"situation": "anticipated_armed_attack", "cabinet_decision_on": "2024-06-10"}
    early = wclient.post(f"{url}/determinations", json={**det, "diet_approval_on": "2024-06-09"}, headers=JP)
    _refused(early, 400, "the Diet's approval (2024-06-09) is before the Cabinet decision (2024-06-10)", "国会承認")
    assert wclient.get(url).json()["determinations"] == []
    assert wclient.post(f"{url}/close", headers=JP).status_code == 200
    entries = len(wclient.get(url).json()["entries"])
    _refused(wclient.post(f"{url}/determinations", json=det, headers=JP), 409, "the case is closed", "終了")
    after = wclient.get(url).json()
    assert after["determinations"] == [] and len(after["entries"]) == entries


def test_a_booking_time_with_an_offset_is_kept_in_japan_time(wclient: Any) -> None:
    """`2025-03-01T08:00Z` was stored as 08:00 Japan time (the offset dropped: nine hours early)."""
    body = {"facility": "camp_hansen", "start": "2025-03-01T08:00Z", "end": "2025-03-01T01:00-10:00"}
    row = wclient.post("/api/work/bookings", json=body, headers=JP)
    assert row.status_code == 201, row.text
    assert (row.json()["start"], row.json()["end"]) == ("2025-03-01T17:00:00", "2025-03-01T20:00:00")
    same = {**body, "start": "2025-03-02T08:00+09:00", "end": "2025-03-02T10:00"}
    assert wclient.post("/api/work/bookings", json=same, headers=JP).json()["start"] == "2025-03-02T08:00:00"
    past = wclient.post("/api/work/bookings", json={**body, "end": "9998-12-31T23:00-05:00"}, headers=JP)
    _refused(past, 400, "after 9998-12-31", "最後の日")


def test_an_exercise_seed_that_is_not_a_whole_number_is_refused(wclient: Any) -> None:
    """A seed of 1.5 started a run with seed 1, and `true` one with seed 1."""
    start = {"scenario": "ballistic_missile_launch"}
    for seed in (1.5, True, -1, 2**31, "1e3", [1]):
        bad = wclient.post("/api/work/exercises", json={**start, "seed": seed}, headers=CTL)
        _refused(bad, 400, "the seed is a whole number", "整数")
    assert wclient.get("/api/work/exercises", headers=CTL).json()["runs"] == []
    for seed, kept in ((7, 7), ("8", 8), (9.0, 9), (None, 0), ("", 0)):
        run = wclient.post("/api/work/exercises", json={**start, "seed": seed}, headers=CTL)
        assert run.status_code == 201 and run.json()["seed"] == kept, (seed, run.text)


def test_cli_ids_and_years_past_the_integer_column_get_a_message(cli: Any, engine: Any, db_url: str) -> None:
    """`anpo facilities cancel 2147483648` and `anpo protection list --year 2147483648` were a
    traceback on PostgreSQL (int4), and on SQLite too past 2**63."""
    for big in (str(2**31), str(2**63)):
        cancel = cli.run("facilities", "cancel", big, "--url", db_url)
        assert cancel.exit_code == 2 and f"no booking '{big}'" in cancel.output, cancel.output
        listed = cli.run("protection", "list", "--year", big, "--url", db_url, "--lang", "ja")
        assert listed.exit_code == 2 and f"年「{big}」が不正です" in listed.output, listed.output
    assert cli.json("protection", "list", "--year", "2023", "--url", db_url)["records"]


def test_a_number_or_boolean_where_text_belongs_is_refused(wclient: Any) -> None:
    """`"id": true` made a commitment "True" and `"unit": 5` a unit "5": Python's spelling of the
    value was stored. A null is still absent; a label's two languages are text too."""
    case = {"title": {"ja": "発射", "en": "Launch"}, "type": "missile_launch", "level": "bocc", "on": "2024-06-10"}
    url = f"/api/work/cases/{wclient.post('/api/work/cases', json=case, headers=JP).json()['id']}"
    protection = {"protected_party": "usa", "activity": "joint_training", "asset": "ship", "by": "ship"}
    booking = {"facility": "camp_hansen", "start": "2025-03-01T08:00", "end": "2025-03-01T10:00"}
    bad: list[tuple[str, dict[str, Any], dict[str, str], str]] = [
        ("/api/work/commitments", {**COMMITMENT, "id": True}, POLICY, "id"),
        ("/api/work/commitments", {**COMMITMENT, "id": "c_t", "owner": 5}, POLICY, "owner"),
        ("/api/work/commitments", {**COMMITMENT, "id": "c_t", "label": {"ja": 5, "en": "Review"}}, POLICY, "label.ja"),
        (
            "/api/work/commitments",
            {**COMMITMENT, "id": "c_t", "label": {"ja": "見直し", "en": False}},
            POLICY,
            "label.en",
        ),
        ("/api/work/commitments", {**COMMITMENT, "id": "c_t", "label": 5}, POLICY, "label"),
        ("/api/work/cases", {**case, "title": {"ja": "発射", "en": 1.5}}, JP, "title.en"),
        ("/api/work/cases", {**case, "level": 1}, JP, "level"),
        (f"{url}/determinations", {"situation": "anticipated_armed_attack", "decided_by": 7}, JP, "decided_by"),
        (f"{url}/entries", {"text": {"ja": 1, "en": "x"}}, JP, "text.ja"),
        (f"{url}/entries", {"type": 1, "text": "x"}, JP, "type"),
        ("/api/work/protection", {**protection, "on": "2024-05-01", "unit": 5}, JP, "unit"),
        ("/api/work/bookings", {**booking, "unit": True}, JP, "unit"),
        ("/api/work/bookings", {**booking, "purpose": 5}, JP, "purpose"),
    ]
    for path, body, headers, field in bad:
        refused = wclient.post(path, json=body, headers=headers)
        _refused(refused, 400, f"'{field}' must be text", f"「{field}」は文字列で書いてください")
    listed = wclient.get("/api/work/commitments?on=2016-01-01").json()["commitments"]
    assert not any(c["id"] in ("True", "c_t") for c in listed)
    assert [c["id"] for c in wclient.get("/api/work/cases", headers=JP).json()["cases"]] == [url.rsplit("/", 1)[1]]
    after = wclient.get(url, headers=JP).json()
    assert after["determinations"] == [] and len(after["entries"]) == 1
    assert wclient.get("/api/work/facilities", headers=JP).json()["bookings"] == []
    kept = wclient.post("/api/work/commitments", json={**COMMITMENT, "id": "c_null", "outcome": None}, headers=POLICY)
    assert kept.status_code == 201 and kept.json()["outcome"] is None


def test_work_free_text_past_its_limit_is_refused(wclient: Any, cli: Any, db_url: str) -> None:
    """A title, label, unit or purpose of any length was kept (their columns are TEXT)."""
    case = {"title": {"ja": "発射", "en": "Launch"}, "type": "missile_launch", "level": "bocc", "on": "2024-06-10"}
    long_title = wclient.post("/api/work/cases", json={**case, "title": {"ja": "発" * 501, "en": "L"}}, headers=JP)
    _refused(long_title, 400, "'title' may have at most 500 characters (501 given)", "500文字以内")
    url = f"/api/work/cases/{wclient.post('/api/work/cases', json=case, headers=JP).json()['id']}"
    label = {**COMMITMENT, "id": "c_long", "label": {"ja": "見直し", "en": "R" * 501}}
    _refused(
        wclient.post("/api/work/commitments", json=label, headers=POLICY), 400, "'label' may have at most 500", "500"
    )
    det = {"situation": "anticipated_armed_attack", "cabinet_decision_on": "2024-06-10"}
    long_by = wclient.post(f"{url}/determinations", json={**det, "decided_by": "d" * 201}, headers=JP)
    _refused(long_by, 400, "'decided_by' may have at most 200 characters (201 given)", "200文字以内")
    assert wclient.get(url, headers=JP).json()["determinations"] == []
    protection = {"protected_party": "usa", "activity": "joint_training", "asset": "ship", "by": "ship"}
    long_unit = wclient.post(
        "/api/work/protection", json={**protection, "on": "2024-05-01", "unit": "u" * 201}, headers=JP
    )
    _refused(long_unit, 400, "'unit' may have at most 200 characters", "200文字以内")
    rec = wclient.post("/api/work/protection", json={**protection, "on": "2024-05-01", "unit": "u" * 200}, headers=JP)
    assert rec.status_code == 201, rec.text
    purl = f"/api/work/protection/{rec.json()['id']}"
    assert wclient.post(f"{purl}/decision", json={"approve": True, "on": "2024-05-01"}, headers=JP).status_code == 200
    long_units = wclient.post(f"{purl}/carried-out", json={"on": "2024-05-02", "units": "u" * 201}, headers=JP)
    _refused(long_units, 400, "'units' may have at most 200 characters", "200文字以内")
    booking = {"facility": "camp_hansen", "start": "2025-03-01T08:00", "end": "2025-03-01T10:00"}
    for field, limit in (("unit", 200), ("purpose", 2000)):
        long = wclient.post("/api/work/bookings", json={**booking, field: "p" * (limit + 1)}, headers=JP)
        _refused(long, 400, f"'{field}' may have at most {limit:,} characters ({limit + 1:,} given)", "文字以内")
    assert wclient.get("/api/work/facilities", headers=JP).json()["bookings"] == []
    book = ("facilities", "book", "camp_hansen", "--party", "jpn", "--start", "2025-03-01T08:00")
    out = cli.run(*book, "--end", "2025-03-01T10:00", "--purpose", "p" * 2001, "--url", db_url)
    assert out.exit_code == 2 and "'purpose' may have at most 2,000 characters" in out.output, out.output
    assert wclient.get("/api/work/facilities", headers=JP).json()["bookings"] == []
    at_limit = {**booking, "unit": "u" * 200, "purpose": "p" * 2000}
    assert wclient.post("/api/work/bookings", json=at_limit, headers=JP).status_code == 201
    kept = wclient.post("/api/work/cases", json={**case, "title": {"ja": "発" * 500, "en": "L" * 500}}, headers=JP)
    assert kept.status_code == 201
    det_kept = wclient.post(f"{url}/determinations", json={**det, "decided_by": "d" * 200}, headers=JP)
    assert det_kept.status_code == 201, det_kept.text


def test_a_range_given_backwards_is_refused(wclient: Any, cli: Any, db_url: str) -> None:
    """`meetings list --from 2015-01-01 --to 2013-01-01` (and `cases determinations`, and their API
    twins) answered an empty list, as if there were nothing in the period."""
    backwards = ("2015-01-01", "2013-01-01")
    en, ja = (
        "the end (2013-01-01) is before the start (2015-01-01)",
        "終わり（2013-01-01）が始め（2015-01-01）より前です",
    )
    for path in ("/api/work/meetings", "/api/work/determinations"):
        _refused(wclient.get(f"{path}?start={backwards[0]}&end={backwards[1]}"), 400, en, ja)
        assert wclient.get(f"{path}?start=2013-10-03&end=2013-10-03").status_code == 200
    for command in (("meetings", "list"), ("cases", "determinations")):
        for lang, text in (("en", en), ("ja", ja)):
            out = cli.run(*command, "--from", backwards[0], "--to", backwards[1], "--url", db_url, "--lang", lang)
            assert out.exit_code == 2 and text in out.output, out.output
    meetings = cli.json("meetings", "list", "--from", "2013-10-03", "--to", "2013-10-03", "--url", db_url)["meetings"]
    assert [m["id"] for m in meetings] == ["scc_2013_10_03"]


def test_a_marking_with_a_misspelt_or_missing_level_is_refused_not_made_public(wclient: Any) -> None:
    """`"marking": {"levle": "secret"}` or `"marking": "secret"` recorded the record as public: a
    typo released it to everyone. A marking names its level and nothing but its two keys; none at
    all is still public (a log entry: its case's marking)."""
    case = {"title": {"ja": "発射", "en": "Launch"}, "type": "missile_launch", "level": "bocc", "on": "2024-06-10"}
    url = f"/api/work/cases/{wclient.post('/api/work/cases', json=case, headers=JP).json()['id']}"
    entries = len(wclient.get(url, headers=JP).json()["entries"])
    cases = len(wclient.get("/api/work/cases", headers=JP).json()["cases"])
    for marking, en, ja in (
        ({"levle": "secret"}, "a marking has no key 'levle'", "「levle」は使えません"),
        ({"releasable_to": ["jpn"]}, "a marking needs its level", "level が必要です"),
        ("secret", "marking is {level, releasable_to}", "markingは"),
    ):
        for path, body, headers in (
            ("/api/work/commitments", {**COMMITMENT, "id": "c_m"}, POLICY),
            ("/api/work/cases", case, JP),
            (f"{url}/entries", {"text": "x"}, JP),
            ("/api/work/exercises", {"scenario": "senkaku_gray_zone"}, CTL),
        ):
            _refused(wclient.post(path, json={**body, "marking": marking}, headers=headers), 400, en, ja)
    listed = wclient.get("/api/work/commitments?on=2016-01-01").json()["commitments"]
    assert not any(c["id"] == "c_m" for c in listed)
    assert len(wclient.get(url, headers=JP).json()["entries"]) == entries
    assert len(wclient.get("/api/work/cases", headers=JP).json()["cases"]) == cases
    marked = {"level": "confidential", "releasable_to": ["jpn"]}
    kept = wclient.post("/api/work/commitments", json={**COMMITMENT, "id": "c_m", "marking": marked}, headers=POLICY)
    assert kept.status_code == 201 and kept.json()["marking"]["level"] == "confidential"


def test_a_booking_of_more_than_a_year_or_a_date_given_as_a_number_is_refused(wclient: Any) -> None:
    """`start: 0001-01-01` with an end in 2025 held the facility for 2,000 years, and `"on": 20240610`
    (a number) was read as a date: a booking lasts at most 366 days, a date is text."""
    booking = {"facility": "camp_hansen", "start": "2024-01-01T08:00", "end": "2025-01-02T08:00"}  # 367 days
    _refused(wclient.post("/api/work/bookings", json=booking, headers=JP), 400, "at most 366 days", "366日以内")
    ancient = {**booking, "start": "0001-01-01T00:00"}
    _refused(wclient.post("/api/work/bookings", json=ancient, headers=JP), 400, "at most 366 days", "366日以内")
    assert wclient.get("/api/work/facilities", headers=JP).json()["bookings"] == []
    year = {**booking, "end": "2025-01-01T08:00"}  # 2024 is a leap year: 366 days
    assert wclient.post("/api/work/bookings", json=year, headers=JP).status_code == 201
    case = {"title": {"ja": "発射", "en": "Launch"}, "type": "missile_launch", "level": "bocc", "on": 20240610}
    _refused(wclient.post("/api/work/cases", json=case, headers=JP), 400, "'on' must be text", "「on」は文字列")
