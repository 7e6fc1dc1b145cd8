"""Logging in and out, who am I, the dashboard and the administration of users (pages + JSON twins)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from fastapi import APIRouter, Body, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from anpo.dates import today
from anpo.framework.model import Text
from anpo.i18n import msg
from anpo.security import access, accounts, audit
from anpo.security.markings import PUBLIC
from anpo.security.principal import ANONYMOUS, ROLES, Principal
from anpo.store.db import session_factory, transaction
from anpo.web import auth, dashboard, guard
from anpo.web.common import lang_of, login_url, render, unreadable_form

router = APIRouter()
ADMIN_ACTION = "accounts.admin"
access.register_action(ADMIN_ACTION, "administrator")


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
    old = auth.session_token_of(request)
    token = ""
    with _tx(request) as session:  # the failed attempt is counted and audited: this commits either way
        if old:
            accounts.end_session(session, old)
        result = accounts.check_login(session, username.strip()[:128], password[: accounts.MAX_PASSWORD * 4])
        if isinstance(result, accounts.User):
            token = accounts.start_session(session, result)
    if isinstance(result, accounts.AccountError):
        response = render(request, "login.html", lang, next=_safe_next(next), error=result.text.get(lang))
        response.status_code = 429 if result.code == "locked" else 401
        response.delete_cookie(auth.session_cookie_name(request), **auth.cookie_kwargs(request))
        return response
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(auth.session_cookie_name(request), token, **auth.cookie_kwargs(request))
    response.set_cookie(auth.csrf_cookie_name(request), secrets.token_urlsafe(32), **auth.cookie_kwargs(request))
    return response


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
    party = None if new.party in (None, "", "none") else new.party
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


def _disable(request: Request, principal: Principal, username: str) -> dict[str, Any]:
    with _tx(request) as session:
        return accounts.disable_user(session, username, by=principal).as_json()


def _account_error(exc: accounts.AccountError) -> HTTPException:
    status = {"not_found": 404, "exists": 409}.get(exc.code, 400)
    return _error(status, exc.text)


@router.get("/api/admin/users", tags=["accounts"])
def api_users(request: Request) -> dict[str, Any]:
    """Every account (administrators only)."""
    require_admin(request, api=True)
    return {"users": _users(request)}


@router.post("/api/admin/users", tags=["accounts"], status_code=201)
def api_create_user(request: Request, new: NewUser = Body(...)) -> dict[str, Any]:  # noqa: B008
    """Create an account (administrators only)."""
    principal = require_admin(request, api=True)
    try:
        return _create(request, principal, new)
    except accounts.AccountError as exc:
        raise _account_error(exc) from exc


@router.post("/api/admin/users/{username}/disable", tags=["accounts"])
def api_disable_user(request: Request, username: str) -> dict[str, Any]:
    """Disable an account and end its sessions and tokens (administrators only)."""
    principal = require_admin(request, api=True)
    try:
        return _disable(request, principal, username)
    except accounts.AccountError as exc:
        raise _account_error(exc) from exc


@router.get("/admin/users", include_in_schema=False)
def page_users(request: Request, notice: str | None = None) -> Any:
    require_admin(request, api=False)
    return _users_page(request, notice=notice)


def _users_page(request: Request, notice: str | None = None, error: str | None = None, status: int = 200) -> Any:
    response = render(
        request,
        "admin_users.html",
        lang_of(request),
        twin="/api/admin/users",
        users=_users(request),
        levels=guard.levels_of(request.app).order,
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
        return _users_page(request, error=exc.text.get(lang), status=400)
    return RedirectResponse(f"/admin/users?notice=created:{username}", status_code=303)


@router.post("/admin/users/{username}/disable", include_in_schema=False)
def page_disable_user(request: Request, username: str) -> Any:
    principal = require_admin(request, api=False)
    unreadable = unreadable_form(request)
    if unreadable is not None:
        return _users_page(request, error=unreadable.get(lang_of(request)), status=400)
    try:
        _disable(request, principal, username)
    except accounts.AccountError as exc:
        return _users_page(request, error=exc.text.get(lang_of(request)), status=404)
    return RedirectResponse(f"/admin/users?notice=disabled:{username}", status_code=303)


def error_response(request: Request, status: int, text: Text) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": text.as_json()}, status_code=status)
    response: Response = render(
        request, "error.html", lang_of(request), status=status, message=text.get(lang_of(request))
    )
    response.status_code = status
    return response
