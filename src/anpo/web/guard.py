"""What every response gets and every state-changing request must pass, as one ASGI middleware.

- CSRF (ASVS 4.2.2): a request that changes state (POST, PUT, PATCH, DELETE) and is authenticated
  by the session cookie — and every login or logout — must carry the CSRF token, as the form field
  `csrf_token` or the header `X-CSRF-Token`, equal to the `anpo_csrf` cookie (double submit; the
  cookie is SameSite=Strict, HttpOnly, and renewed at login and logout). Requests authenticated by
  an `Authorization: Bearer` API token carry no ambient credentials and need none.
- Security headers (ASVS 14.4): Content-Security-Policy (inline scripts allowed only by their
  SHA-256, computed per page), X-Content-Type-Options, X-Frame-Options and frame-ancestors,
  Referrer-Policy, Strict-Transport-Security over https; `Cache-Control: no-store` when logged in.
- No NUL character (U+0000) in a request's path, query, JSON or form body: PostgreSQL's text
  cannot hold one (the driver fails), SQLite's can, so it is refused with a 400 on both alike.
  Nor a lone surrogate in a JSON body (`\ud800` with no pair): no character, no UTF-8 encodes it,
  and neither database's driver can bind it (a 500 before).
- The raw body of a urlencoded form is kept for the route (`form_body_of`): FastAPI's `Form`
  reads it with every byte that is not UTF-8 altered, and the body cannot be read again.
- The marking of what a response contains: `X-Anpo-Marking` (English banner) and
  `X-Anpo-Marking-Ja` (the Japanese banner, percent-encoded UTF-8). Routes declare what they
  return with `mark(request, marking, ...)`; the default is the public level.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from typing import Any
from urllib.parse import parse_qs, quote

from fastapi import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from anpo.security.markings import PUBLIC, Levels, Marking
from anpo.web import auth

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# The largest request anpo takes is an order of 1,000 lines, about 250 KB of JSON. A body had no
# bound: the guard (and the routes) read it whole into memory, gigabytes if sent.
MAX_BODY_BYTES = 4 * 1024 * 1024
BODY_TOO_LARGE = {
    "ja": f"リクエストの本文が大きすぎます（{MAX_BODY_BYTES:,}バイトまで）",
    "en": f"the request body is too large (at most {MAX_BODY_BYTES:,} bytes)",
}


class BodyTooLarge(HTTPException):
    """Raised by `receive` past `MAX_BODY_BYTES`: an HTTPException, so that a route reading the body
    answers it as a 413 (FastAPI answers any other error of reading a body as a 400)."""

    def __init__(self) -> None:
        super().__init__(413, detail={"error": BODY_TOO_LARGE})


def _limited(receive: Receive) -> Receive:
    """`receive`, raising BodyTooLarge once the body passes `MAX_BODY_BYTES` (a body sent in chunks
    declares no length to refuse it by)."""
    total = 0

    async def counted() -> Message:
        nonlocal total
        message = await receive()
        if message["type"] == "http.request":
            total += len(message.get("body", b""))
            if total > MAX_BODY_BYTES:
                raise BodyTooLarge
        return message

    return counted


FORM = "application/x-www-form-urlencoded"
ALWAYS_CSRF = ("/login", "/logout")
INLINE_SCRIPT = re.compile(rb"<script(?:\s[^>]*)?>(.*?)</script>", re.S | re.I)
CSRF_FAILED = {
    "ja": "CSRFトークンがないか一致しません。ページを読み込み直してください",
    "en": "missing or wrong CSRF token; reload the page",
}
MULTIPART_REFUSED = {
    "ja": "multipart/form-data の本文は受け付けません（JSON か application/x-www-form-urlencoded で送ってください）",
    "en": "a multipart/form-data body is not accepted (send JSON or application/x-www-form-urlencoded)",
}
NUL_REFUSED = {
    "ja": "リクエストにNUL文字（U+0000）は使えません",
    "en": "a NUL character (U+0000) is not allowed in a request",
}
# A NUL as a form (`%00`) or a JSON string (`\u0000`, after an even run of backslashes: `\\u0000`
# is a backslash and the text "u0000") writes it; a raw NUL byte is never valid in either.
NUL_FORM = re.compile(rb"%00|\x00")
NUL_JSON = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000|\x00")
SURROGATE_REFUSED = {
    "ja": "リクエストに文字ではない値（対のないサロゲート）は使えません",
    "en": "a lone surrogate (an unpaired \\ud800-\\udfff escape), which is not a character, is not allowed in a request",
}
DUPLICATE_KEY_REFUSED = {
    "ja": "JSONのオブジェクトに同じ名前が2回以上あります（どちらの値か決められません）",
    "en": "a JSON object names the same key more than once (which value is meant cannot be told)",
}
# Forms, queries and paths are decoded from UTF-8 (what is not becomes U+FFFD): only JSON's
# escapes can write a surrogate. Rare in a body, so the exact check parses only those that have one.
SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _lone_surrogate(body: bytes) -> bool:
    """A JSON body with a string holding a surrogate that pairs with none (`\\\\ud800`, an escaped
    backslash then text, is text). A body that is not JSON is left to the route to refuse."""
    if not SURROGATE_ESCAPE.search(body):
        return False
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, or nested past the parser's depth
        return False
    try:
        json.dumps(value, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return True
    return False


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _DuplicateKey
    return out


def _duplicate_key(body: bytes) -> bool:
    """A JSON body with an object that names a key twice (`{"quantity": "1", "quantity": "900"}`):
    Python's parser keeps the last, another reader of the same request may keep the first (RFC 8259
    leaves it open), so the request is refused rather than read one way. A body that is not JSON
    is left to the route to refuse."""
    try:
        json.loads(body, object_pairs_hook=_unique_keys)
    except _DuplicateKey:
        return True
    except (ValueError, RecursionError):  # not JSON, or nested past the parser's depth
        return False
    return False


def levels_of(app: Any) -> Levels:
    levels = getattr(app.state, "levels", None)
    if levels is None:
        levels = Levels(app.state.framework)
        app.state.levels = levels
    assert isinstance(levels, Levels)
    return levels


def mark(request: Request, *markings: Marking) -> Marking:
    """Declare that the response contains records with these markings; returns the combination."""
    levels = levels_of(request.app)
    current = getattr(request.state, "marking", None)
    combined = levels.combine([*(m for m in [current] if m is not None), *markings])
    request.state.marking = combined
    return combined


def marking_of(request: Request) -> Marking:
    marking = getattr(request.state, "marking", None)
    return marking if isinstance(marking, Marking) else PUBLIC


MAX_SCAN = 4 * 1024 * 1024


def _marking_in(value: dict[str, Any]) -> Marking | None:
    """The marking of a JSON object that has one: `"marking": {"level", "releasable_to"}`."""
    return _marking_of(value.get("marking"))


def _marking_of(marking: Any) -> Marking | None:
    """A marking as JSON (`{"level", "releasable_to"}`) as a Marking; None for anything else."""
    if isinstance(marking, dict) and isinstance(marking.get("level"), str):
        parties = marking.get("releasable_to", [])
        if isinstance(parties, str):
            parties = [p for p in parties.split(",") if p]
        if isinstance(parties, list):
            return Marking(marking["level"], frozenset(str(p) for p in parties))
    return None


def _markings_in(value: Any, out: list[Marking]) -> None:
    """Every `"marking": {"level", "releasable_to"}` object in a JSON document."""
    if isinstance(value, dict):
        marking = _marking_in(value)
        if marking is not None:
            out.append(marking)
        for item in value.values():
            if isinstance(item, dict | list):
                _markings_in(item, out)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict | list):
                _markings_in(item, out)


# A "marking" key: in JSON a quote inside a string is always escaped, so `"marking"` after `{` or
# `,` (and whitespace) is a key of the document's structure, never text within a string. (A key
# spelled with \u escapes is not found; no serializer writes one.)
_MARKING_KEY = re.compile(r'"marking"\s*:\s*')
_JSON_SPACE = " \t\n\r"
_DECODER = json.JSONDecoder()


def _mark_from_json(request: Request, body: bytes) -> None:
    """A JSON response is marked with the combination of the markings of the records it holds
    (besides whatever its route declared with `mark`). Only the values of its "marking" keys are
    parsed, and a value written exactly as one already parsed is not parsed again: a list's
    records mostly share a few markings, and a JSON value is known once its text is."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return
    found: list[Marking] = []
    seen: list[str] = []
    for key in _MARKING_KEY.finditer(text):
        before = key.start() - 1
        while before >= 0 and text[before] in _JSON_SPACE:
            before -= 1
        if before < 0 or text[before] not in "{,":
            continue  # within a string
        start = key.end()
        if any(text.startswith(raw, start) for raw in seen):
            continue
        try:
            value, end = _DECODER.raw_decode(text, start)
        except ValueError:
            continue
        if type(value) is dict:  # an object's text ends where it does: the same text, the same value
            seen.append(text[start:end])
        marking = _marking_of(value)
        if marking is not None:
            found.append(marking)
    _mark_with(request, found)


