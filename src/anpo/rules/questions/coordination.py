"""Which bilateral coordination mechanism the Guidelines in force provide for a situation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from anpo.framework.framework import Framework
from anpo.framework.model import END, Text
from anpo.i18n import in_sentence
from anpo.rules.core import Answer, Param, Reason, question
from anpo.rules.provisions import Finding, clause_reason, decide, label, memoisable, rule, scope
from anpo.rules.questions.situation import SITUATIONS

D1978 = dt.date(1978, 11, 27)
D1997 = dt.date(1997, 9, 23)
D2015 = dt.date(2015, 4, 27)
BCM_SITUATIONS = frozenset({"armed_attack", "anticipated_armed_attack", "surrounding_area_situation"})

scope("coordination.mechanism", situation=SITUATIONS)


def _situation(fw: Framework, situation: str, on: dt.date) -> Text:
    """A situation as it reads inside an English sentence: "in a gray-zone situation", "including peacetime"."""
    return in_sentence(situation, label(fw, situation, on), common=True, article=True)


@rule("coordination.mechanism", "g1978_armed_attack", D1978, D1997)
def guidelines_1978(fw: Framework, on: dt.date, params: Mapping[str, str]) -> Finding:
    """1978 Guidelines: a coordination centre only when an attack is imminent; no standing mechanism."""
    return Finding(
        None,
        (
            clause_reason(
                fw,
                "g1978_armed_attack",
                "1978年の指針は常設の調整メカニズムを設けていません（武力攻撃のおそれがある場合に調整機関を開設する）。",
                "The 1978 Guidelines set up no standing coordination mechanism (a coordination center was to be opened when an attack was imminent).",
                on,
            ),
        ),
    )


@rule(
    "coordination.mechanism",
    "bilateral_coordination_mechanism",
    D1997,
    D2015,
    when=lambda p: p["situation"] in BCM_SITUATIONS,
)
def guidelines_1997_bcm(fw: Framework, on: dt.date, params: Mapping[str, str]) -> Finding:
    """1997 Guidelines: the bilateral coordination mechanism, built in peacetime for armed attacks and surrounding situations."""
    sit = _situation(fw, params["situation"], on)
    return Finding(
        "bilateral_coordination_mechanism",
        (
            clause_reason(
                fw,
                "bilateral_coordination_mechanism",
                f"1997年の指針のもとでは、「{sit.ja}」における両国の活動の調整は調整メカニズムで行います。",
                f"Under the 1997 Guidelines, the two countries' activities in {sit.en} are coordinated through the bilateral coordination mechanism.",
                on,
            ),
        ),
    )


@rule("coordination.mechanism", "guidelines_1997", D1997, D2015, when=lambda p: p["situation"] not in BCM_SITUATIONS)
def guidelines_1997_other(fw: Framework, on: dt.date, params: Mapping[str, str]) -> Finding:
    """1997 Guidelines: the mechanism serves only armed attacks against Japan and surrounding situations."""
    sit = _situation(fw, params["situation"], on)
    return Finding(
        None,
        (
            clause_reason(
                fw,
                "guidelines_1997",
                f"1997年の指針の調整メカニズムは、わが国に対する武力攻撃と周辺事態のためのもので、「{sit.ja}」には用いられません。",
                f"The 1997 Guidelines' coordination mechanism serves armed attacks against Japan and surrounding-area situations, not {sit.en}.",
                on,
            ),
        ),
    )


@rule("coordination.mechanism", "alliance_coordination_mechanism", D2015, END)
def guidelines_2015_acm(fw: Framework, on: dt.date, params: Mapping[str, str]) -> Finding:
    """2015 Guidelines: the Alliance Coordination Mechanism at every stage from peacetime to contingencies."""
    sit = _situation(fw, params["situation"], on)
    return Finding(
        "alliance_coordination_mechanism",
        (
            clause_reason(
                fw,
                "alliance_coordination_mechanism",
                f"2015年の指針のもとでは、平時から緊急事態までのあらゆる段階で同盟調整メカニズム（ACM）を用います（「{sit.ja}」を含む）。",
                f"Under the 2015 Guidelines the Alliance Coordination Mechanism is used at every stage from peacetime to contingencies, including {sit.en}.",
                on,
            ),
        ),
    )


@question(
    "coordination.mechanism",
    Text(
        "その事態で用いる日米の調整メカニズム（有効な指針による）",
        "The bilateral coordination mechanism for the situation under the Guidelines in force",
    ),
    params=(Param("situation", Text("事態", "situation"), choices=SITUATIONS),),
    provisions=("g1978_armed_attack", "bilateral_coordination_mechanism", "alliance_coordination_mechanism"),
)
def mechanism(fw: Framework, on: dt.date, params: dict[str, str]) -> Answer:
    found = decide(fw, "coordination.mechanism", on, params)
    if found is None:
        first = fw["guidelines_1978"]
        return Answer(
            None,
            (
                Reason(
                    Text(
                        f"この日付では日米防衛協力のための指針がありませんでした（最初の指針は{first.period.start}）。",
                        f"On this date there were no Guidelines for Japan-U.S. Defense Cooperation (the first date from {first.period.start}).",
                    ),
                    first.citations,
                ),
            ),
        )
    r, f = found
    guidelines = fw.value(r.clause, "instrument", on)
    instrument = guidelines.id if guidelines is not None else r.clause
    value = f.value if isinstance(f.value, str) else None
    labels = {value: label(fw, value, on)} if value else {}
    return Answer(value, f.reasons, in_force=tuple(dict.fromkeys((instrument, r.clause))), labels=labels)


memoisable("coordination.mechanism")
