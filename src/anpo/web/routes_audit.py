"""Reading the audit log: `GET /api/audit` and its page `/audit`.

Who may: the registered action `audit.read`, which only administrators hold. The log says who did
what, when and to which record, denied attempts and logins included: it is the security
administration's record, not the work of a role (a policy officer or a coordinator has no duty
that needs it). A role of inspectors would be one more `register_action` argument.

What they see: the entries they may read, by the same rule as every read (an entry carries the
marking of the record it is about; `anpo.security.audit_read`). An administrator of no party sees
only the entries about public records.

Each read is itself audited (`audit.read`, outcome `ok`, with the filters and the number of entries
shown), marked as the entries it showed are, so that who looked at what in the log is known to
those who may see it; each refusal is audited as `denied`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field, ValidationError, model_validator

from anpo.framework.model import Text
from anpo.i18n import msg
from anpo.security import access, audit
from anpo.security.audit_read import (
    DEFAULT_LIMIT,
    MAX_CURSOR,
    MAX_LIMIT,
    OUTCOMES,
    AuditQuery,
    AuditQueryError,
    action_label,
    actor_label,
    build_query,
    detail_text,
    page_json,
    read_entries,
    shown_at,
)
from anpo.security.markings import PUBLIC
from anpo.security.principal import ANONYMOUS, Principal
from anpo.store.db import session_factory, transaction
from anpo.web import auth, guard
from anpo.web.common import BadRequest, lang_of, login_url, render
from anpo.web.invalid import invalid_request

router = APIRouter()
READ_ACTION = "audit.read"
access.register_action(READ_ACTION)  # administrators only (`register_action` always adds them)

_ERROR_BODY = {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}}


def _tx(request: Request) -> Any:
    return transaction(session_factory(auth.engine_of(request)))


def require_reader(request: Request, api: bool) -> Principal:
    """The caller, if they may read the audit log; else 401 (API) or the login page, or 403, and
    the refusal is audited."""
    principal = auth.current_principal(request)
    anonymous = principal is ANONYMOUS or principal.user_id == "anonymous"
    if anonymous or not access.can(guard.levels_of(request.app), principal, READ_ACTION, PUBLIC):
        with _tx(request) as session:
            audit.record(session, principal, READ_ACTION, "audit_log", "-", PUBLIC, outcome="denied")
        if anonymous and api:
            raise HTTPException(401, detail={"error": msg("ui.login_needed").as_json()})
        if anonymous:
            raise HTTPException(303, headers={"Location": login_url(request)})
        raise HTTPException(403, detail={"error": Text("権限がありません", "not permitted").as_json()})
    return principal


# As dependencies, these run before the query is validated: who may read is decided first (a caller
# who may not gets 401/403, audited, whatever the filters they sent).
def _api_reader(request: Request) -> Principal:
    return require_reader(request, api=True)


def _page_reader(request: Request) -> Principal:
    return require_reader(request, api=False)


class AuditFilters(BaseModel):
    """The filters of the log (its page and JSON twin), each exact; a missing one is any."""

    record: str | None = Field(
        None, max_length=200, description="only entries about this record: `TYPE` or `TYPE:ID` (e.g. `user:sato`)"
    )
    actor: str | None = Field(None, max_length=64, description="only this actor (a user id, `system`, `anonymous`)")
    action: str | None = Field(None, max_length=64, description="only this action (`login`, `acsa.order`, `read`…)")
    outcome: Literal["ok", "denied"] | None = Field(None, description="only this outcome")
    from_: str | None = Field(
        None,
        alias="from",
        max_length=64,
        description="from this UTC day (`YYYY-MM-DD` or an era date) or ISO 8601 date-time (without an offset: UTC)",
    )
    to: str | None = Field(
        None, max_length=64, description="up to this UTC day (included) or ISO 8601 date-time (included)"
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"entries per page (default {DEFAULT_LIMIT})")
    cursor: int | None = Field(
        None, ge=1, le=MAX_CURSOR, description="only entries older than this id: a page's `next_cursor`"
    )

    @model_validator(mode="before")
    @classmethod
    def _empty_is_not_given(cls, data: Any) -> Any:
        """A filter left empty is not given: the page's form sends every field, `outcome=` for its
        "any" and `limit=` when cleared (each was a 422), as `build_query` takes them."""
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v != ""}
        return data


class EntryRecord(BaseModel):
    type: str
    id: str


class EntryMarking(BaseModel):
    level: str
    releasable_to: list[str]
    banner_en: str
    banner_ja: str


class Entry(BaseModel):
    id: int
    at: str = Field(description="when, UTC, ISO 8601")
    actor: str
    party: str | None
    action: str
    outcome: str = Field(description="`ok` or `denied`")
    record: EntryRecord = Field(description="what the entry is about")
    marking: EntryMarking = Field(description="the marking of that record")
    detail: Any = Field(description="what the action recorded besides (JSON)")


class AuditPage(BaseModel):
    filters: dict[str, str] = Field(description="the filters given")
    limit: int
    cursor: int | None
    count: int = Field(description="entries on this page")
    next_cursor: int | None = Field(description="the `cursor` of the next (older) page; null on the last")
    entries: list[Entry] = Field(description="newest first")
    marking: EntryMarking = Field(description="the marking of the page: its entries' combined")


# The query's names of the filters (`from` by its alias), each taking one value.
FILTER_NAMES = tuple(f.alias or name for name, f in AuditFilters.model_fields.items())


def _repeated(request: Request) -> Text | None:
    """The reason to refuse a filter given more than once (`?record=case:3&record=case:4` read the
    last, silently), as /api/ask refuses a repeated name; None when each is given once."""
    seen: set[str] = set()
    for name, _ in request.query_params.multi_items():
        if name in seen and name in FILTER_NAMES:
            return msg("ask.repeated_param", name=name)
        seen.add(name)
    return None


def _query(q: AuditFilters) -> AuditQuery:
    """The query of the filters; AuditQueryError for one it cannot read (a record, a date)."""
    return build_query(
        record=q.record,
        actor=q.actor,
        action=q.action,
        outcome=q.outcome,
        start=q.from_,
        end=q.to,
        limit=q.limit,
        cursor=q.cursor,
    )


def audit_data(request: Request, principal: Principal, query: AuditQuery) -> dict[str, Any]:
    """A page of the entries `principal` may read, and the audit entry of having read them."""
    levels = guard.levels_of(request.app)
    with auth.read_connection(request) as conn:
        page = read_entries(conn, levels, principal, query)
    detail = {"filters": query.filters(), "cursor": query.cursor, "entries": len(page.entries)}
    with _tx(request) as session:
        audit.record(session, principal, READ_ACTION, "audit_log", "-", page.marking, detail=detail)
    return page_json(levels, query, page)


@router.get(
    "/api/audit",
    tags=["audit"],
    response_model=AuditPage,
    responses={
        400: {"description": "a filter that cannot be read (a bad record, date or period)", "content": _ERROR_BODY},
        401: {"description": "not logged in", "content": _ERROR_BODY},
        403: {"description": "not an administrator (the refusal is audited)", "content": _ERROR_BODY},
    },
)
def api_audit(
    request: Request, principal: Annotated[Principal, Depends(_api_reader)], q: Annotated[AuditFilters, Query()]
) -> dict[str, Any]:
    """The audit log (administrators only: the action `audit.read`): who did what to which record,
    when, and with what outcome, newest first, a page at a time.

    Only the entries the caller may read are returned: each carries the marking of the record it
    is about, and the same access rule as every read applies (clearance and party); an entry the
    caller may not read is neither returned nor counted. Filters are exact and combine: `record`
    (`TYPE` or `TYPE:ID`), `actor`, `action`, `outcome` (`ok` or `denied`), and the period `from`
    and `to` (UTC days, both included, or ISO 8601 date-times). A page holds at most `limit`
    entries (default 50, at most 1000); `next_cursor` is the `cursor` of the next, older page
    (entry ids: entries written meanwhile never shift a page), null on the last. Each read is
    itself audited (`audit.read`), marked as the entries it returned. A filter given twice is
    refused (400)."""
    repeated = _repeated(request)
    if repeated is not None:
        raise BadRequest(repeated)
    try:
        query = _query(q)
    except AuditQueryError as exc:
        raise BadRequest(exc.text) from exc
    return audit_data(request, principal, query)


@router.get("/audit", include_in_schema=False)
def page_audit(request: Request, principal: Annotated[Principal, Depends(_page_reader)]) -> Any:
    # the filters as given, for the form and the links (the page's own `cursor` and `lang` aside)
    given = [(k, v) for k, v in request.query_params.multi_items() if k not in ("cursor", "lang")]
    context: dict[str, Any] = {"form": dict(given), "outcomes": OUTCOMES, "links": {}, "rows": []}
    # the filters are read here, not by FastAPI: one it cannot take (`limit=abc`, a repeated one)
    # is said above the form, as a date it cannot read is (its error page had no form)
    repeated = _repeated(request)
    if repeated is not None:
        return _audit_page(request, "/api/audit", data=None, error=repeated, status=400, **context)
    try:
        q = AuditFilters.model_validate({k: v for k, v in request.query_params.items() if k in FILTER_NAMES})
    except ValidationError as exc:
        return _audit_page(request, "/api/audit", data=None, error=invalid_request(exc.errors()), status=422, **context)
    try:
        query = _query(q)
    except AuditQueryError as exc:
        return _audit_page(request, "/api/audit", data=None, error=exc.text, status=400, **context)
    data = audit_data(request, principal, query)
    links = context["links"]
    if q.cursor is not None:
        links["newest"] = "/audit?" + urlencode(given)
    if data["next_cursor"] is not None:
        links["older"] = "/audit?" + urlencode([*given, ("cursor", str(data["next_cursor"]))])
    context["rows"] = [_row(e, lang_of(request)) for e in data["entries"]]
    page = [*given, *([("cursor", str(q.cursor))] if q.cursor is not None else [])]
    return _audit_page(request, "/api/audit?" + urlencode(page), data=data, error=None, **context)


def _audit_page(
    request: Request, twin: str, *, data: Any, error: Text | None, status: int = 200, **context: Any
) -> Any:
    lang = lang_of(request)
    response = render(
        request, "audit.html", lang, twin=twin, data=data, error=error.get(lang) if error else None, **context
    )
    response.status_code = status
    return response


def _row(entry: dict[str, Any], lang: str) -> dict[str, Any]:
    """An entry as the page shows it: its time to the second without the `T` and offset (the column
    says UTC), its action and an actor that is no user in words, its detail as one readable line
    (nothing for an empty one)."""
    return {
        **entry,
        "shown_at": shown_at(entry["at"]),
        "action_label": action_label(entry["action"]).get(lang),
        "actor_label": actor_label(entry["actor"]).get(lang),
        "detail_text": detail_text(entry["detail"], lang),
    }
