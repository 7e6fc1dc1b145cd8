"""The ACSA ledger's pages and their JSON twins: orders and their workflow, balances, ageing and
fiscal-year reports with charts, and the ledger's items on the dashboard.

Reads go through `anpo.ledger.queries.Reader` (which leaves out what the principal may not read);
writes go through `anpo.ledger.engine.Ledger` with the logged-in user's principal, so the
ledger's own authorisation, legal check (`acsa.may_provide`), idempotency and audit apply.
Anonymous visitors see nothing of the ledger: pages send them to /login, the API answers 401.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Body, HTTPException, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse
from markupsafe import Markup
from pydantic import BaseModel, Field
from sqlalchemy import inspect, select
from starlette.concurrency import run_in_threadpool

from anpo.dates import today
from anpo.framework.model import Text
from anpo.i18n import msg, term
from anpo.ledger import tables as t
from anpo.ledger.commands import DEFAULT_RELEASABLE, LINE_FIELDS, STATUSES, other, parse
from anpo.ledger.engine import Ledger
from anpo.ledger.messages import LedgerError, m
from anpo.ledger.policy import name_of
from anpo.ledger.postings import account_label
from anpo.ledger.queries import FISCAL_YEARS, Reader
from anpo.rules.questions.acsa import ACSA_CONTEXTS, CATEGORIES, PROVIDERS, SETTLEMENT_METHODS
from anpo.security import access, audit
from anpo.security.markings import PUBLIC, Marking
from anpo.security.principal import Principal
from anpo.store.db import session_factory, transaction
from anpo.web import auth, guard
from anpo.web.charts import bar_chart
from anpo.web.common import (
    FORM_TYPE,
    MAX_BIGINT,
    BadRequest,
    FormNotUtf8,
    form_text,
    framework_of,
    lang_of,
    login_url,
    parse_on,
    refuse_unknown_fields,
    render,
)
from anpo.web.dashboard import DashboardItem, register_dashboard_source

router = APIRouter()
STEPS = ("sign", "deliver", "receive", "settle", "cancel")
HTTP_STATUS = {
    "invalid": 400,
    "not_permitted": 403,
    "unknown_order": 404,
    "unknown_delivery": 404,
    "unknown_line": 404,
    "refused": 422,
    "out_of_range": 422,
}
DUE_SOON = dt.timedelta(days=60)
PAGE_SIZE = 100  # orders per page of the list unless `limit` says otherwise
MAX_PAGE = 1000
Step = Literal["sign", "deliver", "receive", "settle", "cancel"]


class Refusal(Exception):
    """A write the ledger (or this module) refused: an HTTP status and a bilingual body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self.body = body
        super().__init__(str(body))


# -- plumbing ---------------------------------------------------------------------------------------


def principal_of(request: Request, api: bool) -> Principal:
    """The logged-in principal; anonymous callers get 401 (API) or are sent to /login (pages)."""
    principal = auth.current_principal(request)
    if principal.user_id == "anonymous":
        if api:
            raise HTTPException(401, detail={"error": msg("ui.login_needed").as_json()})
        raise HTTPException(303, headers={"Location": login_url(request)})
    return principal


def _check_ledger(request: Request) -> None:
    """503 when the app's database has no ledger (checked once per database)."""
    engine = auth.engine_of(request)
    if getattr(request.app.state, "acsa_engine", None) is not engine:
        if not inspect(engine).has_table("acsa_orders"):
            raise HTTPException(503, detail={"error": m("no_ledger").as_json()})
        request.app.state.acsa_engine = engine


@contextmanager
def reading(request: Request, principal: Principal) -> Iterator[Reader]:
    """A Reader for `principal` in the request's read-only transaction (`auth.read_connection`)."""
    _check_ledger(request)
    with auth.read_connection(request) as conn:
        yield Reader(conn, guard.levels_of(request.app), principal)


