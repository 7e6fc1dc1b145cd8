"""The framework's commands as a user runs them (in-process Typer runner)."""

from __future__ import annotations

import re
from typing import Any


def test_acceptance_scc_us_side_1985_and_2015(cli: Any) -> None:
    old = cli.json("ask", "consult.members", "body=scc", "side=usa", "--on", "1985-06-01")
    assert set(old["answer"]) == {"usa_ambassador_to_japan", "usa_commander_pacific_command"}
    labels = " ".join(old["labels"][i]["en"] for i in old["answer"])
    assert "Ambassador" in labels and "Commander in Chief, U.S. Pacific Command" in labels
    assert all(r["citations"] for r in old["reasons"][:1])
    new = cli.json("ask", "consult.members", "body=scc", "side=usa", "--on", "2015-06-01")
    assert set(new["answer"]) == {"usa_secretary_of_state", "usa_secretary_of_defense"}
    assert set(new) >= {"question", "on", "params", "answer", "reasons", "in_force"}


def test_acceptance_okinawa_article5_in_both_languages(cli: Any) -> None:
    before = cli.json("ask", "treaty.article5_applies", "place=okinawa", "--on", "1970-01-01")
    after = cli.json("ask", "treaty.article5_applies", "place=okinawa", "--on", "1973-01-01")
    assert before["answer"] is False and after["answer"] is True
    for result in (before, after):
        assert all(r["ja"] and r["en"] for r in result["reasons"])
    text_ja = cli.run("ask", "treaty.article5_applies", "place=okinawa", "--on", "昭和45年1月1日", "--lang", "ja")
    assert text_ja.exit_code == 0 and "施政" in text_ja.stdout and "false" in text_ja.stdout


def test_bad_questions_and_parameters_exit_2_naming_the_allowed_values(cli: Any) -> None:
    result = cli.run("ask", "treaty.article5_applies", "place=atlantis")
    assert result.exit_code == 2 and "okinawa" in result.stderr and "atlantis" in result.stderr
    result = cli.run("ask", "no.such_question")
    assert result.exit_code == 2 and "consult.members" in result.stderr
    result = cli.run("ask", "consult.members", "body=scc")
    assert result.exit_code == 2 and "side" in result.stderr and "jpn" in result.stderr
    result = cli.run("ask", "consult.members", "body=scc", "side=usa", "--on", "1985-02-30")
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.stderr
    result = cli.run("ask", "consult.members", "bodyscc")
    assert result.exit_code == 2 and "name=value" in result.stderr


def test_ask_list_names_every_question_with_allowed_values(cli: Any) -> None:
    listed = {q["question"]: q for q in cli.json("ask", "--list")}
    assert {"consult.members", "treaty.article5_applies", "guidelines.in_force"} <= set(listed)
    place = next(p for p in listed["treaty.article5_applies"]["params"] if p["name"] == "place")
    assert "okinawa" in place["allowed"] and "senkaku_islands" in place["allowed"]


def test_bodies_as_of_a_date_in_the_era_form(cli: Any) -> None:
    data = cli.json("bodies", "--on", "平成26年7月1日")
    assert data["on"] == "2014-07-01"
    assert [b["id"] for b in data["bodies"][:4]] == ["scc", "ssc", "sdc", "jc"]
    text = cli.run("bodies", "--on", "2014-07-01", "--lang", "ja")
    assert text.exit_code == 0 and "日米安全保障協議委員会" in text.stdout


def test_timeline_filters_by_dates(cli: Any) -> None:
    rows = cli.json("timeline", "--from", "1951-01-01", "--to", "1972-12-31")
    assert rows and all("1951-01-01" <= r["date"] <= "1972-12-31" for r in rows)
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
    everything = cli.json("timeline")
    years = {r["date"][:4] for r in everything}
    assert {"1951", "1960", "1972", "1978", "1997", "2015", "2024"} <= years
    assert all(r["citations"] for r in everything)


def test_show_an_entity_with_dated_facts_and_sources(cli: Any) -> None:
    data = cli.json("show", "okinawa")
    admins = [f for f in data["facts"] if f["attr"] == "administered_by"]
    assert {f["value"]["id"] for f in admins} == {"usa", "jpn"}
    assert all(f["citations"] for f in admins)
    missing = cli.run("show", "atlantis")
    assert missing.exit_code == 2 and "atlantis" in missing.stderr


def test_vocab_lists_kinds_with_both_labels(cli: Any) -> None:
    places = cli.json("vocab", "place")
    assert {"okinawa", "ogasawara_islands", "senkaku_islands"} <= {p["id"] for p in places}
    assert all(p["label"]["ja"] and p["label"]["en"] for p in places)
    bad = cli.run("vocab", "wombats")
    assert bad.exit_code == 2 and "situation" in bad.stderr


def test_vocab_acsa_context_lists_every_context_the_ask_question_accepts(cli: Any) -> None:
    listed = [c["id"] for c in cli.json("vocab", "acsa_context")]
    accepted = next(q for q in cli.json("ask", "--list") if q["question"] == "acsa.may_provide")
    choices = next(p["allowed"] for p in accepted["params"] if p["name"] == "context")
    assert listed == list(choices)
    assert {"joint_training", "armed_attack", "daily_activities"} <= set(listed)


