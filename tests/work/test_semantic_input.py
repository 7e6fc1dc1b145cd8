"""Input that reads well but means nothing, on both backends: refused with the field and the reason
in both languages (a 400, exit status 2), nothing written."""

from __future__ import annotations

from typing import Any

JP = {"x-anpo-work-token": "tok-jpn"}
POLICY = {"x-anpo-work-token": "tok-policy"}
COMMITMENT = {
    "meeting": "scc_2013_10_03",
    "owner": "sdc",
    "label": {"ja": "見直し", "en": "Review"},
    "due": "2014-12-31",
}
CASE = {"title": {"ja": "発射", "en": "Launch"}, "type": "missile_launch", "level": "bocc", "on": "2024-06-10"}


def _refused(res: Any, status: int, en: str, ja: str) -> None:
    assert res.status_code == status, res.text
    error = res.json()["error"]
    assert en in error["en"] and ja in error["ja"], error


def _commitment_ids(client: Any) -> list[str]:
    return [c["id"] for c in client.get("/api/work/commitments?on=2016-01-01").json()["commitments"]]


def test_a_commitment_id_that_no_url_can_reach_or_a_blank_label_is_refused(wclient: Any) -> None:
    """`"id": "a/b"` and `"id": " "` were kept, though `/api/work/commitments/ID/done` cannot name
    them; a label of spaces in either language was kept as the commitment's label."""
    for bad in ("a/b", " ", "c x", "c?x", "c#x", "c\tx"):
        res = wclient.post("/api/work/commitments", json={**COMMITMENT, "id": bad}, headers=POLICY)
        _refused(res, 400, "'id' (", "「id」")
        assert "may not contain spaces, control characters, '/', '?' or '#'" in res.json()["error"]["en"]
    for label, field in (({"ja": " ", "en": "  "}, "label.ja"), ({"ja": "見直し", "en": " "}, "label.en")):
        res = wclient.post(
            "/api/work/commitments", json={**COMMITMENT, "id": "c_blank", "label": label}, headers=POLICY
        )
        _refused(res, 400, f"'{field}' is empty", f"「{field}」が空です")
    ids = _commitment_ids(wclient)
    assert not {"a/b", " ", "c x", "c_blank"} & set(ids)
    kept = wclient.post("/api/work/commitments", json={**COMMITMENT, "id": "c-1.x:y"}, headers=POLICY)
    assert kept.status_code == 201, kept.text
    assert (
        wclient.post("/api/work/commitments/c-1.x:y/done", json={"on": "2014-01-01"}, headers=POLICY).status_code == 200
    )


def test_an_unknown_case_status_or_commitment_owner_is_refused_not_an_empty_list(
    wclient: Any, cli: Any, db_url: str
) -> None:
    """`/api/work/cases?status=closd` and `anpo commitments list --owner sdcc` answered an empty
    list, as if there were no such cases or commitments."""
    assert wclient.post("/api/work/cases", json=CASE, headers=JP).status_code == 201
    _refused(
        wclient.get("/api/work/cases?status=closd", headers=JP),
        400,
        "unknown status 'closd' (allowed: open, closed)",
        "status「closd」は不明です",
    )
    assert len(wclient.get("/api/work/cases?status=open", headers=JP).json()["cases"]) == 1
    for lang, text in (("en", "unknown owner 'sdcc'"), ("ja", "担当「sdcc」は不明です")):
        out = cli.run("commitments", "list", "--owner", "sdcc", "--url", db_url, "--lang", lang)
        assert out.exit_code == 2 and text in out.output, out.output
    owned = cli.json("commitments", "list", "--owner", "sdc", "--url", db_url)["commitments"]
    assert owned and all(c["owner"]["id"] == "sdc" for c in owned)


def test_a_protection_request_before_the_records_or_a_report_after_the_last_date_is_refused(
    wclient: Any, cli: Any, db_url: str
) -> None:
    """A request of 1900-01-01 was kept as `protection_1900_0001`, a year that no list or report
    takes; a report of 9999 was answered, though no date of that year can be given (after 9998-12-31)."""
    body = {"protected_party": "usa", "activity": "joint_training", "asset": "ship", "by": "ship"}
    for day in ("0001-01-01", "1953-12-31"):
        res = wclient.post("/api/work/protection", json={**body, "on": day}, headers=JP)
        _refused(res, 400, f"'on' ({day}) is before 1954, the first year of the records", "記録の最初の年（1954年）")
    request = ("protection", "request", "--party", "usa", "--activity", "joint_training", "--asset", "ship")
    out = cli.run(*request, "--by", "ship", "--on", "1900-01-01", "--url", db_url)
    assert out.exit_code == 2 and "'on' (1900-01-01) is before 1954" in out.output, out.output
    records = wclient.get("/api/work/protection/report?year=2023").json()
    assert all(r["year"] >= 1954 for r in cli.json("protection", "list", "--url", db_url)["records"])
    assert records["total"] > 0
    _refused(wclient.get("/api/work/protection/report?year=9999"), 400, "bad year '9999' (1954 to 9998)", "9998年まで")
    out = cli.run("protection", "report", "--year", "9999", "--url", db_url, "--lang", "ja")
    assert out.exit_code == 2 and "年「9999」が不正です（1954年から9998年まで）" in out.output, out.output
    assert wclient.get("/api/work/protection/report?year=9998").status_code == 200
    kept = wclient.post("/api/work/protection", json={**body, "on": "1954-01-01"}, headers=JP)
    assert kept.status_code == 201 and kept.json()["status"] == "refused_by_law", kept.text


