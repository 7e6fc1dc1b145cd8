"""Who sits on a consultation body, for each side, as of a date."""

from __future__ import annotations

import datetime as dt

from anpo.framework.framework import SIDES, Framework, party_of
from anpo.framework.model import Ref, Text
from anpo.i18n import in_sentence
from anpo.rules.core import Answer, Param, Reason, cites, question


def _join(labels: list[Text]) -> Text:
    return Text("、".join(t.ja for t in labels), "; ".join(t.en for t in labels))


@question(
    "consult.members",
    Text("協議の場の出席対象者（各側、基準日時点）", "Who sits on a consultation body for one side, as of the date"),
    params=(
        Param("body", Text("協議の場", "consultation body"), kinds=("body", "channel")),
        Param("side", Text("日本側または米側", "the Japanese or the U.S. side"), choices=SIDES),
    ),
)
def members(fw: Framework, on: dt.date, params: dict[str, str]) -> Answer:
    body = fw[params["body"]]
    side = params["side"]
    body_label = body.label_on(on)
    side_label = fw.label(side, on)
    for_side = in_sentence(side, side_label)  # "for Japan", "for the United States"
    established = fw.fact(body.id, "established", on) or next(iter(fw.facts(body.id, "established")), None)
    if not body.period.contains(on) or (established is not None and on < established.value):
        start = established.value if established is not None else body.period.start
        reason = Reason(
            Text(
                f"{on}時点で{body_label.ja}は設置されていません（設置: {start}）。",
                f"On {on} the {body_label.en} did not exist yet (established {start}).",
            ),
            established.citations if established is not None else body.citations,
        )
        return Answer([], (reason,), in_force=())
    facts = [f for f in fw.facts(body.id, "member", on) if party_of(fw, f.value.id, on) == side]
    ids = [f.value.id for f in facts]
    labels = {i: fw.label(i, on) for i in ids}
    reasons = []
    if facts:
        names = _join([labels[i] for i in ids])
        reasons.append(
            Reason(
                Text(
                    f"{on}時点の{body_label.ja}の{side_label.ja}側出席対象者は{names.ja}です。",
                    f"On {on} the members of the {body_label.en} for {for_side.en} were: {names.en}.",
                ),
                cites(*facts),
            )
        )
    for note in fw.facts(body.id, "membership_note", on):
        if note.value.get("party") == Ref(side):
            text = note.value.get("text")
            reasons.append(Reason(Text(f"{side_label.ja}: {text.ja}", f"{side_label.en}: {text.en}"), note.citations))
    for fact in facts:
        if fact.note is not None:
            reasons.append(Reason(fact.note, fact.citations))
    if not reasons:
        reasons.append(
            Reason(
                Text(
                    f"{on}時点の{body_label.ja}の{side_label.ja}側出席対象者はパックに記録されていません。",
                    f"The pack records no members of the {body_label.en} for {for_side.en} on {on}.",
                ),
                body.citations,
            )
        )
    return Answer(ids, tuple(reasons), in_force=(body.id,), labels=labels)
