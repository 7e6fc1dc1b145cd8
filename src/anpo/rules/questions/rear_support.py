"""The conditions of the 1999-2000 surrounding-situation laws and their 2016 successors: rear area
support, search and rescue, ship inspection (area, combat, vessel type, legal basis)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from anpo.framework.framework import Framework
from anpo.framework.model import END, Text
from anpo.rules.core import Answer, Param, Reason, question
from anpo.rules.provisions import Finding, clause_reason, decide, label, memoisable, rule, scope

AREAS = ("japan_territory", "high_seas", "foreign_territorial_sea", "foreign_territory")
COMBAT = ("none", "possible", "ongoing")
VESSELS = ("warship", "government_noncommercial", "merchant")
BASES = ("unsc_resolution", "flag_state_consent", "none")

AREA_LABELS = {
    "japan_territory": Text("わが国の領域", "Japan's territory"),
    "high_seas": Text(
        "公海（排他的経済水域を含む）及びその上空", "the high seas (including EEZs) and the airspace above"
    ),
    "foreign_territorial_sea": Text("外国の領海", "a foreign territorial sea"),
    "foreign_territory": Text("外国の領域（陸上）", "foreign territory (land)"),
}
COMBAT_LABELS = {
    "none": Text(
        "現に戦闘行為が行われておらず、活動期間を通じて行われることがないと認められる",
        "no combat is taking place or expected during the activity",
    ),
    "possible": Text(
        "現に戦闘行為は行われていないが、活動期間中に行われるおそれがある",
        "no combat is taking place, but it may occur during the activity",
    ),
    "ongoing": Text("現に戦闘行為が行われている", "combat is actually taking place"),
}
VESSEL_LABELS = {
    "warship": Text("軍艦", "a warship"),
    "government_noncommercial": Text(
        "政府が所有・運航し非商業的目的のみに使用される船舶", "a government ship used only for non-commercial purposes"
    ),
    "merchant": Text("商船その他の船舶", "a merchant or other ship"),
}

CONSENT_EN = " (only with that state's consent)"

D1999 = dt.date(1999, 8, 25)
D2001 = dt.date(2001, 3, 1)
D2016 = dt.date(2016, 3, 29)

scope("rear_support", area=AREAS[:2] + AREAS[3:], combat=COMBAT)
scope("search_rescue", area=AREAS, combat=COMBAT)
scope("ship_inspection", vessel_type=VESSELS, basis=BASES)


# The areas whose English name takes a plural verb ("the high seas … and the airspace above are").
PLURAL_AREAS = frozenset({"high_seas"})


def _where(params: Mapping[str, str]) -> Text:
    a, c = AREA_LABELS[params["area"]], COMBAT_LABELS[params["combat"]]
    return Text(f"{a.ja}（{c.ja}）", f"{a.en}, where {c.en}")


def _where_is(params: Mapping[str, str]) -> str:
    """The area and its combat as the subject of an English sentence, with its verb: "The high seas
    (including EEZs) and the airspace above, where no combat is taking place …, are"."""
    en = _where(params).en
    return f"{en[:1].upper()}{en[1:]}, {'are' if params['area'] in PLURAL_AREAS else 'is'}"


@rule("rear_support", "surrounding_act_rear_support", D1999, D2016)
def rear_area_support_1999(fw: Framework, on: dt.date, params: Mapping[str, str]) -> Finding:
    """周辺事態安全確保法 第3条・脚注4: the rear area is Japan's territory and the surrounding high seas without combat."""
    clause = "surrounding_act_rear_support"
    w = _where(params)
    if params["area"] == "foreign_territory":
        return Finding(
            False,
            (
                clause_reason(
                    fw,
                    clause,
                    f"後方地域はわが国の領域とわが国周辺の公海・上空に限られ、{w.ja}は含まれません。",
                    f"The rear area is limited to Japan's territory and the surrounding high seas and airspace; {w.en} is outside it.",
                    on,
                ),
            ),
        )
    if params["combat"] != "none":
        return Finding(
            False,
            (
                clause_reason(
                    fw,
                    clause,
                    f"後方地域は、現に戦闘行為が行われておらず、活動期間を通じて行われることがないと認められる地域に限られます。{w.ja}では実施できません。",
                    f"The rear area must be free of combat now and for the whole activity; support cannot be given in {w.en}.",
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
                f"{w.ja}は後方地域に当たり、後方地域支援として米軍に物品・役務を提供できます（武器（弾薬を含む）を除く）。",
                f"{_where_is(params)} within the rear area: supplies and services may be provided to U.S. forces as rear area support (never weapons, including ammunition).",
                on,
            ),
        ),
    )


