"""The Japan-U.S. ACSA: which version is in force, what each side may provide, and how it is settled.

`acsa.may_provide` combines two decisions, each made by exactly one rule for the date: what the
ACSA version in force covers (scope `acsa.coverage`), and what the provider's own law authorises
(`jpn.supply`: the SDF Act articles and the situation laws; `usa.supply`: 10 U.S.C. 2341-2350).
Both must say yes. A case that no rule of the provider's law decides is answered as undetermined.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from anpo.dates import LATEST, DateError, DateOutOfRange, add_months
from anpo.framework.framework import Framework
from anpo.framework.model import END, Text
from anpo.i18n import in_sentence
from anpo.rules.core import Answer, Param, ParamError, Reason, question
from anpo.rules.provisions import (
    Finding,
    answer_parts,
    cited_on,
    clause_reason,
    decide,
    label,
    memoisable,
    rule,
    scope,
)

# The ACSA contexts. Six are situations and three are activities in the pack (an id has one kind).
ACSA_CONTEXTS = (
    "joint_training",
    "multinational_training",
    "un_peacekeeping",
    "humanitarian_relief",
    "international_disaster_relief",
    "domestic_disaster_relief",
    "transport_of_nationals",
    "daily_activities",
    "information_gathering",
    "surrounding_area_situation",
    "important_influence_situation",
    "anticipated_armed_attack",
    "armed_attack",
    "survival_threatening_situation",
    "international_peace_situation",
)
SETTLEMENT_DEADLINE = "acsa_procedures_settlement_deadline"
GOODS = ("food", "water", "fuel", "clothing", "spare_parts", "ammunition")
SERVICES = (
    "billeting",
    "transportation",
    "communications",
    "medical",
    "base_support",
    "storage",
    "use_of_facilities",
    "training_services",
    "repair_maintenance",
    "airport_seaport_services",
)
CATEGORIES = (*GOODS[:5], *SERVICES, "ammunition", "weapons")
PROVIDERS = ("jpn", "usa")
SETTLEMENT_METHODS = ("reimbursement", "replacement_in_kind", "equal_value_exchange")

scope("acsa.version")
scope("acsa.coverage", context=ACSA_CONTEXTS, category=CATEGORIES)
scope("jpn.supply", context=ACSA_CONTEXTS, category=CATEGORIES)
scope("usa.supply", context=ACSA_CONTEXTS, category=CATEGORIES)
scope("acsa.settlement", category=CATEGORIES)

D1996 = dt.date(1996, 10, 22)
D1999 = dt.date(1999, 9, 25)
D1999_SURROUNDING = dt.date(1999, 8, 25)
D2004 = dt.date(2004, 7, 29)
D2012 = dt.date(2012, 11, 26)
D2016 = dt.date(2016, 3, 29)
D2017 = dt.date(2017, 4, 25)


def _context(fw: Framework, ctx: str, on: dt.date) -> Text:
    """A context as it reads after "in" in English: an activity as it is ("in joint training"), a
    situation with its article ("in an armed attack situation")."""
    return in_sentence(ctx, label(fw, ctx, on), common=True, article=fw[ctx].kind == "situation")


def _names(fw: Framework, ids: tuple[str, ...] | frozenset[str], on: dt.date) -> Text:
    labels = [in_sentence(i, label(fw, i, on), common=True) for i in ACSA_CONTEXTS + CATEGORIES if i in ids]
    return Text("、".join(t.ja for t in labels) or "なし", "; ".join(t.en for t in labels) or "none")


# --- the agreement versions ----------------------------------------------------------------------

VERSION_NOTES = {
    "acsa_1996": ("1996年の協定（原文）", "the 1996 agreement as signed"),
    "acsa_1998_amendment": (
        "1996年の協定（1998年署名の改正協定による改正後）",
        "the 1996 agreement as amended by the agreement signed in 1998",
    ),
    "acsa_2004_amendment": (
        "1996年の協定（1998年及び2004年の改正協定による改正後）",
        "the 1996 agreement as amended in 1998 and 2004",
    ),
    "acsa_2016": ("2016年署名の新協定", "the new agreement signed in 2016"),
}


def _version_rule(clause: str, start: dt.date, end: dt.date) -> None:
    ja, en = VERSION_NOTES[clause]

    def version(fw: Framework, on: dt.date, params: Mapping[str, str]) -> Finding:
        return Finding(
            clause,
            (
                clause_reason(
                    fw,
                    clause,
                    f"有効な日米ACSAは{ja}です（{start}から）。",
                    f"The ACSA in force is {en} (from {start}).",
                    on,
                ),
            ),
        )

    version.__name__ = f"version_{clause}"
    rule("acsa.version", clause, start, end)(version)


_version_rule("acsa_1996", D1996, D1999)
_version_rule("acsa_1998_amendment", D1999, D2004)
_version_rule("acsa_2004_amendment", D2004, D2017)
_version_rule("acsa_2016", D2017, END)


# --- what each version covers (scope acsa.coverage) ----------------------------------------------

COVERAGE: dict[str, tuple[dt.date, dt.date, frozenset[str], frozenset[str]]] = {
    # clause: (start, end, contexts covered, contexts in which ammunition is covered)
    "acsa_1996_art1_2": (
        D1996,
        D1999,
        frozenset({"joint_training", "un_peacekeeping", "humanitarian_relief"}),
        frozenset(),
    ),
    "acsa_1998_art3": (
        D1999,
        D2004,
        frozenset({"joint_training", "un_peacekeeping", "humanitarian_relief", "surrounding_area_situation"}),
        frozenset(),
    ),
    "acsa_2004_art1_2": (
        D2004,
        D2017,
        frozenset(
            {
                "joint_training",
                "un_peacekeeping",
                "humanitarian_relief",
                "surrounding_area_situation",
                "anticipated_armed_attack",
                "armed_attack",
                "international_disaster_relief",
                "domestic_disaster_relief",
                "transport_of_nationals",
                "daily_activities",
            }
        ),
        frozenset({"anticipated_armed_attack", "armed_attack"}),
    ),
    "acsa_2016_art1": (
        D2017,
        END,
        frozenset(set(ACSA_CONTEXTS) - {"surrounding_area_situation"}),
        frozenset(set(ACSA_CONTEXTS) - {"surrounding_area_situation"}),
    ),
}


def _coverage_rule(clause: str) -> None:
    start, end, contexts, ammo = COVERAGE[clause]

    def coverage(fw: Framework, on: dt.date, params: Mapping[str, str]) -> Finding:
        ctx, cat = params["context"], params["category"]
        name = label(fw, clause, on)
        c, k = _context(fw, ctx, on), in_sentence(cat, label(fw, cat, on), common=True)
        if cat == "weapons":
            return Finding(
                False,
                (
                    clause_reason(
                        fw,
                        clause,
                        f"{name.ja}: 武器の提供は含まれません。",
                        f"{name.en}: the provision of weapons is not included.",
                        on,
                    ),
                ),
            )
        if ctx not in contexts:
            covered = _names(fw, contexts, on)
            return Finding(
                False,
                (
                    clause_reason(
                        fw,
                        clause,
                        f"{name.ja}は「{c.ja}」を適用対象としていません（対象: {covered.ja}）。",
                        f"{name.en} does not cover {c.en} (it covers: {covered.en}).",
                        on,
                    ),
                ),
            )
        if cat == "ammunition" and ctx not in ammo:
            where = _names(fw, ammo, on)
            return Finding(
                False,
                (
                    clause_reason(
                        fw,
                        clause,
                        f"{name.ja}は「{c.ja}」を対象としますが、弾薬の提供は{('「' + where.ja + '」の場合のみです') if ammo else '含まれません'}。",
                        f"{name.en} covers {c.en}, but ammunition {('only in: ' + where.en) if ammo else 'is not included'}.",
                        on,
                    ),
                ),
            )
        return Finding(
            True,
            (
                clause_reason(
                    fw,
                    clause,
                    f"{name.ja}は「{c.ja}」における「{k.ja}」の提供を対象とします。",
                    f"{name.en} covers {k.en} in {c.en}.",
                    on,
                ),
            ),
        )

    coverage.__name__ = f"coverage_{clause}"
    rule("acsa.coverage", clause, start, end)(coverage)


for _clause in COVERAGE:
    _coverage_rule(_clause)


# --- what Japanese law authorises the SDF to provide (scope jpn.supply) --------------------------

SURROUNDING_TABLE = frozenset(
    {
        "food",
        "water",
        "fuel",
        "clothing",
        "spare_parts",
        "transportation",
        "repair_maintenance",
        "medical",
        "communications",
        "airport_seaport_services",
        "base_support",
    }
)
ALL_SUPPLIES = frozenset(CATEGORIES) - {"weapons"}
NO_AMMUNITION = ALL_SUPPLIES - {"ammunition"}


def _jpn_rule(
    clause: str,
    start: dt.date,
    end: dt.date,
    contexts: frozenset[str],
    allowed: frozenset[str],
    note: tuple[str, str] = ("", ""),
) -> None:
    def supply(fw: Framework, on: dt.date, params: Mapping[str, str]) -> Finding:
        ctx, cat = params["context"], params["category"]
        name = label(fw, clause, on)
        c, k = _context(fw, ctx, on), in_sentence(cat, label(fw, cat, on), common=True)
        if cat in allowed:
            return Finding(
                True,
                (
                    clause_reason(
                        fw,
                        clause,
                        f"{name.ja}により、「{c.ja}」において自衛隊は米軍に「{k.ja}」を提供できます。{note[0]}",
                        f"Under {name.en}, the SDF may provide {k.en} to U.S. forces in {c.en}.{(' ' + note[1]) if note[1] else ''}",
                        on,
                    ),
                ),
            )
        why = (
            ("武器の提供は含みません。", "weapons are never included.")
            if cat == "weapons"
            else (
                "弾薬の提供は含みません（武器（弾薬を含む）を除く）。",
                "ammunition is excluded (weapons, including ammunition).",
            )
            if cat == "ammunition"
            else (f"提供できる種類に「{k.ja}」は含まれません。", f"{k.en} is not among the kinds of support it lists.")
        )
        return Finding(
            False,
            (
                clause_reason(
                    fw,
                    clause,
                    f"{name.ja}による「{c.ja}」における提供に、{why[0]}",
                    f"Under {name.en}, support in {c.en}: {why[1]}",
                    on,
                ),
            ),
        )

    supply.__name__ = f"jpn_supply_{clause}"
    rule("jpn.supply", clause, start, end, when=lambda p: p["context"] in contexts)(supply)


_jpn_rule(
    "sdf_act_art100_9_1996",
    D1996,
    D2004,
    frozenset({"joint_training", "un_peacekeeping", "humanitarian_relief"}),
    NO_AMMUNITION,
)
_jpn_rule(
    "sdf_act_us_supply_2004",
    D2004,
    D2016,
    frozenset({"joint_training", "domestic_disaster_relief", "transport_of_nationals", "daily_activities"}),
    NO_AMMUNITION,
)
_jpn_rule("sdf_act_us_supply_2012_idr", D2012, D2016, frozenset({"international_disaster_relief"}), NO_AMMUNITION)
_jpn_rule(
    "sdf_act_art100_6_2016",
    D2016,
    END,
    frozenset(
        {
            "joint_training",
            "multinational_training",
            "domestic_disaster_relief",
            "transport_of_nationals",
            "international_disaster_relief",
            "daily_activities",
            "information_gathering",
        }
    ),
    ALL_SUPPLIES,
)
_jpn_rule(
    "surrounding_act_rear_support",
    D1999_SURROUNDING,
    D2016,
    frozenset({"surrounding_area_situation"}),
    SURROUNDING_TABLE - {"ammunition"},
)
_jpn_rule("important_influence_act_support", D2016, END, frozenset({"important_influence_situation"}), ALL_SUPPLIES)
_jpn_rule("us_forces_act_art10", D2004, END, frozenset({"anticipated_armed_attack", "armed_attack"}), ALL_SUPPLIES)
_jpn_rule("us_forces_act_art10", D2016, END, frozenset({"survival_threatening_situation"}), ALL_SUPPLIES)
_jpn_rule("peace_support_act_support", D2016, END, frozenset({"international_peace_situation"}), ALL_SUPPLIES)


@rule(
    "jpn.supply", "sdf_act_us_supply_2004", D2004, D2012, when=lambda p: p["context"] == "international_disaster_relief"
)
def jpn_no_idr_before_2012(fw: Framework, on: dt.date, params: Mapping[str, str]) -> Finding:
    """Footnote 13 of the 2014 edition: supply in international disaster relief only from November 2012."""
    return Finding(
        False,
        (
            clause_reason(
                fw,
                "sdf_act_us_supply_2004",
                "自衛隊法は国際緊急援助活動を行う自衛隊による米軍への物品・役務の提供を定めていませんでした（2012年11月の改正で可能となる）。",
                "The SDF Act did not yet provide for SDF units in international disaster relief to supply U.S. forces (made possible by the November 2012 amendment).",
                on,
            ),
            Reason(
                Text(
                    "2014年版脚注13：12（平成24）年11月の自衛隊法改正により可能となった。",
                    "2014 edition, footnote 13: made possible by the SDF Act amendment of November 2012.",
                ),
                cited_on(fw, fw["sdf_act_us_supply_2012_idr"].citations, on, "sdf_act_us_supply_2004"),
            ),
        ),
    )


# --- what U.S. law authorises (scope usa.supply) -------------------------------------------------


@rule("usa.supply", "usc_10_2342_2350")
def usa_supply(fw: Framework, on: dt.date, params: Mapping[str, str]) -> Finding:
    """10 U.S.C. 2341-2350: U.S. forces provide ACSA support under chapter 138 (1996 agreement, Art. 1.5)."""
    cat = in_sentence(params["category"], label(fw, params["category"], on), common=True)
    clause = "usc_10_2342_2350"
    if params["category"] == "weapons":
        return Finding(
            False,
            (
                clause_reason(
                    fw,
                    clause,
                    "米国法上、武器（武器システム）は相互提供の対象となる「後方支援、物品及び役務」に含まれません。",
                    "Under U.S. law, weapons (weapon systems) are not 'logistic support, supplies, and services' that may be transferred.",
                    on,
                ),
            ),
        )
    return Finding(
        True,
        (
            clause_reason(
                fw,
                clause,
                f"合衆国法典第10編第2341条〜第2350条により、米軍は相互提供協定に基づき「{cat.ja}」を提供できます。",
                f"Under 10 U.S.C. §§2341–2350 U.S. forces may provide {cat.en} under a cross-servicing agreement.",
                on,
            ),
        ),
    )


# --- settlement (scope acsa.settlement) ----------------------------------------------------------


def _settlement_rule(clause: str, start: dt.date, end: dt.date) -> None:
    def settlement(fw: Framework, on: dt.date, params: Mapping[str, str]) -> Finding:
        cat = params["category"]
        k = label(fw, cat, on)
        if cat == "weapons":
            return Finding(
                [],
                (
                    clause_reason(
                        fw,
                        clause,
                        "武器は協定の対象ではなく、決済もありません。",
                        "Weapons are outside the agreement; there is nothing to settle.",
                        on,
                    ),
                ),
            )
        if cat in GOODS:
            methods = ["replacement_in_kind", "reimbursement"]
            ja, en = "物品", "a supply"
        else:
            methods = ["reimbursement", "equal_value_exchange"]
            ja, en = "役務", "a service"
        words = [in_sentence(m, label(fw, m, on), common=True) for m in methods]
        names = Text("、".join(t.ja for t in words), " or ".join(t.en for t in words))
        return Finding(
            methods,
            (
                clause_reason(
                    fw,
                    clause,
                    f"「{k.ja}」は{ja}であり、{names.ja}により決済します。",
                    f"{k.en} is {en}; it is settled by {names.en}.",
                    on,
                ),
            ),
        )

    settlement.__name__ = f"settlement_{clause}"
    rule("acsa.settlement", clause, start, end)(settlement)


_settlement_rule("acsa_1996_settlement", D1996, D2017)
_settlement_rule("acsa_2016_settlement", D2017, END)


# --- the questions -------------------------------------------------------------------------------

NO_ACSA = Text(
    "日米ACSAは効力を生じていません（最初の協定の発効は1996年10月22日）。",
    "No Japan-U.S. ACSA was in force (the first agreement took effect on 22 October 1996).",
)


def _no_acsa(fw: Framework, on: dt.date) -> Reason:
    return Reason(NO_ACSA, cited_on(fw, fw["acsa_1996"].citations, on, "acsa_1996"))


@question(
    "acsa.agreement_in_force",
    Text("基準日に効力を有する日米ACSAの版", "The version of the Japan-U.S. ACSA in force on the date"),
    provisions=tuple(VERSION_NOTES),
)
def agreement_in_force(fw: Framework, on: dt.date, params: dict[str, str]) -> Answer:
    found = decide(fw, "acsa.version", on, {})
    if found is None:
        return Answer(None, (_no_acsa(fw, on),))
    r, f = found
    chain = {
        "acsa_1996": ("acsa_1996",),
        "acsa_1998_amendment": ("acsa_1996", "acsa_1998_amendment"),
        "acsa_2004_amendment": ("acsa_1996", "acsa_1998_amendment", "acsa_2004_amendment", "acsa_2004_annex2_letters"),
        "acsa_2016": ("acsa_2016",),
    }[r.clause]
    return Answer(f.value, f.reasons, in_force=chain, labels={r.clause: label(fw, r.clause, on)})


PROVIDER = Param(
    "provider",
    Text("提供する側（jpn: 自衛隊、usa: 米軍）", "the providing side (jpn: the SDF, usa: U.S. forces)"),
    choices=PROVIDERS,
)
CATEGORY = Param("category", Text("物品・役務の区分", "supply or service category"), choices=CATEGORIES)
CONTEXT = Param(
    "context",
    Text("提供の場面（ACSAの適用対象となる活動・事態）", "the context (activity or situation) of the support"),
    choices=ACSA_CONTEXTS,
)


@question(
    "acsa.may_provide",
    Text(
        "提供側がその区分の物品・役務をその場面でACSAに基づき提供できるか",
        "May the provider supply that category under the ACSA in that context",
    ),
    params=(PROVIDER, CATEGORY, CONTEXT),
    provisions=("acsa_1996_art1_2", "acsa_1998_art3", "acsa_2004_art1_2", "acsa_2016_art1", "usc_10_2342_2350"),
)
def may_provide(fw: Framework, on: dt.date, params: dict[str, str]) -> Answer:
    coverage = decide(fw, "acsa.coverage", on, params)
    if coverage is None:
        return Answer(False, (_no_acsa(fw, on),))
    domestic = decide(fw, f"{params['provider']}.supply", on, params)
    found = [coverage] if domestic is None else [coverage, domestic]
    reasons, clauses = answer_parts(found)
    in_force = tuple(dict.fromkeys(i for c in clauses for i in (fw.value(c, "instrument", on).id, c)))
    if coverage[1].value is False:
        return Answer(False, reasons, in_force=in_force)
    if domestic is None:
        c = _context(fw, params["context"], on)
        gap = Reason(
            Text(
                f"この日付の「{c.ja}」における自衛隊から米軍への提供について、国内法上の根拠を定める規定はパックに記録されていません。判断できません。",
                f"The pack records no provision of Japanese law deciding whether the SDF could supply U.S. forces in {c.en} on this date; this cannot be decided.",
            ),
            cited_on(fw, fw[coverage[0].clause].citations, on, coverage[0].clause),
        )
        return Answer(None, (*reasons, gap), in_force=in_force, undetermined=True)
    return Answer(bool(domestic[1].value), reasons, in_force=in_force)


@question(
    "acsa.settlement_methods",
    Text("その区分の物品・役務の決済方法", "How support in that category is settled"),
    params=(CATEGORY,),
    provisions=("acsa_1996_settlement", "acsa_2016_settlement"),
)
def settlement_methods(fw: Framework, on: dt.date, params: dict[str, str]) -> Answer:
    found = decide(fw, "acsa.settlement", on, params)
    if found is None:
        return Answer([], (_no_acsa(fw, on),))
    r, f = found
    methods = f.value if isinstance(f.value, list) else []
    return Answer(
        methods,
        f.reasons,
        in_force=(fw.value(r.clause, "instrument", on).id, r.clause),
        labels={m: label(fw, m, on) for m in methods},
    )


@question(
    "acsa.settlement_due",
    Text(
        "その日に引き渡された物品・役務の決済の方法と期限",
        "How and by when support delivered on that date is to be settled",
    ),
    params=(Param("delivered", Text("引渡しの日（YYYY-MM-DD）", "date of delivery (YYYY-MM-DD)")),),
    provisions=("acsa_1996_settlement", "acsa_2016_settlement", SETTLEMENT_DEADLINE),
)
def settlement_due(fw: Framework, on: dt.date, params: dict[str, str]) -> Answer:
    try:
        delivered = dt.date.fromisoformat(params["delivered"])
    except ValueError:
        raise ParamError(
            Text(
                f"delivered={params['delivered']} は日付ではありません（YYYY-MM-DD）。",
                f"delivered={params['delivered']} is not a date (YYYY-MM-DD).",
            )
        ) from None
    if delivered > LATEST:  # 9999-12-31 was answered "no ACSA in force": the pack's periods end there
        raise ParamError(DateError(params["delivered"], "date.too_late").text)
    # Cited as of the later of the date asked and the delivery: a delivery after the date asked is
    # settled under the agreement in force then, whose sources may not yet exist on the date asked.
    seen = max(on, delivered)
    found = decide(fw, "acsa.settlement", delivered, {"category": "food"})
    if found is None:
        return Answer(None, (_no_acsa(fw, seen),))
    r, _ = found
    instrument = fw.value(r.clause, "instrument", delivered).id
    name = label(fw, instrument, delivered)
    how = clause_reason(
        fw,
        r.clause,
        f"{delivered}の引渡しは{name.ja}の決済条項によります。物品は同種・同等・同量の物品の返還又は通貨による償還、役務は通貨による償還又は同等の価値の物品・役務の提供により決済します（質問 acsa.settlement_methods を参照）。",
        f"A delivery on {delivered} is settled under the settlement clause of the {name.en}: supplies by replacement in kind or reimbursement, services by reimbursement or equal-value exchange (see acsa.settlement_methods).",
        seen,
    )
    deadline = fw.fact(SETTLEMENT_DEADLINE, "deadline_months", delivered)
    if deadline is None:
        unknown = clause_reason(
            fw,
            r.clause,
            "この引渡しの日について、決済の期限を定める両国の手続取極はパックに記録されていません。期限は判断できません。",
            "The deadline is set not in the agreement's text but in the procedural arrangements between the two sides; the pack does not record the one that applied on this delivery date, so the due date cannot be decided.",
            seen,
        )
        return Answer(None, (how, unknown), in_force=(instrument, r.clause), undetermined=True)
    months = int(deadline.value)
    try:
        due = add_months(delivered, months)
    except DateOutOfRange as exc:
        raise ParamError(exc.text) from None
    when = Reason(
        Text(
            f"手続取極により、決済は引渡しの日から{months}か月以内、すなわち{due}までに完了します。",
            f"Under the procedural arrangement, settlement is to be completed within {months} months of delivery, that is by {due}.",
        ),
        cited_on(fw, deadline.citations, seen, SETTLEMENT_DEADLINE),
    )
    return Answer(
        due.isoformat(),
        (how, when),
        in_force=(instrument, r.clause, SETTLEMENT_DEADLINE),
        details={"delivered": delivered.isoformat(), "months": months},
    )


for _name in ("acsa.agreement_in_force", "acsa.may_provide", "acsa.settlement_methods", "acsa.settlement_due"):
    memoisable(_name)
