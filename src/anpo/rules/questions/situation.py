"""What each situation requires under the law in force: the law, who decides, Cabinet, Diet.

One rule per clause and period (scope `situation.requirements`). A date on which no rule decides
is answered from the pack: the situation did not exist in law then, and the answer names what
governed such cases instead (for example the 1999 Act before the important influence situation).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from anpo.framework.framework import Framework
from anpo.framework.model import BEGINNING, END, Citation, Text
from anpo.i18n import in_sentence
from anpo.rules.core import Answer, Param, Reason, question
from anpo.rules.provisions import Finding, clause_reason, decide, label, memoisable, rule, scope

SITUATIONS = (
    "peacetime",
    "gray_zone",
    "surrounding_area_situation",
    "important_influence_situation",
    "anticipated_armed_attack",
    "armed_attack",
    "survival_threatening_situation",
    "international_peace_situation",
    "large_scale_disaster",
)
# `ex_post`: approval sought right after the Cabinet decision, the measures ending if it is refused
# (the basic response plan, Armed Attack Situations Response Act Art. 9). `report` is no rule's
# answer now (it was the anticipated armed attack situation's, wrongly); kept so that determinations
# recorded with it still read.
DIET = ("none", "report", "ex_post", "prior_or_ex_post", "prior_without_exception")

scope("situation.requirements", situation=SITUATIONS)


@dataclass(frozen=True)
class Requirement:
    """The legal requirements of a situation under one clause.

    `office` is a position named in `decided_by` and `text` as `{office}`: its title as it was on the
    date asked (the Director General of the Defense Agency until 8 January 2007, then the Minister of
    Defense), from the position's dated names in the pack, whose sources the reason then cites.
    """

    clause: str
    start: dt.date
    end: dt.date
    law: str | None
    decided_by: Text
    cabinet_decision: bool
    diet: str
    text: Text
    office: str | None = None

    def on(self, fw: Framework, on: dt.date) -> tuple[Text, Text, tuple[Citation, ...]]:
        """`decided_by` and `text` as of `on`, and the sources of the office's title then."""
        if self.office is None:
            return self.decided_by, self.text, ()
        ent = fw[self.office]
        title = ent.short_on(on) or ent.label_on(on)
        parts = (self.decided_by, self.text)
        decided_by, text = (Text(t.ja.format(office=title.ja), t.en.format(office=title.en)) for t in parts)
        return decided_by, text, fw.citations_on(fw.name_citations(self.office, on), on)


