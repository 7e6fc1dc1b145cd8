"""Two white-paper editions compared (`anpo.compare`): the page and its JSON twin, which is what
`anpo compare A B --json` prints."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from anpo.compare import TOPICS, CompareError, citations_by_section, compact_categories, compare, editions
from anpo.i18n import msg
from anpo.web import auth
from anpo.web.common import BadRequest, framework_of, lang_of, render

router = APIRouter()


def compare_data(request: Request, a: str | None, b: str | None, topic: str | None) -> dict[str, Any]:
    """The comparison of editions `a` and `b`: with neither, the oldest and the newest (the page's
    default); with one only, a 400 naming the missing one (`?a=2024` compared 2024 with itself,
    silently). An unknown edition or topic, or one given twice, is a 400 naming the allowed values.
    The same edition given as both is compared, with no change, and says so (`same_edition`)."""
    for name in ("a", "b", "topic"):
        if len(request.query_params.getlist(name)) > 1:  # the last was taken, silently
            raise BadRequest(msg("ask.repeated_param", name=name))
    fw = framework_of(request)
    names = list(editions(fw))
    if bool(a) != bool(b):
        given = a or b
        if given not in names:  # an unknown edition is named as such first, with the allowed ones
            raise BadRequest(msg("compare.unknown_edition", edition=given, allowed=", ".join(names)))
        raise BadRequest(msg("compare.missing_edition", name="b" if a else "a"))
    try:
        return compare(fw, a or names[0], b or names[-1], topic or None)
    except CompareError as exc:
        raise BadRequest(exc.text) from exc


@router.get("/api/compare", tags=["framework"])
async def api_compare(
    request: Request, a: str | None = None, b: str | None = None, topic: str | None = None
) -> dict[str, Any]:
    """What the framework states as of white-paper editions `a` and `b` (years: 2014, 2017, 2018,
    2024): members of the consultation bodies, ACSA coverage and instruments in force, each row
    with its status, the date of each edition it is stated as of, and its citations. `topic`
    (bodies, acsa, instruments) limits it to one."""
    return compare_data(request, a, b, topic)


@router.get("/compare", include_in_schema=False)
async def page_compare(request: Request, a: str | None = None, b: str | None = None, topic: str | None = None) -> Any:
    await auth.principal(request)  # for the page's header, looked up without a worker thread
    data = compare_data(request, a, b, topic)
    fw = framework_of(request)
    query = f"a={data['a']['edition']}&b={data['b']['edition']}" + (f"&topic={topic}" if topic else "")
    return render(
        request,
        "compare.html",
        lang_of(request),
        data=data,
        editions={name: e.label.as_json() for name, e in editions(fw).items()},
        topics=TOPICS,
        topic=topic or "",
        sides={s: fw[s].label.as_json() for s in ("jpn", "usa")},
        sections=citations_by_section(data),
        compact_categories=compact_categories,
        twin=f"/api/compare?{query}",
    )