def test_a_cabinet_decision_dated_before_the_situation_existed_in_law_is_refused(wclient: Any) -> None:
    """A determination of an armed-attack situation for a case of 2024 was kept with a Cabinet
    decision of 0001-01-01 (the situation exists in law since 2003)."""
    url = f"/api/work/cases/{wclient.post('/api/work/cases', json=CASE, headers=JP).json()['id']}"
    entries = len(wclient.get(url, headers=JP).json()["entries"])
    for day in ("0001-01-01", "2003-06-12"):
        res = wclient.post(
            f"{url}/determinations",
            json={"situation": "anticipated_armed_attack", "cabinet_decision_on": day},
            headers=JP,
        )
        _refused(
            res,
            400,
            f"on the date of the Cabinet decision ({day}) 'Anticipated armed attack situation' was not a situation in law",
            f"閣議決定の日（{day}）には「武力攻撃予測事態」は法律上の事態ではありませんでした",
        )
    after = wclient.get(url, headers=JP).json()
    assert after["determinations"] == [] and len(after["entries"]) == entries
    kept = wclient.post(
        f"{url}/determinations",
        json={"situation": "anticipated_armed_attack", "cabinet_decision_on": "2003-06-13"},
        headers=JP,
    )
    assert kept.status_code == 201, kept.text


def test_a_commitment_owned_by_a_record_that_cannot_own_one_is_refused(wclient: Any, cli: Any, db_url: str) -> None:
    """`"owner": "wp2024_overview"` (a white paper) was kept as the commitment's owner, and
    `commitments list --owner wp2024_overview` listed nothing, as if it owned none."""
    allowed = "body, channel, mechanism, organisation, party, position"
    allowed_ja = "協議の場、会談・協議の枠組み、調整の仕組み、組織、当事国、役職"  # the kinds in Japanese
    kind_ja = {"source": "出典", "instrument": "条約・文書", "facility": "施設"}
    for owner, kind in (("wp2024_overview", "source"), ("guidelines_2015", "instrument"), ("camp_hansen", "facility")):
        res = wclient.post(
            "/api/work/commitments", json={**COMMITMENT, "id": f"c_{kind}", "owner": owner}, headers=POLICY
        )
        _refused(
            res,
            400,
            f"'owner' ({owner}) is a {kind}, which cannot own a commitment (allowed kinds: {allowed})",
            f"「owner」（{owner}）は{kind_ja[kind]}で、約束の担当にはなれません（担当になれる種類: {allowed_ja}）",
        )
    assert not {"c_source", "c_instrument", "c_facility"} & set(_commitment_ids(wclient))
    for lang, text in (("en", "'owner' (wp2024_overview) is a source"), ("ja", "約束の担当にはなれません")):
        out = cli.run("commitments", "list", "--owner", "wp2024_overview", "--url", db_url, "--lang", lang)
        assert out.exit_code == 2 and text in out.output, out.output
    owners = ("sdc", "summit", "usa_department_of_defense", "jpn", "jpn_minister_of_defense")
    for n, owner in enumerate(owners):
        res = wclient.post(
            "/api/work/commitments", json={**COMMITMENT, "id": f"c_owner_{n}", "owner": owner}, headers=POLICY
        )
        assert res.status_code == 201 and res.json()["owner"]["id"] == owner, res.text
    # the pack's own commitment, imported by `anpo db init`, is still listed under its owner
    assert "commitment_guidelines_review_2014" in [
        c["id"] for c in cli.json("commitments", "list", "--owner", "sdc", "--url", db_url)["commitments"]
    ]


