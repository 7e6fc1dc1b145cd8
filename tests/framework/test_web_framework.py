"""The framework's pages and their JSON twins, in-process."""

from __future__ import annotations

from typing import Any


def test_api_ask_returns_exactly_what_the_cli_returns(client: Any, cli: Any) -> None:
    api = client.get("/api/ask/consult.members", params={"body": "scc", "side": "usa", "on": "1985-06-01"})
    assert api.status_code == 200
    assert api.json() == cli.json("ask", "consult.members", "body=scc", "side=usa", "--on", "1985-06-01")


def test_api_bad_parameter_is_a_400_with_the_reason(client: Any) -> None:
    r = client.get("/api/ask/treaty.article5_applies", params={"place": "atlantis"})
    assert r.status_code == 400
    assert "okinawa" in r.json()["error"]["en"] and r.json()["error"]["ja"]
    r = client.get("/api/bodies", params={"on": "2014-02-30"})
    assert r.status_code == 400 and "YYYY-MM-DD" in r.json()["error"]["en"]
    assert client.get("/api/entity/atlantis").status_code == 404


def test_api_ask_refuses_a_parameter_given_twice(client: Any) -> None:
    """`?side=usa&side=jpn` answered for jpn, the last, silently: a 400 naming the parameter (no
    question's parameter takes several values), as for `on` given twice."""
    r = client.get("/api/ask/consult.members?body=scc&side=usa&side=jpn&on=2015-06-01")
    assert r.status_code == 400, r.text
    assert r.json()["error"]["en"] == "parameter 'side' is given more than once"
    assert r.json()["error"]["ja"] == "パラメータ「side」が2回以上指定されています"
    r = client.get("/api/ask/consult.members?body=scc&side=usa&on=2015-06-01&on=1985-06-01")
    assert r.status_code == 400 and "'on'" in r.json()["error"]["en"]
    assert client.get("/api/ask/consult.members?body=scc&side=usa&on=2015-06-01").status_code == 200


def test_bodies_page_in_both_languages_with_its_json_twin(client: Any) -> None:
    ja = client.get("/bodies", params={"on": "1985-06-01", "lang": "ja"})
    en = client.get("/bodies", params={"on": "1985-06-01", "lang": "en"})
    assert ja.status_code == en.status_code == 200
    assert "駐日米国大使" in ja.text or "大使" in ja.text
    assert "Security Consultative Committee" in en.text and "Pacific Command" in en.text
    assert 'href="/api/bodies?on=1985-06-01"' in en.text
    twin = client.get("/api/bodies", params={"on": "1985-06-01"}).json()
    assert twin["on"] == "1985-06-01" and twin["on_era"] == "昭和60年6月1日"


def test_timeline_entity_and_ask_pages_render(client: Any) -> None:
    assert "1972" in client.get("/timeline", params={"start": "1972-01-01", "end": "1972-12-31"}).text
    page = client.get("/entity/okinawa", params={"lang": "en"})
    assert page.status_code == 200 and "Okinawa" in page.text
    asked = client.get("/ask", params={"q": "treaty.article5_applies", "params": "place=okinawa", "on": "1970-01-01"})
    assert asked.status_code == 200 and 'data-testid="answer-value">no<' in asked.text
    bad = client.get("/ask", params={"q": "treaty.article5_applies", "params": "place=atlantis"})
    assert bad.status_code == 400 and "atlantis" in bad.text and 'role="alert"' in bad.text
    missing = client.get("/entity/atlantis", params={"lang": "en"})
    assert missing.status_code == 404 and "atlantis" in missing.text


