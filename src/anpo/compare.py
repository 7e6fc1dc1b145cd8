"""What the framework states as of two white-paper editions, side by side.

An edition is the set of white-paper sources that share an `edition` fact; its date is the latest
`as_of` of those sources (the white papers state no as-of date: the pack dates each by the month of
the latest events it describes). Three topics are compared on the two dates: who sits on each
consultation body, what the ACSA in force covers (asked of the rules), and which instruments were in
force. Every row has a status (same, added, removed, renamed, changed), one cell per edition that
names its date, and the citations of what it states. This module sits above the rules (it asks
them) and below the CLI and the web, which print and render its JSON-ready result as it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from anpo.dates import era_string
from anpo.framework.framework import SIDES, Framework
from anpo.framework.model import Citation, Text
from anpo.framework.views import bodies_on, cites_json, instruments_view
from anpo.i18n import msg
from anpo.rules.core import ask, get_question

TOPICS = ("bodies", "acsa", "instruments")
STATUSES = ("same", "added", "removed", "renamed", "changed", "issued")


class CompareError(ValueError):
    """An edition or topic that does not exist; the message names the allowed ones (exit 2, a 400)."""

    def __init__(self, text: Text) -> None:
        self.text = text
        super().__init__(text.en)


@dataclass(frozen=True)
class Edition:
    name: str  # the edition's year, as the `edition` fact of its sources gives it
    on: dt.date
    label: Text
    sources: tuple[str, ...]
    citations: tuple[Citation, ...]  # of the `as_of` fact that dates it

    def as_json(self) -> dict[str, Any]:
        return {
            "edition": self.name,
            "on": self.on.isoformat(),
            "on_era": era_string(self.on),
            "label": self.label.as_json(),
            "sources": list(self.sources),
            "citations": cites_json(self.citations),
        }


def editions(fw: Framework) -> dict[str, Edition]:
    """The dated white-paper editions, oldest first. A source with no `as_of` (a single page cited
    for one fact) makes no edition of its own."""
    found: dict[str, list[tuple[dt.date, str, tuple[Citation, ...]]]] = {}
    for src in fw.of_kind("source"):
        edition = next(iter(fw.facts(src.id, "edition")), None)
        as_of = next(iter(fw.facts(src.id, "as_of")), None)
        if edition is not None and as_of is not None:
            found.setdefault(edition.value, []).append((as_of.value, src.id, as_of.citations))
    out = {}
    for name, dated in sorted(found.items(), key=lambda kv: max(kv[1])[0]):
        on, latest, citations = max(dated)
        short = fw[latest].short or fw[latest].label
        out[name] = Edition(name, on, short, tuple(sorted(s for _, s, _ in dated)), citations)
    return out


def compare(fw: Framework, a: str, b: str, topic: str | None = None) -> dict[str, Any]:
    """Editions `a` and `b` compared on one topic, or on all of them when `topic` is None."""
    known = editions(fw)
    for name in (a, b):
        if name not in known:
            raise CompareError(msg("compare.unknown_edition", edition=name, allowed=", ".join(known)))
    if topic is not None and topic not in TOPICS:
        raise CompareError(msg("compare.unknown_topic", topic=topic, allowed=", ".join(TOPICS)))
    ea, eb = known[a], known[b]
    out: dict[str, Any] = {"a": ea.as_json(), "b": eb.as_json(), "topics": [topic] if topic else list(TOPICS)}
    out["same_edition"] = a == b  # compared, with no change; the page and the text say so
    for name in out["topics"]:
        out[name] = {"bodies": compare_bodies, "acsa": compare_acsa, "instruments": compare_instruments}[name](
            fw, ea.on, eb.on
        )
    return out


def _cell(on: dt.date, **values: Any) -> dict[str, Any]:
    return {"on": on.isoformat(), **values}


def _row(status: str, a: dict[str, Any] | None, b: dict[str, Any] | None, **keys: Any) -> dict[str, Any]:
    """A row: its status, its two cells (None where the edition's date has nothing) and the
    citations of both cells, without repeats."""
    citations = [c for cell in (a, b) if cell for c in cell["citations"]]
    return {**keys, "status": status, "a": a, "b": b, "citations": [dict(c) for c in _unique(citations)]}


def _unique(citations: list[dict[str, str]]) -> list[dict[str, str]]:
    seen: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}
    for c in citations:
        seen.setdefault(tuple(sorted(c.items())), c)
    return list(seen.values())


# -- consultation bodies ---------------------------------------------------------------------------


def compare_bodies(fw: Framework, a: dt.date, b: dt.date) -> list[dict[str, Any]]:
    """Each body's members by side on both dates: the same position or organisation in both is the
    same member, `renamed` when its name changed between them (Pacific Command, Indo-Pacific
    Command); one in one date only is `removed` or `added`. A different office is a different
    member (the Joint Committee's director-general and deputy director-general). Membership notes
    (the SSC's "participants are not fixed") compare by their text."""
    out = []
    for body_a, body_b in zip(bodies_on(fw, a), bodies_on(fw, b), strict=True):
        rows = []
        for side in SIDES:
            rows += _member_rows(fw, side, body_a["members"][side], body_b["members"][side], a, b)
            rows += _note_rows(side, body_a["membership_notes"][side], body_b["membership_notes"][side], a, b)
        out.append(
            {
                "id": body_b["id"],
                "label": body_b["label"],
                **({"short": body_b["short"]} if "short" in body_b else {}),
                "exists": {"a": body_a["exists"], "b": body_b["exists"]},
                "rows": rows,
            }
        )
    return out


def _member_rows(
    fw: Framework, side: str, in_a: list[dict[str, Any]], in_b: list[dict[str, Any]], a: dt.date, b: dt.date
) -> list[dict[str, Any]]:
    by_a, by_b = {m["id"]: m for m in in_a}, {m["id"]: m for m in in_b}
    rows = []
    for member_id in [*by_a, *(i for i in by_b if i not in by_a)]:
        ma, mb = by_a.get(member_id), by_b.get(member_id)
        cell_a = _member_cell(fw, ma, a) if ma else None
        cell_b = _member_cell(fw, mb, b) if mb else None
        if cell_a and cell_b:
            status = "same" if cell_a["label"] == cell_b["label"] else "renamed"
        else:
            status = "added" if cell_b else "removed"
        rows.append(_row(status, cell_a, cell_b, side=side, kind="member", id=member_id))
    return rows


def _member_cell(fw: Framework, member: dict[str, Any], on: dt.date) -> dict[str, Any]:
    """A member as the body's view gives it on `on`, citing its membership and, for a dated name,
    the sources of that name."""
    names = next((n.citations for n in fw[member["id"]].names if n.period.contains(on)), ())
    citations = _unique([*member["citations"], *cites_json(names)])
    return _cell(on, label=member["label"], citations=citations)


def _note_rows(
    side: str, in_a: list[dict[str, Any]], in_b: list[dict[str, Any]], a: dt.date, b: dt.date
) -> list[dict[str, Any]]:
    by_a = {n["text"]["en"]: n for n in in_a}
    by_b = {n["text"]["en"]: n for n in in_b}
    rows = []
    for key in [*by_a, *(k for k in by_b if k not in by_a)]:
        na, nb = by_a.get(key), by_b.get(key)
        cell_a = _cell(a, label=na["text"], citations=na["citations"]) if na else None
        cell_b = _cell(b, label=nb["text"], citations=nb["citations"]) if nb else None
        status = "same" if na and nb else "added" if nb else "removed"
        rows.append(_row(status, cell_a, cell_b, side=side, kind="note", id=None))
    return rows


# -- ACSA ------------------------------------------------------------------------------------------


def compare_acsa(fw: Framework, a: dt.date, b: dt.date) -> dict[str, Any]:
    """The ACSA in force on both dates (`acsa.agreement_in_force`), and for each providing side and
    each context the categories it may provide (`acsa.may_provide`: the agreement and the
    provider's own law). A context's row is `same` when the categories are; `added` when none were
    allowed on the first date, `removed` when none are on the second, else `changed`; `gained` and
    `lost` name the categories that differ."""
    cell_a, cell_b = _agreement_cell(fw, a), _agreement_cell(fw, b)
    agreement = _row("same" if cell_a["id"] == cell_b["id"] else "changed", cell_a, cell_b)
    params = {p.name: p.allowed(fw) for p in get_question("acsa.may_provide").params}
    rows = []
    for provider in params["provider"]:
        for context in params["context"]:
            cells = [_coverage_cell(fw, on, provider, context, params["category"]) for on in (a, b)]
            allowed = [[c["id"] for c in cell["allowed"]] for cell in cells]
            row = _row(_set_status(*cells), *cells, provider=provider, context=_named(fw, context, b))
            row["gained"] = [c for c in cells[1]["allowed"] if c["id"] not in allowed[0]]
            row["lost"] = [c for c in cells[0]["allowed"] if c["id"] not in allowed[1]]
            # the categories the rules cannot decide, compared as the allowed ones are (UN
            # peacekeeping printed both full lists when only ammunition differed)
            undetermined = [[c["id"] for c in cell["undetermined"]] for cell in cells]
            row["undetermined_gained"] = [c for c in cells[1]["undetermined"] if c["id"] not in undetermined[0]]
            row["undetermined_lost"] = [c for c in cells[0]["undetermined"] if c["id"] not in undetermined[1]]
            rows.append(row)
    categories = [_named(fw, c, b) for c in params["category"]]
    return {"agreement": agreement, "categories": categories, "coverage": rows}


def compact_categories(items: list[dict[str, Any]], every: list[dict[str, Any]]) -> dict[str, Any]:
    """A list of categories as the page and the text show it: all of them but three at most as
    "every category but ..." (`all_but`, the ones left out; an added context listed all sixteen
    allowed), else the list itself (`only`)."""
    ids = {c["id"] for c in items}
    left_out = [c for c in every if c["id"] not in ids]
    if len(items) > 3 and len(left_out) <= 3 and len(left_out) < len(items):
        return {"all_but": left_out}
    return {"only": items}


def _agreement_cell(fw: Framework, on: dt.date) -> dict[str, Any]:
    answer = ask(fw, "acsa.agreement_in_force", {}, on)
    value = answer["answer"]
    label = answer.get("labels", {}).get(value) if value else None
    citations = _unique([c for r in answer["reasons"] for c in r["citations"]])
    return _cell(on, id=value, label=label or msg("compare.no_acsa").as_json(), citations=citations)


def _coverage_cell(
    fw: Framework, on: dt.date, provider: str, context: str, categories: tuple[str, ...]
) -> dict[str, Any]:
    """The categories `provider` may provide in `context` on `on`, those the rules cannot decide,
    and the citations of every answer."""
    allowed, undetermined, citations = [], [], []
    for category in categories:
        answer = ask(fw, "acsa.may_provide", {"provider": provider, "category": category, "context": context}, on)
        if answer.get("undetermined"):
            undetermined.append(_named(fw, category, on))
        elif answer["answer"]:
            allowed.append(_named(fw, category, on))
        citations += [c for r in answer["reasons"] for c in r["citations"]]
    return _cell(on, allowed=allowed, undetermined=undetermined, citations=_unique(citations))


def _set_status(a: dict[str, Any], b: dict[str, Any]) -> str:
    def ids(cell: dict[str, Any], key: str) -> list[str]:
        return [c["id"] for c in cell[key]]

    if ids(a, "allowed") == ids(b, "allowed") and ids(a, "undetermined") == ids(b, "undetermined"):
        return "same"
    if not a["allowed"] and b["allowed"]:
        return "added"
    if a["allowed"] and not b["allowed"]:
        return "removed"
    return "changed"


def _named(fw: Framework, ent_id: str, on: dt.date) -> dict[str, Any]:
    return {"id": ent_id, "label": fw.label(ent_id, on).as_json()}


# -- instruments -----------------------------------------------------------------------------------


def compare_instruments(fw: Framework, a: dt.date, b: dt.date) -> list[dict[str, Any]]:
    """Every version of an instrument in force, or not stated to be out of force, on either date:
    `same` when both dates say the same (in force, or "not stated" — None — on both), `renamed`
    when it did under another name (a law's dated names), `added` when it came into force between
    them, `removed` when it ceased, `changed` when one date is "not stated" and the other is not.
    A political document, which enters into force on no day, is `issued` when issued between the
    dates (`_issued_row`), never "in force"."""
    rows = []
    for fam_a, fam_b in zip(instruments_view(fw, a), instruments_view(fw, b), strict=True):
        for va, vb in zip(fam_a["versions"], fam_b["versions"], strict=True):
            family = {"id": fam_b["family"], "label": fam_b["label"]}
            if not vb["enters_into_force"]:
                rows += _issued_row(va, vb, a, b, family)
                continue
            was, now = va["in_force"], vb["in_force"]
            if was is False and now is False:
                continue
            if was == now:
                status = "same" if va["label"] == vb["label"] else "renamed"
            elif was is False and now is True:
                status = "added"
            elif was is True and now is False:
                status = "removed"
            else:
                status = "changed"
            cells = [
                _cell(on, in_force=v["in_force"], label=v["label"], citations=v["citations"])
                for on, v in ((a, va), (b, vb))
            ]
            rows.append(_row(status, *cells, id=vb["id"], label=vb["label"], type=vb["type"], family=family))
    return rows


def _issued_row(
    va: dict[str, Any], vb: dict[str, Any], a: dt.date, b: dt.date, family: dict[str, Any]
) -> list[dict[str, Any]]:
    """A political document (joint statement or declaration, report, plan) never enters into
    force: it is `issued` between the two dates when issued after the earlier and by the later
    (its cell on a date before its issue is None), and left out otherwise; `in_force` is None."""
    issued = vb["issued"]
    if issued is None or not (min(a, b) < dt.date.fromisoformat(issued) <= max(a, b)):
        return []
    cells = [
        _cell(on, in_force=None, issued=issued, label=v["label"], citations=v["citations"])
        if dt.date.fromisoformat(issued) <= on
        else None
        for on, v in ((a, va), (b, vb))
    ]
    return [_row("issued", *cells, id=vb["id"], label=vb["label"], type=vb["type"], family=family)]


# -- citations shown once per section ----------------------------------------------------------------


def split_citations(rows: list[dict[str, Any]]) -> tuple[list[dict[str, str]], list[list[dict[str, str]]]]:
    """The citations every one of `rows` has (given once for their section: "Defense of Japan 2014,
    footnote 12" was printed thirty times), and each row's own others, in its order. One row alone
    keeps its citations. The JSON keeps every row's full citations; the page and the text use this."""
    if len(rows) < 2:
        return [], [list(r["citations"]) for r in rows]
    shared = [c for c in rows[0]["citations"] if all(c in r["citations"] for r in rows[1:])]
    return shared, [[c for c in r["citations"] if c not in shared] for r in rows]


def citations_by_section(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """`split_citations` of each section of the page: a body's members (`body:<id>`), a provider's
    ACSA coverage (`acsa:jpn`, `acsa:usa`), the instruments; each `{"shared": [...], "rows": [...]}`
    with the rows in the order the section lists them."""
    sections: dict[str, list[dict[str, Any]]] = {}
    for body in data.get("bodies") or []:
        sections[f"body:{body['id']}"] = body["rows"]
    if data.get("acsa"):
        for provider in SIDES:
            sections[f"acsa:{provider}"] = [r for r in data["acsa"]["coverage"] if r["provider"] == provider]
    if data.get("instruments") is not None:
        sections["instruments"] = data["instruments"]
    out = {}
    for key, rows in sections.items():
        shared, own = split_citations(rows)
        out[key] = {"shared": shared, "rows": own}
    return out
