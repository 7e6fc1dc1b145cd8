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
import datetime as dt
import importlib
import inspect as pyinspect
import json
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.routing import APIRoute
from sqlalchemy import Engine, inspect

import anpo.web.dashboard_work  # noqa: F401  (registers the work layer's items on the dashboard)
from anpo.framework.model import Text
from anpo.i18n import msg
from anpo.rules.questions.situation import DIET
from anpo.security import access
from anpo.security.access import AccessDenied
from anpo.security.markings import PUBLIC, Levels
from anpo.security.principal import ANONYMOUS, Principal
from anpo.web import guard
from anpo.web.common import MAX_INTEGER, framework_of, lang_of, parse_on, refuse_unknown_fields, render
from anpo.web.invalid import invalid_request
from anpo.work import calendar as ical
from anpo.work import consultations, coordination, facilities, protection
from anpo.work.common import Work, WorkError, audit_denied, marking_of
from anpo.work.live import Broker


def refused(text: Text, status: int = 400, code: str = "invalid") -> HTTPException:
    """A refusal of the work API in the one shape of its errors (that of `WorkError`): `{"error":
    {"ja", "en"}, "code"}` (a 400 "'unit' must be text" or a 403 had no `code`)."""
    return HTTPException(status, detail={"error": text.as_json(), "code": code})


