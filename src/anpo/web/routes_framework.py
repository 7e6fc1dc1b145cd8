"""Pages of the framework (bodies as of a date, timeline, any entity) and their JSON twins."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, HTTPException, Request

from anpo.dates import era_string
from anpo.framework.schema import INSTRUMENT_TYPES
from anpo.framework.views import bodies_on, entity_view, instruments_view, timeline
from anpo.i18n import msg, t
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
    chart = events_chart(marks, lanes, t("ui.chart_timeline", lang))
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


@router.get("/instruments", include_in_schema=False)
async def page_instruments(request: Request, on: str | None = None, kind: str | None = None) -> Any:
    await auth.principal(request)  # for the page's header, looked up without a worker thread
    data = instruments_data(request, on, kind)
    lang = lang_of(request)
    day = dt.date.fromisoformat(data["on"])
    charts = {}
    for family in data["families"]:
        spans = [
            Span(
                v["short"][lang] if "short" in v else v["label"][lang],
                dt.date.fromisoformat(v["from"] or v["signed"]),
                dt.date.fromisoformat(v["to"]) if v["to"] else None,
                f"/entity/{v['id']}",
                f"{v['label'][lang]}: {v['from'] or v['signed']} – {v['to'] or t('ui.until_now', lang)}",
                bool(v.get("in_force")),
            )
            for v in family["versions"]
            if v["from"] or v["signed"]
        ]
        if len(family["versions"]) > 1 and spans:
            first = min(s.start for s in spans)
            last = max([*(s.end for s in spans if s.end), day, first.replace(year=first.year + 10)])
            charts[family["family"]] = periods_chart(
                spans, dt.date(first.year, 1, 1), dt.date(last.year + 1, 1, 1), t("ui.chart_instruments", lang)
            )
    query = f"on={data['on']}" + (f"&kind={kind}" if kind else "")
    return render(
        request, "instruments.html", lang, data=data, charts=charts, kind=kind or "", twin=f"/api/instruments?{query}"
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
    return render(request, "entity.html", lang_of(request), data=data, twin=f"/api/entity/{ent_id}")
