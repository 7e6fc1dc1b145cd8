"""Pages of the framework (bodies as of a date, timeline, any entity) and their JSON twins."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, HTTPException, Request

from anpo.dates import era_string
from anpo.framework.framework import Framework
from anpo.framework.model import Text
from anpo.framework.schema import INSTRUMENT_TYPES, KINDS, AttrType
from anpo.framework.views import bodies_on, entity_view, instrument_types, instruments_view, timeline
from anpo.i18n import msg, t
from anpo.i18n.catalog import MESSAGES
from anpo.web import auth
from anpo.web.common import BadRequest, framework_of, lang_of, parse_on, render
from anpo.web.timecharts import Mark, Span, events_chart, periods_chart

router = APIRouter()


def bodies_data(request: Request, on: str | None) -> dict[str, Any]:
    day = parse_on(on)
    return {"on": day.isoformat(), "on_era": era_string(day), "bodies": bodies_on(framework_of(request), day)}


@router.get("/api/bodies", tags=["framework"])
async def api_bodies(request: Request, on: str | None = None) -> dict[str, Any]:
    """The consultation bodies and their members as of `on` (YYYY-MM-DD or an era date)."""
    return bodies_data(request, on)


@router.get("/bodies", include_in_schema=False)
async def page_bodies(request: Request, on: str | None = None) -> Any:
    await auth.principal(request)  # for the page's header, looked up without a worker thread
    data = bodies_data(request, on)
    fw = framework_of(request)
    return render(
        request,
        "bodies.html",
        lang_of(request),
        data=data,
        twin=f"/api/bodies?on={data['on']}",
        sides={s: fw[s].label.as_json() for s in ("jpn", "usa")},
    )


def timeline_data(start: str | None, end: str | None, request: Request) -> dict[str, Any]:
    first = parse_on(start) if start else None
    last = parse_on(end) if end else None
    if first and last and last < first:  # listed no events, as if none had happened in the range
        raise BadRequest(msg("date.end_before_start", start=first.isoformat(), end=last.isoformat()))
    return {
        "from": first.isoformat() if first else None,
        "to": last.isoformat() if last else None,
        "events": timeline(framework_of(request), first, last),
    }


@router.get("/api/timeline", tags=["framework"])
async def api_timeline(request: Request, start: str | None = None, end: str | None = None) -> dict[str, Any]:
    """Events of the alliance's history between `start` and `end` (inclusive)."""
    return timeline_data(start, end, request)


@router.get("/timeline", include_in_schema=False)
async def page_timeline(request: Request, start: str | None = None, end: str | None = None) -> Any:
    await auth.principal(request)  # for the page's header, looked up without a worker thread
    data = timeline_data(start, end, request)
    query = "&".join(f"{k}={v}" for k, v in (("start", data["from"]), ("end", data["to"])) if v)
    lang = lang_of(request)
    marks = [
        Mark(
            dt.date.fromisoformat(e["date"]),
            e["kind"],
            f"/entity/{e['id']}",
            f"{e['date']} ({era_string(dt.date.fromisoformat(e['date']))}) {e['label'][lang]}",
        )
        for e in data["events"]
    ]
    lanes = [("event", t("ui.lane_event", lang)), ("meeting", t("ui.lane_meeting", lang))]
    first, last = (dt.date.fromisoformat(data[k]) if data[k] else None for k in ("from", "to"))
    chart = events_chart(marks, lanes, t("ui.chart_timeline", lang), lang, first, last)
    return render(request, "timeline.html", lang, data=data, chart=chart, twin=f"/api/timeline?{query}")


def instruments_data(request: Request, on: str | None, kind: str | None) -> dict[str, Any]:
    day = parse_on(on)
    kinds = INSTRUMENT_TYPES.choices
    if kind and kind not in kinds:  # it listed nothing, as if the type had no instruments
        raise BadRequest(msg("instruments.unknown_kind", kind=kind, allowed=", ".join(kinds)))
    return {
        "on": day.isoformat(),
        "on_era": era_string(day),
        "families": instruments_view(framework_of(request), day, kind or None),
    }


@router.get("/api/instruments", tags=["framework"])
async def api_instruments(request: Request, on: str | None = None, kind: str | None = None) -> dict[str, Any]:
    """The instruments in families of versions (amendments, successors), each with its period in
    force, whether it was in force on `on`, its provisions and sources; `kind` filters by type
    (treaty, agreement, guidelines, law, ...)."""
    return instruments_data(request, on, kind)


