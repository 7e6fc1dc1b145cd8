"""The QA pass over the framework's pages: entity pages link only to pages that exist and show
every value; Japanese pages name fields, kinds and enumerated values in Japanese; a date known to
the year or month is shown as such; answers and instrument types are labelled; the timeline's chart
spans the period asked for; the reasons read as English."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from anpo.framework.framework import Framework
from anpo.framework.schema import INSTRUMENT_TYPES, KINDS
from anpo.i18n.catalog import MESSAGES

LANGS = ("ja", "en")


def visible(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment)).strip()


def text_of(fragment: str) -> str:
    """The text of an inline fragment (its tags dropped, not turned into spaces)."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def fact_rows(page: str) -> list[tuple[str, str]]:
    """(field name, value cell) of each row of the facts table, as HTML."""
    table = page.split('data-testid="facts"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr[^>]*>\s*<th>(.*?)</th>\s*<td[^>]*>(.*?)</td>", table, re.S)


def cell(page: str, attr: str) -> list[str]:
    """The visible values of the facts of `attr` (rows carry `data-attr`)."""
    table = page.split('data-testid="facts"', 1)[1].split("</table>", 1)[0]
    return [
        text_of(v) for v in re.findall(rf'<tr data-attr="{attr}">\s*<th>.*?</th>\s*<td[^>]*>(.*?)</td>', table, re.S)
    ]


# -- 1. every link of every entity page leads to a page; no value is blank --------------------------


def test_every_entity_page_links_only_to_pages_that_exist_and_shows_every_value(client: Any, fw: Framework) -> None:
    """Each meeting's outcomes ({id, text}) were taken for entities: a link to /entity/OUTCOME_ID
    (a 404, 37 of them) around an empty label. Every page of the shipped pack, in both languages."""
    pages = {ent.id for ent in fw.entities()}
    broken: dict[str, set[str]] = {}
    blank: list[str] = []
    for ent_id in sorted(pages):
        for lang in LANGS:
            page = client.get(f"/entity/{ent_id}", params={"lang": lang})
            assert page.status_code == 200, (ent_id, lang)
            for target in re.findall(r'href="/entity/([^"?#]+)', page.text):
                if target not in pages:
                    broken.setdefault(target, set()).add(ent_id)
            blank += [
                f"{ent_id}?lang={lang}: {visible(th)}" for th, value in fact_rows(page.text) if not visible(value)
            ]
    assert not broken, sorted(broken)
    assert not blank, blank[:10]
    # and each of those targets is a page indeed (a sample: the pages are the pack's entities)
    for target in ("defense_ministers_meeting", "jpn_minister_of_defense", "wp2014_alliance"):
        assert client.get(f"/entity/{target}").status_code == 200


def test_a_meetings_outcomes_are_shown_by_their_text_in_each_language(client: Any) -> None:
    ja = client.get("/entity/dmm_2014_05_31", params={"lang": "ja"}).text
    en = client.get("/entity/dmm_2014_05_31", params={"lang": "en"}).text
    outcomes_ja, outcomes_en = cell(ja, "outcome"), cell(en, "outcome")
    assert len(outcomes_ja) == len(outcomes_en) == 3
    assert "東シナ海を含めいかなる地域においても力による現状変更の試みに反対することで一致" in outcomes_ja
    assert all(o and not re.search(r"[ぁ-んァ-ン一-龥]", o) for o in outcomes_en), outcomes_en
    for page in (ja, en):
        assert 'href="/entity/oppose_coercion"' not in page and 'href="/entity/guidelines_review"' not in page
        assert "oppose_coercion" not in visible(page)


# -- 2. Japanese entity pages in Japanese ---------------------------------------------------------


def test_every_field_kind_and_enumerated_value_of_the_schema_has_both_labels() -> None:
    from anpo.web.routes_framework import ENUM_GROUPS

    missing = []
    for kind, attrs in KINDS.items():
        missing += [] if f"kind.{kind}" in MESSAGES else [f"kind.{kind}"]
        for attr, spec in attrs.items():
            for name in (attr, *spec.type.fields):
                missing += [] if f"attr.{name}" in MESSAGES else [f"attr.{name}"]
            for choice in spec.type.choices:
                key = f"value.{ENUM_GROUPS.get(attr, attr)}.{choice}"
                missing += [] if key in MESSAGES else [key]
    assert not missing, sorted(set(missing))
    keys = [k for k in MESSAGES if k.split(".", 1)[0] in ("attr", "kind", "value")]
    assert all(MESSAGES[k][0].strip() and MESSAGES[k][1].strip() for k in keys)


def test_an_entity_page_in_japanese_names_its_fields_kind_and_values_in_japanese(client: Any, fw: Framework) -> None:
    page = client.get("/entity/dmm_2014_05_31", params={"lang": "ja"}).text
    headings = [visible(th) for th, _ in fact_rows(page)]
    assert "開催地" in headings and "形式" in headings and "参加者" in headings and "成果" in headings
    assert cell(page, "mode") == ["対面"] and cell(page, "precision") == ["日"]
    assert cell(page, "participant")[0] == "役職: 防衛大臣; 氏名: 小野寺五典"
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    shown = visible(main)
    # what is left once the id and the pack file (both labelled, in <code>) and the sources' ids go
    words = visible(re.sub(r"<code>.*?</code>|<(p|td) class=\"cite\">.*?</\1>", "", main, flags=re.S))
    for raw in ("in_person", "meeting", "person:", "position:", "channel", "agenda", "outcome", "precision", "day"):
        assert not re.search(rf"\b{raw}", words), raw
    assert "会合" in visible(page.split('data-testid="entity-kind"', 1)[1].split("</small>", 1)[0])
    assert "データのファイル" in shown and "識別子" in shown  # the id and the file stay, labelled as such
    # no field of any entity is named by its raw id on a Japanese page
    raw_names = set()
    for ent in fw.entities():
        if ent.kind in ("meeting", "event", "exercise", "instrument", "facility", "commitment", "source", "body"):
            ja = client.get(f"/entity/{ent.id}", params={"lang": "ja"}).text
            raw_names |= {visible(th) for th, _ in fact_rows(ja) if re.fullmatch(r"[a-z_]+", visible(th))}
    assert not raw_names, raw_names
    english = client.get("/entity/dmm_2014_05_31", params={"lang": "en"}).text
    assert cell(english, "mode") == ["In person"] and "Venue" in [visible(th) for th, _ in fact_rows(english)]


def test_a_date_known_to_the_year_or_month_is_shown_as_the_year_or_month(client: Any) -> None:
    """1996-01-01 of precision year printed as 1996-01-01（平成8年1月1日）: a day the sources do not give."""
    ja = client.get("/entity/ev_2010_edd_established", params={"lang": "ja"}).text
    en = client.get("/entity/ev_2010_edd_established", params={"lang": "en"}).text
    assert cell(ja, "date") == ["2010年（平成22年）"] and cell(en, "date") == ["2010"]
    ja = client.get("/entity/exercise_dawn_blitz_13", params={"lang": "ja"}).text
    en = client.get("/entity/exercise_dawn_blitz_13", params={"lang": "en"}).text
    assert cell(ja, "start") == ["2013年6月（平成25年6月）"] and cell(en, "start") == ["2013-06"]
    day = client.get("/entity/dmm_2014_05_31", params={"lang": "ja"}).text
    assert cell(day, "date") == ["2014-05-31（平成26年5月31日）"]  # a day stays a day
    # a year or month with two eras names both
    from anpo.web.routes_framework import date_shown

    assert date_shown("1989-01-01", "year", "ja") == ("1989年", "昭和64年・平成元年")
    assert date_shown("2019-05-01", "month", "ja") == ("2019年5月", "令和元年5月")
    assert date_shown("2019-04-01", "month", "en") == ("2019-04", "")


# -- 3. answers by their labels --------------------------------------------------------------------


def test_an_answer_that_names_no_entity_is_shown_by_its_label_not_linked(client: Any) -> None:
    params = {"q": "treaty.article5_applies", "params": "domain=space", "on": "2024-01-01"}
    ja = client.get("/ask", params={**params, "lang": "ja"}).text
    en = client.get("/ask", params={**params, "lang": "en"}).text
    value = re.search(r'data-testid="answer-value">(.*?)</span>', ja, re.S)
    assert value and visible(value.group(1)) == "個別具体的に判断"
    value = re.search(r'data-testid="answer-value">(.*?)</span>', en, re.S)
    assert value and visible(value.group(1)) == "case by case"
    for page in (ja, en):
        assert 'href="/entity/case_by_case"' not in page
    api = client.get("/api/ask/treaty.article5_applies", params={"domain": "space", "on": "2024-01-01"}).json()
    assert api["answer"] == "case_by_case" and "labels" not in api  # the public JSON is unchanged


def test_no_reason_quotes_an_identifier_in_backticks(client: Any) -> None:
    api = client.get("/api/ask/acsa.settlement_due", params={"delivered": "2020-01-01", "on": "2024-01-01"}).json()
    assert api["reasons"] and not any("`" in r[lang] for r in api["reasons"] for lang in LANGS)
    assert "acsa.settlement_methods" in api["reasons"][0]["ja"]


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (("guidelines.in_force", "--on", "1990-01-01"), "=> 日米防衛協力のための指針（1978年） [guidelines_1978]"),
        (
            ("situation.requirements", "situation=armed_attack", "--on", "2024-01-01"),
            "[law_armed_attack_situations_2003]",
        ),
        (("treaty.article5_applies", "domain=space", "--on", "2024-01-01"), "=> 個別具体的に判断 [case_by_case]"),
    ],
)
def test_anpo_ask_prints_the_label_beside_the_id(cli: Any, args: tuple[str, ...], shown: str) -> None:
    text = cli.run("ask", *args, "--lang", "ja")
    assert text.exit_code == 0, text.output
    answer = text.output.splitlines()[1]
    assert answer.startswith("=> ") and shown in answer and '"' not in answer, answer
    assert answer != f"=> {answer.rsplit('[', 1)[-1]}"
    data = cli.json("ask", *args)
    assert data["answer"] == shown.rsplit("[", 1)[1].rstrip("]")  # --json: the id, as before