PM_CABINET = Text(
    "内閣総理大臣（基本計画の閣議決定）", "the Prime Minister, with the basic plan decided by the Cabinet"
)
REQUIREMENTS: dict[str, tuple[Requirement, ...]] = {
    "peacetime": (
        Requirement(
            "peacetime",
            dt.date(1, 1, 1),
            END,
            None,
            Text("各機関（平素の権限による）", "each authority, under its ordinary powers"),
            False,
            "none",
            Text(
                "平時は法律上の事態ではなく、事態の認定、閣議決定、国会承認を要しません。日米は平素から協力します。",
                "Peacetime is not a situation under law: no recognition, Cabinet decision or Diet approval is needed; the allies cooperate from peacetime.",
            ),
        ),
    ),
    "gray_zone": (
        Requirement(
            "gray_zone",
            dt.date(1, 1, 1),
            END,
            None,
            Text("各機関（既存の権限による）", "each authority, under its existing powers"),
            False,
            "none",
            Text(
                "グレーゾーン事態は法律で定義された事態ではなく、それ自体として閣議決定や国会承認の手続はありません。既存の権限で対処します。",
                "A gray-zone situation is not defined in law and has no procedure of its own for Cabinet decision or Diet approval; it is handled under existing powers.",
            ),
        ),
    ),
    "surrounding_area_situation": (
        Requirement(
            "surrounding_act_procedures",
            dt.date(1999, 8, 25),
            dt.date(2016, 3, 29),
            "law_surrounding_situations_1999",
            PM_CABINET,
            True,
            "prior_or_ex_post",
            Text(
                "内閣総理大臣は対応措置と基本計画の案について閣議決定を求め、対応措置の実施には国会の事前承認（緊急時は事後承認）を得ます。",
                "The Prime Minister seeks a Cabinet decision on the response measures and basic plan; carrying them out needs the Diet's prior approval (ex post in an emergency).",
            ),
        ),
    ),
    "important_influence_situation": (
        Requirement(
            "important_influence_act_procedures",
            dt.date(2016, 3, 29),
            END,
            "law_surrounding_situations_1999",
            PM_CABINET,
            True,
            "prior_or_ex_post",
            Text(
                "内閣総理大臣は対応措置と基本計画の案について閣議決定を求め、自衛隊の後方支援活動等の実施には国会の事前承認（緊急時は事後承認）を得ます。",
                "The Prime Minister seeks a Cabinet decision on the response measures and basic plan; the SDF's logistics support and related activities need the Diet's prior approval (ex post in an emergency).",
            ),
        ),
    ),
    "anticipated_armed_attack": (
        Requirement(
            "armed_attack_act_art9",
            dt.date(2003, 6, 13),
            END,
            "law_armed_attack_situations_2003",
            Text("内閣（対処基本方針の閣議決定）", "the Cabinet, by deciding the basic response plan"),
            True,
            "ex_post",
            Text(
                "政府は事態の認定と対処基本方針を閣議決定し、直ちに対処基本方針について国会の承認を求めます（承認されなければ対処措置を終了します）。この事態では防衛出動は命じられません。",
                "The Government decides the recognition of the situation and the basic response plan by Cabinet decision and immediately seeks the Diet's approval of the plan (if it is not approved, the response measures end); no defense operation may be ordered in this situation.",
            ),
        ),
    ),
    "armed_attack": (
        Requirement(
            "sdf_act_art76",
            dt.date(1954, 7, 1),
            dt.date(2003, 6, 13),
            "sdf_act",
            Text("内閣総理大臣（防衛出動命令）", "the Prime Minister, by ordering a defense operation"),
            False,
            "prior_or_ex_post",
            Text(
                "内閣総理大臣は、外部からの武力攻撃に際し、国会の承認（緊急時は事後承認）を得て防衛出動を命じます（自衛隊法第76条）。",
                "In case of an armed attack from outside, the Prime Minister orders a defense operation with the Diet's approval, ex post in an emergency (SDF Act Art. 76).",
            ),
        ),
        Requirement(
            "armed_attack_act_art9",
            dt.date(2003, 6, 13),
            END,
            "law_armed_attack_situations_2003",
            Text(
                "内閣（対処基本方針の閣議決定）と内閣総理大臣（防衛出動命令）",
                "the Cabinet (basic response plan) and the Prime Minister (defense operation order)",
            ),
            True,
            "prior_or_ex_post",
            Text(
                "政府は事態の認定と対処基本方針を閣議決定し、直ちに対処基本方針について国会の承認を求めます。防衛出動には国会の事前承認（緊急時は事後承認）が必要です。",
                "The Government decides the recognition and the basic response plan by Cabinet decision and immediately seeks the Diet's approval of the plan; a defense operation needs the Diet's prior approval (ex post in an emergency).",
            ),
        ),
    ),
    "survival_threatening_situation": (
        Requirement(
            "armed_attack_act_art9",
            dt.date(2016, 3, 29),
            END,
            "law_armed_attack_situations_2003",
            Text(
                "内閣（対処基本方針の閣議決定）と内閣総理大臣（防衛出動命令）",
                "the Cabinet (basic response plan) and the Prime Minister (defense operation order)",
            ),
            True,
            "prior_or_ex_post",
            Text(
                "政府は存立危機事態の認定と対処基本方針を閣議決定し、直ちに対処基本方針について国会の承認を求めます。防衛出動（自衛隊法第76条第1項第2号）には国会の事前承認（緊急時は事後承認）が必要です。",
                "The Government decides the recognition of the survival-threatening situation and the basic response plan by Cabinet decision and immediately seeks the Diet's approval of the plan; a defense operation under SDF Act Art. 76(1)(ii) needs the Diet's prior approval (ex post in an emergency).",
            ),
        ),
    ),
    "international_peace_situation": (
        Requirement(
            "peace_support_act_procedures",
            dt.date(2016, 3, 29),
            END,
            "law_international_peace_support_2015",
            PM_CABINET,
            True,
            "prior_without_exception",
            Text(
                "内閣総理大臣は基本計画の案について閣議決定を求め、対応措置の実施前に国会の承認を得なければなりません（例外なき事前承認）。",
                "The Prime Minister seeks a Cabinet decision on the basic plan, and the Diet's approval must be obtained before the measures are carried out (prior approval, without exception).",
            ),
        ),
    ),
    "large_scale_disaster": (
        Requirement(
            "sdf_act_art83",
            dt.date(1954, 7, 1),
            END,
            "sdf_act",
            Text(
                "{office}又はその指定する者（都道府県知事等の要請による）",
                "the {office} or a designated officer, on request of a prefectural governor or others",
            ),
            False,
            "none",
            Text(
                "災害派遣は都道府県知事等の要請を受けて{office}等が命じます。閣議決定や国会承認は要しません。",
                "Disaster relief dispatch is ordered by the {office} (or a designated officer) on request of a prefectural governor or others; no Cabinet decision or Diet approval is needed.",
            ),
            office="jpn_minister_of_defense",
        ),
    ),
}


def _register(sit: str, req: Requirement) -> None:
    def requirements(fw: Framework, on: dt.date, params: Mapping[str, str]) -> Finding:
        _, text, office_cites = req.on(fw, on)
        reason = clause_reason(fw, req.clause, text.ja, text.en, on)
        extra = tuple(c for c in office_cites if c not in reason.citations)
        return Finding(req.law, (Reason(reason.text, reason.citations + extra),))

    requirements.__name__ = f"requirements_{sit}_{req.clause}"
    rule("situation.requirements", req.clause, req.start, req.end, when=lambda p: p["situation"] == sit)(requirements)