def test_the_ask_page_names_the_provisions_in_force_as_they_were_named_on_the_date(client: Any) -> None:
    """The page's 「根拠となった規定」 listed the 1999 Act as 周辺事態安全確保法 on 2016-06-01, when the
    pack's dated names call it 重要影響事態安全確保法 (from 29 March 2016); the JSON twin's `explain` too."""
    params = "provider=jpn category=ammunition context=important_influence_situation"
    page = client.get("/ask", params={"q": "acsa.may_provide", "params": params, "on": "2016-06-01", "lang": "ja"})
    assert page.status_code == 200
    section = page.text.split("根拠となった規定", 1)[1].split("</ul>", 1)[0]
    [item] = [x for x in section.split("<li>") if "/entity/law_surrounding_situations_1999" in x]
    assert "（重要影響事態安全確保法）" in item and "周辺事態安全確保法" not in item
    twin = client.get(
        "/api/ask/acsa.may_provide",
        params={**dict(p.split("=") for p in params.split()), "on": "2016-06-01", "explain": "true"},
    ).json()
    [step] = [s for s in twin["explain"] if s["id"] == "law_surrounding_situations_1999"]
    assert "重要影響事態安全確保法" in step["label"]["ja"] and "Important Influence" in step["label"]["en"]
    earlier = client.get("/ask", params={"q": "acsa.may_provide", "params": params, "on": "2010-01-01", "lang": "ja"})
    assert "重要影響事態安全確保法" not in earlier.text.split("根拠となった規定", 1)[-1]


def _versions(data: dict[str, Any], family: str) -> dict[str, dict[str, Any]]:
    group = next(f for f in data["families"] if f["family"] == family)
    return {v["id"]: v for v in group["versions"]}


def test_instruments_come_in_families_of_versions_in_force_on_the_date(client: Any) -> None:
    on_2010 = client.get("/api/instruments", params={"on": "2010-01-01"}).json()
    guidelines = _versions(on_2010, "guidelines_1978")
    assert list(guidelines) == ["guidelines_1978", "guidelines_1997", "guidelines_2015"]
    assert [v["in_force"] for v in guidelines.values()] == [False, True, False]
    acsa = _versions(on_2010, "acsa_1996")
    assert acsa["acsa_1996"]["in_force"] and not acsa["acsa_2016"]["in_force"]
    assert {"relation": "amends", "id": "acsa_1996"} in [
        {k: r[k] for k in ("relation", "id")} for r in acsa["acsa_1998_amendment"]["relations"]
    ]
    assert acsa["acsa_1996"]["citations"] and acsa["acsa_1996"]["provisions"] >= 1
    on_2018 = _versions(client.get("/api/instruments", params={"on": "2018-01-01"}).json(), "acsa_1996")
    assert on_2018["acsa_2016"]["in_force"] and not on_2018["acsa_1996"]["in_force"]
    treaties = client.get("/api/instruments", params={"on": "1955-01-01", "kind": "treaty"}).json()["families"]
    assert [v["in_force"] for v in treaties[0]["versions"]] == [True, False]  # 1951 treaty, not yet 1960


def test_an_unknown_instrument_type_gets_a_400_naming_the_types(client: Any) -> None:
    """`kind=bogus` answered an empty list, as if no instrument were of that type."""
    for path in ("/api/instruments", "/instruments"):
        response = client.get(path, params={"kind": "bogus"})
        assert response.status_code == 400, (path, response.text)
    error = client.get("/api/instruments", params={"kind": "bogus"}).json()["error"]
    assert error["en"].startswith("no instrument type 'bogus' (allowed: treaty, agreement,") and error["ja"]
    assert client.get("/api/instruments", params={"kind": "treaty"}).json()["families"]


def test_an_instrument_without_a_stated_date_is_not_claimed_in_force(client: Any) -> None:
    data = client.get("/api/instruments", params={"on": "1950-01-01"}).json()
    rows = [v for f in data["families"] for v in f["versions"]]
    undated = [v for v in rows if not (v["from"] or v["signed"])]
    assert not any(v["in_force"] for v in rows)  # nothing of the alliance was in force before 1951
    assert undated, "the pack has instruments whose dates the sources do not state"
    later = client.get("/api/instruments", params={"on": "2020-01-01"}).json()
    undated_later = [v for f in later["families"] for v in f["versions"] if not (v["from"] or v["signed"])]
    assert undated_later and all(v["in_force"] is None for v in undated_later)  # "not stated", never a guess


