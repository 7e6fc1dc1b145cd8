"""Logging in and out, who am I, the dashboard and the administration of users (pages + JSON twins)."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import sqlite3
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Body, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DBAPIError

from anpo.dates import today
from anpo.framework.model import Text
from anpo.i18n import msg
from anpo.security import access, accounts, audit
from anpo.security.markings import PUBLIC
from anpo.security.principal import ANONYMOUS, ROLES, Principal
from anpo.store.db import BUSY_STATES, is_busy, session_factory, transaction
from anpo.web import auth, dashboard, guard
from anpo.web.common import RETRY_AFTER, error_body, lang_of, login_url, render, unreadable_form

router = APIRouter()
log = logging.getLogger(__name__)
ADMIN_ACTION = "accounts.admin"
access.register_action(ADMIN_ACTION, "administrator")
_ERROR_BODY = {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}}
LOGIN_BUSY = Text(
    "サーバーが混み合っています。しばらくしてからもう一度ログインしてください",
    "the server is busy; please log in again in a moment",
)
ENABLE = Text("有効にする", "Enable")


def _tx(request: Request) -> Any:
    return transaction(session_factory(auth.engine_of(request)))


def _error(status: int, text: Text) -> HTTPException:
    return HTTPException(status_code=status, detail={"error": text.as_json()})


def _safe_next(value: str | None) -> str:
    """A path on this site (with its query), or /dashboard: never `//host` or one with a backslash,
    which a browser reads as another site, nor one with a control character (a browser drops a tab
    or a newline: slash, tab, slash, host is `//host` to it)."""
    if (
        value
        and value.startswith("/")
        and not value.startswith("//")
        and "\\" not in value
        and not any(ord(c) < 0x20 or ord(c) == 0x7F for c in value)
    ):
        return value
    return "/dashboard"


def require_admin(request: Request, api: bool) -> Principal:
    """The administrator making this request; anyone else gets 401/403 and the refusal is audited."""
    principal = auth.current_principal(request)
    if principal is ANONYMOUS or principal.user_id == "anonymous":
        with _tx(request) as session:
            audit.record(session, principal, ADMIN_ACTION, "users", "-", PUBLIC, outcome="denied")
        if api:
            raise _error(401, msg("ui.login_needed"))
        raise _login_redirect(request)
    levels = guard.levels_of(request.app)
    if not access.can(levels, principal, ADMIN_ACTION, PUBLIC):
        with _tx(request) as session:
            audit.record(session, principal, ADMIN_ACTION, "users", "-", PUBLIC, outcome="denied")
        raise _error(403, Text("権限がありません", "not permitted"))
    return principal


def _login_redirect(request: Request) -> HTTPException:
    return HTTPException(status_code=303, headers={"Location": login_url(request)})


# -- login / logout --------------------------------------------------------------------------------


@router.get("/login", include_in_schema=False)
def login_page(request: Request, next: str | None = None) -> Any:
    return render(request, "login.html", lang_of(request), next=_safe_next(next), error=None)


@router.post("/login", include_in_schema=False)
def login(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    next: str = Form("/dashboard"),
) -> Any:
    """Check the password (throttled, audited); on success a new session and a new CSRF token."""
    lang = lang_of(request)
    unreadable = unreadable_form(request)
    if unreadable is not None:  # refused before any check: no attempt counted, no session ended
        response = render(request, "login.html", lang, next=_safe_next(next), error=unreadable.get(lang))
        response.status_code = 400
        return response
    try:
        result, token = _log_in(
            request, username.strip()[:128], password[: accounts.MAX_PASSWORD * 4], auth.session_token_of(request)
        )
    except (DBAPIError, sqlite3.Error, _Busy) as exc:
        if not (isinstance(exc, _Busy) or is_busy(exc)):
            raise
        log.warning("a login found the database busy; answered 503", exc_info=True)
        response = render(request, "login.html", lang, next=_safe_next(next), error=LOGIN_BUSY.get(lang))
        response.status_code = 503
        response.headers["Retry-After"] = RETRY_AFTER
        return response
    if isinstance(result, accounts.AccountError):
        response = render(request, "login.html", lang, next=_safe_next(next), error=result.text.get(lang))
        response.status_code = 429 if result.code == "locked" else 401
        response.delete_cookie(auth.session_cookie_name(request), **auth.cookie_kwargs(request))
        return response
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(auth.session_cookie_name(request), token, **auth.cookie_kwargs(request))
    response.set_cookie(auth.csrf_cookie_name(request), secrets.token_urlsafe(32), **auth.cookie_kwargs(request))
    return response


class _Busy(Exception):
    """A login that could not record its outcome after several attempts."""


def _log_in(request: Request, username: str, password: str, old: str | None) -> tuple[Any, str]:
    """The outcome of a login (a User or an AccountError) and the new session's token ("" if none).

    The password is checked (argon2, 64 MiB) between a read-only look-up and a short write
    transaction, never inside one: on SQLite a write transaction holds the database's one write
    lock, and logins took turns behind each other's hashing until they waited past the busy
    timeout (a 500). The write transaction decides anew on the account as it is then
    (`accounts.finish_login`: locked or disabled meanwhile, refused); it ends the old session,
    counts a failure and audits the attempt, committing either way. A PostgreSQL conflict runs the
    write again; a password checked against a hash that changed meanwhile is checked again."""
    check: accounts.LoginCheck | None = None
    for _ in range(4):
        if check is None:
            with auth.read_connection(request) as conn:
                row = accounts.read_login(conn, username)
            check = accounts.check_password_of(row, username, password)
        token = ""
        try:
            with _tx(request) as session:
                if old:
                    accounts.end_session(session, old)
                result = accounts.finish_login(session, check)
                if isinstance(result, accounts.User):
                    token = accounts.start_session(session, result)
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) not in BUSY_STATES:
                raise
            continue
        if result is not None:
            return result, token
        old, check = None, None  # the old session ended (committed); the password is checked again
    raise _Busy


@router.post("/logout", include_in_schema=False)
def logout(request: Request) -> Any:
    unreadable = unreadable_form(request)
    if unreadable is not None:
        return error_response(request, 400, unreadable)
    token = auth.session_token_of(request)
    if token:
        with _tx(request) as session:
            accounts.end_session(session, token)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(auth.session_cookie_name(request), **auth.cookie_kwargs(request))
    response.set_cookie(auth.csrf_cookie_name(request), secrets.token_urlsafe(32), **auth.cookie_kwargs(request))
    return response


@router.get("/api/me", tags=["accounts"])
async def api_me(request: Request) -> dict[str, Any]:
    """Who the caller is: user, party, clearance and roles (`anonymous` without a login or token)."""
    p = await auth.principal(request)
    return {"user": p.user_id, "party": p.party, "clearance": p.clearance, "roles": sorted(p.roles)}


# -- dashboard -------------------------------------------------------------------------------------


def _dashboard(request: Request) -> dict[str, Any]:
    principal = auth.current_principal(request)
    items = dashboard.items_for(request, principal)
    guard.mark(request, *(i.marking for i in items))
    on = today()
    return {"user": principal.user_id, "on": on.isoformat(), "items": [i.as_json(on) for i in items]}


@router.get("/api/dashboard", tags=["accounts"])
def api_dashboard(request: Request) -> dict[str, Any]:
    """What needs the caller's action (orders to sign, deliveries to confirm, settlements and taskings due)."""
    if auth.current_principal(request).user_id == "anonymous":
        raise _error(401, msg("ui.login_needed"))
    return _dashboard(request)


