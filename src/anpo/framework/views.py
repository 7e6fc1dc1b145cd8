"""JSON-ready views of the framework, shared by the CLI, the pages and their JSON twins."""

from __future__ import annotations

import datetime as dt
from typing import Any

from anpo.framework.framework import SIDES, Framework, party_of
from anpo.framework.model import BEGINNING, END, Citation, Entity, Fact, Period, Ref, Struct, Text
from anpo.framework.schema import INSTRUMENT_TYPES

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


def _first_value(fw: Framework, ent: Entity, attr: str) -> Any:
    facts = fw.facts(ent.id, attr)
    return facts[0].value if facts else None


def _earliest_date(fw: Framework, ent: Entity) -> dt.date:
    """When an instrument first appears: signed, approved, promulgated or in force, whichever is
    known and earliest; one with no date at all sorts last."""
    known = [d for d in (_first_value(fw, ent, a) for a in ("signed", "approved", "promulgated")) if d is not None]
    if ent.period.start != BEGINNING:
        known.append(ent.period.start)
    return min(known, default=END)


def _in_force(fw: Framework, ent: Entity, on: dt.date, successors: list[Entity]) -> bool | None:
    """Whether `ent` was in force on `on`; None where the pack cannot say, never a guess. Before
    its first known date it was not; nor once an instrument that supersedes it had appeared. A
    signature is not an entry into force (the Guam protocol of 2013 was signed, its entry into
    force is not stated), and an instrument's end may be known only from its successor (the 1983
    arrangement on military technology, replaced in 2006): with no stated entry into force, None."""
    first_known = _earliest_date(fw, ent)
    if first_known == END:
        return None
    if on < first_known or any(_earliest_date(fw, s) <= on for s in successors):
        return False
    if ent.period.start == BEGINNING:
        return None
    return on < ent.period.end


# Political documents: a joint statement or declaration, a report, a plan (the 2006 Roadmap) is
# issued and never enters into force. Whether one was "in force" is not applicable: `in_force` is
# None for them and `enters_into_force` False, with the date it was issued (`issued`).
NOT_ENTERING_INTO_FORCE = ("joint_statement", "joint_declaration", "report", "plan")


def enters_into_force(instrument_type: str | None) -> bool:
    """False for the political documents that are issued, not entered into force."""
    return instrument_type not in NOT_ENTERING_INTO_FORCE


def instrument_types(fw: Framework) -> list[str]:
    """The types the pack's instruments have (`instrument_type`), in the schema's order: the choices
    of a filter by type, each of which lists something."""
    present = {fact.value for ent in fw.of_kind("instrument") for fact in fw.facts(ent.id, "instrument_type")}
    return [k for k in INSTRUMENT_TYPES.choices if k in present]


def instruments_view(fw: Framework, on: dt.date | None = None, kind: str | None = None) -> list[dict[str, Any]]:
    """The instruments grouped into families of versions: an instrument, the ones that amend it
    and the ones that supersede it (the 1951 and 1960 treaties; ACSA 1996, its amendments and the
    2016 agreement; the three Guidelines). Each version has its dates in force and citations;
    with `on`, each says whether it was in force that day."""
    instruments = {i.id: i for i in fw.of_kind("instrument")}
    family = {i: i for i in instruments}

    def root(i: str) -> str:
        while family[i] != i:
            family[i] = family[family[i]]
            i = family[i]
        return i

    relations: dict[str, list[dict[str, Any]]] = {i: [] for i in instruments}
    successors: dict[str, list[Entity]] = {i: [] for i in instruments}
    for ent in instruments.values():
        for attr in ("supersedes", "amends"):
            for fact in fw.facts(ent.id, attr):
                if fact.value.id in instruments:
                    family[root(ent.id)] = root(fact.value.id)
                    target = instruments[fact.value.id]
                    relations[ent.id].append({"relation": attr, "id": target.id, "label": target.label.as_json()})
                    if attr == "supersedes":
                        successors[target.id].append(ent)
    provisions: dict[str, int] = {}
    for prov in fw.of_kind("provision"):
        target = _first_value(fw, prov, "instrument")
        if target is not None:
            provisions[target.id] = provisions.get(target.id, 0) + 1

    groups: dict[str, list[Entity]] = {}
    for ent in instruments.values():
        groups.setdefault(root(ent.id), []).append(ent)
    out = []
    for members in groups.values():
        members.sort(key=lambda e: (_earliest_date(fw, e), e.id))
        if kind and not any(_first_value(fw, e, "instrument_type") == kind for e in members):
            continue
        versions = []
        for ent in members:
            row = entity_brief(ent, on)
            row.update(ent.period.as_json())
            signed = _first_value(fw, ent, "signed")
            row["signed"] = signed.isoformat() if signed else None
            row["type"] = _first_value(fw, ent, "instrument_type")
            row["relations"] = relations[ent.id]
            row["provisions"] = provisions.get(ent.id, 0)
            row["citations"] = cites_json(ent.citations)
            # a period in force is stated only by an entry into force (`from`): a signature alone
            # states none (the 1983 arrangement on military technology, signed, replaced in 2006)
            row["enters_into_force"] = enters_into_force(row["type"])
            if not row["enters_into_force"]:
                issued = _earliest_date(fw, ent)
                row["issued"] = issued.isoformat() if issued != END else None
            if on is not None:
                row["in_force"] = _in_force(fw, ent, on, successors[ent.id]) if row["enters_into_force"] else None
            versions.append(row)
        first = members[0]
        out.append(
            {
                "family": first.id,
                "label": first.label.as_json(),
                "versions": versions,
                "_first": _earliest_date(fw, first),
            }
        )
    out.sort(key=lambda f: (f.pop("_first"), f["family"]))
    return out