def test_instruments_page_draws_periods_in_force_and_era_dates(client: Any) -> None:
    page = client.get("/instruments", params={"on": "2010-01-01", "lang": "ja"})
    assert page.status_code == 200
    chart = page.text.split('data-testid="chart-guidelines_1978"', 1)[1].split("</svg>", 1)[0]
    assert chart.count("<rect") == 3 and chart.count("chart-bar current") == 1
    assert 'href="/entity/guidelines_1997"' in chart
    assert "平成8年4月15日" in page.text  # the 1996 ACSA signed on 15 April 1996, in the Japanese era
    assert 'href="/api/instruments?on=2010-01-01"' in page.text
    english = client.get("/instruments", params={"on": "2010-01-01", "lang": "en"}).text
    assert "Periods in force of the instruments" in english and "in force" in english.lower()


def test_timeline_page_charts_every_event_it_lists(client: Any) -> None:
    params = {"start": "1990-01-01", "end": "2000-12-31", "lang": "ja"}
    events = client.get("/api/timeline", params=params).json()["events"]
    page = client.get("/timeline", params=params).text
    chart = page.split('data-testid="timeline-chart"', 1)[1].split("</svg>", 1)[0]
    assert len(events) > 3 and chart.count("<circle") == len(events)
    assert all(f'href="/entity/{e["id"]}"' in chart for e in events)
    assert "平成" in page  # dates also in the Japanese era
    assert "<script" not in chart


def test_entity_page_gives_dates_in_the_japanese_era_too(client: Any) -> None:
    ja = client.get("/entity/okinawa", params={"lang": "ja"}).text
    assert "1972-05-15" in ja and "昭和47年5月15日" in ja  # the reversion
    acsa = client.get("/entity/acsa_1996", params={"lang": "ja"}).text
    assert "（平成8年4月15日）" in acsa  # signed
    assert "昭和47年" not in client.get("/entity/okinawa", params={"lang": "en"}).text


def test_a_date_after_the_last_anpo_takes_is_a_400_and_a_far_one_still_charts(client: Any, cli: Any) -> None:
    """9999-12-31 failed deep inside (no era for it; a year 10000 for a chart's end): a 500, or a
    traceback from the CLI. Now a date after 9998-12-31 is refused where it is read, in both
    languages; up to it the pages render, the charts' ticks spanning centuries."""
    api = client.get("/api/bodies?on=9999-12-31")
    assert api.status_code == 400
    assert api.json()["error"]["en"] == "date '9999-12-31' is after 9998-12-31, the last date anpo takes"
    assert "扱える最後の日" in api.json()["error"]["ja"]
    assert client.get("/bodies?on=9999-12-31").status_code == 400
    page = client.get("/instruments?on=9998-12-31")
    assert page.status_code == 200 and 'class="chart-tick">2000<' in page.text
    bad = cli.run("bodies", "--on", "9999-12-31")
    assert bad.exit_code == 2 and "after 9998-12-31" in bad.output


def test_a_signature_or_a_successor_is_not_taken_for_a_period_in_force(client: Any) -> None:
    """The 1983 arrangement on military technology (signed 1983-11-08, replaced in June 2006 by an
    arrangement whose date the pack gives to the month only) was shown in force in 2010 and 2024,
    as was the Guam protocol of 2013, whose entry into force the sources do not state: a signature
    was taken for an entry into force that lasts for ever. Now: not before the signature, and "not
    stated" after it."""

    def in_force(on: str) -> dict[str, Any]:
        data = client.get("/api/instruments", params={"on": on}).json()
        return {v["id"]: v["in_force"] for f in data["families"] for v in f["versions"]}

    assert in_force("1980-01-01")["arms_technology_transfer_1983"] is False
    for on in ("1990-01-01", "2010-01-01", "2024-01-01"):
        assert in_force(on)["arms_technology_transfer_1983"] is None, on
    assert in_force("2012-01-01")["guam_protocol_2013"] is False
    assert in_force("2024-01-01")["guam_protocol_2013"] is None
    assert in_force("2024-01-01")["guam_agreement_2009"] is True  # in force from 2009-05-19, as stated
