"""JSON-ready views of the framework, shared by the CLI, the pages and their JSON twins."""

from __future__ import annotations

import datetime as dt
from typing import Any

from anpo.framework.framework import SIDES, Framework, party_of
from anpo.framework.model import Citation, Entity, Fact, Period, Ref, Struct, Text

BODY_KINDS = ("body",)


def cites_json(citations: tuple[Citation, ...]) -> list[dict[str, str]]:
    return [c.as_json() for c in citations]


def value_json(fw: Framework, value: Any, on: dt.date | None) -> Any:
    """A fact value for JSON: refs carry their label, texts both languages, dates ISO."""
    if isinstance(value, Ref):
        ent = fw.get(value.id)
        label = (ent.label_on(on) if on else ent.label) if ent is not None else Text(value.id, value.id)
        return {"id": value.id, "label": label.as_json()}
    if isinstance(value, Text):
        return value.as_json()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Struct):
        return {k: value_json(fw, v, on) for k, v in value.items}
    return value


def fact_json(fw: Framework, fact: Fact, on: dt.date | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "attr": fact.attr,
        "value": value_json(fw, fact.value, on),
        **fact.period.as_json(),
        "citations": cites_json(fact.citations),
    }
    if fact.note is not None:
        out["note"] = fact.note.as_json()
    if fact.approximate:
        out["approximate"] = True
    return out


def entity_brief(ent: Entity, on: dt.date | None = None) -> dict[str, Any]:
    label = ent.label_on(on) if on else ent.label
    out: dict[str, Any] = {"id": ent.id, "kind": ent.kind, "label": label.as_json()}
    short = ent.short_on(on) if on else ent.short
    if short is not None:
        out["short"] = short.as_json()
    return out


def body_on(fw: Framework, body: Entity, on: dt.date) -> dict[str, Any]:
    """A consultation body as it stood on `on`: purpose, basis and members of each side."""
    out = entity_brief(body, on)
    for attr in ("purpose", "legal_basis", "established"):
        fact = fw.fact(body.id, attr, on) or next(iter(fw.facts(body.id, attr)), None)
        if fact is not None:
            out[attr] = {"value": value_json(fw, fact.value, on), "citations": cites_json(fact.citations)}
    parent = fw.fact(body.id, "parent", on)
    if parent is not None:
        out["parent"] = value_json(fw, parent.value, on)
    members: dict[str, list[dict[str, Any]]] = {side: [] for side in SIDES}
    for fact in fw.facts(body.id, "member", on):
        side = party_of(fw, fact.value.id, on)
        if side in members:
            entry = value_json(fw, fact.value, on)
            entry["citations"] = cites_json(fact.citations)
            entry["since"] = fact.period.as_json()["from"]
            if fact.note is not None:
                entry["note"] = fact.note.as_json()
            if fact.approximate:
                entry["approximate"] = True
            members[side].append(entry)
    out["members"] = members
    notes: dict[str, list[dict[str, Any]]] = {side: [] for side in SIDES}
    for fact in fw.facts(body.id, "membership_note", on):
        party = fact.value.get("party")
        if isinstance(party, Ref) and party.id in notes:
            notes[party.id].append({"text": fact.value.get("text").as_json(), "citations": cites_json(fact.citations)})
    out["membership_notes"] = notes
    out["exists"] = body.period.contains(on) and _established_by(fw, body, on)
    out["citations"] = cites_json(body.citations)
    return out


def _established_by(fw: Framework, body: Entity, on: dt.date) -> bool:
    facts = fw.facts(body.id, "established")
    return not facts or facts[0].value <= on


def bodies_on(fw: Framework, on: dt.date) -> list[dict[str, Any]]:
    order = {"scc": 0, "ssc": 1, "sdc": 2, "jc": 3}
    bodies = sorted(fw.of_kind("body"), key=lambda b: (order.get(b.id, 99), b.id))
    return [body_on(fw, b, on) for b in bodies]


def _event_date(fw: Framework, ent: Entity) -> dt.date | None:
    facts = fw.facts(ent.id, "date")
    return facts[0].value if facts else None


def timeline(fw: Framework, start: dt.date | None = None, end: dt.date | None = None) -> list[dict[str, Any]]:
    """Events (and dated meetings) between `start` and `end`, both inclusive, in date order."""
    rows = []
    for ent in (*fw.of_kind("event"), *fw.of_kind("meeting")):
        day = _event_date(fw, ent)
        if day is None or (start and day < start) or (end and day > end):
            continue
        row = entity_brief(ent, day)
        row["date"] = day.isoformat()
        precision = fw.value(ent.id, "precision", day)
        row["precision"] = precision or "day"
        summary = fw.value(ent.id, "summary", day)
        if summary is not None:
            row["summary"] = summary.as_json()
        period = fw.value(ent.id, "period", day)
        if period is not None:
            row["period"] = value_json(fw, period, day)
        row["citations"] = cites_json(ent.citations or (fw.facts(ent.id, "date")[0].citations))
        rows.append((day, ent.id, row))
    return [r for _, _, r in sorted(rows, key=lambda t: (t[0], t[1]))]


def entity_view(fw: Framework, ent: Entity, on: dt.date | None = None) -> dict[str, Any]:
    """Everything the pack says of one entity: labels over time, dated facts, sources, referrers."""
    facts = [f for f in ent.facts if on is None or f.period.contains(on)]
    out = entity_brief(ent, on)
    out["period"] = ent.period.as_json()
    out["names"] = [
        {"label": n.label.as_json(), **n.period.as_json(), "citations": cites_json(n.citations)} for n in ent.names
    ]
    out["facts"] = [fact_json(fw, f, on) for f in facts]
    out["citations"] = cites_json(ent.citations)
    if ent.note is not None:
        out["note"] = ent.note.as_json()
    out["source_file"] = f"{ent.where.file.rsplit('/packs/', 1)[-1]}:{ent.where.line}"
    out["referenced_by"] = [
        {"id": other.id, "kind": other.kind, "label": other.label.as_json(), "attr": fact.attr, **fact.period.as_json()}
        for other, fact in fw.referrers(ent.id)
    ]
    return out


def period_json(period: Period) -> dict[str, str | None]:
    return period.as_json()
