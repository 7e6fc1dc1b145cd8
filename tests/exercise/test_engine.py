"""Tabletop runs: every shipped scenario end to end, refusals with reasons and citations, and the
same seed giving byte-identical reports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from anpo.exercise.engine import run_scripted
from anpo.exercise.report import render_html, render_json, render_pdf
from anpo.exercise.scenario import ScenarioError, load_scenario, parse_scenario, shipped

SCENARIOS = {p.stem: p for p in shipped()}


def test_three_scenarios_ship() -> None:
    assert set(SCENARIOS) == {"ballistic_missile_launch", "senkaku_gray_zone", "nankai_trough_earthquake"}


@pytest.fixture(scope="module")
def runs(fw: Any) -> dict[str, dict[str, Any]]:
    return {name: run_scripted(load_scenario(path), 11, fw) for name, path in SCENARIOS.items()}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario_runs_end_to_end_as_its_author_expects(runs: dict[str, Any], name: str) -> None:
    result = runs[name]
    assert result["expectations"]["checked"] >= 3
    assert result["expectations"]["unmet"] == []
    assert result["refusals"], "each shipped scenario rehearses at least one refusal"
    for refusal in result["refusals"]:
        assert refusal["reasons"], refusal
        assert refusal["citations"], refusal
    html = render_html(result)
    for refusal in result["refusals"]:
        assert refusal["text"]["en"].split(":")[0] in html
    assert html.count('id="refusal-') == len(result["refusals"])
    case = result["cases"][0]
    assert case["entries"][0]["type"] == "opened"
    assert any(e["type"] == "refusal" for e in case["entries"])
    assert {q["question"] for q in case["questions"]} >= {"coordination.mechanism", "situation.requirements"}


def test_law_of_the_scenario_date(runs: dict[str, Any]) -> None:
    bm = runs["ballistic_missile_launch"]
    refused = {e["action"] for e in bm["refusals"]}
    assert refused == {"supply", "determine"}  # weapons never; anticipated armed attack needs a Cabinet decision
    gz = runs["senkaku_gray_zone"]["cases"][0]
    assert [d["situation"]["id"] for d in gz["determinations"]] == [
        "gray_zone",
        "important_influence_situation",
        "armed_attack",
    ]
    assert gz["determinations"][0]["ended_at"] is not None and gz["determinations"][-1]["ended_at"] is None
    quake = runs["nankai_trough_earthquake"]
    booking_refusal = next(e for e in quake["refusals"] if e["action"] == "book")
    assert "already booked" in booking_refusal["reasons"][0]["en"]
    assert runs["ballistic_missile_launch"]["protection"]["by_occasion"] == {"isr_incl_bm_warning": {"ship_by_ship": 1}}


def test_same_seed_identical_reports_different_seed_differs(fw: Any, runs: dict[str, Any]) -> None:
    scenario = load_scenario(SCENARIOS["senkaku_gray_zone"])
    again = run_scripted(scenario, 11, fw)
    first = runs["senkaku_gray_zone"]
    assert render_json(again) == render_json(first)
    assert render_html(again) == render_html(first)
    assert render_pdf(again) == render_pdf(first)
    other = run_scripted(scenario, 12, fw)
    assert [e["at"] for e in other["timeline"]] != [e["at"] for e in first["timeline"]]


def test_cli_run_writes_reports(cli: Any, tmp_path: Path) -> None:
    outs = []
    for n in (1, 2):
        result = cli.run(
            "exercise",
            "run",
            str(SCENARIOS["nankai_trough_earthquake"]),
            "--scripted",
            "--seed",
            "5",
            "--out",
            str(tmp_path / str(n)),
        )
        assert result.exit_code == 0, result.output
        outs.append({p.name: p.read_bytes() for p in (tmp_path / str(n)).iterdir()})
    assert outs[0] == outs[1]
    names = sorted(outs[0])
    assert names == [f"aar_nankai_trough_earthquake_seed5.{x}" for x in ("html", "json", "pdf")]
    assert outs[0][names[2]].startswith(b"%PDF")
    listed = cli.json("exercise", "list")
    assert {s["id"] for s in listed["scenarios"]} == set(SCENARIOS)
    assert any(e["id"] == "exercise_dawn_blitz_13" and e["citations"] for e in listed["exercises"])


def test_bad_scenarios_are_reported_with_every_problem(cli: Any, tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as err:
        parse_scenario(
            {
                "id": "x",
                "title": {"ja": "x"},
                "date": "soon",
                "start": "2024-01-01T00:00",
                "cases": {},
                "injects": [
                    {
                        "id": "a",
                        "at": 5,
                        "text": {"ja": "a", "en": "a"},
                        "actions": [{"do": "fire"}, {"do": "message", "case": "nope"}],
                    },
                    {"id": "b", "at": 1, "text": {"ja": "b", "en": "b"}},
                ],
            },
            "t.yaml",
        )
    text = "\n".join(err.value.problems)
    for needle in (
        "title",
        "date",
        "'do' must be one of",
        "unknown case 'nope'",
        "needs 'party'",
        "not before the previous",
    ):
        assert needle in text
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: [unclosed", encoding="utf-8")
    result = cli.run("exercise", "run", str(bad), "--scripted")
    assert result.exit_code == 2 and "bad.yaml" in result.output
    assert cli.run("exercise", "run", str(SCENARIOS["senkaku_gray_zone"])).exit_code == 2  # needs --scripted
    # a byte that is not UTF-8 was a traceback: the file and the line of the first one
    bad.write_bytes("id: x\ntitle: {ja: 演習, en: drill}\n".encode() + b"summary: \xff\n")
    result = cli.run("exercise", "run", str(bad), "--scripted")
    assert result.exit_code == 2 and f"{bad}:3: a byte that is not UTF-8 (0xff)" in result.output, result.output


def test_a_supply_names_its_category_and_context_in_lower_case_in_english(runs: dict[str, Any]) -> None:
    """Inside the sentence the category and context read as common nouns; the parties keep their
    capitals, and the Japanese is the labels as they are."""
    refusal = next(e for e in runs["ballistic_missile_launch"]["refusals"] if e["action"] == "supply")
    assert refusal["text"]["en"] == (
        "Refused: provision of weapons by Japan to the United States (information gathering, warning and surveillance)"
    )
    assert refusal["text"]["ja"] == "不可：日本国からアメリカ合衆国への「武器」の提供（情報収集・警戒監視活動）"
