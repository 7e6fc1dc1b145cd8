"""What the white-paper seeds say about ACSA, asset protection and Article 5, asked at the boundary dates.

Each case quotes the seed (file and location) it pins; the dates are the day before and the day the
agreement or law took effect, or a date inside the edition's period where the seed gives only a month.
"""

from __future__ import annotations

import datetime as dt

import pytest

from anpo.framework.framework import Framework
from anpo.rules.core import ask
from anpo.rules.questions.acsa import ACSA_CONTEXTS, PROVIDERS

ACSA = "acsa.may_provide"
CASES = [
    # wp2024-deterrence, 5 後方支援: 同年4月以降情報収集活動などに従事する米軍に対し、食料や燃料を提供している
    (ACSA, {"provider": "jpn", "category": "fuel", "context": "information_gathering"}, "2017-04-24", False),
    (ACSA, {"provider": "jpn", "category": "fuel", "context": "information_gathering"}, "2017-04-25", True),
    (ACSA, {"provider": "jpn", "category": "food", "context": "information_gathering"}, "2017-04-25", True),
    # wp2024-deterrence, 5: the new ACSA applies the framework to support made possible by the 2015 laws
    (ACSA, {"provider": "jpn", "category": "fuel", "context": "important_influence_situation"}, "2016-03-29", False),
    (ACSA, {"provider": "jpn", "category": "fuel", "context": "important_influence_situation"}, "2017-04-25", True),
    # wp2014, footnote 12: 弾薬（武力攻撃事態および武力攻撃予測事態の場合のみ）
    (ACSA, {"provider": "jpn", "category": "ammunition", "context": "armed_attack"}, "2004-07-28", False),
    (ACSA, {"provider": "jpn", "category": "ammunition", "context": "armed_attack"}, "2004-07-29", True),
    (ACSA, {"provider": "usa", "category": "ammunition", "context": "anticipated_armed_attack"}, "2004-07-29", True),
    (ACSA, {"provider": "jpn", "category": "ammunition", "context": "joint_training"}, "2014-07-01", False),
    (ACSA, {"provider": "usa", "category": "ammunition", "context": "surrounding_area_situation"}, "2014-07-01", False),
    # wp2024-deterrence, footnote 2: ammunition is among the categories (the 2016 agreement)
    (ACSA, {"provider": "jpn", "category": "ammunition", "context": "joint_training"}, "2017-04-24", False),
    (ACSA, {"provider": "jpn", "category": "ammunition", "context": "joint_training"}, "2017-04-25", True),
    # wp2014, 4 and footnote 12: the ACSA applies in surrounding-area situations (rear area support)
    (ACSA, {"provider": "jpn", "category": "fuel", "context": "surrounding_area_situation"}, "2014-07-01", True),
    # wp2014, footnote 13: SDF supply in international disaster relief possible from the Nov 2012 amendment
    (ACSA, {"provider": "jpn", "category": "fuel", "context": "international_disaster_relief"}, "2012-10-31", False),
    (ACSA, {"provider": "jpn", "category": "fuel", "context": "international_disaster_relief"}, "2014-07-01", True),
    # wp2024-deterrence, 4: SDF Act Art. 95-2 (in force 29 March 2016); 2023 protection in ISR and training
    ("sdf.may_protect_assets", {"protected_party": "usa", "activity": "joint_training"}, "2016-03-28", False),
    ("sdf.may_protect_assets", {"protected_party": "usa", "activity": "joint_training"}, "2016-03-29", True),
    ("sdf.may_protect_assets", {"protected_party": "usa", "activity": "ballistic_missile_warning"}, "2023-07-01", True),
    # wp2014, 5 2 and wp2017, 2 (1)-(7): the Senkaku Islands are under Japan's administration, within Art. 5
    ("treaty.article5_applies", {"place": "senkaku_islands"}, "2014-04-24", True),
    ("treaty.article5_applies", {"place": "senkaku_islands"}, "2017-06-03", True),
    # wp2014, Fig. III-2-2-5: 1972 (沖縄復帰); 1960 treaty approved and in force
    ("treaty.article5_applies", {"place": "okinawa"}, "1972-05-14", False),
    ("treaty.article5_applies", {"place": "okinawa"}, "1972-05-15", True),
    ("treaty.article5_applies", {"place": "japan_main_islands"}, "1960-06-22", False),
    ("treaty.article5_applies", {"place": "japan_main_islands"}, "1960-06-23", True),
    # wp2024-deterrence, 1: the January 2023 "2+2" on attacks to, from or within space
    ("treaty.article5_applies", {"domain": "space"}, "2023-01-11", "case_by_case"),
    # wp2014 4, wp2024-overview 2: Guidelines of 1978, 1997 and 2015
    ("guidelines.in_force", {}, "1997-09-22", "guidelines_1978"),
    ("guidelines.in_force", {}, "1997-09-23", "guidelines_1997"),
    ("guidelines.in_force", {}, "2015-04-27", "guidelines_2015"),
    # wp2014 and wp2024 consultation tables, note 1: 1990年12月26日以前は、駐日米国大使・太平洋軍司令官
    (
        "consult.members",
        {"body": "scc", "side": "usa"},
        "1990-12-26",
        ["usa_ambassador_to_japan", "usa_commander_pacific_command"],
    ),
    (
        "consult.members",
        {"body": "scc", "side": "usa"},
        "1990-12-27",
        ["usa_secretary_of_state", "usa_secretary_of_defense"],
    ),
    # wp2014 table, note 4: 97年9月23日、防衛庁運用局長（当時）が加えられた
    (
        "consult.members",
        {"body": "sdc", "side": "jpn"},
        "1997-09-22",
        ["jpn_mofa_dg_north_american_affairs", "jpn_mod_dg_defense_policy", "jpn_joint_staff"],
    ),
    (
        "consult.members",
        {"body": "sdc", "side": "jpn"},
        "1997-09-23",
        [
            "jpn_mofa_dg_north_american_affairs",
            "jpn_mod_dg_defense_policy",
            "jpn_joint_staff",
            "jpn_mod_dg_operational_policy",
        ],
    ),
]


@pytest.mark.parametrize(("question", "params", "on", "expect"), CASES, ids=lambda v: str(v))
def test_what_the_seeds_say(fw: Framework, question: str, params: dict[str, str], on: str, expect: object) -> None:
    result = ask(fw, question, params, dt.date.fromisoformat(on))
    assert not result.get("undetermined")
    assert result["answer"] == expect
    assert all(reason["citations"] for reason in result["reasons"])


@pytest.mark.parametrize("on", ["1996-10-22", "2004-07-29", "2016-03-29", "2017-04-25", "2024-07-01"])
def test_weapons_are_never_provided(fw: Framework, on: str) -> None:
    """wp2014 footnote 12 and wp2024-deterrence footnote 2: 武器の提供は含まれない."""
    for provider in PROVIDERS:
        for context in ACSA_CONTEXTS:
            params = {"provider": provider, "category": "weapons", "context": context}
            assert ask(fw, ACSA, params, dt.date.fromisoformat(on))["answer"] is False, params
