"""The FastAPI application: routers for each area, one framework loaded at start-up."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from anpo import __version__
from anpo.framework.framework import Framework
from anpo.framework.model import Text
from anpo.framework.pack import default_framework
from anpo.i18n import msg
from anpo.security.principal import ANONYMOUS, Principal
from anpo.startup import settle
from anpo.store.db import is_busy
from anpo.web import auth, routes_acsa, routes_ask, routes_audit, routes_auth, routes_framework, routes_work
from anpo.web.common import BUSY, RETRY_AFTER, UnknownFields, error_body, lang_of, render
from anpo.web.guard import Guard
from anpo.web.invalid import invalid_request
from anpo.web.routes_compare import router as compare_router

log = logging.getLogger("anpo.web")


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    auth.open_reads(app)
    yield
    await auth.close_reads(app)


def create_app(fw: Framework | None = None, engine: Engine | None = None) -> FastAPI:
    """The app. `engine` is the database of accounts and records (default: ANPO_DATABASE_URL or
    ./anpo.sqlite3, opened on first use); public framework pages never need one."""
    app = FastAPI(
        title="anpo",
        version=__version__,
        description="The Japan–U.S. Security Arrangements, executable. 日米安全保障体制.",
        lifespan=_lifespan,
        docs_url=None,  # served below from the package's own copy of Swagger UI, not a CDN
        redoc_url=None,
    )
    app.state.framework = fw or default_framework()
    if engine is not None:
        app.state.engine = engine
    app.add_middleware(Guard)
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")
    _docs(app)
    app.include_router(routes_framework.router)
    app.include_router(compare_router)
    app.include_router(routes_ask.router)
    app.include_router(routes_work.router)
    app.include_router(routes_auth.router)
    app.include_router(routes_acsa.router)
    app.include_router(routes_audit.router)

    @app.get("/", include_in_schema=False)
    def home(request: Request) -> Any:
        return render(request, "home.html", lang_of(request), twin="/openapi.json")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        """The app's icon where browsers look for it unasked (a page of its own, such as an
        after-action report, names none): a 404 there was a console error."""
        return FileResponse(Path(__file__).parent / "static" / "favicon.svg", media_type="image/svg+xml")

    @app.get("/api/health", tags=["meta"])
    def health() -> dict[str, str]:
        """Liveness: the app is up and its pack loaded."""
        return {"status": "ok", "version": __version__}

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Any:
        if 300 <= exc.status_code < 400 and exc.headers and "Location" in exc.headers:
            return RedirectResponse(exc.headers["Location"], status_code=exc.status_code)
        detail = exc.detail if isinstance(exc.detail, dict) else {"error": framework_error(exc).as_json()}
        if request.url.path.startswith("/api/") or exc.status_code == 405:
            return JSONResponse(error_body(exc.status_code, detail), status_code=exc.status_code)
        return error_page(request, exc.status_code, detail["error"])

    def framework_error(exc: StarletteHTTPException) -> Text:
        """An error the web framework raised with its own English text (anpo's own carry both
        languages): an unknown path, a method a route does not take, a body it could not parse."""
        if exc.status_code == 404:
            return msg("http.not_found")
        if exc.status_code == 405:
            return msg("http.method_not_allowed")
        if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
            return msg("http.unreadable_body")
        return msg("http.other", status=exc.status_code, detail=str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Any:
        body = unknown_fields(request, exc) or {}
        error = body.get("error") or invalid_request(exc.errors()).as_json()
        if request.url.path.startswith("/api/"):
            return JSONResponse(error_body(422, {**body, "error": error}), status_code=422)
        return error_page(request, 422, error)  # a page's bad query, as any other 4xx of a page

    def unknown_fields(request: Request, exc: RequestValidationError) -> dict[str, Any] | None:
        """The refusal of a JSON body's top-level fields that its model (`extra="forbid"`) does not
        take, worded as the routes that read a body by hand word it (with the fields it takes)."""
        names = [str(e["loc"][1]) for e in exc.errors() if e["type"] == "extra_forbidden" and len(e["loc"]) == 2]
        field = getattr(request.scope.get("route"), "body_field", None)
        model = getattr(getattr(field, "field_info", None), "annotation", None)
        if not names or not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        return UnknownFields(sorted(names), list(model.model_fields)).body

    def error_page(request: Request, status: int, error: dict[str, str]) -> Any:
        lang = lang_of(request)
        response = render(request, "error.html", lang, status=status, message=error[lang])
        response.status_code = status
        return response

    def openapi() -> dict[str, Any]:
        """The schema, with the error body every 4xx/5xx actually has: `{"error": {"ja", "en"}, "code"}`."""
        if app.openapi_schema:
            return app.openapi_schema
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        error = {
            "type": "object",
            "required": ["error", "code"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["ja", "en"],
                    "properties": {"ja": {"type": "string"}, "en": {"type": "string"}},
                },
                "code": {"type": "string", "description": "what kind of refusal: invalid, forbidden, not_found, ..."},
            },
        }
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas["HTTPValidationError"] = {
            **error,
            "title": "Error",
            "description": "A refused request: the reason in Japanese and English.",
        }
        schemas.pop("ValidationError", None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.exception_handler(DBAPIError)
    @app.exception_handler(sqlite3.Error)
    async def database_error(request: Request, exc: Exception) -> Any:
        """A database that stayed busy (`is_busy`: SQLite's write lock held past its timeout, a
        PostgreSQL conflict retried in vain, wherever the write was) is a 503 with Retry-After and
        a reason in both languages, not a 500; any other database error is the generic 500."""
        if is_busy(exc):
            return busy(request, exc)
        return failed(request, exc)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Any:
        # what reaches here was raised outside the routes (a middleware's write): busy there too is a 503
        return busy(request, exc) if is_busy(exc) else failed(request, exc)

    def busy(request: Request, exc: Exception) -> Any:
        log.warning("the database was busy on %s %s; answered 503", request.method, request.url.path, exc_info=exc)
        if not isinstance(getattr(request.state, "principal", None), Principal):
            # the session's look-up was what was busy: the error page's header cannot look it up
            # again (it fell back to bare JSON), so it names nobody
            request.state.principal = ANONYMOUS
        response = plain_error(request, 503, BUSY)
        response.headers["Retry-After"] = RETRY_AFTER
        return response

    def failed(request: Request, exc: Exception) -> Any:
        """A generic bilingual 500: no traceback, no internals (they go to the server log)."""
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return plain_error(request, 500, msg("ui.server_error"))

    def plain_error(request: Request, status: int, text: Text) -> Any:
        """`text` as JSON for /api, else the error page (JSON if even that cannot be rendered)."""
        if request.url.path.startswith("/api/"):
            return JSONResponse(error_body(status, {"error": text.as_json()}), status_code=status)
        lang = lang_of(request)
        try:
            response = render(request, "error.html", lang, status=status, message=text.get(lang))
        except Exception:
            return JSONResponse(error_body(status, {"error": text.as_json()}), status_code=status)
        response.status_code = status
        return response

    return app


# Swagger UI's files as the `fastapi-offline` package ships them (from PyPI; Swagger UI 5, which
# reads the OpenAPI 3.1 FastAPI writes): /docs then loads nothing from another site, so that it
# works on a machine with no internet and the CSP stays `'self'` (its one inline script is allowed
# by its hash, as every page's). There is no /redoc: ReDoc styles itself with inline <style>
# elements, which `style-src 'self'` refuses (it renders nothing) — the schema is /openapi.json.
DOCS_ASSETS = "/docs-assets"


def _docs_assets() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).parent / "static"


def _docs(app: FastAPI) -> None:
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.responses import HTMLResponse

    app.mount(DOCS_ASSETS, StaticFiles(directory=str(_docs_assets())), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}/openapi.json",
            title=f"{app.title} – API",
            swagger_js_url=f"{root}{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_ASSETS}/favicon.png",
        )


def serve_app() -> FastAPI:
    """The app as a server process runs it (`anpo serve`): `create_app`, then everything made so
    far — modules, the framework, the app — is moved out of the cyclic garbage collector's reach
    (`gc.freeze`), so that a full collection, which would otherwise walk those ~140,000 objects
    and hold up every request for tens of milliseconds, walks only what requests create."""
    app = create_app()
    settle()
    return app