def ledger_of(request: Request) -> Ledger:
    """The app's Ledger on its database (made once: it holds the policy's answers)."""
    engine = auth.engine_of(request)
    cached: tuple[Any, Ledger] | None = getattr(request.app.state, "acsa_ledger", None)
    if cached is None or cached[0] is not engine:
        _check_ledger(request)
        cached = (engine, Ledger(engine, framework_of(request)))
        request.app.state.acsa_ledger = cached
    return cached[1]


def _day(value: str | None) -> dt.date:
    return parse_on(value) if value else today()


# -- reads ------------------------------------------------------------------------------------------


def orders_data(
    request: Request,
    principal: Principal,
    status: str | None,
    on: str | None,
    overdue: bool,
    limit: int = PAGE_SIZE,
    offset: int = 0,
) -> dict[str, Any]:
    if status and status not in STATUSES:
        raise BadRequest(m("unknown_value", field="status", value=status, allowed=", ".join(STATUSES)))
    day = _day(on)
    with reading(request, principal) as reader:
        rows, more = reader.orders_page(day, status or None, overdue=overdue, limit=limit, offset=offset)
        marking = reader.marking_json()
    return {
        "on": day.isoformat(),
        "status": status or None,
        "count": len(rows),
        "limit": limit,
        "offset": offset,
        "next_offset": offset + limit if more else None,
        "orders": rows,
        "marking": marking,
    }


def order_data(request: Request, principal: Principal, order_id: str, on: str | None = None) -> dict[str, Any]:
    """One order the principal may read (else 404): lines, obligations with ageing, history, and
    the steps the principal may take on it now."""
    day = _day(on)
    try:
        with reading(request, principal) as reader:
            order = reader.order(order_id, day)
            order["marking"] = {**order["marking"], **reader.marking_json()}
    except LedgerError as exc:
        raise HTTPException(404, detail={"error": exc.text.as_json()}) from exc
    order["on"] = day.isoformat()
    order["deliveries"] = _deliveries(order)
    order["actions"] = _actions(request, principal, order)
    return order


def _deliveries(order: dict[str, Any]) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for ob in order["obligations"]:
        entry = found.setdefault(ob["delivery"], {"id": ob["delivery"], "on": ob["delivered_on"], "received_on": None})
        entry["received_on"] = ob["received_on"]
    return list(found.values())


def _actions(request: Request, principal: Principal, order: dict[str, Any]) -> list[str]:
    """The workflow steps the principal's roles, party and the order's state allow now."""
    marking = Marking.from_columns(order["marking"]["level"], _column(order["marking"]["releasable_to"]))
    levels = guard.levels_of(request.app)
    party, status = principal.party, order["status"]

    def may(step: str) -> bool:
        return access.can(levels, principal, f"acsa.{step}", marking)

    steps = []
    if may("sign") and party in PROVIDERS and status == "requested" and order[f"signed_{party}"] is None:
        steps.append("sign")
    if may("deliver") and party == order["provider"] and status in ("binding", "delivering"):
        steps.append("deliver")
    if may("receive") and party == order["recipient"] and any(d["received_on"] is None for d in order["deliveries"]):
        steps.append("receive")
    owed = [ob for ob in order["obligations"] if ob["received_on"] and ob["outstanding_units"] > 0]
    if may("settle") and party == order["recipient"] and owed:
        steps.append("settle")
    if may("cancel") and status in ("requested", "binding", "delivering"):
        steps.append("cancel")
    return steps


def _column(parties: Any) -> str:
    return parties if isinstance(parties, str) else ",".join(sorted(parties))


def _fy(calendar: str, on: dt.date) -> int:
    if calendar == "jp":
        return on.year if on.month >= 4 else on.year - 1
    return on.year + 1 if on.month >= 10 else on.year


NUMBER = re.compile(r"(-?)(\d+)(\.\d+)?")


def number(value: Any) -> str:
    """A figure of the ledger's tables (text, exact: "102153600.25") with thousands separators,
    its decimals as they are; anything else as it is."""
    text = "" if value is None else str(value)
    found = NUMBER.fullmatch(text)
    if found is None:
        return text
    sign, whole, fraction = found.groups()
    return f"{sign}{int(whole):,}{fraction or ''}"


