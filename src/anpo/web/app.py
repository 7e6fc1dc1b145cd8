"""The FastAPI application: routers for each area, one framework loaded at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from anpo import __version__
from anpo.framework.framework import Framework
from anpo.framework.pack import default_framework
from anpo.web import routes_ask, routes_framework, routes_work
from anpo.web.common import lang_of, render


def create_app(fw: Framework | None = None) -> FastAPI:
    app = FastAPI(
        title="anpo",
        version=__version__,
        description="The Japan–U.S. Security Arrangements, executable. 日米安全保障体制.",
    )
    app.state.framework = fw or default_framework()
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")
    app.include_router(routes_framework.router)
    app.include_router(routes_ask.router)
    app.include_router(routes_work.router)

    @app.get("/", include_in_schema=False)
    def home(request: Request) -> Any:
        return render(request, "home.html", lang_of(request), twin="/openapi.json")

    @app.get("/api/health", tags=["meta"])
    def health() -> dict[str, str]:
        """Liveness: the app is up and its pack loaded."""
        return {"status": "ok", "version": __version__}

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Any:
        detail = (
            exc.detail if isinstance(exc.detail, dict) else {"error": {"ja": str(exc.detail), "en": str(exc.detail)}}
        )
        if request.url.path.startswith("/api/") or exc.status_code == 405:
            return JSONResponse(detail, status_code=exc.status_code)
        lang = lang_of(request)
        response = render(request, "error.html", lang, status=exc.status_code, message=detail["error"][lang])
        response.status_code = exc.status_code
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())
        return JSONResponse(
            {"error": {"ja": f"リクエストが不正です: {fields}", "en": f"invalid request: {fields}"}}, status_code=422
        )

    return app