@rule("rear_support", "important_influence_act_support", D2016, END)
def logistics_support_2016(fw: Framework, on: dt.date, params: Mapping[str, str]) -> Finding:
    """重要影響事態安全確保法: no geographic limit; never at a site where combat is actually taking place."""
    clause = "important_influence_act_support"
    w = _where(params)
    if params["combat"] == "ongoing":
        return Finding(
            False,
            (
                clause_reason(
                    fw,
                    clause,
                    "後方支援活動は、現に戦闘行為が行われている現場では実施しません。",
                    "Logistics support is not carried out at a site where combat is actually taking place.",
                    on,
                ),
            ),
        )
    consent = "（当該外国の同意がある場合に限る）" if params["area"] == "foreign_territory" else ""
    consent_en = " (only with that state's consent)" if params["area"] == "foreign_territory" else ""
    return Finding(
        True,
        (
            clause_reason(
                fw,
                clause,
                f"{w.ja}で後方支援活動として米軍等に物品・役務を提供できます{consent}。戦闘行為が行われるに至った場合には休止・中断します。",
                f"Supplies and services may be provided to U.S. and other forces as logistics support in {w.en}{consent_en}; the activity is suspended if combat begins there.",
                on,
            ),
        ),
    )


@rule("search_rescue", "surrounding_act_search_rescue", D1999, D2016)
def rear_area_search_rescue_1999(fw: Framework, on: dt.date, params: Mapping[str, str]) -> Finding:
    """周辺事態安全確保法 第3条第1項第2号: in the rear area; an adjacent foreign territorial sea only with consent."""
    clause = "surrounding_act_search_rescue"
    w = _where(params)
    if params["combat"] != "none":
        return Finding(
            False,
            (
                clause_reason(
                    fw,
                    clause,
                    f"後方地域捜索救助活動は、戦闘行為が行われておらず活動期間を通じて行われないと認められる地域に限られます。{w.ja}では実施できません。",
                    f"Rear area search and rescue is limited to areas free of combat now and for the whole activity; it cannot be conducted in {w.en}.",
                    on,
                ),
            ),
        )
    if params["area"] == "foreign_territory":
        return Finding(
            False,
            (
                clause_reason(
                    fw,
                    clause,
                    "外国の領域（陸上）での実施は定められていません。",
                    "The Act does not provide for search and rescue on foreign territory (land).",
                    on,
                ),
            ),
        )
    if params["area"] == "foreign_territorial_sea":
        return Finding(
            True,
            (
                clause_reason(
                    fw,
                    clause,
                    "実施区域に隣接する外国の領海にいる遭難者は、その外国の同意を得て救助できます（戦闘行為のない場合に限る）。",
                    "Persons in distress in a foreign territorial sea adjacent to the operation area may be rescued with that state's consent (only where there is no combat).",
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
                f"{w.ja}は後方地域に当たり、戦闘参加者の捜索救助活動（戦闘参加者以外の遭難者の救助を含む）を実施できます。",
                f"{_where_is(params)} within the rear area: search and rescue of combatants in distress (and of others in distress) may be conducted.",
                on,
            ),
        ),
    )


@rule("search_rescue", "important_influence_act_search_rescue", D2016, END)
def search_rescue_2016(fw: Framework, on: dt.date, params: Mapping[str, str]) -> Finding:
    """重要影響事態安全確保法 第7条: not at a site of ongoing combat; foreign territory with consent."""
    clause = "important_influence_act_search_rescue"
    w = _where(params)
    if params["combat"] == "ongoing":
        return Finding(
            False,
            (
                clause_reason(
                    fw,
                    clause,
                    "捜索救助活動は、現に戦闘行為が行われている現場では実施しません（既に遭難者を発見し救助を開始している場合を除く）。",
                    "Search and rescue is not conducted at a site where combat is actually taking place (unless a rescue already begun is continued).",
                    on,
                ),
            ),
        )
    foreign = params["area"] in ("foreign_territory", "foreign_territorial_sea")
    return Finding(
        True,
        (
            clause_reason(
                fw,
                clause,
                f"{w.ja}で捜索救助活動を実施できます{'（当該外国の同意がある場合に限る）' if foreign else ''}。",
                f"Search and rescue may be conducted in {w.en}{CONSENT_EN if foreign else ''}.",
                on,
            ),
        ),
    )


