"""Questions over HTTP: GET /api/ask/QUESTION returns exactly what `anpo ask --json` prints."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from anpo.i18n import msg
from anpo.i18n.catalog import MESSAGES
from anpo.rules.core import ParamError, ask, parse_params, questions_json
from anpo.rules.explain import explain
from anpo.web import auth
from anpo.web.common import BadRequest, framework_of, lang_of, parse_on, render

router = APIRouter()
RESERVED = ("on", "lang", "explain")


@router.get("/api/ask", tags=["rules"])
async def api_questions(request: Request) -> list[dict[str, Any]]:
    """Every question with its parameters and their allowed values (as `anpo ask --list --json`)."""
    return questions_json(framework_of(request))


def _refuse_repeated(request: Request, names: tuple[str, ...] | None = None) -> None:
    """ParamError for a query parameter given twice (of `names`, or any): `?side=usa&side=jpn` kept
    the last, silently; no parameter takes several values."""
    seen: set[str] = set()
    for name, _ in request.query_params.multi_items():
        if name in seen and (names is None or name in names):
            raise ParamError(msg("ask.repeated_param", name=name))
        seen.add(name)


# `explain`, read as a boolean: `?explain=maybe` was answered without the explanation, silently (only
# "1" and "true" counted), and the schema documented a parameter `explain_` that the question refused.
Explain = Annotated[bool, Query(alias="explain", description="Add the chain of provisions that decided it.")]


@router.get("/api/ask/{question}", tags=["rules"])
async def api_ask(request: Request, question: str, on: str | None = None, explain_: Explain = False) -> dict[str, Any]:
    """Answer `question` with the query's other parameters as name=value, as of `on`."""
    fw = framework_of(request)
    try:
        _refuse_repeated(request)
        params = {k: v for k, v in request.query_params.items() if k not in RESERVED}
        result = ask(fw, question, params, parse_on(on))
    except ParamError as exc:
        raise BadRequest(exc.text) from exc
    if explain_:
        result["explain"] = explain(fw, result)
    return result


@router.get("/ask", include_in_schema=False)
async def page_ask(request: Request, q: str | None = None, params: str = "", on: str | None = None) -> Any:
    """The question form, and the answer to the question asked; a question, parameter or date the
    JSON twin refuses with a 400 is a 400 here too, the form shown again with the reason."""
    await auth.principal(request)  # for the page's header, looked up without a worker thread
    lang = lang_of(request)
    fw = framework_of(request)
    result = None
    error = None
    if q:
        try:
            _refuse_repeated(request, ("q", "params", "on"))  # the page answered the last one, silently
            result = ask(fw, q, parse_params(params.split()), parse_on(on))
            result["explain"] = explain(fw, result)
        except ParamError as exc:
            error = exc.text.get(lang)
        except BadRequest as exc:
            error = str(exc.detail["error"][lang]) if isinstance(exc.detail, dict) else str(exc.detail)
    twin = f"/api/ask/{q}?{'&'.join(params.split())}&on={result['on']}" if result else "/api/ask"
    if result is not None:  # the page's copy: the JSON twin keeps its shape
        result = {**result, "labels": answer_labels(result)}
    response = render(
        request,
        "ask.html",
        lang,
        questions=questions_json(fw),
        result=result,
        error=error,
        q=q or "",
        params=params,
        on=on or "",
        twin=twin,
    )
    if error is not None:  # the form again with the reason and what was typed, as a 400 (the twin's)
        response.status_code = 400
    return response


def answer_labels(result: dict[str, Any]) -> dict[str, Any]:
    """The labels of an answer's values for the page: those the answer gives (entities), and the
    catalog's `answer.VALUE` for a value that names no entity (`case_by_case`, shown as its id)."""
    value = result.get("answer")
    values = value if isinstance(value, list) else [value]
    labels = dict(result.get("labels") or {})
    for v in values:
        if isinstance(v, str) and v not in labels and f"answer.{v}" in MESSAGES:
            labels[v] = msg(f"answer.{v}").as_json()
    return labels