def _span(v: dict[str, Any], lang: str) -> Span:
    """A version's mark on its family's chart: a bar over its period in force, open "to date" only
    when an entry into force is stated; a diamond on the day it was signed when its period in force
    is not stated (the 1983 arrangement on military technology: a bar from 1983 "to date" drew it
    in force after its 2006 replacement), or on the day a statement was issued (never in force)."""
    label = v["short"][lang] if "short" in v else v["label"][lang]
    name = v["label"][lang]
    if not v["enters_into_force"]:
        day = v["issued"] or v["from"] or v["signed"]
        title = f"{name}: {t('ui.issued_on', lang, date=day)} ({t('ui.in_force_not_applicable', lang)})"
        return Span(label, dt.date.fromisoformat(day), None, f"/entity/{v['id']}", title, point=True)
    if not v["from"]:
        title = f"{name}: {t('ui.signed', lang)} {v['signed']} ({t('ui.in_force_period', lang)}: {t('ui.not_stated', lang)})"
        return Span(label, dt.date.fromisoformat(v["signed"]), None, f"/entity/{v['id']}", title, point=True)
    return Span(
        label,
        dt.date.fromisoformat(v["from"]),
        dt.date.fromisoformat(v["to"]) if v["to"] else None,
        f"/entity/{v['id']}",
        f"{name}: {v['from']} – {v['to'] or t('ui.until_now', lang)}",
        bool(v.get("in_force")),
    )


@router.get("/instruments", include_in_schema=False)
async def page_instruments(request: Request, on: str | None = None, kind: str | None = None) -> Any:
    await auth.principal(request)  # for the page's header, looked up without a worker thread
    data = instruments_data(request, on, kind)
    lang = lang_of(request)
    day = dt.date.fromisoformat(data["on"])
    charts = {}
    for family in data["families"]:
        spans = [_span(v, lang) for v in family["versions"] if v["from"] or v["signed"]]
        if len(family["versions"]) > 1 and spans:
            first = min(s.start for s in spans)
            last = max([*(s.end for s in spans if s.end), day, first.replace(year=first.year + 10)])
            charts[family["family"]] = periods_chart(
                spans, dt.date(first.year, 1, 1), dt.date(last.year + 1, 1, 1), t("ui.chart_instruments", lang), lang
            )
    query = f"on={data['on']}" + (f"&kind={kind}" if kind else "")
    # the filter offers the types the pack's instruments have, and keeps the one chosen (a type
    # of the schema that no instrument has lists nothing, and says so by staying selected)
    kinds = instrument_types(framework_of(request))
    kinds += [kind] if kind and kind not in kinds else []
    return render(
        request,
        "instruments.html",
        lang,
        data=data,
        charts=charts,
        kind=kind or "",
        kinds=kinds,
        twin=f"/api/instruments?{query}",
    )


def entity_data(request: Request, ent_id: str, on: str | None) -> dict[str, Any]:
    fw = framework_of(request)
    ent = fw.get(ent_id)
    if ent is None:
        raise HTTPException(status_code=404, detail={"error": msg("entity.unknown", id=ent_id).as_json()})
    return entity_view(fw, ent, parse_on(on) if on else None)


@router.get("/api/entity/{ent_id}", tags=["framework"])
async def api_entity(request: Request, ent_id: str, on: str | None = None) -> dict[str, Any]:
    """Everything the pack says of one entity; with `on`, only the facts in force that day."""
    return entity_data(request, ent_id, on)


@router.get("/entity/{ent_id}", include_in_schema=False)
async def page_entity(request: Request, ent_id: str, on: str | None = None) -> Any:
    await auth.principal(request)  # for the page's header, looked up without a worker thread
    data = entity_data(request, ent_id, on)
    lang = lang_of(request)
    page = entity_page(framework_of(request), data, lang)
    return render(request, "entity.html", lang, data=data, page=page, twin=f"/api/entity/{ent_id}")


# -- labels of the pack's field names, kinds and enumerated values, for the pages ------------------

# The catalog groups enumerated values by what they name: both document types share theirs.
ENUM_GROUPS = {
    "source_type": "doc_type",
    "instrument_type": "doc_type",
    "protected_asset": "asset",
    "protecting_asset": "asset",
}


def _catalog(key: str, fallback: str) -> Text:
    return msg(key) if key in MESSAGES else Text(fallback, fallback)


def attr_label(attr: str) -> Text:
    """A field name of the pack (`venue`, `participant`) as words: the catalog's `attr.NAME`."""
    return _catalog(f"attr.{attr}", attr)


def kind_label(kind: str) -> Text:
    """A kind of entity (`meeting`, `event`) as words: the catalog's `kind.KIND`."""
    return _catalog(f"kind.{kind}", kind)


