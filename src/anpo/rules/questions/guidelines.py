"""Which Guidelines for Japan-U.S. Defense Cooperation were in force, and their phases."""

from __future__ import annotations

import datetime as dt

from anpo.framework.framework import Framework
from anpo.framework.model import Entity, Ref, Text
from anpo.rules.core import Answer, Reason, question


def guidelines_in_force(fw: Framework, on: dt.date) -> Entity | None:
    found = [
        e
        for e in fw.of_kind("instrument")
        if fw.value(e.id, "instrument_type", on) == "guidelines" and e.period.contains(on)
    ]
    return found[0] if found else None


def provisions_of(fw: Framework, instrument_id: str, provision_type: str, on: dt.date) -> list[Entity]:
    found = [
        p
        for p in fw.of_kind("provision")
        if fw.value(p.id, "instrument", on) == Ref(instrument_id)
        and fw.value(p.id, "provision_type", on) == provision_type
    ]
    return sorted(found, key=lambda p: (fw.value(p.id, "order", on) or 0, p.id))


@question(
    "guidelines.in_force",
    Text(
        "基準日に有効な日米防衛協力のための指針とその区分",
        "The Guidelines for Japan-U.S. Defense Cooperation in force on the date, and their phases",
    ),
)
def in_force(fw: Framework, on: dt.date, params: dict[str, str]) -> Answer:
    guidelines = guidelines_in_force(fw, on)
    if guidelines is None:
        first = min(
            (
                e
                for e in fw.of_kind("instrument")
                if any(f.value == "guidelines" for f in fw.facts(e.id, "instrument_type"))
            ),
            key=lambda e: e.period.start,
            default=None,
        )
        when = first.period.start if first is not None else "-"
        return Answer(
            None,
            (
                Reason(
                    Text(
                        f"{on}時点で有効な指針はありません（最初の指針の策定: {when}）。",
                        f"No Guidelines were in force on {on} (the first were adopted on {when}).",
                    ),
                    first.citations if first is not None else (),
                ),
            ),
        )
    label = guidelines.label_on(on)
    phases = provisions_of(fw, guidelines.id, "phase", on)
    reasons = [
        Reason(
            Text(
                f"{on}時点で有効な指針は{label.ja}です（{guidelines.period.start}から）。",
                f"On {on} the Guidelines in force were the {label.en} (from {guidelines.period.start}).",
            ),
            guidelines.citations,
        )
    ]
    for phase in phases:
        summary = fw.value(phase.id, "summary", on)
        text = phase.label_on(on)
        reasons.append(
            Reason(
                Text(
                    f"区分: {text.ja}" + (f" — {summary.ja}" if summary else ""),
                    f"Phase: {text.en}" + (f" — {summary.en}" if summary else ""),
                ),
                phase.citations,
            )
        )
    details = {"phases": [{"id": p.id, **p.label_on(on).as_json()} for p in phases]}
    return Answer(
        guidelines.id,
        tuple(reasons),
        in_force=(guidelines.id, *(p.id for p in phases)),
        details=details,
        labels={guidelines.id: label},
    )