def test_instruments_lists_versions_with_what_was_in_force(cli: Any) -> None:
    families = cli.json("instruments", "--on", "2016-01-01", "--kind", "guidelines")
    assert [[v["id"] for v in f["versions"]] for f in families] == [
        ["guidelines_1978", "guidelines_1997", "guidelines_2015"]
    ]
    assert [v["in_force"] for v in families[0]["versions"]] == [False, False, True]
    text = cli.run("instruments", "--on", "2016-01-01", "--kind", "guidelines", "--lang", "ja")
    assert text.exit_code == 0 and "* 2015-04-27" in text.stdout and "効力あり" in text.stdout


def test_a_parameter_given_twice_is_refused_not_the_last_kept(cli: Any) -> None:
    """`side=usa side=jpn` answered for jpn, the last, silently: refused with the name, exit 2."""
    result = cli.run("ask", "consult.members", "body=scc", "side=usa", "side=jpn", "--on", "2015-06-01")
    assert result.exit_code == 2 and "parameter 'side' is given more than once" in result.stderr, result.output
    ja = cli.run("ask", "consult.members", "body=scc", "side=usa", "side=usa", "--lang", "ja")
    assert ja.exit_code == 2 and "パラメータ「side」が2回以上指定されています" in ja.stderr, ja.output


def test_instruments_refuses_an_unknown_kind_naming_the_allowed_ones(cli: Any) -> None:
    """`--kind bogus` listed nothing with exit status 0, as if there were no such instruments."""
    result = cli.run("instruments", "--kind", "bogus")
    assert result.exit_code == 2 and "no instrument type 'bogus' (allowed: treaty, agreement," in result.stderr
    ja = cli.run("instruments", "--kind", "bogus", "--lang", "ja")
    assert ja.exit_code == 2 and "文書の種類「bogus」はありません" in ja.stderr and "guidelines" in ja.stderr
    assert cli.json("instruments", "--kind", "cabinet_decision") == []  # a known type with no instrument


def test_ask_list_prints_each_parameters_allowed_values_with_labels_in_the_language(cli: Any) -> None:
    """The text of `ask --list` showed only `provider= category= context=`: each parameter now has
    its values under it, ids with their labels in --lang, wrapped, and the vocabularies they come from."""
    from anpo.cli.ask_cmd import LIST_WIDTH, _width

    en = cli.run("ask", "--list")
    assert en.exit_code == 0, en.output
    lines = en.stdout.splitlines()
    assert "  provider (anpo vocab party): jpn (Japan), usa (United States of America)" in lines
    assert "  body (anpo vocab body, anpo vocab channel):" in lines
    assert "fuel (Petroleum, oils and lubricants)" in en.stdout and "ammunition (Ammunition)" in en.stdout
    assert "summit (Japan-U.S. Summit Meeting)" in en.stdout and "scc (Security Consultative Committee)" in en.stdout
    assert "  place (optional, anpo vocab place):" in lines
    assert "  delivered: date of delivery (YYYY-MM-DD)" in lines
    assert "ship_inspection.may_inspect" in en.stdout and "flag_state_consent (The flag state's consent)" in en.stdout
    # wrapped: a line is longer than the width only when it is one value alone
    values = [line for line in lines if line.startswith("    ")]
    assert all(_width(line) <= LIST_WIDTH or not re.search(r"\), [a-z0-9_]+ \(", line) for line in values)
    assert len(values) > 20
    ja = cli.run("ask", "--list", "--lang", "ja")
    assert ja.exit_code == 0 and "fuel (燃料・油脂・潤滑油)" in ja.stdout and "ammunition (弾薬)" in ja.stdout
    assert "  place (任意, anpo vocab place):" in ja.stdout.splitlines()
    assert "  delivered: 引渡しの日（YYYY-MM-DD）" in ja.stdout.splitlines()
    # every allowed value of every question is in the text
    for q in cli.json("ask", "--list"):
        section = en.stdout.split(q["question"], 1)[1].split("\n\n", 1)[0]
        for p in q["params"]:
            for value in p["allowed"]:
                assert f"{value} (" in section, (q["question"], p["name"], value)


def test_instruments_text_says_signed_or_issued_where_no_period_in_force_is_stated(cli: Any) -> None:
    """A signature with no stated entry into force printed as "? – " and a joint statement as a
    period in force from its date: the text says what the sources give."""
    en = cli.run("instruments", "--on", "2024-01-01")
    assert en.exit_code == 0, en.output
    lines = {line.rsplit("[", 1)[-1].rstrip("]"): line for line in en.stdout.splitlines() if line.endswith("]")}
    assert "? signed 1983-11-08 (entry into force not stated)" in lines["arms_technology_transfer_1983"]
    assert "? issued 2017-02-10 (a political document)" in lines["joint_statement_2017"]
    assert "* 1960-06-23 – " in lines["treaty_1960"]
    ja = cli.run("instruments", "--on", "2024-01-01", "--lang", "ja").stdout
    assert "1983-11-08署名（発効日の記載なし）" in ja and "2017-02-10発出（政治文書）" in ja
