"""The Diet's part in an armed attack situation and an anticipated one (Armed Attack Situations
Response Act Art. 9): the basic response plan is decided by the Cabinet and put to the Diet for its
approval at once, in both; a defence operation, in an armed attack situation only, needs the Diet's
approval besides (prior, ex post in an emergency). The anticipated situation's answer once said the
plan was only reported to the Diet."""

from __future__ import annotations

import datetime as dt

import pytest

from anpo.framework.framework import Framework
from anpo.rules.core import ask

ON = dt.date(2024, 6, 10)


def _requirements(fw: Framework, situation: str) -> dict:  # type: ignore[type-arg]
    return ask(fw, "situation.requirements", {"situation": situation}, ON)


def test_the_anticipated_situations_plan_is_put_to_the_diet_for_approval(fw: Framework) -> None:
    answer = _requirements(fw, "anticipated_armed_attack")
    assert answer["details"]["diet_approval"] == "ex_post" and answer["details"]["cabinet_decision"] is True
    [reason] = answer["reasons"]
    assert "対処基本方針について国会の承認を求めます" in reason["ja"] and "報告" not in reason["ja"]
    assert "seeks the Diet's approval of the plan" in reason["en"] and "report" not in reason["en"]
    assert "no defense operation may be ordered" in reason["en"] and reason["citations"]


@pytest.mark.parametrize("situation", ["armed_attack", "survival_threatening_situation"])
def test_an_attack_needs_approval_of_the_plan_and_of_a_defence_operation(fw: Framework, situation: str) -> None:
    answer = _requirements(fw, situation)
    assert answer["details"]["diet_approval"] == "prior_or_ex_post"
    [reason] = answer["reasons"]
    assert "対処基本方針について国会の承認を求めます" in reason["ja"] and "防衛出動" in reason["ja"]
    assert "approval of the plan" in reason["en"] and "defense operation" in reason["en"] and reason["citations"]


# -- the answer as the law stood on the date asked --------------------------------------------------


@pytest.mark.parametrize(
    ("on", "ja", "en", "source"),
    [
        (dt.date(1990, 1, 1), "防衛庁長官", "Director General of the Defense Agency", "src_law_1954_164"),
        (dt.date(2007, 1, 8), "防衛庁長官", "Director General of the Defense Agency", "src_law_1954_164"),
        (dt.date(2007, 1, 9), "防衛大臣", "Minister of Defense", "src_law_2006_118"),
        (dt.date(2024, 1, 1), "防衛大臣", "Minister of Defense", "src_law_2006_118"),
    ],
)
def test_disaster_relief_is_ordered_by_the_office_as_it_was_titled_on_the_date(
    fw: Framework, on: dt.date, ja: str, en: str, source: str
) -> None:
    """SDF Act Art. 83 named the Director General of the Defense Agency until the Agency became the
    Ministry of Defense on 9 January 2007 (Act No. 118 of 2006); the answer on 1990-01-01 said
    「防衛大臣等が命じます」. The title comes from the position's dated names, whose source is cited."""
    answer = ask(fw, "situation.requirements", {"situation": "large_scale_disaster"}, on)
    [reason] = answer["reasons"]
    decided_by = answer["details"]["decided_by"]
    assert f"{ja}等が命じます" in reason["ja"] and decided_by["ja"].startswith(f"{ja}又はその指定する者")
    assert f"ordered by the {en} (or a designated officer)" in reason["en"]
    assert decided_by["en"].startswith(f"the {en} or a designated officer")
    other = "防衛大臣" if ja == "防衛庁長官" else "防衛庁長官"
    assert other not in reason["ja"] + decided_by["ja"]
    sources = [c["source"] for c in reason["citations"]]
    assert sources[0] == "src_law_1954_165" and source in sources


@pytest.mark.parametrize("on", [dt.date(1960, 7, 1), dt.date(1990, 1, 1), dt.date(2003, 6, 12)])
def test_a_defence_operation_before_2003_cites_the_sdf_act_as_it_then_stood(fw: Framework, on: dt.date) -> None:
    """SDF Act Art. 76 as it stood in 1990 is the 1954 Act's; the answer cited the 2015 Legislation
    for Peace and Security too (`src_law_2015_76 第1条（自衛隊法第76条）`), which did not exist yet."""
    answer = ask(fw, "situation.requirements", {"situation": "armed_attack"}, on)
    assert answer["in_force"] == ["sdf_act", "sdf_act_art76"]
    [reason] = answer["reasons"]
    assert reason["citations"] == [{"source": "src_law_1954_165", "locator": "第76条"}]


def test_before_the_sdf_act_the_armed_attack_answer_dates_the_law_it_cites(fw: Framework) -> None:
    """Before 1 July 1954 no law provided for a defence operation: the reasons say when the first
    did, the later law they cite."""
    answer = ask(fw, "situation.requirements", {"situation": "armed_attack"}, dt.date(1953, 1, 1))
    assert answer["answer"] is None and answer["details"]["exists"] is False
    assert all("1954-07-01" in r["en"] and "1954-07-01" in r["ja"] for r in answer["reasons"])
