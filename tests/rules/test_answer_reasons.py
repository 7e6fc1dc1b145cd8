"""An answer states each reason once, however many facts carry it."""

from __future__ import annotations

import datetime as dt

import pytest

from anpo.framework.framework import Framework
from anpo.rules.core import ask


@pytest.mark.parametrize("on", [dt.date(1985, 6, 1), dt.date(1990, 12, 26)])
def test_a_note_shared_by_two_members_is_one_reason(fw: Framework, on: dt.date) -> None:
    """Both U.S. members of the SCC before 27 December 1990 carry the same note on the date of
    the change (note 1 of the white paper's table); it was given twice."""
    answer = ask(fw, "consult.members", {"body": "scc", "side": "usa"}, on)
    texts = [r["en"] for r in answer["reasons"]]
    assert len(texts) == len(set(texts)), texts
    assert sum("26 December 1990" in t for t in texts) == 1, texts
    assert answer["answer"] == ["usa_ambassador_to_japan", "usa_commander_pacific_command"]


def test_acsa_reasons_name_categories_and_contexts_in_lower_case_inside_english_sentences(fw: Framework) -> None:
    """A category or a context inside an English sentence is a common noun ("covers food in joint
    training"); an acronym keeps its capitals and the Japanese keeps the labels as they are."""
    on = dt.date(2024, 1, 1)
    usa = ask(fw, "acsa.may_provide", {"provider": "usa", "category": "food", "context": "joint_training"}, on)
    assert [r["en"] for r in usa["reasons"]] == [
        "ACSA (2016) scope and categories covers food in joint training.",
        "Under 10 U.S.C. §§2341–2350 U.S. forces may provide food under a cross-servicing agreement.",
    ]
    assert "「共同訓練」における「食料」の提供を対象とします" in usa["reasons"][0]["ja"]
    jpn = ask(fw, "acsa.may_provide", {"provider": "jpn", "category": "fuel", "context": "joint_training"}, on)
    assert (
        "the SDF may provide petroleum, oils and lubricants to U.S. forces in joint training."
        in jpn["reasons"][1]["en"]
    )
    un = ask(fw, "acsa.may_provide", {"provider": "jpn", "category": "fuel", "context": "un_peacekeeping"}, on)
    assert "covers petroleum, oils and lubricants in UN peacekeeping and international" in un["reasons"][0]["en"]
    refused = ask(
        fw,
        "acsa.may_provide",
        {"provider": "jpn", "category": "billeting", "context": "surrounding_area_situation"},
        dt.date(2005, 1, 1),
    )
    assert refused["reasons"][1]["en"].endswith(
        "surrounding Japan: billeting is not among the kinds of support it lists."
    )
    settled = ask(fw, "acsa.settlement_methods", {"category": "fuel"}, on)
    assert settled["reasons"][0]["en"] == (
        "Petroleum, oils and lubricants is a supply; it is settled by replacement in kind or reimbursement in currency."
    )
    assert settled["reasons"][0]["ja"].startswith(
        "「燃料・油脂・潤滑油」は物品であり、同種・同等・同量の物品による返還、通貨による償還により"
    )


@pytest.mark.parametrize(
    ("side", "en", "ja"),
    [
        ("jpn", "the members of the Security Consultative Committee for Japan were:", "の日本国側出席対象者は"),
        (
            "usa",
            "the members of the Security Consultative Committee for the United States were:",
            "のアメリカ合衆国側出席対象者は",
        ),
    ],
)
def test_consult_members_names_the_side_as_a_noun_in_english(fw: Framework, side: str, en: str, ja: str) -> None:
    """Not "the United States of America members": the side follows "for", as it reads in a sentence."""
    answer = ask(fw, "consult.members", {"body": "scc", "side": side}, dt.date(2010, 1, 1))
    assert en in answer["reasons"][0]["en"] and ja in answer["reasons"][0]["ja"], answer["reasons"][0]
    named = "Japan" if side == "jpn" else "the United States"
    none = ask(fw, "consult.members", {"body": "cdpwg", "side": side}, dt.date(2024, 1, 1))
    assert none["reasons"][0]["en"] == (
        f"The pack records no members of the Cyber Defense Policy Working Group for {named} on 2024-01-01."
    )
