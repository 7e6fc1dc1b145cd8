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
    assert "no defence operation may be ordered" in reason["en"] and reason["citations"]


@pytest.mark.parametrize("situation", ["armed_attack", "survival_threatening_situation"])
def test_an_attack_needs_approval_of_the_plan_and_of_a_defence_operation(fw: Framework, situation: str) -> None:
    answer = _requirements(fw, situation)
    assert answer["details"]["diet_approval"] == "prior_or_ex_post"
    [reason] = answer["reasons"]
    assert "対処基本方針について国会の承認を求めます" in reason["ja"] and "防衛出動" in reason["ja"]
    assert "approval of the plan" in reason["en"] and "defence operation" in reason["en"] and reason["citations"]