@router.get("/dashboard", include_in_schema=False)
def page_dashboard(request: Request) -> Any:
    if auth.current_principal(request).user_id == "anonymous":
        raise _login_redirect(request)
    data = _dashboard(request)
    return render(request, "dashboard.html", lang_of(request), twin="/api/dashboard", data=data, today=dt.date.today())


# -- administration of users -----------------------------------------------------------------------


class NewUser(BaseModel):
    """A new account; unknown fields are refused (no mass assignment)."""

    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=2, max_length=63)
    password: str = Field(min_length=accounts.MIN_PASSWORD, max_length=accounts.MAX_PASSWORD)
    party: str | None = Field(default=None, max_length=8)
    clearance: str = Field(max_length=32)
    roles: list[str] = Field(default_factory=list, max_length=len(ROLES))


def _users(request: Request) -> list[dict[str, Any]]:
    with _tx(request) as session:
        return [u.as_json() for u in accounts.list_users(session)]


def _create(request: Request, principal: Principal, new: NewUser) -> dict[str, Any]:
    """Create the account, within the administrator's bounds (`accounts.grant_refusal`: no
    clearance above their own, no party but their own); a refusal is audited, nothing else written."""
    party = None if new.party in (None, "", "none") else new.party
    try:
        with _tx(request) as session:
            user = accounts.create_user(
                session,
                guard.levels_of(request.app),
                new.username,
                new.password,
                party=party,
                clearance=new.clearance,
                roles=new.roles,
                by=principal,
            )
            return user.as_json()
    except accounts.AccountError as exc:
        if exc.code == "beyond_bounds":  # the values were checked first: they are what was asked for
            detail = {
                "party": party,
                "clearance": new.clearance,
                "roles": sorted(set(new.roles)),
                "reason": exc.text.en,
            }
            _audit_refusal(request, principal, "user.create", new.username, detail)
        raise


