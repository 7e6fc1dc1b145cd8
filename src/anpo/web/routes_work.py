"""Pages of the alliance's work and their JSON twins: meetings, commitments, asset protection,
coordination cases with their live bilateral log (server-sent events), facilities, exercises and
the iCalendar export.

Who is asking comes from the web layer's session when it provides one (`request.state.principal`
or `anpo.web.auth.current_principal`); otherwise from a token the server was configured with
in-process (`app.state.work_tokens`, for tests, benches and demos); otherwise anonymous, who may
read public records only and may not write.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter, Body, HTTPException, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from sqlalchemy import Engine, inspect

from anpo.framework.model import Text
from anpo.security.access import AccessDenied
from anpo.security.principal import ANONYMOUS, Principal
from anpo.web.common import framework_of, lang_of, parse_on, render
from anpo.work import calendar as ical
from anpo.work import consultations, coordination, facilities, protection
from anpo.work.common import Work, WorkError, marking_of
from anpo.work.live import Broker

router = APIRouter()
TOKEN_COOKIE = "anpo_work_token"
TOKEN_HEADER = "x-anpo-work-token"
STATUS = {"not_found": 404, "exists": 409, "conflict": 409, "refused": 422, "invalid": 400}
NAV = {
    "meetings": Text("会合", "Meetings"),
    "commitments": Text("約束", "Commitments"),
    "protection": Text("武器等防護", "Asset protection"),
    "cases": Text("調整案件", "Coordination cases"),
    "facilities": Text("施設と演習", "Facilities and exercises"),
}


def principal_of(request: Request) -> Principal:
    state_principal = getattr(request.state, "principal", None)
    if isinstance(state_principal, Principal):
        return state_principal
    with contextlib.suppress(ImportError):
        auth = importlib.import_module("anpo.web.auth")
        current = getattr(auth, "current_principal", None)
        if callable(current):
            found = current(request)
            if isinstance(found, Principal):
                return found
    tokens: dict[str, Principal] = getattr(request.app.state, "work_tokens", {}) or {}
    token = request.headers.get(TOKEN_HEADER) or request.cookies.get(TOKEN_COOKIE)
    return tokens.get(token or "", ANONYMOUS)


def engine_of(request: Request) -> Engine:
    engine = getattr(request.app.state, "work_engine", None) or getattr(request.app.state, "engine", None)
    if engine is None:
        from anpo.store.db import make_engine

        engine = make_engine()
        request.app.state.work_engine = engine
    assert isinstance(engine, Engine)
    return engine


@contextmanager
def work_of(request: Request) -> Iterator[Work]:
    """A Work context in one transaction; refusals become 4xx with bilingual reasons, nothing written."""
    from anpo.store.db import session_factory, transaction

    engine = engine_of(request)
    if not getattr(request.app.state, "work_checked", False):
        if not inspect(engine).has_table("work_cases"):
            raise HTTPException(
                503,
                detail={
                    "error": Text(
                        "データベースが初期化されていません（anpo db init）",
                        "the database is not initialised (anpo db init)",
                    ).as_json()
                },
            )
        request.app.state.work_checked = True
    try:
        with transaction(session_factory(engine)) as session:
            yield Work(framework_of(request), session, principal_of(request))
    except WorkError as exc:
        raise HTTPException(STATUS.get(exc.code, 400), detail=exc.as_json()) from exc
    except AccessDenied as exc:
        raise HTTPException(403, detail={"error": exc.text.as_json()}) from exc


async def broker_of(request: Request) -> Broker:
    broker = getattr(request.app.state, "work_broker", None)
    if broker is None:
        broker = Broker(engine_of(request), framework_of(request))
        request.app.state.work_broker = broker
    await broker.start()
    assert isinstance(broker, Broker)
    return broker


def page(request: Request, template: str, twin: str, **context: Any) -> Any:
    principal = principal_of(request)
    return render(request, template, lang_of(request), twin=twin, nav=NAV, who=principal, **context)


# -- meetings, commitments, protection ------------------------------------------------------------


def meetings_data(request: Request, start: str | None, end: str | None, body: str | None) -> dict[str, Any]:
    with work_of(request) as w:
        rows = consultations.list_meetings(
            w, parse_on(start) if start else None, parse_on(end) if end else None, body or None
        )
    return {"from": start, "to": end, "body": body, "meetings": rows}


@router.get("/api/work/meetings", tags=["work"])
def api_meetings(
    request: Request, start: str | None = None, end: str | None = None, body: str | None = None
) -> dict[str, Any]:
    """Meetings between `start` and `end` with outcomes and the commitments they created."""
    return meetings_data(request, start, end, body)


@router.get("/work/meetings", include_in_schema=False)
def page_meetings(request: Request, start: str | None = None, end: str | None = None, body: str | None = None) -> Any:
    data = meetings_data(request, start, end, body)
    return page(request, "work_meetings.html", f"/api/work/meetings?{request.url.query}", data=data)


def commitments_data(request: Request, on: str | None, status: str | None) -> dict[str, Any]:
    day = parse_on(on)
    with work_of(request) as w:
        rows = consultations.list_commitments(w, day, status or None)
    return {"on": day.isoformat(), "status": status, "commitments": rows}


@router.get("/api/work/commitments", tags=["work"])
def api_commitments(request: Request, on: str | None = None, status: str | None = None) -> dict[str, Any]:
    """Commitments as of `on`, optionally only `open`, `late` or `done`."""
    return commitments_data(request, on, status)


@router.get("/work/commitments", include_in_schema=False)
def page_commitments(request: Request, on: str | None = None, status: str | None = None) -> Any:
    data = commitments_data(request, on, status)
    return page(request, "work_commitments.html", f"/api/work/commitments?on={data['on']}", data=data)


@router.get("/api/work/protection/report", tags=["work"])
def api_protection_report(request: Request, year: int) -> dict[str, Any]:
    """Asset protection (SDF Act Art. 95-2) carried out in `year`, computed from the records."""
    with work_of(request) as w:
        return protection.yearly_report(w, year)


@router.get("/work/protection", include_in_schema=False)
def page_protection(request: Request, year: int = 2023) -> Any:
    with work_of(request) as w:
        report = protection.yearly_report(w, year)
        records = protection.list_protection(w, year)
    return page(
        request, "work_protection.html", f"/api/work/protection/report?year={year}", report=report, records=records
    )


# -- coordination cases -------------------------------------------------------------------------


@router.get("/api/work/cases", tags=["work"])
def api_cases(request: Request, status: str | None = None) -> dict[str, Any]:
    """Coordination cases the caller may read."""
    with work_of(request) as w:
        return {"cases": coordination.list_cases(w, status)}


@router.get("/work/cases", include_in_schema=False)
def page_cases(request: Request) -> Any:
    with work_of(request) as w:
        rows = coordination.list_cases(w)
    return page(request, "work_cases.html", "/api/work/cases", cases=rows)


def case_data(request: Request, case_id: str) -> dict[str, Any]:
    with work_of(request) as w:
        return coordination.case_json(w, coordination.get_case(w, case_id), with_questions=True)


@router.get("/api/work/cases/{case_id}", tags=["work"])
def api_case(request: Request, case_id: str) -> dict[str, Any]:
    """A case: its level, determinations over time, the log entries the caller may read, and the
    framework questions that apply for its date and situation."""
    return case_data(request, case_id)


@router.get("/work/cases/{case_id}", include_in_schema=False)
def page_case(request: Request, case_id: str) -> Any:
    data = case_data(request, case_id)
    return page(request, "work_case.html", f"/api/work/cases/{case_id}", case=data)


@router.post("/api/work/cases/{case_id}/entries", tags=["work"], status_code=201)
def api_post_entry(request: Request, case_id: str, payload: dict[str, Any] = Body(...)) -> JSONResponse:  # noqa: B008
    """Add a message, decision or tasking: `{"type", "text": {"ja","en"} | str, "marking": {"level","releasable_to"}}`."""
    raw = payload.get("text")
    if isinstance(raw, str):
        body = Text(raw, raw)
    elif isinstance(raw, dict):
        body = Text(str(raw.get("ja") or raw.get("en") or ""), str(raw.get("en") or raw.get("ja") or ""))
    else:
        raise HTTPException(400, detail={"error": Text("本文(text)が必要です", "text is required").as_json()})
    with work_of(request) as w:
        mark = None
        if isinstance(payload.get("marking"), dict):
            m = payload["marking"]
            mark = marking_of(m.get("level"), m.get("releasable_to"), w.levels)
        entry = coordination.post_entry(w, case_id, str(payload.get("type", "message")), body, marking=mark)
    broker = getattr(request.app.state, "work_broker", None)
    if isinstance(broker, Broker):
        broker.wake()
    return JSONResponse(entry, status_code=201)


@router.get("/api/work/cases/{case_id}/events", tags=["work"])
async def api_case_events(request: Request, case_id: str, after: int = 0) -> StreamingResponse:
    """Server-sent events: each new entry of the case the caller may read (`event: entry`,
    `id:` its sequence number). Reconnects resume after `Last-Event-ID`."""
    principal = principal_of(request)
    last = request.headers.get("last-event-id")
    start = int(last) if last and last.isdigit() else after
    broker = await broker_of(request)

    def backlog() -> list[dict[str, Any]]:
        with work_of(request) as w:
            return coordination.entries_after(w, case_id, start)

    # Subscribe first, then read the backlog: nothing falls between (repeats are skipped by seq).
    sub = broker.subscribe(case_id, principal)
    try:
        first = await asyncio.to_thread(backlog)  # 404 before the stream opens if the case is not readable
    except BaseException:
        broker.unsubscribe(sub)
        raise

    async def stream() -> AsyncIterator[str]:
        sent = start
        try:
            yield "retry: 1000\n\n"
            for item in first:
                sent = max(sent, item["seq"])
                yield _sse(item)
            while not sub.dropped:
                try:
                    item = await asyncio.wait_for(sub.queue.get(), timeout=15)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                if item["seq"] > sent:
                    sent = item["seq"]
                    yield _sse(item)
        finally:
            broker.unsubscribe(sub)

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )


def _sse(item: dict[str, Any]) -> str:
    return f"id: {item['seq']}\nevent: entry\ndata: {json.dumps(item, ensure_ascii=False)}\n\n"


# -- facilities, exercises, calendar -------------------------------------------------------------


def facilities_data(request: Request, on: str | None) -> dict[str, Any]:
    day = parse_on(on)
    fw = framework_of(request)
    with work_of(request) as w:
        bookings = facilities.list_bookings(w)
    return {
        "on": day.isoformat(),
        "facilities": facilities.list_facilities(fw, day),
        "exercises": facilities.list_exercises(fw),
        "bookings": bookings,
    }


@router.get("/api/work/facilities", tags=["work"])
def api_facilities(request: Request, on: str | None = None) -> dict[str, Any]:
    """Facilities with their joint-use arrangements (in force on `on` or not), exercises, bookings."""
    return facilities_data(request, on)


@router.get("/work/facilities", include_in_schema=False)
def page_facilities(request: Request, on: str | None = None) -> Any:
    data = facilities_data(request, on)
    return page(request, "work_facilities.html", f"/api/work/facilities?on={data['on']}", data=data)


@router.get("/api/work/calendar.ics", tags=["work"])
def api_calendar(request: Request, lang: str | None = None) -> Response:
    """Meetings and exercises as an iCalendar file."""
    chosen = lang if lang in ("ja", "en") else lang_of(request)
    with work_of(request) as w:
        meetings = consultations.list_meetings(w)
    body = ical.export(meetings, facilities.list_exercises(framework_of(request)), chosen)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="anpo.ics"'},
    )