def _names(request: Request, lang: str) -> dict[str, Any]:
    """The page helpers that put words for the ledger's ids: `name(id)` a party's or an agreement's
    short name (else its label), `account(id)` an account in words (`postings.account_label`), and
    `num(figure)` (`number`). The ids stay in the JSON twins and exports."""
    fw = framework_of(request)

    def name(ent_id: Any) -> str:
        return name_of(fw, str(ent_id)).get(lang)

    def account(account_id: Any) -> str:
        return account_label(str(account_id), lambda x: name_of(fw, x)).get(lang)

    return {"name": name, "account": account, "num": number}


def _charts(groups: dict[str, list[tuple[str, float]]], caption: Text, lang: str) -> list[tuple[str, Markup]]:
    """One bar chart per commodity (amounts of different commodities are not comparable)."""
    out = []
    for commodity, rows in sorted(groups.items()):
        title = f"{caption.get(lang)} — {commodity}"
        out.append((title, bar_chart(rows, caption=title)))
    return out


# -- workflow (writes) -------------------------------------------------------------------------------


def execute(request: Request, principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
    """Parse and run one command through the ledger; a refusal raises `Refusal` (nothing written)."""
    data = {**data, "id": data.get("id") or f"web-{secrets.token_hex(8)}"}
    # sizes (the requesting unit, a reason, documents, lines) are bounded by the parser
    try:
        command = parse(data)
    except LedgerError as exc:
        raise Refusal(400, {"error": exc.text.as_json(), "code": exc.code}) from exc
    except (AttributeError, TypeError, ValueError) as exc:  # a body of the wrong shape
        raise Refusal(400, {"error": msg("ui.acsa.bad_body").as_json(), "code": "invalid"}) from exc
    result = ledger_of(request).execute(principal, command)
    code = result.get("code")
    if code in ("ok", "exists"):
        return result
    body: dict[str, Any] = {"error": result["message"], "code": code, "id": result["id"]}
    if result.get("reasons"):
        body["reasons"] = result["reasons"]
    raise Refusal(HTTP_STATUS.get(str(code), 409), body)


def step(request: Request, principal: Principal, order_id: str, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """A workflow step on an order the principal may read (else 404, as if it did not exist)."""
    order = order_data(request, principal, order_id)
    data = {**data, "kind": kind, "order": order_id}
    if kind == "sign" and not data.get("party"):
        data["party"] = principal.party
    if kind == "receive":
        pending = [d["id"] for d in order["deliveries"] if d["received_on"] is None]
        data.setdefault("delivery", pending[0] if len(pending) == 1 else None)
        if data["delivery"] not in [d["id"] for d in order["deliveries"]]:
            # none given while several await receipt: "-", not Python's "None"; and its code
            text = m("unknown_delivery", delivery=data["delivery"] or "-")
            raise Refusal(404, {"error": text.as_json(), "code": "unknown_delivery"})
    return execute(request, principal, data)


def _deny_anonymous(request: Request, kind: str) -> None:
    """An anonymous write: audited as denied, then 401."""
    principal = auth.current_principal(request)
    if principal.user_id == "anonymous":
        with transaction(session_factory(auth.engine_of(request))) as session:
            audit.record(session, principal, f"acsa.{kind}", "acsa_order", "-", PUBLIC, outcome="denied")
        principal_of(request, api=True)


# The top-level fields of each JSON body (`kind`, and a step's `order`, are the address's); any
# other is refused with a 422 naming it, where it was ignored (`"idempotency"` for `"id"`).
API_FIELDS: dict[str, tuple[str, ...]] = {
    "order": (
        "id",
        "on",
        "provider",
        "context",
        "requesting_unit",
        "method",
        "lines",
        "marking_level",
        "releasable_to",
    ),
    "sign": ("id", "on", "party"),
    "deliver": ("id", "on", "lines", "documents"),
    "receive": ("id", "on", "delivery"),
    "settle": ("id", "on", "method", "amount", "commodity", "line"),
    "cancel": ("id", "on", "reason"),
}


def _json_refusal(exc: Refusal) -> JSONResponse:
    return JSONResponse(exc.body, status_code=exc.status)


@router.post("/api/acsa/orders", tags=["acsa"], status_code=201)
def api_order(request: Request, payload: dict[str, Any] = Body(...)) -> Any:  # noqa: B008
    """Raise an order: `{"id"?, "on"?, "provider", "context", "requesting_unit", "method", "lines":
    [{"category", "item", "unit", "quantity", "unit_price", "currency"}], "marking_level"?,
    "releasable_to"?}`. A refused order answers 422 with the reasons and their citations. The order
    is its recipient's step: a user of a party orders from the other party (`provider`), else 403
    (`not_permitted`)."""
    _deny_anonymous(request, "order")
    principal = principal_of(request, api=True)
    refuse_unknown_fields(payload, API_FIELDS["order"])
    try:
        result = execute(request, principal, {**payload, "kind": "order", "on": payload.get("on") or today()})
    except Refusal as exc:
        return _json_refusal(exc)
    return JSONResponse(result, status_code=201 if result["code"] == "ok" else 200)


@router.post("/api/acsa/orders/{order_id}/{kind}", tags=["acsa"])
def api_step(request: Request, order_id: str, kind: Step, payload: dict[str, Any] = Body(...)) -> Any:  # noqa: B008
    """A workflow step on an order: `sign` (`party`), `deliver` (`lines`: [{"line", "quantity"}],
    `documents`), `receive` (`delivery`), `settle` (`method`, `amount`, `commodity`, `line`?),
    `cancel` (`reason`); each with `id` (idempotency) and `on` (default today)."""
    _deny_anonymous(request, kind)
    principal = principal_of(request, api=True)
    refuse_unknown_fields(payload, API_FIELDS[kind])
    try:
        return step(request, principal, order_id, kind, {**payload, "on": payload.get("on") or today()})
    except Refusal as exc:
        return _json_refusal(exc)


MAX_FORM_BYTES = 1024 * 1024  # a page's form is a few KB
MAX_FORM_FIELDS = 1000
REPEATABLE = "releasable_to"  # check boxes: one field per box ticked


async def _form(request: Request) -> dict[str, Any]:
    """The fields of a page's form, read from its body here rather than by Starlette's parser, which
    read a byte that is not UTF-8 (`%FF`, a lone surrogate `%ED%A0%80`) as U+FFFD and an unescaped
    one as Latin-1 ("é" stored as "Ã©"), kept the last of a field given twice (`quantity=10&
    quantity=99` delivered 99) and refused a large form in English only. Empty fields are left out
    (their defaults apply); a refusal is a `Refusal` with the reason in both languages."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM_TYPE:
        raise Refusal(415, {"error": msg("ui.form.not_a_form").as_json(), "code": "invalid"})
    body = await request.body()
    parts = [part for part in body.split(b"&") if part]
    if len(body) > MAX_FORM_BYTES or len(parts) > MAX_FORM_FIELDS:
        sizes = {"size": f"{len(body):,}", "fields": f"{len(parts):,}"}
        text = msg("ui.form.too_large", **sizes, limit=f"{MAX_FORM_BYTES:,}", most=f"{MAX_FORM_FIELDS:,}")
        raise Refusal(413, {"error": text.as_json(), "code": "invalid"})
    data: dict[str, Any] = {}
    seen: set[str] = set()
    releasable: list[str] = []
    for part in parts:
        raw_name, _, raw_value = part.partition(b"=")
        try:
            name, value = form_text(raw_name, raw_name), form_text(raw_value, raw_name)
        except FormNotUtf8 as exc:
            raise Refusal(400, {"error": exc.text.as_json(), "code": "invalid"}) from exc
        if name == REPEATABLE:
            releasable.append(value)
            continue
        if name in seen:
            raise Refusal(400, {"error": msg("ui.form.repeated", field=name[:100]).as_json(), "code": "invalid"})
        seen.add(name)
        if value != "" and name != "csrf_token":
            data[name] = value
    data["releasable_to"] = releasable or list(DEFAULT_RELEASABLE)
    return data


LINE_ROWS = 3  # line items on the order form: the first required, the others used when filled in
LINE_TYPED = ("item", "unit", "quantity", "unit_price")  # a line's fields with no preset value


def _order_form(data: dict[str, Any], principal: Principal) -> dict[str, Any]:
    lines = [{k: data.get(k, "") for k in LINE_FIELDS}]
    for n in range(2, LINE_ROWS + 1):
        # a row with any typed field filled in (its category and currency are preset): one with a
        # quantity or a price but no item was dropped silently, as if never given
        if any(data.get(f"{k}.{n}") for k in LINE_TYPED):
            lines.append({k: data.get(f"{k}.{n}", "") for k in LINE_FIELDS})
    return {
        "kind": "order",
        "id": data.get("id"),
        "on": data.get("on") or today(),
        # the order is the recipient's: a user orders from the other party (`order_providers`)
        "provider": data.get("provider") or other(principal.party or ""),
        "context": data.get("context", ""),  # absent: "context= is not allowed", not "context=None"
        "requesting_unit": data.get("requesting_unit", ""),
        "method": data.get("method", ""),
        "marking_level": data.get("marking_level", "confidential"),
        "releasable_to": data["releasable_to"],
        "lines": lines,
    }


def _step_form(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in data.items() if k not in ("releasable_to", "line_no", "quantity", "documents")}
    out["on"] = data.get("on") or today()
    if kind == "deliver":
        # no line given is refused (it was taken as line 1, whichever line was meant)
        out["lines"] = [{"line": data.get("line_no", ""), "quantity": data.get("quantity", "")}]
        out["documents"] = [d.strip() for d in str(data.get("documents", "")).split(",") if d.strip()]
    if kind == "settle" and "line_no" in data:
        out["line"] = data["line_no"]
    return out


@router.post("/acsa/orders", include_in_schema=False)
async def form_order(request: Request) -> Any:
    principal = principal_of(request, api=False)
    data: dict[str, Any] = {}
    try:
        data = await _form(request)
        result = await run_in_threadpool(execute, request, principal, _order_form(data, principal))
    except Refusal as exc:
        return await run_in_threadpool(_orders_page, request, principal, None, None, False, PAGE_SIZE, 0, exc, data)
    return RedirectResponse(f"/acsa/orders/{result['order']}", status_code=303)


@router.post("/acsa/orders/{order_id}/{kind}", include_in_schema=False)
async def form_step(request: Request, order_id: str, kind: Step) -> Any:
    principal = principal_of(request, api=False)
    try:
        data = await _form(request)
        await run_in_threadpool(step, request, principal, order_id, kind, _step_form(kind, data))
    except Refusal as exc:
        return await run_in_threadpool(_order_page, request, principal, order_id, exc)
    return RedirectResponse(f"/acsa/orders/{order_id}", status_code=303)


# -- pages and JSON twins ----------------------------------------------------------------------------


def _page(request: Request, template: str, twin: str, status: int = 200, **context: Any) -> Any:
    lang = lang_of(request)
    response = render(request, template, lang, twin=twin, steps=STEPS, **_names(request, lang), **context)
    response.status_code = status
    return response


class OrdersQuery(BaseModel):
    """The order list's query (its page and JSON twin): one model, validated in one call rather
    than field by field."""

    status: str | None = None
    on: str | None = None
    overdue: bool = False
    limit: int = Field(PAGE_SIZE, ge=1, le=MAX_PAGE, description=f"orders per page (default {PAGE_SIZE})")
    offset: int = Field(0, ge=0, le=MAX_BIGINT, description="readable orders to skip: a page's `next_offset`")


@router.get("/api/acsa/orders", tags=["acsa"])
async def api_orders(request: Request, q: Annotated[OrdersQuery, Query()]) -> dict[str, Any]:
    """Orders the caller may read, oldest first, a page at a time: at most `limit` (default 100,
    at most 1000) after skipping `offset`; `next_offset` is the `offset` of the next page, or null
    on the last. `count` is the number on this page. `status` filters, `overdue=true` keeps only
    orders with an obligation past its due date on `on` (default today). Each says `overdue`."""
    # the session look-up and the page: one read-only transaction (on SQLite on the event loop)
    return await auth.read(
        request,
        lambda: orders_data(request, principal_of(request, api=True), q.status, q.on, q.overdue, q.limit, q.offset),
    )


def _orders_page(
    request: Request,
    principal: Principal,
    status: str | None,
    on: str | None,
    overdue: bool,
    limit: int = PAGE_SIZE,
    offset: int = 0,
    refusal: Refusal | None = None,
    form: dict[str, Any] | None = None,
) -> Any:
    data = orders_data(request, principal, status, on, overdue, limit, offset)
    query = request.url.query if request.method == "GET" else ""
    # the order is the recipient's step: a user of a party orders from the other one only
    order_providers = [p for p in PROVIDERS if other(p) == principal.party]
    can_order = any(r in principal.roles for r in access.ACTION_ROLES["acsa.order"]) and bool(order_providers)
    return _page(
        request,
        "acsa_orders.html",
        f"/api/acsa/orders?{query}",
        status=refusal.status if refusal else 200,
        data=data,
        pages=_page_links(request, data),
        statuses=STATUSES,
        can_order=can_order,
        order_providers=order_providers,
        refusal=refusal.body if refusal else None,
        form=form or {},
        vocab={"providers": PROVIDERS, "contexts": ACSA_CONTEXTS, "methods": SETTLEMENT_METHODS},
        categories=CATEGORIES,
        line_rows=LINE_ROWS,
        levels=[lv for lv in guard.levels_of(request.app).order if lv != PUBLIC.level],
        new_id=f"web-{secrets.token_hex(8)}",
    )


def _page_links(request: Request, data: dict[str, Any]) -> dict[str, str]:
    """The addresses of the previous and next pages of the list (those that exist)."""
    query = {k: v for k, v in request.query_params.items() if k != "offset"} if request.method == "GET" else {}
    links = {}
    if data["offset"] > 0:
        links["previous"] = "/acsa/orders?" + urlencode({**query, "offset": max(data["offset"] - data["limit"], 0)})
    if data["next_offset"] is not None:
        links["next"] = "/acsa/orders?" + urlencode({**query, "offset": data["next_offset"]})
    return links


@router.get("/acsa/orders", include_in_schema=False)
async def page_orders(request: Request, q: Annotated[OrdersQuery, Query()]) -> Any:
    return await auth.read(
        request,
        lambda: _orders_page(request, principal_of(request, api=False), q.status, q.on, q.overdue, q.limit, q.offset),
    )


@router.get("/api/acsa/orders/{order_id}", tags=["acsa"])
async def api_order_detail(request: Request, order_id: str, on: str | None = None) -> dict[str, Any]:
    """One order: lines, obligations with their ageing on `on`, its history, the steps the caller
    may take now, and its marking. 404 for an order the caller may not read."""
    return await auth.read(request, lambda: order_data(request, principal_of(request, api=True), order_id, on))


def _order_page(request: Request, principal: Principal, order_id: str, refusal: Refusal | None = None) -> Any:
    order = order_data(request, principal, order_id, request.query_params.get("on"))
    return _page(
        request,
        "acsa_order.html",
        f"/api/acsa/orders/{order_id}",
        status=refusal.status if refusal else 200,
        order=order,
        refusal=refusal.body if refusal else None,
        methods=SETTLEMENT_METHODS,
        new_id=f"web-{secrets.token_hex(8)}",
    )


@router.get("/acsa/orders/{order_id}", include_in_schema=False)
async def page_order(request: Request, order_id: str) -> Any:
    return await auth.read(request, lambda: _order_page(request, principal_of(request, api=False), order_id))


def balances_data(request: Request, principal: Principal) -> dict[str, Any]:
    with reading(request, principal) as reader:
        rows = reader.balances()
        return {"balances": rows, "marking": reader.marking_json()}


@router.get("/api/acsa/balances", tags=["acsa"])
async def api_balances(request: Request) -> dict[str, Any]:
    """Balances per account and commodity, over the postings the caller may read."""
    return await auth.read(request, lambda: balances_data(request, principal_of(request, api=True)))


@router.get("/acsa/balances", include_in_schema=False)
async def page_balances(request: Request) -> Any:
    return await auth.read(request, lambda: _balances_page(request))


def _balances_page(request: Request) -> Any:
    data = balances_data(request, principal_of(request, api=False))
    lang = lang_of(request)
    account = _names(request, lang)["account"]
    groups: dict[str, list[tuple[str, float]]] = {}
    for row in data["balances"]:
        groups.setdefault(row["commodity"], []).append((account(row["account"]), float(row["amount"])))
    charts = _charts(groups, msg("ui.acsa.balances"), lang)
    return _page(request, "acsa_balances.html", "/api/acsa/balances", data=data, charts=charts)


def ageing_data(request: Request, principal: Principal, on: str | None) -> dict[str, Any]:
    with reading(request, principal) as reader:
        return reader.ageing(_day(on))


@router.get("/api/acsa/ageing", tags=["acsa"])
def api_ageing(request: Request, on: str | None = None) -> dict[str, Any]:
    """What is owed and unsettled on `on`, by debtor, commodity and months since delivery."""
    return ageing_data(request, principal_of(request, api=True), on)


@router.get("/acsa/ageing", include_in_schema=False)
def page_ageing(request: Request, on: str | None = None) -> Any:
    data = ageing_data(request, principal_of(request, api=False), on)
    lang = lang_of(request)
    name = _names(request, lang)["name"]

    def bucket(key: str) -> str:  # "0-6" -> "0〜6か月" / "0–6 months"
        return term("ui.acsa.bucket", key).get(lang)

    def commodity(code: str) -> str:  # a currency in words; an item in kind by its code
        return term("ui.acsa.commodity", code).get(lang)

    groups: dict[str, list[tuple[str, float]]] = {}
    for row in data["rows"]:
        for key, value in row["buckets"].items():
            bars = groups.setdefault(commodity(row["commodity"]), [])
            bars.append((f"{name(row['debtor'])} {bucket(key)}", float(value)))
    charts = _charts(groups, msg("ui.acsa.ageing"), lang)
    return _page(
        request,
        "acsa_ageing.html",
        f"/api/acsa/ageing?on={data['on']}",
        data=data,
        charts=charts,
        bucket=bucket,
        commodity=commodity,
    )


def report_data(request: Request, principal: Principal, fy: int | None, calendar: str) -> dict[str, Any]:
    if calendar not in ("jp", "us"):
        raise BadRequest(m("unknown_value", field="calendar", value=calendar, allowed="jp, us"))
    on = today()
    year = fy if fy is not None else _fy(calendar, on)
    if year not in FISCAL_YEARS:
        allowed = f"{FISCAL_YEARS.start}-{FISCAL_YEARS.stop - 1}"
        raise BadRequest(m("unknown_value", field="fy", value=year, allowed=allowed))
    with reading(request, principal) as reader:
        return reader.report(year, calendar, on)


@router.get("/api/acsa/report", tags=["acsa"])
def api_report(request: Request, fy: int | None = None, calendar: str = "jp") -> dict[str, Any]:
    """Provisions delivered in fiscal year `fy` (`calendar` jp: April-March, us: October-September)
    per agreement, by category and context, with totals, settled and outstanding."""
    return report_data(request, principal_of(request, api=True), fy, calendar)


@router.get("/acsa/report", include_in_schema=False)
def page_report(request: Request, fy: int | None = None, calendar: str = "jp") -> Any:
    data = report_data(request, principal_of(request, api=False), fy, calendar)
    lang = lang_of(request)
    fw, name = framework_of(request), _names(request, lang)["name"]
    groups: dict[str, list[tuple[str, float]]] = {}
    for ag in data["agreements"]:
        for row in ag["by_category"]:
            category = fw.get(row["category"])
            label = f"{name(row['provider'])} {category.label.get(lang) if category else row['category']}"
            key = f"{name(ag['agreement'])} · {row['commodity']}"
            groups.setdefault(key, []).append((label, float(row["provided"])))
    charts = _charts(groups, msg("ui.acsa.provided"), lang)
    twin = f"/api/acsa/report?fy={data['fy']}&calendar={data['calendar']}"
    return _page(request, "acsa_report.html", twin, data=data, charts=charts)


# -- the dashboard -------------------------------------------------------------------------------------


@register_dashboard_source
def acsa_actions(request: Request, principal: Principal) -> list[DashboardItem]:
    """For a logistics officer of a party: orders awaiting the party's signature, deliveries
    awaiting its receipt, and its settlements due within 60 days or overdue."""
    party = principal.party
    if party not in PROVIDERS or not access.ACTION_ROLES["acsa.sign"] & principal.roles:
        return []
    on = today()
    with reading(request, principal) as reader:
        return [*_to_sign(reader, party), *_to_receive(reader, party), *_to_settle(reader, party, on)]


def _readable(reader: Reader, row: Any) -> Marking | None:
    if not reader.readable(row.marking_level, row.releasable_to):
        return None
    return Marking.from_columns(row.marking_level, row.releasable_to)


def _to_sign(reader: Reader, party: str) -> list[DashboardItem]:
    o = t.orders.c
    signed = o.signed_jpn if party == "jpn" else o.signed_usa
    rows = reader.session.execute(
        select(o.id, o.order_date, o.marking_level, o.releasable_to)
        .where(o.status == "requested", signed.is_(None), o.cancelled_on.is_(None))
        .order_by(o.order_date, o.id)
    ).all()
    items = []
    for r in rows:
        marking = _readable(reader, r)
        if marking is not None:
            title = Text(f"発注 {r.id} に署名してください", f"Sign order {r.id}")
            items.append(DashboardItem("acsa.order.sign", title, f"/acsa/orders/{r.id}", None, marking))
    return items


def _to_receive(reader: Reader, party: str) -> list[DashboardItem]:
    b = t.obligations.c
    rows = reader.session.execute(
        select(b.delivery_id, b.order_id, b.marking_level, b.releasable_to)
        .where(b.debtor == party, b.received_on.is_(None))
        .group_by(b.delivery_id, b.order_id, b.marking_level, b.releasable_to)
        .order_by(b.delivery_id)
    ).all()
    items = []
    for r in rows:
        marking = _readable(reader, r)
        if marking is not None:
            title = Text(
                f"引渡し {r.delivery_id}（発注 {r.order_id}）の受領を確認してください",
                f"Confirm receipt of delivery {r.delivery_id} (order {r.order_id})",
            )
            items.append(DashboardItem("acsa.delivery.receive", title, f"/acsa/orders/{r.order_id}", None, marking))
    return items


def _to_settle(reader: Reader, party: str, on: dt.date) -> list[DashboardItem]:
    b = t.obligations.c
    rows = reader.session.execute(
        select(b.order_id, b.due_on, b.marking_level, b.releasable_to)
        .where(b.debtor == party, b.settled < b.amount, b.due_on <= on + DUE_SOON)
        .order_by(b.due_on, b.order_id)
    ).all()
    due: dict[str, tuple[dt.date, Marking]] = {}
    for r in rows:
        marking = _readable(reader, r)
        if marking is not None and r.order_id not in due:
            due[r.order_id] = (r.due_on, marking)
    return [
        DashboardItem(
            "acsa.settlement.due",
            Text(f"発注 {oid} の決済期限", f"Settle order {oid}"),
            f"/acsa/orders/{oid}",
            day,
            marking,
        )
        for oid, (day, marking) in due.items()
    ]
