"""Comparing white-paper editions (`anpo compare`, /compare, /api/compare): the differences the seeds
state between the 2014 and 2024 editions — the SDC's members (the operations director-general gone
in 2015, Pacific Command renamed Indo-Pacific Command), the Joint Committee's Japanese member (局長
then 次長), ammunition under the 2016 ACSA — each row cited and dated by its edition."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest

from anpo.compare import STATUSES, CompareError, compare, editions
from anpo.framework.framework import Framework

IDS = re.compile(r"\b[a-z]+_[a-z0-9_]+\b|\b(?:jpn|usa)\b")  # a snake_case id, or a party's id


@pytest.fixture(scope="module")
def diff(fw: Framework) -> dict[str, Any]:
    return compare(fw, "2014", "2024")


def _row(rows: list[dict[str, Any]], row_id: str) -> dict[str, Any]:
    return next(r for r in rows if r.get("id") == row_id)


def _body(diff: dict[str, Any], body_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = next(b for b in diff["bodies"] if b["id"] == body_id)["rows"]
    return rows


def _visible(page: str) -> str:
    body = page.split("<main>", 1)[1].split("</main>", 1)[0]
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def test_each_edition_is_dated_by_the_latest_events_it_describes_with_a_citation(fw: Framework) -> None:
    found = editions(fw)
    assert {k: v.on for k, v in found.items()} == {
        "2014": dt.date(2014, 7, 31),
        "2017": dt.date(2017, 6, 30),
        "2018": dt.date(2017, 11, 30),
        "2024": dt.date(2024, 5, 31),
    }
    # the 2024 edition is two chapters; the later one (meetings to May 2024) dates it
    assert found["2024"].sources == ("wp2024_deterrence", "wp2024_overview")
    assert [c.source for c in found["2024"].citations] == ["wp2024_overview"]
    assert "2024年5月" in found["2024"].citations[0].quote
    assert found["2014"].citations[0].source == "wp2014_alliance" and "7月" in found["2014"].citations[0].quote
    assert "wp2015_organisation" not in {s for e in found.values() for s in e.sources}  # one page, no edition


def test_the_sdc_lost_the_operations_director_general_and_pacific_command_was_renamed(diff: dict[str, Any]) -> None:
    rows = _body(diff, "sdc")
    ops = _row(rows, "jpn_mod_dg_operational_policy")
    assert ops["status"] == "removed" and ops["b"] is None
    assert ops["a"]["on"] == "2014-07-31" and "運用企画局長" in ops["a"]["label"]["ja"]
    pacom = _row(rows, "usa_indo_pacific_command")
    assert pacom["status"] == "renamed"
    assert pacom["a"]["label"]["en"] == "U.S. Pacific Command" and pacom["a"]["on"] == "2014-07-31"
    assert pacom["b"]["label"]["en"] == "U.S. Indo-Pacific Command" and pacom["b"]["on"] == "2024-05-31"
    assert {"source": "src_dod_indopacom_2018", "locator": "全文"} in pacom["citations"]
    assert {
        r["status"] for r in rows if r["id"] not in ("jpn_mod_dg_operational_policy", "usa_indo_pacific_command")
    } == {"same"}


def test_the_joint_committees_japanese_member_went_from_director_general_to_deputy(diff: dict[str, Any]) -> None:
    rows = _body(diff, "jc")
    dg, deputy = _row(rows, "jpn_mod_dg_local_cooperation"), _row(rows, "jpn_mod_deputy_dg_local_cooperation")
    assert (dg["status"], deputy["status"]) == ("removed", "added")
    assert dg["a"]["label"]["ja"] == "防衛省地方協力局長" and dg["b"] is None
    assert deputy["a"] is None and deputy["b"]["label"]["ja"] == "防衛省地方協力局次長"
    assert deputy["citations"] == [{"source": "wp2024_overview", "locator": "図表Ⅲ-2-1-1"}]
    assert all(r["side"] in ("jpn", "usa") for r in rows)


def test_ammunition_is_allowed_in_more_contexts_under_the_2016_agreement(diff: dict[str, Any]) -> None:
    agreement = diff["acsa"]["agreement"]
    assert agreement["status"] == "changed"
    assert (agreement["a"]["id"], agreement["b"]["id"]) == ("acsa_2004_amendment", "acsa_2016")

    def with_ammunition(key: str, provider: str) -> set[str]:
        return {
            r["context"]["id"]
            for r in diff["acsa"]["coverage"]
            if r["provider"] == provider and "ammunition" in [c["id"] for c in r[key]["allowed"]]
        }

    for provider in ("jpn", "usa"):
        before, after = with_ammunition("a", provider), with_ammunition("b", provider)
        assert before == {"anticipated_armed_attack", "armed_attack"}  # 2014 edition, footnote 12
        assert before < after and "joint_training" in after
        training = next(
            r for r in diff["acsa"]["coverage"] if r["provider"] == provider and r["context"]["id"] == "joint_training"
        )
        assert training["status"] == "changed" and [c["id"] for c in training["gained"]] == ["ammunition"]
        assert {"source": "wp2024_deterrence", "locator": "脚注2"} in training["citations"]
    # weapons are never provided, in either edition
    assert not any("weapons" in [c["id"] for c in r[k]["allowed"]] for r in diff["acsa"]["coverage"] for k in "ab")
    surrounding = [r for r in diff["acsa"]["coverage"] if r["context"]["id"] == "surrounding_area_situation"]
    assert {r["status"] for r in surrounding} == {"removed"}


def test_instruments_in_force_changed_and_not_stated_is_kept_apart(diff: dict[str, Any]) -> None:
    rows = diff["instruments"]
    assert _row(rows, "guidelines_1997")["status"] == "removed"
    assert _row(rows, "guidelines_2015")["status"] == "added"
    assert _row(rows, "acsa_2016")["status"] == "added" and _row(rows, "acsa_1996")["status"] == "removed"
    assert _row(rows, "treaty_1960")["status"] == "same"
    renamed = _row(rows, "law_surrounding_situations_1999")  # 周辺事態安全確保法 -> 重要影響事態安全確保法
    assert renamed["status"] == "renamed" and renamed["a"]["label"] != renamed["b"]["label"]
    for row in rows:  # None is "not stated", never counted as out of force
        if row["status"] == "issued":
            continue
        was, now = row["a"]["in_force"], row["b"]["in_force"]
        assert (was, now) != (False, False)
        if None in (was, now) and was != now:
            assert row["status"] == "changed"


def test_every_row_has_citations_and_each_cell_names_its_editions_date(diff: dict[str, Any]) -> None:
    rows = [r for b in diff["bodies"] for r in b["rows"]]
    rows += [diff["acsa"]["agreement"], *diff["acsa"]["coverage"], *diff["instruments"]]
    assert len(rows) > 50
    for row in rows:
        assert row["status"] in STATUSES
        assert row["citations"] and all(c["source"] and "locator" in c for c in row["citations"]), row
        assert row["a"] is None or row["a"]["on"] == diff["a"]["on"]
        assert row["b"] is None or row["b"]["on"] == diff["b"]["on"]
    assert diff["a"]["on_era"] == "平成26年7月31日" and diff["b"]["on_era"] == "令和6年5月31日"


def test_an_edition_compared_with_itself_has_no_change_and_a_topic_limits_it(fw: Framework) -> None:
    same = compare(fw, "2017", "2017")
    rows = [r for b in same["bodies"] for r in b["rows"]] + same["acsa"]["coverage"] + same["instruments"]
    assert {r["status"] for r in rows} == {"same"}
    only = compare(fw, "2017", "2024", "bodies")
    assert only["topics"] == ["bodies"] and "acsa" not in only and "instruments" not in only
    with pytest.raises(CompareError, match="allowed: 2014, 2017, 2018, 2024"):
        compare(fw, "2015", "2024")


def test_the_cli_json_is_the_api_json(client: Any, cli: Any) -> None:
    api = client.get("/api/compare", params={"a": "2014", "b": "2024"})
    assert api.status_code == 200
    assert api.json() == cli.json("compare", "2014", "2024")
    topic = client.get("/api/compare", params={"a": "2017", "b": "2024", "topic": "acsa"}).json()
    assert topic == cli.json("compare", "2017", "2024", "--topic", "acsa")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_cli_text_names_the_changes_by_their_labels(cli: Any, lang: str) -> None:
    result = cli.run("compare", "2014", "2024", "--lang", lang)
    assert result.exit_code == 0, result.output
    assert not IDS.findall(result.stdout), IDS.findall(result.stdout)[:10]
    if lang == "ja":
        assert "平成26年版防衛白書（2014-07-31時点）" in result.stdout
        assert "［" not in result.stdout and "[削除] 日本国: 防衛省運用企画局長" in result.stdout
        assert "防衛省地方協力局次長" in result.stdout and "弾薬" in result.stdout
    else:
        assert "U.S. Pacific Command (2014-07-31) → U.S. Indo-Pacific Command (2024-05-31)" in result.stdout
        assert "[Defense of Japan 2024 図表Ⅲ-2-1-1]" in result.stdout


def test_an_unknown_edition_or_topic_is_refused_in_both_languages(cli: Any, client: Any) -> None:
    result = cli.run("compare", "2014", "2023")
    assert result.exit_code == 2
    assert "使える版: 2014, 2017, 2018, 2024" in result.stderr and "allowed: 2014, 2017, 2018, 2024" in result.stderr
    result = cli.run("compare", "2014", "2024", "--topic", "meetings")
    assert result.exit_code == 2 and "bodies, acsa, instruments" in result.stderr
    api = client.get("/api/compare", params={"a": "1999", "b": "2024"})
    assert api.status_code == 400
    assert "2014, 2017, 2018, 2024" in api.json()["error"]["ja"] and "'1999'" in api.json()["error"]["en"]
    assert client.get("/api/compare", params={"a": "2014", "topic": "x"}).status_code == 400
    assert client.get("/api/compare?a=2014&a=2017").status_code == 400
    page = client.get("/compare", params={"a": "1999", "lang": "en"})
    assert page.status_code == 400 and "allowed: 2014, 2017, 2018, 2024" in page.text


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_page_renders_in_both_languages_with_labels_not_ids(client: Any, lang: str) -> None:
    page = client.get("/compare", params={"a": "2014", "b": "2024", "lang": lang})
    assert page.status_code == 200
    shown = _visible(page.text)
    assert not IDS.findall(shown), sorted(set(IDS.findall(shown)))[:10]
    assert 'href="/api/compare?a=2014&amp;b=2024"' in page.text
    assert 'data-testid="row-sdc-jpn_mod_dg_operational_policy" data-status="removed"' in page.text
    assert 'data-testid="acsa-jpn-joint_training" data-status="changed"' in page.text
    assert 'href="/compare" data-testid="nav-compare"' in page.text
    if lang == "ja":
        assert "インド太平洋軍" in shown and "名称変更" in shown and "令和6年5月31日" in shown
    else:
        assert "U.S. Indo-Pacific Command" in shown and "renamed" in shown and "Defense of Japan 2014" in shown
    default = client.get("/compare", params={"lang": lang})  # the nav link: the oldest and newest editions
    assert default.status_code == 200 and 'href="/api/compare?a=2014&amp;b=2024"' in default.text


def test_joint_statements_are_issued_never_in_force(diff: dict[str, Any]) -> None:
    """The 2017, 2019, 2023 and 2024 joint statements were "added ... In force: yes": a political
    document enters into force on no day. Issued between the two editions, it is `issued`; one
    issued before both is not listed; its `in_force` is None on both sides."""
    rows = {r["id"]: r for r in diff["instruments"]}
    for row in diff["instruments"]:
        if row["type"] in ("joint_statement", "joint_declaration", "report", "plan"):
            assert row["status"] == "issued", row["id"]
            assert row["a"] is None and row["b"]["in_force"] is None
            assert "2014-07-31" < row["b"]["issued"] <= "2024-05-31"
        else:
            assert row["status"] != "issued"
    assert rows["joint_statement_2017"]["b"]["issued"] == "2017-02-10"
    assert rows["joint_statement_2024"]["status"] == "issued"
    assert "joint_statement_2014" not in rows and "joint_declaration_1996" not in rows  # before 2014-07-31


def test_the_instruments_view_says_in_force_is_not_applicable_to_a_statement(fw: Framework) -> None:
    from anpo.framework.views import instruments_view

    versions = {v["id"]: v for f in instruments_view(fw, dt.date(2024, 5, 31)) for v in f["versions"]}
    statement = versions["joint_statement_2017"]
    assert statement["in_force"] is None and statement["enters_into_force"] is False
    assert statement["issued"] == "2017-02-10"
    assert versions["treaty_1960"]["enters_into_force"] is True and versions["treaty_1960"]["in_force"] is True
    assert versions["roadmap_2006"]["enters_into_force"] is False  # a plan
    assert versions["saco_final_report_1996"]["in_force"] is None  # a report


def test_one_edition_alone_is_a_400_naming_the_missing_one(client: Any) -> None:
    """`?a=2024` compared 2024 with 2024, silently; `?b=2014` compared 2014 with 2014."""
    for params, missing in (({"a": "2024"}, "b"), ({"b": "2014"}, "a"), ({"a": "", "b": "2014"}, "a")):
        r = client.get("/api/compare", params=params)
        assert r.status_code == 400, params
        body = r.json()
        assert (
            body["code"] == "invalid"
            and f"（{missing}）" in body["error"]["ja"]
            and f"({missing})" in body["error"]["en"]
        )
        assert client.get("/compare", params={**params, "lang": "en"}).status_code == 400
    # neither: the oldest and the newest, the page's default
    both = client.get("/api/compare").json()
    assert (both["a"]["edition"], both["b"]["edition"]) == ("2014", "2024") and both["same_edition"] is False


def test_the_same_edition_given_twice_is_compared_and_says_so(client: Any, cli: Any) -> None:
    r = client.get("/api/compare", params={"a": "2024", "b": "2024"})
    assert r.status_code == 200 and r.json()["same_edition"] is True
    rows = [row for b in r.json()["bodies"] for row in b["rows"]] + r.json()["instruments"]
    assert {row["status"] for row in rows} == {"same"}
    page = client.get("/compare", params={"a": "2024", "b": "2024", "lang": "en"}).text
    assert 'data-testid="same-edition"' in page and "nothing changed" in page
    assert "nothing changed" in cli.run("compare", "2024", "2024").stdout


def test_undetermined_categories_are_compared_as_gained_and_lost(diff: dict[str, Any]) -> None:
    """UN peacekeeping printed both full "undetermined" lists when only ammunition differed."""
    pko = next(
        r for r in diff["acsa"]["coverage"] if r["provider"] == "jpn" and r["context"]["id"] == "un_peacekeeping"
    )
    assert [c["id"] for c in pko["undetermined_gained"]] == ["ammunition"] and pko["undetermined_lost"] == []
    assert len(pko["b"]["undetermined"]) > 10  # the JSON keeps both full lists
    assert {c["id"] for c in diff["acsa"]["categories"]} >= {"ammunition", "weapons", "food"}


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def test_the_page_and_the_text_give_a_sections_shared_citations_once(client: Any, cli: Any) -> None:
    """The page was 180 KB: "Defense of Japan 2014 脚注12" was there 30 times, every ACSA row
    repeating the same six to ten citations, and an added context listed all the categories."""
    page = client.get("/compare", params={"a": "2014", "b": "2024", "lang": "en"}).text
    assert len(page) < 120_000
    assert page.count("Defense of Japan 2014 脚注12") <= 3  # once per provider's table, at most
    assert 'data-testid="shared-acsa-jpn"' in page
    pko = page.split('data-testid="acsa-jpn-un_peacekeeping"', 1)[1].split("</tr>", 1)[0]
    assert "Undetermined, newly: Ammunition" in _text(pko)
    added = page.split('data-testid="acsa-jpn-multinational_training"', 1)[1].split("</tr>", 1)[0]
    assert "every category but Weapons" in _text(added) and "Airport and seaport" not in _text(added)
    text = cli.run("compare", "2014", "2024").stdout
    assert text.count("脚注12") <= 3 and "Sources of every row in this section" in text
    line = next(x for x in text.splitlines() if "UN peacekeeping" in x and "jpn" not in x)
    assert "Undetermined, newly: Ammunition" in line and "Food" not in line
    assert "Categories gained: every category but Weapons" in text
    # the JSON keeps every row's own full citations
    api = client.get("/api/compare", params={"a": "2014", "b": "2024"}).json()
    wp2014 = {"source": "wp2014_alliance", "locator": "脚注12"}
    assert sum(wp2014 in r["citations"] for r in api["acsa"]["coverage"]) > 20