def test_a_commitment_may_be_owned_by_a_standing_bilateral_mechanism(wclient: Any, cli: Any, db_url: str) -> None:
    """`"owner": "bilateral_planning_mechanism"` was refused as a mechanism, though the 2015
    Guidelines give the BPM the bilateral planning and the ACM the coordination that a meeting tasks."""
    for owner in ("alliance_coordination_mechanism", "bilateral_planning_mechanism"):
        res = wclient.post(
            "/api/work/commitments", json={**COMMITMENT, "id": f"c_{owner}", "owner": owner}, headers=POLICY
        )
        assert res.status_code == 201 and res.json()["owner"]["id"] == owner, res.text
        assert res.json()["owner"]["label"]["en"] in ("Alliance Coordination Mechanism", "Bilateral Planning Mechanism")
    owned = cli.json("commitments", "list", "--owner", "bilateral_planning_mechanism", "--url", db_url)
    assert [c["id"] for c in owned["commitments"]] == ["c_bilateral_planning_mechanism"]


def test_a_commitment_done_by_a_record_that_cannot_have_done_it_is_refused(wclient: Any, cli: Any, db_url: str) -> None:
    """`{"by": "sdc"}` and `commitments done --by wp2024_overview` were kept as the record that did
    the commitment, though the pack's `done_by` is an instrument, event or meeting."""
    allowed = "instrument, event, meeting"
    allowed_ja = "条約・文書、出来事、会合"
    kind_ja = {"body": "協議の場", "source": "出典", "facility": "施設"}
    kinds = {"instrument": "guidelines_2015", "event": "ev_2016_12_07_acm_use", "meeting": "dmm_2016_12_07"}
    for kind in kinds:
        res = wclient.post("/api/work/commitments", json={**COMMITMENT, "id": f"c_by_{kind}"}, headers=POLICY)
        assert res.status_code == 201, res.text
    url = "/api/work/commitments/c_by_instrument/done"
    for by, kind in (("sdc", "body"), ("wp2024_overview", "source"), ("camp_hansen", "facility")):
        _refused(
            wclient.post(url, json={"on": "2017-01-01", "by": by}, headers=POLICY),
            400,
            f"'by' ({by}) is a {kind}, which cannot have done a commitment (allowed kinds: {allowed})",
            f"「by」（{by}）は{kind_ja[kind]}で、約束を完了させたものにはなれません（なれる種類: {allowed_ja}）",
        )
    _refused(
        wclient.post(url, json={"on": "2017-01-01", "by": "sdcc"}, headers=POLICY),
        400,
        f"unknown 'by' (sdcc) (allowed kinds: {allowed})",
        f"「by」（sdcc）は不明です（使える種類: {allowed_ja}）",
    )
    for lang, text in (("en", "'by' (wp2024_overview) is a source"), ("ja", "約束を完了させたものにはなれません")):
        done = ("commitments", "done", "c_by_instrument", "--on", "2017-01-01", "--by", "wp2024_overview")
        out = cli.run(*done, "--url", db_url, "--lang", lang)
        assert out.exit_code == 2 and text in out.output, out.output
    listed = {c["id"]: c for c in cli.json("commitments", "list", "--on", "2018-01-01", "--url", db_url)["commitments"]}
    assert (listed["c_by_instrument"]["status"], listed["c_by_instrument"]["done_by"]) == ("late", None)
    for kind, by in kinds.items():
        if kind == "meeting":
            done = ("commitments", "done", f"c_by_{kind}", "--on", "2017-01-01", "--by", by, "--url", db_url)
            row = cli.json(*done)
        else:
            res = wclient.post(
                f"/api/work/commitments/c_by_{kind}/done", json={"on": "2017-01-01", "by": by}, headers=POLICY
            )
            assert res.status_code == 200, res.text
            row = res.json()
        assert (row["status"], row["done_by"]["id"]) == ("done", by)


def test_a_case_entry_whose_body_is_no_json_object_is_a_400_as_the_other_writes(wclient: Any) -> None:
    """A list posted to `/api/work/cases/ID/entries` was a 422 "invalid request: body", where every
    other work write answers a 400 "a JSON object is expected"."""
    url = f"/api/work/cases/{wclient.post('/api/work/cases', json=CASE, headers=JP).json()['id']}"
    entries = len(wclient.get(url, headers=JP).json()["entries"])
    for body in ([{"type": "message", "text": "hello"}], [], "hello", 1):
        for write in (f"{url}/entries", "/api/work/commitments"):
            _refused(
                wclient.post(write, json=body, headers=JP),
                400,
                "a JSON object is expected",
                "JSONのオブジェクトが必要です",
            )
    assert len(wclient.get(url, headers=JP).json()["entries"]) == entries
    kept = wclient.post(f"{url}/entries", json={"type": "message", "text": "hello"}, headers=JP)
    assert kept.status_code == 201, kept.text