for _sit, _reqs in REQUIREMENTS.items():
    for _req in _reqs:
        _register(_sit, _req)

# What governed such cases while a situation did not exist in law: (law, from, until, ja, en).
PREDECESSORS: dict[str, tuple[tuple[str, dt.date, dt.date, str, str], ...]] = {
    "important_influence_situation": (
        (
            "law_surrounding_situations_1999",
            dt.date(1999, 8, 25),
            dt.date(2016, 3, 29),
            "当時、こうした支援は周辺事態（わが国周辺の地域）に限って周辺事態安全確保法が定めていました。",
            "At the time such support was governed by the Act on Situations in Areas Surrounding Japan, limited to situations in areas surrounding Japan.",
        ),
    ),
    "surrounding_area_situation": (
        (
            "law_surrounding_situations_1999",
            dt.date(2016, 3, 29),
            END,
            "2016年3月29日以降、周辺事態は重要影響事態に改められ、同法は重要影響事態安全確保法となりました。",
            "From 29 March 2016 the surrounding-area situation was replaced by the important influence situation, and the Act became the Act on Important Influence Situations.",
        ),
    ),
    "survival_threatening_situation": (
        (
            "law_armed_attack_situations_2003",
            dt.date(2003, 6, 13),
            dt.date(2016, 3, 29),
            "当時、事態対処法はわが国に対する武力攻撃（武力攻撃事態・予測事態）のみを対象としていました。",
            "At the time the Armed Attack Situations Response Act covered only armed attacks against Japan (armed attack and anticipated armed attack situations).",
        ),
    ),
}


def _decided(fw: Framework, on: dt.date, sit: str, req_rule: str, finding: Finding) -> Answer:
    req = next(r for r in REQUIREMENTS[sit] if r.clause == req_rule and r.start <= on < r.end)
    decided_by, _, _ = req.on(fw, on)
    details = {
        "exists": True,
        "law": req.law,
        "decided_by": decided_by.as_json(),
        "cabinet_decision": req.cabinet_decision,
        "diet_approval": req.diet,
    }
    in_force = tuple(x for x in (req.law, req.clause) if x is not None and x != sit)
    labels = {req.law: label(fw, req.law, on)} if req.law else {}
    return Answer(finding.value, finding.reasons, in_force=in_force, details=details, labels=labels)


@question(
    "situation.requirements",
    Text(
        "その事態の根拠法、決定者、閣議決定、国会承認（基準日時点）",
        "The law, who decides, Cabinet decision and Diet approval for the situation, as of the date",
    ),
    params=(Param("situation", Text("事態", "situation"), choices=SITUATIONS),),
    provisions=tuple(dict.fromkeys(r.clause for reqs in REQUIREMENTS.values() for r in reqs)),
)
def requirements(fw: Framework, on: dt.date, params: dict[str, str]) -> Answer:
    sit = params["situation"]
    found = decide(fw, "situation.requirements", on, params)
    if found is not None:
        return _decided(fw, on, sit, found[0].clause, found[1])
    name = label(fw, sit, on)
    ent = fw[sit]
    # A situation the pack does not date (the armed attack situation) began with its first rule (the
    # SDF Act, 1 July 1954): the reasons say so, as they cite the later law that provided for it.
    start = ent.period.start
    if start == BEGINNING:
        start = min((r.start for r in REQUIREMENTS[sit]), default=start)
    when = (
        Text(f"（{start}に法律上の事態となった）", f" (it became a situation in law on {start})")
        if on < start
        else Text(f"（{ent.period.end}に廃止）", f" (abolished on {ent.period.end})")
        if on >= ent.period.end
        else Text("", "")
    )
    reasons = [
        Reason(
            Text(
                f"この日付では「{name.ja}」は法律上存在しませんでした{when.ja}。",
                f"On this date the {in_sentence(sit, name, common=True).en} did not exist in law{when.en}.",
            ),
            ent.citations,
        )
    ]
    governed: str | None = None
    for law, begin, until, ja, en in PREDECESSORS.get(sit, ()):
        if begin <= on < until:
            governed = law
            reasons.append(Reason(Text(ja, en), fw[law].citations))
    if governed is None and on < start:
        reasons.append(
            Reason(
                Text(
                    f"当時、こうした事態について定める法律はありませんでした（初めて定めた法律の施行は{start}）。",
                    f"At the time no law provided for such a situation (the first to do so took effect on {start}).",
                ),
                ent.citations,
            )
        )
    labels = {governed: label(fw, governed, on)} if governed else {}
    details = {"exists": False, "law": None, "governed_by": governed}
    return Answer(None, tuple(reasons), in_force=(governed,) if governed else (), details=details, labels=labels)


memoisable("situation.requirements")