def _disable(request: Request, principal: Principal, username: str) -> dict[str, Any]:
    """Disable an account, any but the administrator's own (refused, audited). Disabling grants
    nothing: an administrator may disable an account of any party and clearance, to contain it."""
    try:
        with _tx(request) as session:
            return accounts.disable_user(session, username, by=principal).as_json()
    except accounts.AccountError as exc:
        if exc.code == "self":
            _audit_refusal(request, principal, "user.disable", username, {"reason": exc.text.en})
        raise


def _enable(request: Request, principal: Principal, username: str) -> dict[str, Any]:
    """Enable an account again, only one the administrator could have made (`accounts.enable_user`:
    its party and clearance within their bounds); a refusal is audited, nothing else written."""
    try:
        with _tx(request) as session:
            user, _ = accounts.enable_user(session, guard.levels_of(request.app), username, by=principal)
            return user.as_json()
    except accounts.AccountError as exc:
        if exc.code == "beyond_bounds":
            with _tx(request) as session:
                user = accounts.get_user(session, username)
                detail = {"party": user.party or None, "clearance": user.clearance, "reason": exc.text.en}
            _audit_refusal(request, principal, "user.enable", username, detail)
        raise


def _audit_refusal(request: Request, principal: Principal, action: str, username: str, detail: dict[str, Any]) -> None:
    with _tx(request) as session:
        audit.record(session, principal, action, "user", username, PUBLIC, outcome="denied", detail=detail)


# AccountError's codes as statuses: a refusal within the administrator's bounds is a 403, disabling
# one's own account a conflict (409), anything else a value that cannot be taken (400).
_STATUS = {"not_found": 404, "exists": 409, "beyond_bounds": 403, "self": 409}


def _account_error(exc: accounts.AccountError) -> HTTPException:
    return _error(_STATUS.get(exc.code, 400), exc.text)


def _grantable(request: Request, principal: Principal) -> tuple[list[str], list[str]]:
    """The parties (beside none) and the clearances the administrator may give, for the form."""
    levels = guard.levels_of(request.app)
    parties = [p for p in accounts.PARTIES if accounts.grant_refusal(levels, principal, p, levels.order[0]) is None]
    clearances = [c for c in levels.order if accounts.grant_refusal(levels, principal, None, c) is None]
    return parties, clearances


@router.get("/api/admin/users", tags=["accounts"])
def api_users(request: Request) -> dict[str, Any]:
    """Every account (administrators only)."""
    require_admin(request, api=True)
    return {"users": _users(request)}


@router.post(
    "/api/admin/users",
    tags=["accounts"],
    status_code=201,
    responses={
        403: {"description": "not an administrator, or beyond their bounds (audited)", "content": _ERROR_BODY},
        409: {"description": "the username is taken", "content": _ERROR_BODY},
    },
)
def api_create_user(request: Request, new: NewUser = Body(...)) -> dict[str, Any]:  # noqa: B008
    """Create an account (administrators only). An administrator grants nothing they do not hold:
    a clearance at most their own, no party but their own (one of no party grants none); they may
    grant any role, `administrator` too. Beyond that: 403 naming what was refused, audited as
    denied, nothing written. (`anpo users create`, on the server's shell, is not bounded.)"""
    principal = require_admin(request, api=True)
    try:
        return _create(request, principal, new)
    except accounts.AccountError as exc:
        raise _account_error(exc) from exc


@router.post(
    "/api/admin/users/{username}/disable",
    tags=["accounts"],
    responses={
        404: {"description": "no such account", "content": _ERROR_BODY},
        409: {"description": "the caller's own account (refused, audited)", "content": _ERROR_BODY},
    },
)
def api_disable_user(request: Request, username: str) -> dict[str, Any]:
    """Disable an account and end its sessions and tokens (administrators only): any account but
    the caller's own (409), whatever its party and clearance (disabling grants nothing)."""
    principal = require_admin(request, api=True)
    try:
        return _disable(request, principal, username)
    except accounts.AccountError as exc:
        raise _account_error(exc) from exc