def test_anpo_ask_keeps_a_date_answer_as_it_was(cli: Any) -> None:
    text = cli.run("ask", "acsa.settlement_due", "delivered=2020-01-01", "--on", "2024-01-01", "--lang", "ja")
    assert text.output.splitlines()[1] == '=> "2021-01-01"'


# -- 4. instrument types by their labels -----------------------------------------------------------


def test_the_instruments_page_labels_the_types(client: Any) -> None:
    ja = client.get("/instruments", params={"on": "2010-01-01", "lang": "ja"}).text
    kinds = ja.split('data-testid="kind"', 1)[1].split("</select>", 1)[0]
    options = [visible(o) for o in re.findall(r"<option[^>]*>(.*?)</option>", kinds)]
    assert options[:7] == ["—", "条約", "協定", "議定書", "交換公文", "指針", "法律"]  # the schema's order
    assert 'value="joint_statement"' in kinds  # the filter still sends the id
    row = re.search(r'data-testid="type-treaty_1960">(.*?)</div>', ja, re.S)
    assert row and visible(row.group(1)).startswith("条約 · ")
    en = client.get("/instruments", params={"on": "2010-01-01", "lang": "en"}).text
    row = re.search(r'data-testid="type-acsa_1996">(.*?)</div>', en, re.S)
    assert row and visible(row.group(1)).startswith("Agreement")
    main = re.sub(r'<div class="cite">.*?</div>', "", ja.split("<main", 1)[1], flags=re.S)  # sources' ids stay
    for raw in ("exchange_of_notes", "joint_statement", "guidelines"):
        assert raw not in visible(main), raw