class WorkRoute(APIRoute):
    """The work's routes: a request FastAPI's own validation refuses (a path or query parameter that
    is no whole number, a body that is no JSON) is answered in the same shape as every other error
    of the work API, with its `code`, and the reasons `anpo.web.invalid` words."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def checked(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                raise refused(invalid_request(exc.errors()), 422) from exc

        return checked


router = APIRouter(route_class=WorkRoute)
TOKEN_COOKIE = "anpo_work_token"
TOKEN_HEADER = "x-anpo-work-token"
STATUS = {"not_found": 404, "exists": 409, "conflict": 409, "refused": 422, "invalid": 400, "forbidden": 403}
NAV = {
    "meetings": Text("会合", "Meetings"),
    "commitments": Text("約束", "Commitments"),
    "protection": Text("武器等防護", "Asset protection"),
    "cases": Text("調整案件", "Coordination cases"),
    "facilities": Text("施設と演習", "Facilities and exercises"),
    "exercises": Text("机上演習", "Tabletop exercises"),
}


# One line on each section, on the index page of the work (`/work`).
ABOUT = {
    "meetings": Text("日米の協議の場の会合と成果", "Meetings of the consultative bodies and their outcomes"),
    "commitments": Text(
        "会合で約束したことと、その期限・履行", "What the meetings committed to, due dates and completion"
    ),
    "protection": Text("自衛隊法第95条の2による米軍等の武器等防護", "Asset protection under SDF Act Art. 95-2"),
    "cases": Text(
        "同盟調整メカニズムでの調整案件と日米の記録", "Coordination cases in the Alliance Coordination Mechanism"
    ),
    "facilities": Text("施設・区域の共同使用、予約と共同演習", "Joint use of facilities, bookings and exercises"),
    "exercises": Text("机上演習の実施と事後報告", "Live tabletop exercises and their after-action reports"),
}


def principal_of(request: Request) -> Principal:
    state_principal = getattr(request.state, "principal", None)
    if isinstance(state_principal, Principal):
        return state_principal
    with contextlib.suppress(ImportError):
        auth = importlib.import_module("anpo.web.auth")
        current = getattr(auth, "current_principal", None)
        if callable(current) and not pyinspect.iscoroutinefunction(current):
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
            raise refused(
                Text(
                    "データベースが初期化されていません（anpo db init）",
                    "the database is not initialised (anpo db init)",
                ),
                503,
                "unavailable",
            )
        request.app.state.work_checked = True
    principal = principal_of(request)
    denied: list[Any] = []
    try:
        with transaction(session_factory(engine)) as session:
            w = Work(framework_of(request), session, principal)
            denied = w.denied
            yield w
    except WorkError as exc:
        audit_denied(engine, principal, denied)
        raise HTTPException(STATUS.get(exc.code, 400), detail=exc.as_json()) from exc
    except AccessDenied as exc:
        audit_denied(engine, principal, denied)
        raise refused(exc.text, 403, "forbidden") from exc


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


@router.get("/work", include_in_schema=False)
def page_index(request: Request) -> Any:
    """The sections of the alliance's work, for the top navigation: each is readable by anyone
    (public records; a user sees also those their clearance and party allow)."""
    return page(request, "work_index.html", "", about=ABOUT)


def meetings_data(request: Request, start: str | None, end: str | None, body: str | None) -> dict[str, Any]:
    with work_of(request) as w:
        rows = consultations.list_meetings(
            w, parse_on(start) if start else None, parse_on(end) if end else None, body or None
        )
        _mark_commitments(request, w, rows)
    return {"from": start, "to": end, "body": body, "meetings": rows}


def _mark_commitments(request: Request, w: Work, meetings: list[dict[str, Any]]) -> None:
    """A meeting names its commitments (those the caller may read) by id only, without their
    markings: the response is marked with theirs too (a confidential commitment's id under a
    public meeting made a page banner and `X-Anpo-Marking` say PUBLIC)."""
    from anpo.work.tables import Commitment

    listed = {cid for m in meetings for cid in m.get("commitments", [])}
    found = (w.session.get(Commitment, cid) for cid in sorted(listed))  # loaded already: the identity map
    guard.mark(request, *(c.marking for c in found if c is not None))


@router.get("/api/work/meetings", tags=["work"])
def api_meetings(
    request: Request, start: str | None = None, end: str | None = None, body: str | None = None
) -> dict[str, Any]:
    """Meetings between `start` and `end` with outcomes and the commitments they created."""
    return meetings_data(request, start, end, body)


@router.get("/api/work/meetings/{meeting_id}", tags=["work"])
def api_meeting(request: Request, meeting_id: str) -> dict[str, Any]:
    """One meeting with its outcomes and commitments; 404 for one the caller may not read."""
    with work_of(request) as w:
        row = consultations.get_meeting(w, meeting_id)
        _mark_commitments(request, w, [row])
    return row


@router.get("/work/meetings", include_in_schema=False)
def page_meetings(request: Request, start: str | None = None, end: str | None = None, body: str | None = None) -> Any:
    data = meetings_data(request, start, end, body)
    fw, who = framework_of(request), principal_of(request)
    levels = Levels(fw)
    return page(
        request,
        "work_meetings.html",
        f"/api/work/meetings?{request.url.query}",
        data=data,
        # the form recording a meeting, for those who may (`work.meeting.write`; the API checks again)
        can_record=access.can(levels, who, "work.meeting.write", PUBLIC),
        bodies=[(e.id, e.label) for kind in consultations.BODY_KINDS for e in fw.of_kind(kind)],
        levels=_levels_up_to(levels, who),
        party_labels=_party_labels(request),
        outcome_line_words={
            "ja": "成果は1行に1つ「ID|日本語|英語」の形で書いてください（{n}行目: {line}）",
            "en": "write each outcome on a line of its own as 'ID|Japanese|English' (line {n}: {line})",
        },
    )


def _levels_up_to(levels: Levels, who: Principal) -> list[str]:
    """The marking levels a form offers: those up to the user's clearance (one above it is refused
    by the API: a Secret-cleared user was offered Top Secret); public only for a clearance the pack
    does not define."""
    if who.system:
        return list(levels.order)
    if who.clearance not in levels.order:
        return levels.order[:1]
    return [lv for lv in levels.order if levels.dominates(who.clearance, lv)]


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


@router.get("/api/work/protection", tags=["work"])
def api_protection_records(request: Request, year: int | None = None) -> dict[str, Any]:
    """The real asset-protection records the caller may read, of `year` or of every year, in the
    order of their requests (each with its legal check, status and dates)."""
    with work_of(request) as w:
        return {"year": year, "records": protection.list_protection(w, year)}


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


@router.get("/api/work/determinations", tags=["work"])
def api_determinations(request: Request, start: str | None = None, end: str | None = None) -> dict[str, Any]:
    """Situation determinations that took effect between `start` and `end` (inclusive): by the
    date each takes effect (`on`: its Cabinet decision's, else its case's), not when it was recorded."""
    with work_of(request) as w:
        rows = coordination.list_determinations(w, parse_on(start) if start else None, parse_on(end) if end else None)
    return {"from": start, "to": end, "determinations": rows}


@router.get("/work/cases", include_in_schema=False)
def page_cases(request: Request) -> Any:
    with work_of(request) as w:
        rows = coordination.list_cases(w)
        can_open = access.can(w.levels, w.principal, "work.case.open", PUBLIC)
    return page(
        request,
        "work_cases.html",
        "/api/work/cases",
        cases=rows,
        can_open=can_open,
        case_types=coordination.CASE_TYPES,
        levels=coordination.LEVELS,
    )


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
    from anpo.rules.core import questions_json

    data = case_data(request, case_id)
    fw = framework_of(request)
    entry_labels = {k: msg(f"ui.work.entry.{k}") for k in coordination.ENTRY_TYPES}
    diet_labels = {k: msg(f"ui.work.diet.{k}") for k in DIET_APPROVAL}
    return page(
        request,
        "work_case.html",
        f"/api/work/cases/{case_id}",
        case=data,
        entry_labels=entry_labels,
        entry_labels_json={k: v.as_json() for k, v in entry_labels.items()},
        party_labels_json={k: v.as_json() for k, v in _party_labels(request).items()},
        diet_labels_json={k: v.as_json() for k, v in diet_labels.items()},
        postable=coordination.POSTABLE,
        shown={e["seq"]: text for e in data["entries"] if (text := _shown(e, diet_labels)) is not None},
        summaries={q["question"]: q["summary"] for q in questions_json(fw)},
    )


# The Diet's part in a situation (`situation.requirements`' `diet_approval`), which a determination's
# log entry recorded by earlier versions names by id: the page shows its label (`_shown`; the JSON keeps the
# entry as recorded). Entries recorded since name it in words.
DIET_APPROVAL = DIET
DIET_WORDS = Text("国会承認: ", "Diet approval: ")


def _shown(entry: dict[str, Any], diet_labels: dict[str, Text]) -> Text | None:
    """A determination's log entry with the Diet's part by its label (`(国会承認: report)` was
    shown as recorded, an id in a Japanese sentence); None for an entry shown as it is."""
    diet = ((entry.get("data") or {}).get("answer") or {}).get("details", {}).get("diet_approval")
    if entry.get("type") != "determination" or diet not in diet_labels:
        return None
    ja, en = entry["text"]["ja"], entry["text"]["en"]
    return Text(
        ja.replace(DIET_WORDS.ja + diet, DIET_WORDS.ja + diet_labels[diet].ja),
        en.replace(DIET_WORDS.en + diet, DIET_WORDS.en + diet_labels[diet].en),
    )


@router.post("/api/work/cases/{case_id}/entries", tags=["work"], status_code=201)
def api_post_entry(request: Request, case_id: str, payload: Any = Body(...)) -> JSONResponse:  # noqa: B008
    """Add a message, decision or tasking: `{"type", "text": {"ja","en"} | str, "marking": {"level","releasable_to"}}`."""
    data = _payload(payload, ("type", "text", "marking"))  # a list was a 422 "invalid request: body"
    raw = data.get("text")
    if isinstance(raw, str):
        body = Text(raw, raw)
    elif isinstance(raw, dict):
        _check_texts(raw, "text")
        body = Text(raw.get("ja") or raw.get("en") or "", raw.get("en") or raw.get("ja") or "")
    else:
        raise refused(Text("本文(text)が必要です", "text is required"))
    entry_type = data.get("type", "message")
    if not isinstance(entry_type, str):
        raise _not_text("type")
    with work_of(request) as w:
        mark = _marking(w, data, None)  # none: the case's
        entry = coordination.post_entry(w, case_id, entry_type, body, marking=mark)
    broker = getattr(request.app.state, "work_broker", None)
    if isinstance(broker, Broker):
        broker.wake()
    return JSONResponse(entry, status_code=201)


# seconds: how often an open stream checks that its reader may still read it (and, when nothing
# else was sent, keeps the connection alive)
STREAM_RECHECK = 15.0


@router.get("/api/work/cases/{case_id}/events", tags=["work"])
async def api_case_events(
    request: Request, case_id: str, after: Annotated[int, Query(ge=0, le=MAX_INTEGER)] = 0
) -> StreamingResponse:
    """Server-sent events: each new entry of the case the caller may read (`event: entry`,
    `id:` its sequence number). Reconnects resume after `Last-Event-ID`."""
    principal = principal_of(request)
    last = request.headers.get("last-event-id")
    # ASCII digits only ("²" is a digit to str.isdigit, not to int), at most the column's size
    fits = last is not None and last.isascii() and last.isdigit() and len(last) <= 10
    start = int(last) if last is not None and fits and int(last) <= MAX_INTEGER else after
    broker = await broker_of(request)

    def backlog() -> list[dict[str, Any]]:
        with work_of(request) as w:
            entries = coordination.entries_after(w, case_id, start)  # the case is readable: else not found
            # the stream's headers carry the marking of the case and of the entries it opens with
            # (each later entry carries its own; none is marked lower than its case)
            guard.mark(request, coordination.case_marking(w, case_id))
            guard.mark_from_data(request, entries)
            return entries

    # Subscribe first, then read the backlog: nothing falls between (repeats are skipped by seq).
    sub = broker.subscribe(case_id, principal)
    try:
        first = await asyncio.to_thread(backlog)  # 404 before the stream opens if the case is not readable
    except BaseException:
        broker.unsubscribe(sub)
        raise

    async def still_reader() -> bool:
        """The reader's credentials still give the principal the stream opened with (a logout, a
        disabled account, a revoked token or a changed clearance ends it within STREAM_RECHECK)."""
        from anpo.web.auth import still_the_principal

        return await asyncio.to_thread(still_the_principal, request, principal)

    async def stream() -> AsyncIterator[str]:
        sent = start
        checked = asyncio.get_running_loop().time()
        try:
            yield "retry: 1000\n\n"
            for entry in first:
                sent = max(sent, entry["seq"])
                yield _sse(entry)
            while not sub.dropped:
                item: dict[str, Any] | None
                try:
                    item = await asyncio.wait_for(sub.queue.get(), timeout=STREAM_RECHECK)
                except TimeoutError:
                    item = None
                now = asyncio.get_running_loop().time()
                if now - checked >= STREAM_RECHECK:
                    if not await still_reader():
                        yield _sse_ended()
                        return
                    checked = now
                if item is None:
                    yield ": keep-alive\n\n"
                elif item["seq"] > sent:
                    sent = item["seq"]
                    yield _sse(item)
        finally:
            broker.unsubscribe(sub)

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )


def _sse(item: dict[str, Any]) -> str:
    return f"id: {item['seq']}\nevent: entry\ndata: {json.dumps(item, ensure_ascii=False)}\n\n"


def _sse_ended() -> str:
    """The last event of a stream whose reader may no longer read it; a browser reconnects, and is
    answered as any request of its credentials now is."""
    return f"event: ended\ndata: {json.dumps({'error': msg('work.stream_ended').as_json()}, ensure_ascii=False)}\n\n"


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
    levels = Levels(framework_of(request))
    who = principal_of(request)
    admin = who.has_role("administrator")
    # `api_book`: a booking is for the caller's own party; only an administrator may name another
    # (the form's party select), so one without a party of their own and not one may not book here
    can_book = access.can(levels, who, "work.booking.write", PUBLIC) and (bool(who.party) or admin)
    return page(
        request,
        "work_facilities.html",
        f"/api/work/facilities?on={data['on']}",
        data=data,
        can_book=can_book,
        choose_party=admin,
        own_party=who.party,
        party_labels=(labels := _party_labels(request)),
        party_labels_json={k: v.as_json() for k, v in labels.items()},
        booking_words={
            "id": msg("ui.work.booking_id").as_json(),
            "cancel": msg("ui.work.cancel_booking").as_json(),
            "active": msg("ui.work.status.active").as_json(),
            "cancelled": msg("ui.work.status.cancelled").as_json(),
        },
        levels=levels.order,
    )


@router.get("/api/work/calendar.ics", tags=["work"])
def api_calendar(request: Request, lang: str | None = None) -> Response:
    """Meetings and exercises as an iCalendar file."""
    chosen = lang if lang in ("ja", "en") else lang_of(request)
    with work_of(request) as w:
        meetings = consultations.list_meetings(w)
        marking = guard.mark(request, ical.marking_of(meetings, w.levels))
        banner = w.levels.banner(marking)
    body = ical.export(meetings, facilities.list_exercises(framework_of(request)), chosen, banner)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="anpo.ics"'},
    )


# -- live tabletop exercises ----------------------------------------------------------------------


def _exercises_data(request: Request) -> dict[str, Any]:
    from anpo.exercise import live

    with work_of(request) as w:
        runs = live.list_runs(w)
    shipped = [
        {"id": s.id, "title": s.title.as_json(), "date": s.date.isoformat(), "injects": len(s.injects)}
        for s in live.scenarios().values()
    ]
    return {"runs": runs, "scenarios": shipped}


@router.get("/api/work/exercises", tags=["work"])
def api_exercises(request: Request) -> dict[str, Any]:
    """Live tabletop runs the caller may read, and the shipped scenarios a controller may start."""
    return _exercises_data(request)


@router.get("/work/exercises", include_in_schema=False)
def page_exercises(request: Request) -> Any:
    return page(
        request,
        "work_exercises.html",
        "/api/work/exercises",
        data=(data := _exercises_data(request)),
        roles=_roles(request),
        status_labels=RUN_STATUS,
        scenario_titles={s["id"]: s["title"] for s in data["scenarios"]},
        levels=Levels(framework_of(request)).order,
        party_labels=_party_labels(request),
    )


RUN_STATUS = {"running": Text("実施中", "running"), "ended": Text("終了", "ended")}


def _roles(request: Request) -> dict[str, bool]:
    who = principal_of(request)
    admin = who.has_role("administrator")
    return {
        "control": admin or who.has_role("exercise_controller"),
        "play": admin or who.has_role("exercise_controller") or who.has_role("coordinator"),
    }


def _payload(payload: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """The JSON body as an object whose top-level keys are among `fields` (else a 400 or a 422)."""
    if not isinstance(payload, dict):
        raise refused(Text("JSONのオブジェクトが必要です", "a JSON object is expected"))
    refuse_unknown_fields(payload, fields)
    return payload


@router.post("/api/work/exercises", tags=["work"], status_code=201)
def api_start_exercise(request: Request, payload: Any = Body(...)) -> JSONResponse:  # noqa: B008
    """Start a live run of a shipped scenario: `{"scenario": ID, "seed": N, "marking": {"level",
    "releasable_to"}}` (exercise controllers; the marking is public when absent)."""
    from anpo.exercise import live

    data = _payload(payload, ("scenario", "seed", "marking"))
    raw = data.get("seed")
    # a whole number, or its digits as text (empty: 0): int() made 1.5 a 1 and true a 1, silently
    seed: int | None = None
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        seed = 0
    elif isinstance(raw, int) and not isinstance(raw, bool):
        seed = raw
    elif isinstance(raw, float) and raw.is_integer() and abs(raw) <= MAX_INTEGER:
        seed = int(raw)  # 2.0, as a client's number may come
    elif isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit() and len(raw.strip()) <= 10:
        seed = int(raw)  # ASCII digits only ("²" is a digit to str.isdigit, not to int)
    if seed is None or not 0 <= seed <= MAX_INTEGER:
        raise refused(msg("work.bad_seed", value=str(raw)[:40]))
    with work_of(request) as w:
        mark = _marking(w, data)
        run = live.start(w, str(data.get("scenario", "")), seed, mark)
    return JSONResponse(run, status_code=201)


@router.get("/api/work/exercises/{run_id}", tags=["work"])
def api_exercise(request: Request, run_id: str, known: str | None = None) -> dict[str, Any]:
    """A live run: clock, injects released, its cases, the timeline with every refusal's reasons.
    With `known=VERSION` (its `version` field) an unchanged run answers `{"unchanged": true}`."""
    from anpo.exercise import live

    with work_of(request) as w:
        out = live.get(w, run_id, known)
        if out.get("unchanged"):  # no marking in the body to mark the response by
            guard.mark(request, live.run_marking(w, run_id))
        return out


@router.get("/work/exercises/{run_id}", include_in_schema=False)
def page_exercise(request: Request, run_id: str) -> Any:
    from anpo.exercise import live
    from anpo.exercise.scenario import ACTIONS

    with work_of(request) as w:
        run = live.get(w, run_id)
    who = principal_of(request)
    return page(
        request,
        "work_exercise.html",
        f"/api/work/exercises/{run_id}",
        run=run,
        roles=_roles(request),
        party=who.party,
        actions={k: list(v[0] + v[1]) for k, v in ACTIONS.items() if k in live.CONTROLLER_ACTIONS},
        player_actions=list(live.PLAYER_ACTIONS),
        action_labels=live.ACTION_LABELS,
        field_labels=live.FIELD_LABELS,
        choices=live.choices(framework_of(request)),
        choice_labels=live.choice_labels(framework_of(request), dt.date.fromisoformat(run["scenario"]["date"])),
        status_labels=RUN_STATUS,
        party_labels=(labels := _party_labels(request)),
        party_labels_json={k: v.as_json() for k, v in labels.items()},
    )


def _party_labels(request: Request) -> dict[str, Text]:
    """The parties' labels in the pack (日本国 / Japan), and the exercise's control (統制 / Control)."""
    fw = framework_of(request)
    found = {p: ent.label for p in ("jpn", "usa") if (ent := fw.get(p)) is not None}
    return {**found, "control": msg("ui.work.control")}


@router.post("/api/work/exercises/{run_id}/step", tags=["work"])
def api_exercise_step(request: Request, run_id: str, payload: Any = Body(None)) -> dict[str, Any]:  # noqa: B008
    """Release the next inject (`{"script": true}` also plays its scripted actions)."""
    from anpo.exercise import live

    script = False if payload is None else _payload(payload, ("script",)).get("script", False)
    if script is not None and not isinstance(script, bool):  # "no" and 0 were read by truth
        raise refused(Text("script は true か false です", "script is true or false"))
    with work_of(request) as w:
        return live.step(w, run_id, play_script=bool(script))


@router.post("/api/work/exercises/{run_id}/actions", tags=["work"])
def api_exercise_act(request: Request, run_id: str, payload: Any = Body(...)) -> dict[str, Any]:  # noqa: B008
    """A player's action, e.g. `{"do": "supply", "case": "launch", "provider": "jpn", "category":
    "ammunition", "context": "information_gathering"}`: the engine answers the legal question it
    raises as of the scenario's date and situation; a refusal comes back with reasons and citations."""
    from anpo.exercise import live

    with work_of(request) as w:
        return live.act(w, run_id, _payload(payload, _act_fields(payload)))


def _act_fields(payload: Any) -> tuple[str, ...]:
    """The fields an action takes: `do`, `party` and those of its kind (`text` also as `text_ja`
    and `text_en`, as the page sends it). An unknown `do` is left to `live.act` to refuse by name."""
    from anpo.exercise.scenario import ACTIONS

    do = payload.get("do") if isinstance(payload, dict) else None
    if not isinstance(do, str) or do not in ACTIONS:
        return tuple(str(k) for k in payload) if isinstance(payload, dict) else ()
    required, optional = ACTIONS[do]
    texts = ("text_ja", "text_en") if "text" in required + optional else ()
    return ("do", "party", *required, *optional, *texts)


@router.post("/api/work/exercises/{run_id}/end", tags=["work"])
def api_exercise_end(request: Request, run_id: str) -> dict[str, Any]:
    """End a live run (exercise controllers)."""
    from anpo.exercise import live

    with work_of(request) as w:
        return live.end(w, run_id)


@router.get("/api/work/exercises/{run_id}/report", tags=["work"])
def api_exercise_report(request: Request, run_id: str, format: str = "html") -> Response:
    """The after-action report of a run as `html`, `pdf` or `json`."""
    from anpo.exercise import live
    from anpo.exercise.report import STYLE, render_html, render_json, render_pdf

    if format not in ("html", "pdf", "json"):
        raise refused(
            Text(
                f"形式「{format}」は不明です（html, pdf, json）",
                f"unknown format '{format}' (allowed: html, pdf, json)",
            )
        )
    with work_of(request) as w:
        result = live.report(w, run_id)
    # HTML and PDF are not scanned for markings as JSON is: the report's (the run's, its cases',
    # records' and bookings') mark the response, so `X-Anpo-Marking` is its banner in every format
    guard.mark_from_data(request, result)
    name = f"aar_{run_id}"
    if format == "pdf":
        return Response(
            render_pdf(result),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
        )
    if format == "json":
        return Response(render_json(result), media_type="application/json")
    guard.allow_style(request, STYLE)  # the report's own <style>, and only it: the file is standalone
    return Response(render_html(result), media_type="text/html; charset=utf-8")


# -- writes of the work records (the same functions and access checks as the CLI) ----------------


def _not_text(key: str) -> HTTPException:
    return refused(msg("work.not_text", field=key))


def _field(data: dict[str, Any], key: str, required: bool = True) -> str | None:
    """A text field, dates included: absent, null or empty is none; anything but a string is refused
    (a number or a boolean was kept as Python's spelling of it: `"id": true` made a commitment
    "True", and `"on": 20240610` was read as a date)."""
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise refused(Text(f"「{key}」が必要です", f"'{key}' is required"))
        return None
    if not isinstance(value, str):
        raise _not_text(key)
    return value


def _check_texts(raw: dict[str, Any], key: str) -> None:
    """Each of the two languages of `{"ja", "en"}` is text, or null (absent)."""
    for lang in ("ja", "en"):
        if raw.get(lang) is not None and not isinstance(raw.get(lang), str):
            raise _not_text(f"{key}.{lang}")


def _bilingual(data: dict[str, Any], key: str) -> Text:
    raw = data.get(key)
    if isinstance(raw, dict):
        _check_texts(raw, key)
    elif raw is not None and not isinstance(raw, str):
        raise _not_text(key)
    if isinstance(raw, str) and raw.strip():
        return Text(raw, raw)
    if isinstance(raw, dict) and (raw.get("ja") or raw.get("en")):
        ja, en = str(raw.get("ja") or raw.get("en")), str(raw.get("en") or raw.get("ja"))
        return Text(ja, en)
    raise refused(Text(f"「{key}」（日本語と英語）が必要です", f"'{key}' ({{ja, en}}) is required"))


MARKING_KEYS = ("level", "releasable_to")


def _marking(w: Work, data: dict[str, Any], default: Any = PUBLIC) -> Any:
    """The record's marking as given (`{"level", "releasable_to"}`), or `default` when none is.
    A marking that is not such an object, names another key or leaves out its level is refused:
    each was read as public (`{"levle": "secret"}`, `"secret"`), a typo releasing the record."""
    raw = data.get("marking")
    if raw is None:
        return default
    if not isinstance(raw, dict):
        raise refused(Text("markingは{level, releasable_to}です", "marking is {level, releasable_to}"))
    for key in raw:
        if key not in MARKING_KEYS:
            raise refused(msg("work.marking_key", key=str(key)))
    if raw.get("level") is None:
        raise refused(msg("work.marking_no_level"))
    return marking_of(raw.get("level"), raw.get("releasable_to"), w.levels)


def _day(value: str | None) -> Any:
    from anpo.work.common import parse_day

    return parse_day(value) if value else None


def _wake(request: Request) -> None:
    broker = getattr(request.app.state, "work_broker", None)
    if isinstance(broker, Broker):
        broker.wake()


@router.post("/api/work/cases", tags=["work"], status_code=201)
def api_open_case(request: Request, payload: Any = Body(...)) -> JSONResponse:  # noqa: B008
    """Open a coordination case: `{"title": {"ja","en"}, "type", "level": "acg|bocc|ccc", "on": DATE, "marking"}`."""
    data = _payload(payload, ("title", "type", "level", "on", "marking"))
    with work_of(request) as w:
        case = coordination.open_case(
            w,
            _bilingual(data, "title"),
            _field(data, "type") or "",
            _field(data, "level") or "",
            _day(_field(data, "on", False)) or parse_on(None),
            marking=_marking(w, data),
        )
    _wake(request)
    return JSONResponse(case, status_code=201)


@router.post("/api/work/cases/{case_id}/determinations", tags=["work"], status_code=201)
def api_determine(request: Request, case_id: str, payload: Any = Body(...)) -> JSONResponse:  # noqa: B008
    """Record the Government's determination of a situation for a case: `{"situation",
    "cabinet_decision_on", "diet_approval_on", "decided_by"}`; by Japan's side only (a principal of
    party jpn, or an administrator: 403 otherwise, as the Government of Japan determines a
    situation); refused (422, with the law's reasons) when the situation does not exist on the
    case's date or needs a Cabinet decision not given."""
    data = _payload(payload, ("situation", "cabinet_decision_on", "diet_approval_on", "decided_by"))
    with work_of(request) as w:
        det = coordination.determine(
            w,
            case_id,
            _field(data, "situation") or "",
            dt.datetime.now().replace(microsecond=0),
            _field(data, "decided_by", False) or "",
            _day(_field(data, "cabinet_decision_on", False)),
            _day(_field(data, "diet_approval_on", False)),
        )
    _wake(request)
    return JSONResponse(det, status_code=201)


@router.post("/api/work/cases/{case_id}/close", tags=["work"])
def api_close_case(request: Request, case_id: str) -> dict[str, Any]:
    """Close a case."""
    with work_of(request) as w:
        out = coordination.close_case(w, case_id)
    _wake(request)
    return out


MEETING_FIELDS = (
    "id", "body", "date", "end_date", "label", "venue", "mode", "participants", "outcomes", "source", "locator",
    "marking",
)  # fmt: skip


@router.post("/api/work/meetings", tags=["work"], status_code=201)
def api_record_meeting(request: Request, payload: Any = Body(...)) -> JSONResponse:  # noqa: B008
    """Record a meeting of a consultation body or channel (a new "2+2"): `{"id", "body", "date",
    "end_date", "label": {"ja","en"}, "venue": {"ja","en"}, "mode", "participants": [POSITION],
    "outcomes": [{"id", "text": {"ja","en"}}], "source", "locator", "marking"}`. `source` (required)
    is where it is known from: a pack source's id, or a document's title or URL (its citation)."""
    data = _payload(payload, MEETING_FIELDS)
    with work_of(request) as w:
        row = consultations.record_meeting(
            w,
            _field(data, "id") or "",
            _field(data, "body") or "",
            _day(_field(data, "date")),
            _both(data, "label"),
            _field(data, "source") or "",
            locator=_field(data, "locator", False) or "",
            end_date=_day(_field(data, "end_date", False)),
            venue=_both(data, "venue") if data.get("venue") is not None else None,
            mode=_field(data, "mode", False),
            participants=_texts(data, "participants"),
            outcomes=_outcomes(data),
            marking=_marking(w, data),
        )
    return JSONResponse(row, status_code=201)


def _both(data: dict[str, Any], key: str) -> Text:
    """`{"ja", "en"}` as given, each language its own (a meeting is read in both: `_bilingual` copies
    one language into the other); a language left out is refused by the record's check as empty."""
    raw = data.get(key)
    if not isinstance(raw, dict):
        raise refused(
            Text(f"「{key}」は{{ja, en}}（日本語と英語）です", f"'{key}' is {{ja, en}} (Japanese and English)")
        )
    refuse_unknown_fields(raw, ("ja", "en"))
    _check_texts(raw, key)
    return Text(raw.get("ja") or "", raw.get("en") or "")


def _texts(data: dict[str, Any], key: str) -> list[str]:
    """A list of text values (ids), none when absent."""
    raw = data.get(key)
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        raise refused(Text(f"「{key}」は文字列のリストです", f"'{key}' is a list of text values"))
    return raw


def _outcomes(data: dict[str, Any]) -> list[tuple[str, Text]]:
    """A meeting's outcomes: `[{"id", "text": {"ja", "en"}}]`."""
    raw = data.get("outcomes")
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise refused(msg("work.outcome_shape", field="outcomes"))
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise refused(msg("work.outcome_shape", field=f"outcomes[{i}]"))
        refuse_unknown_fields(item, ("id", "text"))
        out.append((item["id"], _both(item, "text")))
    return out


@router.post("/api/work/commitments", tags=["work"], status_code=201)
def api_add_commitment(request: Request, payload: Any = Body(...)) -> JSONResponse:  # noqa: B008
    """Record a commitment a meeting made: `{"id", "meeting", "owner", "label": {"ja","en"}, "due", "outcome", "marking"}`."""
    data = _payload(payload, ("id", "meeting", "owner", "label", "due", "outcome", "marking"))
    with work_of(request) as w:
        row = consultations.add_commitment(
            w,
            _field(data, "id") or "",
            _field(data, "meeting") or "",
            _field(data, "owner") or "",
            _bilingual(data, "label"),
            _day(_field(data, "due", False)),
            _field(data, "outcome", False),
            _marking(w, data, None),  # none: the meeting's
        )
    return JSONResponse(row, status_code=201)


@router.post("/api/work/commitments/{commitment_id}/done", tags=["work"])
def api_commitment_done(request: Request, commitment_id: str, payload: Any = Body(...)) -> dict[str, Any]:  # noqa: B008
    """Mark a commitment done: `{"on": DATE, "by": ID of the instrument, event or meeting that did it}`."""
    data = _payload(payload, ("on", "by"))
    with work_of(request) as w:
        return consultations.complete_commitment(w, commitment_id, _day(_field(data, "on")), _field(data, "by", False))


@router.post("/api/work/protection", tags=["work"], status_code=201)
def api_request_protection(request: Request, payload: Any = Body(...)) -> JSONResponse:  # noqa: B008
    """A force's request for asset protection, checked with `sdf.may_protect_assets` as of `on`:
    `{"protected_party", "activity", "asset", "by", "on", "unit", "marking"}`. A request the law does
    not allow is kept with status `refused_by_law` and the reasons."""
    data = _payload(payload, ("protected_party", "activity", "asset", "by", "on", "unit", "marking"))
    with work_of(request) as w:
        row = protection.request_protection(
            w,
            protected_party=_field(data, "protected_party") or "",
            activity=_field(data, "activity") or "",
            protected_asset=_field(data, "asset") or "",
            protecting_asset=_field(data, "by") or "",
            requested_on=_day(_field(data, "on")),
            requesting_unit=_field(data, "unit", False) or "",
            marking=_marking(w, data),
        )
    return JSONResponse(row, status_code=201)


@router.post("/api/work/protection/{record_id}/decision", tags=["work"])
def api_decide_protection(request: Request, record_id: str, payload: Any = Body(...)) -> dict[str, Any]:  # noqa: B008
    """The Minister of Defense's decision: `{"approve": true|false, "on": DATE}`."""
    data = _payload(payload, ("approve", "on"))
    if not isinstance(data.get("approve"), bool):
        raise refused(Text("approveはtrueかfalseです", "approve must be true or false"))
    with work_of(request) as w:
        return protection.decide_protection(w, record_id, data["approve"], _day(_field(data, "on")))


@router.post("/api/work/protection/{record_id}/carried-out", tags=["work"])
def api_carry_out(request: Request, record_id: str, payload: Any = Body(...)) -> dict[str, Any]:  # noqa: B008
    """Record the protection carried out: `{"on": DATE, "units": "…"}` (it counts in that year's report)."""
    data = _payload(payload, ("on", "units"))
    with work_of(request) as w:
        return protection.carry_out(w, record_id, _day(_field(data, "on")), _field(data, "units", False) or "")


@router.post("/api/work/bookings", tags=["work"], status_code=201)
def api_book(request: Request, payload: Any = Body(...)) -> JSONResponse:  # noqa: B008
    """Book a facility for the caller's party: `{"facility", "start", "end", "unit", "purpose",
    "marking"}` (times `YYYY-MM-DDTHH:MM`, end exclusive); 409 with the clashing bookings."""
    from anpo.work.common import parse_time

    data = _payload(payload, ("facility", "party", "start", "end", "unit", "purpose", "marking"))
    with work_of(request) as w:
        # the caller's own party unless given; another party's is refused by `facilities.book`
        # (administrators may book for either), as is cancelling another party's booking
        party = _field(data, "party", False) or w.principal.party or ""
        row = facilities.book(
            w,
            _field(data, "facility") or "",
            party,
            parse_time(_field(data, "start") or ""),
            parse_time(_field(data, "end") or ""),
            _field(data, "unit", False) or "",
            _field(data, "purpose", False) or "",
            _marking(w, data),
        )
    return JSONResponse(row, status_code=201)


@router.post("/api/work/bookings/{booking_id}/cancel", tags=["work"])
def api_cancel_booking(request: Request, booking_id: int) -> dict[str, Any]:
    """Cancel a booking of the caller's own party (administrators: of either); 403 otherwise. An id
    no booking has (below 1, past 2,147,483,647) is "no booking", a 404 as in the CLI."""
    with work_of(request) as w:
        return facilities.cancel_booking(w, booking_id)
