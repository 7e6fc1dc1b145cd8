"""SDF Act Art. 95-2: may the SDF protect the weapons and other equipment of a foreign force?"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from anpo.framework.framework import Framework
from anpo.framework.model import END, Text
from anpo.i18n import in_sentence
from anpo.rules.core import Answer, Param, Reason, question
from anpo.rules.provisions import Finding, clause_reason, decide, label, memoisable, rule, scope

PROTECTED = ("usa", "aus")
ACTIVITIES = (
    "joint_training",
    "multinational_training",
    "information_gathering",
    "ballistic_missile_warning",
    "disaster_relief",
)
# Activities contributing to the defence of Japan, per the NSC guidelines on Art. 95-2.
DEFENCE_ACTIVITIES = frozenset(ACTIVITIES) - {"disaster_relief"}
# `{office}`: the Minister of Defense, by his title on the date asked (`conditions`).
CONDITIONS = (
    Text("当該部隊から要請があること", "a request from the force concerned"),
    Text("{office}が必要と認めること", "the {office} deems it necessary"),
    Text(
        "現に戦闘行為が行われている現場で行われる活動ではないこと",
        "the activity is not at a site where combat is actually taking place",
    ),
    Text(
        "武器の使用は合理的に必要と判断される限度に限ること",
        "weapons are used only to the extent judged reasonably necessary",
    ),
)
D2016 = dt.date(2016, 3, 29)


def conditions(fw: Framework, on: dt.date) -> tuple[Text, ...]:
    """The conditions of Art. 95-2, the office named by its title on `on` (the pack's dated names)."""
    ent = fw["jpn_minister_of_defense"]
    title = ent.short_on(on) or ent.label_on(on)
    return tuple(Text(c.ja.format(office=title.ja), c.en.format(office=title.en)) for c in CONDITIONS)


scope("asset_protection", protected_party=PROTECTED, activity=ACTIVITIES)


@rule("asset_protection", "sdf_act_art95_2", D2016, END)
def protect_assets(fw: Framework, on: dt.date, params: Mapping[str, str]) -> Finding:
    """Art. 95-2(1): forces of the U.S. and other countries engaged, with the SDF, in activities for Japan's defence."""
    clause = "sdf_act_art95_2"
    party = in_sentence(params["protected_party"], label(fw, params["protected_party"], on))
    act = label(fw, params["activity"], on)
    in_act = in_sentence(params["activity"], act, common=True)  # "engaged in joint training"
    if params["activity"] not in DEFENCE_ACTIVITIES:
        reasons = [
            clause_reason(
                fw,
                clause,
                f"「{act.ja}」は自衛隊法第95条の2にいう「わが国の防衛に資する活動」に当たらず、{party.ja}の部隊の武器等は同条による防護の対象になりません。",
                f"{act.en} is not an activity contributing to the defense of Japan under SDF Act Art. 95-2, so the equipment of the forces of {party.en} engaged in it cannot be protected under that article.",
                on,
            )
        ]
        # The NSC guidelines on the article are cited from the day they were decided (December 2016).
        guidelines = fw.citations_on(fw["multinational_training"].citations, on)
        if guidelines:
            reasons.append(
                Reason(
                    Text(
                        "同条の運用指針は、防衛に資する活動として情報収集・警戒監視活動、重要影響事態における輸送・補給、共同訓練を挙げます。",
                        "The NSC guidelines on the article list information gathering and surveillance, transport and supply in important influence situations, and joint training as such activities.",
                    ),
                    guidelines,
                )
            )
        return Finding(False, tuple(reasons))
    listed = conditions(fw, on)
    joined = Text("、".join(c.ja for c in listed), "; ".join(c.en for c in listed))
    return Finding(
        True,
        (
            clause_reason(
                fw,
                clause,
                f"{party.ja}の部隊が自衛隊と連携して「{act.ja}」（わが国の防衛に資する活動）に現に従事している場合、自衛官はその武器等を防護できます。条件：{joined.ja}。",
                f"When the forces of {party.en} are actually engaged, in cooperation with the SDF, in {in_act.en} (an activity contributing to Japan's defense), SDF personnel may protect their weapons and other equipment. Conditions: {joined.en}.",
                on,
            ),
        ),
    )


@question(
    "sdf.may_protect_assets",
    Text(
        "自衛隊はその活動に従事する外国軍隊の武器等を防護できるか（自衛隊法第95条の2）",
        "May the SDF protect the equipment of a foreign force engaged in that activity (SDF Act Art. 95-2)",
    ),
    params=(
        Param("protected_party", Text("防護される部隊の国", "whose forces are protected"), choices=PROTECTED),
        Param("activity", Text("その部隊の活動", "the activity of those forces"), choices=ACTIVITIES),
    ),
    provisions=("sdf_act_art95_2",),
)
def may_protect_assets(fw: Framework, on: dt.date, params: dict[str, str]) -> Answer:
    found = decide(fw, "asset_protection", on, params)
    if found is None:
        art = fw["sdf_act_art95_2"]
        return Answer(
            False,
            (
                Reason(
                    Text(
                        f"自衛隊法第95条の2は{art.period.start}に施行されました。それまで自衛隊法は自衛隊自身の武器等の防護（第95条）のみを定めていました。",
                        f"SDF Act Art. 95-2 took effect on {art.period.start}; until then the SDF Act provided only for protecting the SDF's own weapons and equipment (Art. 95).",
                    ),
                    art.citations,
                ),
            ),
        )
    r, f = found
    details = {"conditions": [c.as_json() for c in conditions(fw, on)]} if f.value else {}
    return Answer(f.value, f.reasons, in_force=("law_peace_security_2015", r.clause), details=details)


memoisable("sdf.may_protect_assets")