def enum_label(attr: str, value: str) -> Text:
    """An enumerated value of a field (`mode: in_person`) as words: `value.GROUP.VALUE`."""
    return _catalog(f"value.{ENUM_GROUPS.get(attr, attr)}.{value}", value)


def _era_of(day: dt.date, cut: str) -> str:
    """The era form of `day` cut after its year (`cut` "年") or month ("月"): 平成8年, 平成8年1月."""
    try:
        text = era_string(day)
    except (ValueError, KeyError, AttributeError):  # a date the era calendar does not cover
        return ""
    return text[: text.index(cut, text.index("年")) + 1]


def date_shown(iso: str, precision: str, lang: str) -> tuple[str, str]:
    """A date as the page shows it, with its era form for Japanese: a date known to the year or the
    month is that year or month (1996-01-01 of precision year is "1996", 1996年（平成8年）), never a
    day that the sources do not give. The era form names both eras of a year or month that has two."""
    day = dt.date.fromisoformat(iso)
    if precision == "year":
        text = t("ui.date_year", lang, year=day.year)
        bounds, cut = (day.replace(month=1, day=1), day.replace(month=12, day=31)), "年"
    elif precision == "month":
        text = t("ui.date_month", lang, year=day.year, month=day.month)
        following = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
        bounds, cut = (day.replace(day=1), following - dt.timedelta(days=1)), "月"
    else:
        return iso, _era_of(day, "日") if lang == "ja" else ""
    if lang != "ja":
        return text, ""
    return text, "・".join(dict.fromkeys(e for e in (_era_of(b, cut) for b in bounds) if e))


def _segment(text: str, href: str | None = None, era: str = "", name: str = "") -> dict[str, str | None]:
    return {"text": text, "href": href, "era": era, "name": name}


def value_segments(
    fw: Framework, attr: str, atype: AttrType | None, value: Any, lang: str, precision: str = "day"
) -> list[dict[str, str | None]]:
    """A fact's value (as its JSON twin holds it) as pieces of text in the page's language: a
    reference is a link to the entity it names (only to an entity of the framework), a text is in
    the page's language, a date has its era form, an enumerated value its label, and a structure
    (a participant, an outcome) its fields named. An outcome's `id` names no entity: not shown."""
    if isinstance(value, dict) and "label" in value and "id" in value:
        href = f"/entity/{value['id']}" if fw.get(str(value["id"])) is not None else None
        return [_segment(str(value["label"].get(lang, "")) or str(value["id"]), href)]
    if isinstance(value, dict) and set(value) == {"ja", "en"}:
        return [_segment(str(value[lang]))]
    if isinstance(value, dict):
        fields = atype.fields if atype is not None else {}
        order = {k: n for n, k in enumerate(fields)}  # the schema's order: a participant's position, then name
        items = sorted(value.items(), key=lambda kv: order.get(kv[0], len(order)))
        shown = [(k, v) for k, v in items if not (k == "id" and getattr(fields.get(k), "kind", "") == "str")]
        out = []
        for k, v in shown:
            for piece in value_segments(fw, k, fields.get(k), v, lang, precision):
                out.append({**piece, "name": attr_label(k).get(lang) if len(shown) > 1 else ""})
        return out
    if isinstance(value, bool):
        return [_segment(t("ui.yes" if value else "ui.no", lang))]
    if isinstance(value, str) and atype is not None and atype.kind == "date":
        text, era = date_shown(value, precision, lang)
        return [_segment(text, era=era)]
    if isinstance(value, str) and atype is not None and atype.kind == "enum":
        return [_segment(enum_label(attr, value).get(lang))]
    return [_segment("" if value is None else str(value))]


def entity_page(fw: Framework, data: dict[str, Any], lang: str) -> dict[str, Any]:
    """What the entity page shows beside its JSON twin's data: the kind and every field name as
    words, each fact's value as labelled pieces (`value_segments`)."""
    attrs = KINDS.get(data["kind"], {})
    precision = next((f["value"] for f in data["facts"] if f["attr"] == "precision"), "day")
    facts = [
        {
            "attr": attr_label(f["attr"]).get(lang),
            "segments": value_segments(
                fw, f["attr"], attrs[f["attr"]].type if f["attr"] in attrs else None, f["value"], lang, precision
            ),
        }
        for f in data["facts"]
    ]
    referrers = [
        {"kind": kind_label(r["kind"]).get(lang), "attr": attr_label(r["attr"]).get(lang)}
        for r in data["referenced_by"]
    ]
    return {"kind": kind_label(data["kind"]).get(lang), "facts": facts, "referenced_by": referrers}