@router.post(
    "/api/admin/users/{username}/enable",
    tags=["accounts"],
    responses={
        403: {
            "description": "not an administrator, or the account is beyond their bounds (audited)",
            "content": _ERROR_BODY,
        },
        404: {"description": "no such account", "content": _ERROR_BODY},
    },
)
def api_enable_user(request: Request, username: str) -> dict[str, Any]:
    """Enable a disabled account again (administrators only), audited as `user.enable`. Enabling
    restores access, so an administrator enables only an account they could have made: its
    clearance at most their own, its party their own or none; beyond that a 403 naming why,
    audited as denied. Its failed logins and lock-out are cleared; its sessions and API tokens,
    ended when it was disabled, stay ended (its owner logs in anew). An account enabled already is
    left as it is: 200 with the account. (`anpo users enable`, on the server's shell, is not bounded.)"""
    principal = require_admin(request, api=True)
    try:
        return _enable(request, principal, username)
    except accounts.AccountError as exc:
        raise _account_error(exc) from exc


@router.get("/admin/users", include_in_schema=False)
def page_users(request: Request, notice: str | None = None) -> Any:
    require_admin(request, api=False)
    return _users_page(request, notice=notice)


def _users_page(request: Request, notice: str | None = None, error: str | None = None, status: int = 200) -> Any:
    principal = auth.current_principal(request)
    parties, clearances = _grantable(request, principal)
    users = _users(request)
    levels = guard.levels_of(request.app)
    enableable = [
        u["id"]
        for u in users
        if u["disabled"] and accounts.grant_refusal(levels, principal, u["party"], str(u["clearance"])) is None
    ]
    kind, _, who = (notice or "").partition(":")
    enabled = Text(f"ユーザー「{who}」を有効にしました", f"User '{who}' enabled") if kind == "enabled" else None
    response = render(
        request,
        "admin_users.html",
        lang_of(request),
        twin="/api/admin/users",
        users=users,
        enableable=enableable,
        enable_label=ENABLE,
        enabled_notice=enabled,
        levels=clearances,
        parties=parties,
        roles=ROLES,
        notice=notice,
        error=error,
    )
    response.status_code = status
    return response


@router.post("/admin/users", include_in_schema=False)
def page_create_user(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    party: str = Form("none"),
    clearance: str = Form("public"),
    roles: list[str] = Form([]),  # noqa: B008
) -> Any:
    principal = require_admin(request, api=False)
    lang = lang_of(request)
    unreadable = unreadable_form(request)
    if unreadable is not None:
        return _users_page(request, error=unreadable.get(lang), status=400)
    # The form's values go to `create_user` unvalidated by NewUser, whose limits it checks itself
    # and, unlike NewUser here ("invalid input"), says which value is wrong and why.
    new = NewUser.model_construct(username=username, password=password, party=party, clearance=clearance, roles=roles)
    try:
        _create(request, principal, new)
    except accounts.AccountError as exc:
        return _users_page(request, error=exc.text.get(lang), status=403 if exc.code == "beyond_bounds" else 400)
    return RedirectResponse(f"/admin/users?notice=created:{username}", status_code=303)


@router.post("/admin/users/{username}/disable", include_in_schema=False)
def page_disable_user(request: Request, username: str) -> Any:
    return _account_button(request, username, _disable, "disabled")


@router.post("/admin/users/{username}/enable", include_in_schema=False)
def page_enable_user(request: Request, username: str) -> Any:
    return _account_button(request, username, _enable, "enabled")


def _account_button(
    request: Request, username: str, act: Callable[[Request, Principal, str], dict[str, Any]], notice: str
) -> Any:
    """A button of an account's row on /admin/users: `act` on it, then the list with a notice,
    or the list with the reason it was refused."""
    principal = require_admin(request, api=False)
    unreadable = unreadable_form(request)
    if unreadable is not None:
        return _users_page(request, error=unreadable.get(lang_of(request)), status=400)
    try:
        act(request, principal, username)
    except accounts.AccountError as exc:
        return _users_page(request, error=exc.text.get(lang_of(request)), status=_STATUS.get(exc.code, 404))
    return RedirectResponse(f"/admin/users?notice={notice}:{username}", status_code=303)


def error_response(request: Request, status: int, text: Text) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse(error_body(status, {"error": text.as_json()}), status_code=status)
    response: Response = render(
        request, "error.html", lang_of(request), status=status, message=text.get(lang_of(request))
    )
    response.status_code = status
    return response
