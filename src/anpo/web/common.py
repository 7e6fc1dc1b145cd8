"""What every route shares: language choice, as-of dates, templates and 4xx errors with reasons."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes, urlencode

from fastapi import HTTPException, Request
from fastapi.templating import Jinja2Templates

from anpo.dates import DateError, era_string, parse_date, today
from anpo.framework.framework import Framework
from anpo.framework.model import Text
from anpo.i18n import msg, t

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def _era_filter(iso: Any) -> str:
    """`{{ "1960-01-19" | era }}` -> 昭和35年1月19日 (views hold ISO strings); "" for what is not a
    date the era calendar covers, so a page never fails on one."""
    try:
        return era_string(dt.date.fromisoformat(str(iso)[:10]))
    except (ValueError, TypeError, KeyError, AttributeError):
        return ""


def _may(principal: Any, action: str) -> bool:
    """`may(principal, "audit.read")` in templates: whether the principal holds a role the
    registered action requires (a navigation link shown to those who may use it; the route still
    decides, and audits a refusal)."""
    from anpo.security.access import ACTION_ROLES

    return bool(ACTION_ROLES.get(action, frozenset()) & principal.roles)


TEMPLATES.env.filters["era"] = _era_filter
TEMPLATES.env.globals["may"] = _may
LANG_COOKIE = "anpo_lang"
# The largest integers a column of SQLAlchemy's Integer (PostgreSQL's int4; SQLite's are wider) and
# BigInteger hold: an id, offset or sequence number from a request is bounded by the column it is
# compared with, or the driver fails on binding it (a 500 where a 422 is due).
MAX_INTEGER = 2**31 - 1
MAX_BIGINT = 2**63 - 1
# A write that found the database busy (`anpo.store.db.is_busy`) is answered 503 with this
# Retry-After (seconds) and `BUSY` (the login page words its own, `routes_auth.LOGIN_BUSY`).
RETRY_AFTER = "5"
BUSY = Text(
    "サーバーが混み合っています。しばらくしてからもう一度お試しください",
    "the server is busy; please try again in a moment",
)


def lang_of(request: Request) -> str:
    """?lang= wins, then the cookie, then the browser's Accept-Language, then English."""
    lang = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    if lang in ("ja", "en"):
        return lang
    accept = request.headers.get("accept-language", "")
    return "ja" if accept.lower().startswith("ja") else "en"


def login_url(request: Request) -> str:
    """Where a page sends a caller who is not logged in: /login, with `next` the page's whole path
    and query (its filters kept, percent-encoded) and the page's own `?lang=` (the login page is
    in the language asked for). `next` is still checked at login: only a path on this site."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    query = {"next": target}
    lang = request.query_params.get("lang")
    if lang in ("ja", "en"):
        query["lang"] = lang
    return "/login?" + urlencode(query, safe="/")  # a slash may stand in a query: /login?next=/dashboard


# The `code` of an API error whose raiser named none, by its status: every error body under /api
# is `{"error": {"ja", "en"}, "code", ...}`, so a client can branch on the code, never on the text.
STATUS_CODES = {
    400: "invalid",
    401: "login_needed",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
    500: "server_error",
    503: "unavailable",
}


def error_body(status: int, body: dict[str, Any]) -> dict[str, Any]:
    """`body` with the `code` of its status where it has none."""
    return body if "code" in body else {**body, "code": STATUS_CODES.get(status, "error")}


class BadRequest(HTTPException):
    """A 400 whose detail carries the reason in both languages, and the `code` the API's refusals carry."""

    def __init__(self, text: Text) -> None:
        super().__init__(status_code=400, detail={"error": text.as_json(), "code": "invalid"})


class UnknownFields(HTTPException):
    """A 422 naming the top-level fields of a JSON body that its endpoint does not take, and those
    it does: a typo (`"idempotency"` for `"id"`) was ignored, the request run as if it were absent."""

    def __init__(self, unknown: list[str], allowed: Collection[str]) -> None:
        text = msg("http.unknown_fields", fields=", ".join(unknown), allowed=", ".join(sorted(set(allowed))))
        self.body: dict[str, Any] = {"error": text.as_json(), "code": "unknown_field", "fields": unknown}
        super().__init__(422, detail=self.body)


def refuse_unknown_fields(payload: Mapping[str, Any], allowed: Collection[str]) -> None:
    """Raise UnknownFields when `payload` (a JSON object) has a key outside `allowed`."""
    unknown = sorted(str(k)[:100] for k in payload if k not in allowed)
    if unknown:
        raise UnknownFields(unknown, allowed)


FORM_TYPE = "application/x-www-form-urlencoded"  # what the pages' forms send