def _offered(page: str) -> list[tuple[str, str]]:
    """(value, visible label) of the options of the instruments page's filter by type."""
    select = page.split('data-testid="kind"', 1)[1].split("</select>", 1)[0]
    return [(v, visible(o)) for v, o in re.findall(r'<option value="([^"]*)"[^>]*>(.*?)</option>', select)]


@pytest.mark.parametrize("lang", LANGS)
def test_the_instruments_filter_offers_every_type_the_pack_has_and_each_lists_its_instruments(
    client: Any, fw: Framework, lang: str
) -> None:
    """The filter offered six types, a list written into the page: the pack's instruments have
    twelve (a protocol, a joint declaration, a report, a plan, an arrangement, the U.S. Code were
    not offered). It offers every type the instruments have, in words in the page's language, and
    choosing one lists the families with an instrument of that type: all of them, no other."""
    of_type: dict[str, set[str]] = {}
    for ent in fw.of_kind("instrument"):
        for fact in fw.facts(ent.id, "instrument_type"):
            of_type.setdefault(fact.value, set()).add(ent.id)
    page = client.get("/instruments", params={"lang": lang}).text
    offered = _offered(page)
    assert offered[0] == ("", "—")
    assert sorted(v for v, _ in offered[1:]) == sorted(of_type) and len(of_type) >= 12
    for value, label in offered[1:]:
        assert label == MESSAGES[f"value.doc_type.{value}"][LANGS.index(lang)], value
        families = client.get("/api/instruments", params={"kind": value}).json()["families"]
        listed = {v["id"] for f in families for v in f["versions"]}
        assert of_type[value] <= listed, value
        assert all(any(v["type"] == value for v in f["versions"]) for f in families), value
        chosen = client.get("/instruments", params={"kind": value, "lang": lang}).text
        assert f'<option value="{value}" selected>' in chosen
        assert set(re.findall(r'data-testid="version-([^"]+)"', chosen)) == listed
    # a type of the schema that no instrument has: nothing listed, and the filter says which
    for absent in [k for k in INSTRUMENT_TYPES.choices if k not in of_type][:1]:
        none = client.get("/instruments", params={"kind": absent, "lang": lang}).text
        assert 'data-testid="version-' not in none
        assert (absent, MESSAGES[f"value.doc_type.{absent}"][LANGS.index(lang)]) in _offered(none)


