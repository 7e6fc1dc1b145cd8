"""The tabletop timeline in words, not ids: every shipped scenario, played scripted, writes each
event's Japanese text without a snake_case id, a question's id or an ASCII word that is a framework
id or a vocabulary value (`ship`, `high_seas`, `yes`), and its English text without snake_case ids.
What the engine records in the case for each question it asks (its action's words) is checked
the same way."""

from __future__ import annotations

import re
from typing import Any

import pytest

from anpo.exercise.engine import run_scripted
from anpo.exercise.scenario import load_scenario, shipped
from anpo.framework.framework import Framework
from anpo.rules.core import all_questions
from anpo.work.protection import ASSETS

SCENARIOS = {p.stem: p for p in shipped()}
SEEDS = (11, 12)  # the scenarios' choices go either way over these
# ASCII word boundaries: next to a Japanese character (a word character in Unicode) too
SNAKE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b", re.ASCII)
QUESTION_ID = re.compile(r"\b[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\b", re.ASCII)
ASCII_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.]*")


def vocabulary(fw: Framework) -> set[str]:
    """The ids a text must not show raw: the framework's entity ids, every question's name and
    parameter values, the asset kinds, and the answers' booleans."""
    words = {e.id for e in fw.entities()}
    for q in all_questions():
        words.add(q.name)
        for p in q.params:
            words |= set(p.allowed(fw))
    return words | set(ASSETS) | {"yes", "no", "true", "false", "none"}


def raw_in_japanese(text: str, vocab: set[str]) -> list[str]:
    """The ASCII words of a Japanese text that are ids: snake_case, dotted question ids, or a
    vocabulary value. Abbreviations (ACSA, SDF, ACM) and names given in the scenario are words
    that are no id, and pass."""
    found = SNAKE.findall(text) + QUESTION_ID.findall(text)
    for word in ASCII_WORD.findall(text):
        if word.rstrip(".") in vocab:
            found.append(word)
    return found


def raw_in_english(text: str) -> list[str]:
    return SNAKE.findall(text) + QUESTION_ID.findall(text)


@pytest.fixture(scope="module")
def runs(fw: Framework) -> dict[tuple[str, int], dict[str, Any]]:
    return {
        (name, seed): run_scripted(load_scenario(path), seed, fw) for name, path in SCENARIOS.items() for seed in SEEDS
    }


@pytest.fixture(scope="module")
def vocab(fw: Framework) -> set[str]:
    return vocabulary(fw)


def test_the_check_catches_what_qa_found(vocab: set[str]) -> None:
    for bad in (
        "可：武器等防護（弾道ミサイルの警戒、shipをshipで）",
        "後方支援（high_seas、戦闘: none）",
        "coordination.mechanism → alliance_coordination_mechanism",
        "日米安保条約第5条がその場所に適用されるか → yes",
        "→ no",
        "案件some_new_idを開始",
        "問い：rear_support.may_provideへの回答",
    ):
        assert raw_in_japanese(bad, vocab), bad
    for fine in (
        "発射情報をACMを通じて共有する。",
        "ACSA（2016年）に基づく提供",
        "自衛隊（SDF）の部隊 U.S. Navy destroyer (exercise)、48時間",
    ):
        assert raw_in_japanese(fine, vocab) == [], fine
    assert raw_in_english("logistics support (high_seas, combat: none)") == ["high_seas"]
    assert raw_in_english("coordination.mechanism → yes") == ["coordination.mechanism"]


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_event_text_shows_labels_not_ids(runs: dict[Any, Any], vocab: set[str], name: str) -> None:
    for seed in SEEDS:
        result = runs[(name, seed)]
        texts = [e["text"] for e in result["timeline"]]
        # what the engine logs in the case for a question asked or a refusal (the answer's first
        # reason follows it, written by the rules)
        texts += [e["data"]["action"] for c in result["cases"] for e in c["entries"] if "action" in e["data"]]
        assert texts
        for text in texts:
            assert raw_in_japanese(text["ja"], vocab) == [], text["ja"]
            assert raw_in_english(text["en"]) == [], text["en"]


def _texts(result: dict[str, Any], action: str) -> list[dict[str, str]]:
    return [e["text"] for e in result["timeline"] if e["action"] == action]


def test_asset_protection_names_the_assets(runs: dict[Any, Any]) -> None:
    (bm,) = _texts(runs[("ballistic_missile_launch", 11)], "protect")
    assert (
        bm["ja"] == "可：武器等防護（弾道ミサイルの警戒、アメリカ合衆国の艦艇を自衛隊の艦艇で）：防衛大臣が承認し実施"
    )
    assert bm["en"] == (
        "Allowed: asset protection (Ballistic missile warning: ships of the United States protected by SDF ships)"
        ": approved by the Minister of Defense and carried out"
    )
    (quake,) = _texts(runs[("nankai_trough_earthquake", 11)], "protect")
    assert quake["ja"] == "不可：武器等防護（災害救援活動、アメリカ合衆国の航空機を自衛隊の航空機で）"
    assert "aircraft of the United States protected by SDF aircraft" in quake["en"]


def test_questions_by_their_summaries_and_answers_by_their_labels(runs: dict[Any, Any]) -> None:
    (mechanism,) = _texts(runs[("ballistic_missile_launch", 11)], "ask")
    assert mechanism["ja"].startswith("問い：その事態で用いる日米の調整メカニズム")
    assert mechanism["ja"].endswith("→ 同盟調整メカニズム")
    assert mechanism["en"].endswith("→ Alliance Coordination Mechanism")
    (article5,) = _texts(runs[("senkaku_gray_zone", 11)], "ask")
    assert article5 == {
        "ja": "問い：日米安保条約第5条がその場所に適用されるか［尖閣諸島］ → はい",
        "en": "Question: Does Article 5 of the Treaty apply to the place [Senkaku Islands] → yes",
    }


def test_logistics_support_names_the_area_and_the_combat(runs: dict[Any, Any]) -> None:
    allowed, refused = _texts(runs[("senkaku_gray_zone", 11)], "rear_support")
    assert allowed["ja"] == (
        "可：後方支援（公海（排他的経済水域を含む）及びその上空、"
        "現に戦闘行為が行われておらず、活動期間を通じて行われることがないと認められる場合）"
    )
    assert refused["en"] == (
        "Refused: logistics support in the high seas (including EEZs) and the airspace above,"
        " where combat is actually taking place"
    )


def test_the_reports_name_the_parties_not_their_ids(fw: Framework) -> None:
    from anpo.exercise.report import render_html

    result = run_scripted(load_scenario(SCENARIOS["ballistic_missile_launch"]), 1, fw)
    html = render_html(result)
    assert "[jpn]" not in html and "<td>usa</td>" not in html and "<td>jpn</td>" not in html
    assert "日本 / Japan" in html and "米国 / United States" in html
