"""Article 5 of the 1960 Treaty: the territories under the administration of Japan, and the domains
of space and cyberspace, where the "2+2" statements say it applies case by case."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from anpo.framework.framework import Framework
from anpo.framework.model import END, Ref, Text
from anpo.i18n import in_sentence
from anpo.rules.core import Answer, Param, ParamError, Reason, cites, question
from anpo.rules.provisions import Finding, clause_reason, decide, label, rule, scope

TREATY = "treaty_1960"
ARTICLE5 = "treaty_1960_art5"
DOMAINS = ("space", "cyber")

scope("article5.domain", domain=DOMAINS)


def _case_by_case(clause: str, domain: str, start: dt.date) -> None:
    def article5_domain(fw: Framework, on: dt.date, params: Mapping[str, str]) -> Finding:
        name = label(fw, clause, on)
        d = in_sentence(domain, label(fw, domain, on), common=True)  # "an attack in space"
        return Finding(
            "case_by_case",
            (
                clause_reason(
                    fw,
                    clause,
                    f"{name.ja}：「{d.ja}」における攻撃は、一定の場合には第5条の発動につながりうるとされ、その判断は個別具体的に行われます。",
                    f"{name.en}: an attack in {d.en} could, in certain circumstances, lead to the invocation of Article 5; this is decided case by case.",
                    on,
                ),
            ),
        )

    article5_domain.__name__ = f"article5_{domain}"
    rule("article5.domain", clause, start, END, when=lambda p: p["domain"] == domain)(article5_domain)


_case_by_case("scc2019_cyber_article5", "cyber", dt.date(2019, 4, 19))
_case_by_case("scc2023_space_article5", "space", dt.date(2023, 1, 11))


def _plural(name: str) -> bool:
    """Whether a place's English name, as it reads in a sentence, takes a plural verb: its head noun
    (before "of", parentheses aside) is "islands" ("the Senkaku Islands were", "the main islands of
    Japan were"), not a name that merely ends in one ("the Commonwealth of the Northern Mariana
    Islands was", "Okinawa (the Ryukyu and Daito Islands) was")."""
    head = re.sub(r"\s*\([^)]*\)", "", name).split(" of ", 1)[0]
    return head.split()[-1].lower() == "islands"


@question(
    "treaty.article5_applies",
    Text("日米安保条約第5条がその場所に適用されるか", "Does Article 5 of the Treaty apply to the place"),
    params=(
        Param("place", Text("場所", "place"), kinds=("place",), required=False),
        Param(
            "domain",
            Text("領域（宇宙・サイバー空間）", "domain (space, cyberspace)"),
            kinds=("domain",),
            required=False,
        ),
    ),
    provisions=(TREATY, ARTICLE5, "scc2019_cyber_article5", "scc2023_space_article5"),
)
def article5_applies(fw: Framework, on: dt.date, params: dict[str, str]) -> Answer:
    if ("place" in params) == ("domain" in params):
        raise ParamError(
            Text(
                "place=場所 又は domain=領域 のいずれか一方を指定してください（domain: space, cyber）。",
                "Give exactly one of place=PLACE or domain=DOMAIN (domain: space, cyber).",
            )
        )
    if "domain" in params:
        return _domain(fw, on, params)
    place = fw[params["place"]]
    label = place.label_on(on)
    named = in_sentence(place.id, label)  # "the Senkaku Islands" inside a sentence
    treaty = fw[TREATY]
    article = fw[ARTICLE5]
    if on < treaty.period.start:
        return Answer(
            False,
            (
                Reason(
                    Text(
                        f"{on}時点で日米安保条約（1960年）は発効していません（発効: {treaty.period.start}）。"
                        "旧安保条約には第5条に相当する共同対処の規定はありません。",
                        f"On {on} the 1960 Treaty was not yet in force (in force from {treaty.period.start}); "
                        "the 1951 Security Treaty had no joint-defense provision like Article 5.",
                    ),
                    treaty.citations + article.citations,
                ),
            ),
            in_force=(),
        )
    admin = fw.fact(place.id, "administered_by", on)
    if admin is None or not isinstance(admin.value, Ref):
        return Answer(
            None,
            (
                Reason(
                    Text(
                        f"{on}時点の{label.ja}の施政権者がパックに記録されていません。",
                        f"The pack does not record who administered {named.en} on {on}.",
                    ),
                    place.citations,
                ),
            ),
            undetermined=True,
        )
    admin_label = fw.label(admin.value.id, on)
    rule = Reason(
        Text(
            "第5条は、日本国の施政の下にある領域におけるいずれか一方に対する武力攻撃に適用されます。",
            "Article 5 applies to an armed attack against either Party in the territories under the "
            "administration of Japan.",
        ),
        article.citations,
    )
    applies = admin.value.id == "jpn"
    fact_reason = Reason(
        Text(
            f"{on}時点で{label.ja}は{admin_label.ja}の施政下にありました。",
            f"On {on} {named.en} {'were' if _plural(named.en) else 'was'} under the administration of {in_sentence(admin.value.id, admin_label).en}.",
        ),
        cites(admin),
    )
    return Answer(applies, (fact_reason, rule), in_force=(TREATY, ARTICLE5))


def _domain(fw: Framework, on: dt.date, params: dict[str, str]) -> Answer:
    """Space (2023 "2+2") and cyberspace (2019 "2+2"): case by case; before the statement, undetermined."""
    found = decide(fw, "article5.domain", on, params)
    article = fw[ARTICLE5]
    rule_reason = Reason(
        Text(
            "第5条は、日本国の施政の下にある領域におけるいずれか一方に対する武力攻撃に適用されます。",
            "Article 5 applies to an armed attack against either Party in the territories under the administration of Japan.",
        ),
        article.citations,
    )
    if found is None:
        d = in_sentence(params["domain"], label(fw, params["domain"], on), common=True)
        return Answer(
            None,
            (
                rule_reason,
                Reason(
                    Text(
                        f"この日付では、「{d.ja}」における攻撃と第5条の関係について日米の公式な確認はありませんでした。判断できません。",
                        f"On this date the allies had not stated how Article 5 relates to attacks in {d.en}; this cannot be decided.",
                    ),
                    fw[params["domain"]].citations,
                ),
            ),
            in_force=(TREATY, ARTICLE5),
            undetermined=True,
        )
    r, f = found
    statement = fw.value(r.clause, "instrument", on).id
    return Answer(f.value, (*f.reasons, rule_reason), in_force=(TREATY, ARTICLE5, statement, r.clause))