def mark_from_data(request: Request, *values: Any) -> None:
    """Mark the response with every record marking found in `values` (a page's data), so that a
    page's banner, like its JSON twin's, states the highest level of what it shows."""
    found: list[Marking] = []
    for value in values:
        _markings_in(value, found)
    _mark_with(request, found)


def _mark_with(request: Request, found: list[Marking]) -> None:
    if found:
        try:
            mark(request, *set(found))
        except ValueError:  # a level the pack does not know: say so rather than call it public
            request.state.marking = Marking(max(m.level for m in found), frozenset())


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def form_body_of(request: Request) -> bytes:
    """The raw body of a urlencoded form posted with this request, as the guard read it (empty for
    any other request): a route reading its fields with FastAPI's `Form` can no longer read it."""
    body = getattr(request.state, "form_body", b"")
    return body if isinstance(body, bytes) else b""


def allow_style(request: Request, css: str) -> None:
    """Let this one response apply an inline `<style>` element whose content is exactly `css` (by
    its SHA-256 in `style-src`): a standalone document such as an after-action report, which must
    carry its own style. The app's other responses keep `style-src 'self'`."""
    digest = "'sha256-" + base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode() + "'"
    allowed = getattr(request.state, "style_hashes", None)
    request.state.style_hashes = sorted({*(allowed or ()), digest})