def _ship_rule(clause: str, start: dt.date, end: dt.date) -> None:
    def inspection(fw: Framework, on: dt.date, params: Mapping[str, str]) -> Finding:
        v = VESSEL_LABELS[params["vessel_type"]]
        if params["vessel_type"] != "merchant":
            return Finding(
                False,
                (
                    clause_reason(
                        fw,
                        clause,
                        f"船舶検査活動の対象から{v.ja}は除かれます（軍艦及び各国政府が所有・運航し非商業的目的のみに使用される船舶）。",
                        f"Ship inspection excludes {v.en} (warships and government ships used only for non-commercial purposes).",
                        on,
                    ),
                ),
            )
        if params["basis"] == "none":
            return Finding(
                False,
                (
                    clause_reason(
                        fw,
                        clause,
                        "船舶検査活動は、国連安保理決議に基づいて、又は旗国の同意を得て行われます。そのいずれもない場合は実施できません。",
                        "Ship inspection is conducted on the basis of a UN Security Council resolution or with the flag state's consent; without either it cannot be conducted.",
                        on,
                    ),
                ),
            )
        basis = (
            Text("国連安保理決議に基づき", "on the basis of a UN Security Council resolution")
            if params["basis"] == "unsc_resolution"
            else Text("旗国の同意を得て", "with the flag state's consent")
        )
        return Finding(
            True,
            (
                clause_reason(
                    fw,
                    clause,
                    f"{basis.ja}、{v.ja}の積荷・目的地を検査・確認し、必要に応じ航路等の変更を要請できます。",
                    f"The cargo and destination of {v.en} may be inspected and confirmed, {basis.en}, and a change of course requested where necessary.",
                    on,
                ),
            ),
        )

    inspection.__name__ = f"ship_inspection_{clause}"
    rule("ship_inspection", clause, start, end)(inspection)


_ship_rule("ship_inspection_act_2001", D2001, D2016)
_ship_rule("ship_inspection_act_2016", D2016, END)


def _answer(fw: Framework, on: dt.date, params: dict[str, str], name: str, first_law: str) -> Answer:
    found = decide(fw, name, on, params)
    if found is None:
        law = fw[first_law]
        n = label(fw, first_law, law.period.start)
        return Answer(
            False,
            (
                Reason(
                    Text(
                        f"この日付では根拠となる法律がありませんでした（{n.ja}の施行は{law.period.start}）。",
                        f"On this date there was no law providing for it (the {n.en} took effect on {law.period.start}).",
                    ),
                    law.citations,
                ),
            ),
        )
    r, f = found
    instrument = fw.value(r.clause, "instrument", on).id
    return Answer(f.value, f.reasons, in_force=(instrument, r.clause), labels={instrument: label(fw, instrument, on)})


AREA = Param("area", Text("実施する区域", "where it is carried out"), choices=AREAS[:2] + AREAS[3:])
COMBAT_PARAM = Param("combat", Text("戦闘行為の状況", "combat at that place"), choices=COMBAT)


@question(
    "rear_support.may_provide",
    Text(
        "後方地域支援（2016年以降は後方支援活動）として米軍に物品・役務を提供できるか",
        "May the SDF support U.S. forces as rear area support (from 2016, logistics support) there",
    ),
    params=(AREA, COMBAT_PARAM),
    provisions=("surrounding_act_rear_support", "important_influence_act_support"),
)
def rear_support_may_provide(fw: Framework, on: dt.date, params: dict[str, str]) -> Answer:
    return _answer(fw, on, params, "rear_support", "law_surrounding_situations_1999")


@question(
    "search_rescue.may_conduct",
    Text(
        "後方地域捜索救助活動（2016年以降は捜索救助活動）を実施できるか",
        "May the SDF conduct rear area (from 2016, any) search and rescue there",
    ),
    params=(Param("area", Text("実施する区域", "where it is carried out"), choices=AREAS), COMBAT_PARAM),
    provisions=("surrounding_act_search_rescue", "important_influence_act_search_rescue"),
)
def search_rescue_may_conduct(fw: Framework, on: dt.date, params: dict[str, str]) -> Answer:
    return _answer(fw, on, params, "search_rescue", "law_surrounding_situations_1999")


@question(
    "ship_inspection.may_inspect",
    Text("船舶検査活動としてその船舶を検査できるか", "May the SDF inspect the ship as a ship inspection operation"),
    params=(
        Param("vessel_type", Text("船舶の種類", "type of vessel"), choices=VESSELS),
        Param("basis", Text("法的根拠", "legal basis"), choices=BASES),
    ),
    provisions=("ship_inspection_act_2001", "ship_inspection_act_2016"),
)
def ship_inspection_may_inspect(fw: Framework, on: dt.date, params: dict[str, str]) -> Answer:
    return _answer(fw, on, params, "ship_inspection", "law_ship_inspection_2000")


for _name in ("rear_support.may_provide", "search_rescue.may_conduct", "ship_inspection.may_inspect"):
    memoisable(_name)