# -- 5. the timeline's chart spans the period asked for ---------------------------------------------


def test_the_timeline_chart_spans_the_period_asked_for_and_no_tick_is_cut_off(client: Any) -> None:
    page = client.get("/timeline", params={"start": "1990-01-01", "end": "2000-12-31"}).text
    chart = page.split('data-testid="timeline-chart"', 1)[1].split("</svg>", 1)[0]
    ticks = re.findall(r'<text x="([\d.]+)"[^>]*text-anchor="(\w+)" class="chart-tick">(\d+)<', chart)
    assert [year for _, _, year in ticks] == [str(y) for y in range(1990, 2001)]
    width = float(re.search(r'viewBox="0 0 (\d+) ', chart).group(1))  # type: ignore[union-attr]
    for x, anchor, year in ticks:  # a label centred on its tick fits inside the picture
        assert anchor != "middle" or float(x) + 20 <= width, year
    # the first event of the decade (1991) is drawn a year in from the start, not at it
    first_dot = min(float(x) for x in re.findall(r'<circle cx="([\d.]+)"', chart))
    assert float(ticks[1][0]) - 1 <= first_dot and first_dot > float(ticks[0][0])


def _ticks(page: str) -> list[tuple[float, str, str]]:
    """(x, anchor, label) of the ticks of the timeline's chart."""
    chart = page.split('data-testid="timeline-chart"', 1)[1].split("</svg>", 1)[0]
    found = re.findall(r'<text x="([\d.]+)"[^>]*text-anchor="(\w+)" class="chart-tick">([^<]+)<', chart)
    return [(float(x), anchor, html.unescape(label)) for x, anchor, label in found]


@pytest.mark.parametrize(
    ("start", "end", "ja", "en"),
    [
        ("2015-04-27", "2015-04-27", ["2015年4月27日"], ["Apr 27, 2015"]),  # one day: no tick at all
        (
            "2015-04-27",
            "2015-05-02",
            [f"2015年{d}" for d in ("4月27日", "4月28日", "4月29日", "4月30日", "5月1日", "5月2日")],
            ["Apr 27, 2015", "Apr 28, 2015", "Apr 29, 2015", "Apr 30, 2015", "May 1, 2015", "May 2, 2015"],
        ),
        ("2015-04-01", "2015-06-30", ["2015年4月", "2015年5月", "2015年6月"], ["Apr 2015", "May 2015", "Jun 2015"]),
        (
            "2015-01-01",
            "2015-12-31",
            ["2015年1月", "2015年4月", "2015年7月", "2015年10月"],
            ["Jan 2015", "Apr 2015", "Jul 2015", "Oct 2015"],
        ),
        ("2014-10-01", "2016-06-30", ["2015年1月", "2015年7月", "2016年1月"], ["Jan 2015", "Jul 2015", "Jan 2016"]),
        ("2013-01-01", "2016-12-31", ["2013", "2014", "2015", "2016"], ["2013", "2014", "2015", "2016"]),
    ],
)
def test_the_timeline_chart_has_ticks_for_a_period_shorter_than_a_year(
    client: Any, start: str, end: str, ja: list[str], en: list[str]
) -> None:
    """A chart of one day (or of any span without a 1 January inside it) drew no tick at all: its
    axis was unlabelled. Days for a span of days, months for one of months, years for years, each
    in the page's language; every tick inside the picture, labels that do not overlap."""
    for lang, expected in (("ja", ja), ("en", en)):
        page = client.get("/timeline", params={"start": start, "end": end, "lang": lang}).text
        ticks = _ticks(page)
        assert [label for _, _, label in ticks] == expected, lang
        xs = [x for x, _, _ in ticks]
        assert xs == sorted(xs) and all(120 <= x <= 790 for x in xs)
        widths = [sum(11 if ord(c) > 0x2E80 else 6.5 for c in label) for _, _, label in ticks]
        assert all(b - a > (wa + wb) / 2 for a, b, wa, wb in zip(xs, xs[1:], widths, widths[1:], strict=False))
        for x, anchor, label in ticks:  # no label runs off the picture's right edge
            width = sum(11 if ord(c) > 0x2E80 else 6.5 for c in label)
            assert (x + width / 2 if anchor == "middle" else x) <= 800, label


# -- 6. English grammar -----------------------------------------------------------------------------


def test_article5_reasons_name_the_united_states_as_in_a_sentence(client: Any) -> None:
    api = client.get("/api/ask/treaty.article5_applies", params={"place": "guam", "on": "2024-01-01"}).json()
    assert api["answer"] is False
    english = " ".join(r["en"] for r in api["reasons"])
    assert "under the administration of the United States." in english
    assert "of United States of America" not in english
    assert "アメリカ合衆国の施政下" in " ".join(r["ja"] for r in api["reasons"])