def csrf_token_of(request: Request) -> str:
    """The CSRF token the page must embed in its forms (`csrf_token`) and scripts (`X-CSRF-Token`)."""
    token = getattr(request.state, "csrf", None)
    return token if isinstance(token, str) else ""


class Guard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        https = request.url.scheme == "https"
        cookie_name = auth.CSRF_COOKIE_SECURE if https else auth.CSRF_COOKIE
        cookie_csrf = request.cookies.get(cookie_name, "")
        new_csrf = "" if cookie_csrf else secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf"] = cookie_csrf or new_csrf

        if "\x00" in scope["path"] or NUL_FORM.search(scope.get("query_string", b"")):
            await self._refuse(scope, request, send, 400, NUL_REFUSED, audit=False)
            return
        body = b""
        ctype = request.headers.get("content-type", "")
        needs_csrf = request.method in UNSAFE and self._needs_csrf(request)
        pattern = NUL_JSON if "json" in ctype else NUL_FORM if ctype.startswith(FORM) else None
        if request.method in UNSAFE:
            if ctype.lower().startswith("multipart/"):
                # No page or endpoint takes one (files are never uploaded: a delivery's documents
                # are references): refused unread, rather than parsed with its bytes that are not
                # UTF-8 read as Latin-1 and past the NUL and form checks.
                await self._refuse(scope, request, send, 415, MULTIPART_REFUSED, audit=False)
                return
            declared = request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
                await self._refuse(scope, request, send, 413, BODY_TOO_LARGE, audit=False)
                return
            receive = _limited(receive)
            if pattern is not None or needs_csrf:  # read here once, replayed to the app
                try:
                    body, receive = await _buffer(receive)
                except BodyTooLarge:
                    await self._refuse(scope, request, send, 413, BODY_TOO_LARGE, audit=False)
                    return
            if pattern is NUL_FORM:
                scope["state"]["form_body"] = body  # for `form_body_of`: FastAPI's Form reads it altered
            if pattern is not None:
                if pattern.search(body):
                    await self._refuse(scope, request, send, 400, NUL_REFUSED, audit=False)
                    return
                if pattern is NUL_JSON and _lone_surrogate(body):
                    await self._refuse(scope, request, send, 400, SURROGATE_REFUSED, audit=False)
                    return
                if pattern is NUL_JSON and _duplicate_key(body):
                    await self._refuse(scope, request, send, 400, DUPLICATE_KEY_REFUSED, audit=False)
                    return

        if needs_csrf:
            sent = request.headers.get(auth.CSRF_HEADER, "")
            if not sent and ctype.startswith(FORM):
                sent = (parse_qs(body.decode("utf-8", "replace")).get(auth.CSRF_FIELD) or [""])[0]
            # compared as bytes: `compare_digest` raises on text with non-ASCII characters (a 500)
            if not cookie_csrf or not sent or not hmac.compare_digest(_utf8(sent), _utf8(cookie_csrf)):
                await self._refuse(scope, request, send)
                return

        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def on_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                headers = list(message.get("headers", []))
                ctype = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if ctype.startswith((b"text/html", b"application/json")):
                    start["buffer"] = True
                    return
                message = {**message, "headers": self._headers(scope, request, headers, b"", new_csrf)}
                await send(message)
                return
            if message["type"] == "http.response.body" and start.get("buffer"):
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = b"".join(chunks)
                if body[:1] in (b"{", b"[") and len(body) < MAX_SCAN:
                    _mark_from_json(request, body)
                headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode()))
                out = {"type": "http.response.start", "status": start["status"]}
                out["headers"] = self._headers(scope, request, headers, body, new_csrf)
                await send(out)
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        await self.app(scope, receive, on_send)

    @staticmethod
    def _needs_csrf(request: Request) -> bool:
        if auth.bearer_of(request):
            return False
        if request.url.path in ALWAYS_CSRF or request.url.path.startswith("/admin"):
            return True
        return bool(auth.session_token_of(request))

    async def _refuse(
        self,
        scope: Scope,
        request: Request,
        send: Send,
        status: int = 403,
        reason: dict[str, str] = CSRF_FAILED,
        *,
        audit: bool = True,
    ) -> None:
        from anpo.web.common import error_body, lang_of

        if audit:
            self._audit_denied(request)
        lang = lang_of(request)
        if request.url.path.startswith("/api/"):
            body = json.dumps(error_body(status, {"error": reason}), ensure_ascii=False).encode()
            ctype = b"application/json"
        else:
            from html import escape

            body = (
                f'<!doctype html><html lang="{lang}"><meta charset="utf-8"><title>{status}</title>'
                f'<p data-testid="error">{escape(reason[lang])}</p><p><a href="/">anpo</a></p></html>'
            ).encode()
            ctype = b"text/html; charset=utf-8"
        headers = [(b"content-type", ctype), (b"content-length", str(len(body)).encode())]
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": self._headers(scope, request, headers, b"", ""),
            }
        )
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    def _audit_denied(request: Request) -> None:
        state = request.app.state
        if getattr(state, "engine", None) is None and getattr(state, "work_engine", None) is None:
            return
        try:
            principal = auth.current_principal(request)
            from anpo.security import audit
            from anpo.store.db import session_factory, transaction

            with transaction(session_factory(auth.engine_of(request))) as session:
                audit.record(session, principal, "csrf", "request", request.url.path[:128], PUBLIC, outcome="denied")
        except Exception:
            pass

    def _headers(
        self, scope: Scope, request: Request, headers: list[tuple[bytes, bytes]], body: bytes, new_csrf: str
    ) -> list[tuple[bytes, bytes]]:
        https = request.url.scheme == "https"
        script_src = "'self'"
        hashes = [
            "'sha256-" + base64.b64encode(hashlib.sha256(m.group(1)).digest()).decode() + "'"
            for m in (INLINE_SCRIPT.finditer(body) if b"<" in body else ())  # JSON has no tags to scan
            if m.group(1).strip()
        ]
        if hashes:
            script_src += " " + " ".join(sorted(set(hashes)))
        style_src = " ".join(["'self'", *getattr(request.state, "style_hashes", ())])  # `allow_style`
        csp = (
            f"default-src 'self'; script-src {script_src}; style-src {style_src}; img-src 'self' data:; "
            "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        )
        marking = marking_of(request)
        banner = levels_of(request.app).banner(marking)
        out = [(k, v) for k, v in headers if k.lower() not in (b"x-frame-options", b"content-security-policy")]
        out += [
            (b"content-security-policy", csp.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"x-anpo-marking", banner.en.encode("ascii", "replace")),
            (b"x-anpo-marking-ja", quote(banner.ja).encode()),
        ]
        if https:
            out.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
        if auth.session_token_of(request) or auth.bearer_of(request):
            out = [(k, v) for k, v in out if k.lower() != b"cache-control"]
            out.append((b"cache-control", b"no-store"))
        if new_csrf:
            name = auth.CSRF_COOKIE_SECURE if https else auth.CSRF_COOKIE
            attrs = "; Path=/; HttpOnly; SameSite=Strict" + ("; Secure" if https else "")
            out.append((b"set-cookie", f"{name}={new_csrf}{attrs}".encode()))
        return out


async def _buffer(receive: Receive) -> tuple[bytes, Receive]:
    """Read the whole request body, and a `receive` that replays it to the app."""
    chunks: list[bytes] = []
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay
