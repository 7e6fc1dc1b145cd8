"""Bad input to the framework's and the rules' reads: refused with a reason in both languages,
never answered silently as if it were good, never a traceback."""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from anpo.framework.framework import Framework

BACKWARDS = {
    "en": "the end date (1990-01-01) is before the start date (2000-01-01)",
    "ja": "終わりの日（1990-01-01）が始めの日（2000-01-01）より前です",
}


@pytest.fixture
def web(engine: Any, fw: Framework) -> Iterator[TestClient]:
    """The app on a database of each backend (a logged-in reader's pages look their session up)."""
    from anpo.web.app import create_app

    with TestClient(create_app(fw, engine=engine), raise_server_exceptions=False) as client:
        yield client


def test_a_timeline_ending_before_it_starts_is_refused(web: TestClient, cli: Any) -> None:
    """`start=2000-01-01&end=1990-01-01` listed no events with a 200 (and exit status 0), as if
    nothing had happened between: a 400 (exit status 2) naming both dates."""
    api = web.get("/api/timeline", params={"start": "2000-01-01", "end": "1990-01-01"})
    assert api.status_code == 400, api.text
    assert api.json()["error"] == BACKWARDS
    page = web.get("/timeline", params={"start": "2000-01-01", "end": "1990-01-01", "lang": "ja"})
    assert page.status_code == 400 and BACKWARDS["ja"] in page.text
    same_day = web.get("/api/timeline", params={"start": "1972-01-01", "end": "1972-01-01"})
    assert same_day.status_code == 200 and same_day.json()["events"]
    for lang in ("en", "ja"):
        result = cli.run("timeline", "--from", "2000-01-01", "--to", "1990-01-01", "--lang", lang)
        assert result.exit_code == 2 and result.stdout == ""
        assert result.stderr == f"anpo: {BACKWARDS[lang]}\n"


@pytest.mark.parametrize(
    "args",
    [("timeline", "--from", ""), ("timeline", "--to", ""), ("show", "okinawa", "--on", "")],
)
def test_an_empty_date_option_is_refused_not_taken_as_none(cli: Any, args: tuple[str, ...]) -> None:
    """`timeline --from ''` listed every event and `show okinawa --on ''` every fact of all time,
    as if no date were given, where `bodies --on ''` is refused: refused alike."""
    for lang, reason in (("en", "cannot read date ''"), ("ja", "日付「」を読めません")):
        result = cli.run(*args, "--lang", lang)
        assert result.exit_code == 2 and result.stdout == ""
        assert result.stderr.startswith(f"anpo: {reason}")


def test_check_of_a_path_it_cannot_read_reports_a_problem_not_a_traceback(cli: Any) -> None:
    """A name longer than the system takes (or a directory that vanishes while it is read, such as
    one under /proc) raised OSError out of the loader: a traceback. Now a problem of that path."""
    name = "p" * 5000
    result = cli.run("check", name)
    assert result.exit_code == 2, result.exception
    assert result.stdout == f"{name}:0: cannot read the file: File name too long\n"
    assert result.stderr == "1 problem found\n"  # not "1 problems"
    ja = cli.run("check", name, "--json", "--lang", "ja")
    assert ja.exit_code == 2, ja.exception
    assert "ファイルを読めません" in ja.stdout


def test_api_ask_reads_explain_as_a_boolean(web: TestClient) -> None:
    """Only `explain=1` and `explain=true` explained; `explain=maybe` (or `yes`) was answered
    without the explanation, silently; the schema documented a parameter `explain_` instead."""
    url = "/api/ask/consult.members?body=scc&side=usa&on=2015-06-01&explain="
    bad = web.get(url + "maybe")
    assert bad.status_code == 422, bad.text
    assert bad.json()["error"] == {
        "ja": "リクエストが不正です: explain: true 又は false で指定してください",
        "en": "invalid request: explain: must be true or false",
    }
    for value in ("1", "true", "yes"):
        assert web.get(url + value).json()["explain"], value
    for value in ("0", "false"):
        assert "explain" not in web.get(url + value).json(), value
    assert "explain" not in web.get(url.removesuffix("&explain=")).json()
    params = {p["name"] for p in web.get("/openapi.json").json()["paths"]["/api/ask/{question}"]["get"]["parameters"]}
    assert params == {"question", "on", "explain"}


def test_ask_page_refuses_a_question_given_twice(web: TestClient) -> None:
    """`/ask?q=consult.members&q=treaty.article5_applies` answered the last one, silently, where
    /api/ask refuses a parameter given twice: the page shows the reason and no answer."""
    for lang, reason in (
        ("en", "parameter 'q' is given more than once"),
        ("ja", "パラメータ「q」が2回以上指定されています"),
    ):
        page = web.get(
            "/ask",
            params=[
                ("q", "consult.members"),
                ("q", "treaty.article5_applies"),
                ("params", "place=okinawa"),
                ("lang", lang),
            ],
        )
        assert page.status_code == 400 and 'role="alert"' in page.text and reason in html.unescape(page.text)
        assert 'data-testid="answer-value"' not in page.text
    twice = web.get(
        "/ask", params=[("q", "treaty.article5_applies"), ("params", "place=okinawa"), ("params", ""), ("lang", "en")]
    )
    assert twice.status_code == 400 and "parameter 'params' is given more than once" in html.unescape(twice.text)
    once = web.get("/ask", params={"q": "treaty.article5_applies", "params": "place=okinawa", "lang": "en"})
    assert 'data-testid="answer-value">yes<' in once.text


def test_a_missing_free_parameter_is_named_with_what_it_takes(web: TestClient, cli: Any) -> None:
    """`acsa.settlement_due` without `delivered=` said "allowed values: " and named none (a date is
    a free value): the message now says what the parameter takes, in each language."""
    r = web.get("/api/ask/acsa.settlement_due")
    assert r.status_code == 400
    assert r.json()["error"] == {
        "ja": "パラメータ「delivered」が必要です（引渡しの日（YYYY-MM-DD））",
        "en": "parameter 'delivered' is required (date of delivery (YYYY-MM-DD))",
    }
    result = cli.run("ask", "acsa.settlement_due", "--lang", "ja")
    assert (
        result.exit_code == 2
        and result.stderr == "anpo: パラメータ「delivered」が必要です（引渡しの日（YYYY-MM-DD））\n"
    )