class FormNotUtf8(ValueError):
    """A name or value of a urlencoded form whose bytes are not UTF-8; `text` names its field."""

    def __init__(self, field: bytes) -> None:
        self.text = msg("ui.form.not_utf8", field=field[:100].decode("ascii", "backslashreplace"))
        super().__init__(self.text.en)


def form_text(raw: bytes, field: bytes) -> str:
    """One name or value of a urlencoded form: `+` a space, `%XX` a byte, the bytes UTF-8 (else
    FormNotUtf8, naming `field`)."""
    try:
        return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormNotUtf8(field) from exc


def unreadable_form(request: Request) -> Text | None:
    """Why the urlencoded form of this request cannot be read, or None: a name or value that is not
    UTF-8 (`%FF`, a lone surrogate `%ED%A0%80`, a raw byte), which Starlette's parser behind
    FastAPI's `Form` reads as U+FFFD or Latin-1, a value altered silently. The body is the one the
    guard read (`guard.form_body_of`); a route calls this after its own more specific refusals."""
    from anpo.web.guard import form_body_of

    try:
        for part in form_body_of(request).split(b"&"):
            name, _, value = part.partition(b"=")
            form_text(name, name)
            form_text(value, name)
    except FormNotUtf8 as exc:
        return exc.text
    return None


def parse_on(value: str | None) -> dt.date:
    if not value:
        return today()
    try:
        return parse_date(value)
    except DateError as exc:
        raise BadRequest(exc.text) from exc


def framework_of(request: Request) -> Framework:
    fw: Framework = request.app.state.framework
    return fw


def render(request: Request, template: str, lang: str, **context: Any) -> Any:
    """A page: the template with the language, who is logged in, the CSRF token for its forms and
    the banner of the marking the route declared with `guard.mark` (public by default)."""
    from anpo.web import auth, guard

    principal = auth.current_principal(request)
    guard.mark_from_data(request, *(v for v in context.values() if isinstance(v, dict | list)))
    banner = guard.levels_of(request.app).banner(guard.marking_of(request))
    response = TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "lang": lang,
            "t": lambda key, **kw: t(key, lang, **kw),
            "era": era_string,
            "L": _picker(lang),
            "label": _labeller(framework_of(request), lang),
            "source_of": _sourcer(framework_of(request), lang),
            "source_names": lambda: _source_names(framework_of(request), lang),
            "switch_url": _switch_url(request, "en" if lang == "ja" else "ja"),
            "banner": banner.get(lang),
            "banner_other": banner.get("en" if lang == "ja" else "ja"),
            "principal": principal,
            "csrf_token": guard.csrf_token_of(request),
            **context,
        },
    )
    if request.query_params.get("lang") in ("ja", "en"):
        response.set_cookie(LANG_COOKIE, lang, samesite="lax", httponly=True, secure=request.url.scheme == "https")
    return response


def _switch_url(request: Request, lang: str) -> str:
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"] + [("lang", lang)]
    return f"{request.url.path}?{urlencode(query)}"


def _labeller(fw: Framework, lang: str) -> Any:
    """`label(id)` in templates: a vocabulary id (a context, a category, a settlement method) as
    its label in the page's language; an id the pack does not know is shown as it is."""

    def label(ent_id: Any) -> str:
        ent = fw.get(str(ent_id))
        return ent.label.get(lang) if ent is not None else str(ent_id)

    return label


def _source_words(ent: Any, lang: str) -> dict[str, str]:
    """A source as a citation shows it: its short name in the page's language (its label when it
    has none) and its full label, for the link's `title`."""
    full = ent.label.get(lang)
    return {"short": ent.short.get(lang) if ent.short is not None else full, "label": full}


def _sourcer(fw: Framework, lang: str) -> Any:
    """`source_of(id)` in templates (the `cites` macro): the short name and label of a source the
    pack knows, else None (the id is then shown as it is, unlinked)."""

    def source_of(src_id: Any) -> dict[str, str] | None:
        ent = fw.get(str(src_id))
        return _source_words(ent, lang) if ent is not None and ent.kind == "source" else None

    return source_of


def _source_names(fw: Framework, lang: str) -> dict[str, dict[str, str]]:
    """Every source of the pack as `source_of` gives it, by id: the pages' scripts show the
    citations of a JSON answer as the page's own markup does (the `cite_js` macro)."""
    return {ent.id: _source_words(ent, lang) for ent in fw.of_kind("source")}


def _picker(lang: str) -> Any:
    def pick(value: Any) -> str:
        if isinstance(value, dict):
            return str(value.get(lang, ""))
        if isinstance(value, Text):
            return value.get(lang)
        return "" if value is None else str(value)

    return pick
