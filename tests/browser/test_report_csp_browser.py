"""The after-action report opened from a run's page, in Chromium under the app's strict CSP: its own
`<style>` applies (allowed by its hash for that response alone, the file staying standalone), with
no CSP error in the console; the run is started from the page's form, marked as chosen there."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from browser_support import PASSWORD, login, new_page, serving  # this directory is on the path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """uvicorn serving anpo on a fresh SQLite database with an exercise controller of Japan."""
    import anpo.work  # noqa: F401
    from anpo.framework.pack import default_framework
    from anpo.security.accounts import create_user
    from anpo.security.markings import Levels
    from anpo.store.db import make_engine, session_factory, transaction
    from anpo.store.migrate import init_database

    url = f"sqlite:///{tmp_path_factory.mktemp('report_csp') / 'anpo.sqlite3'}"
    engine = make_engine(url)
    init_database(engine)
    fw = default_framework()
    with transaction(session_factory(engine)) as session:
        create_user(
            session, Levels(fw), "ctl", PASSWORD, party="jpn", clearance="secret", roles=("exercise_controller",)
        )
    engine.dispose()
    with serving(url, tmp_path_factory.getbasetemp()) as base:
        yield base


def test_the_report_opened_from_the_run_page_is_styled_without_a_csp_error(server: str, browser: Any) -> None:
    from playwright.sync_api import expect

    context, page, errors = new_page(browser, locale="ja-JP")
    login(page, server, "ctl")
    page.goto(f"{server}/work/exercises?lang=ja")
    page.get_by_test_id("start-marking").select_option("confidential")
    page.get_by_test_id("start-send").click()
    page.wait_for_url(re.compile(r".*/work/exercises/run_[a-z0-9]+$"))
    run_id = page.url.rsplit("/", 1)[1]
    run = page.request.get(f"{server}/api/work/exercises/{run_id}").json()
    assert run["marking"]["level"] == "confidential"  # the form's marking, not public
    assert sorted(run["marking"]["releasable_to"]) == ["jpn", "usa"]

    page.get_by_test_id("report-html").click()
    page.wait_for_url(re.compile(r".*/report\?format=html$"))
    banner = page.get_by_test_id("banner")
    expect(banner).to_be_visible()
    style = banner.evaluate(
        "el => { const s = getComputedStyle(el); return [s.textAlign, s.fontWeight, s.borderTopStyle]; }"
    )
    assert style == ["center", "700", "solid"], style  # the report's own style applied
    body_width = page.evaluate("() => getComputedStyle(document.body).maxWidth")
    assert body_width != "none"  # body{max-width:60rem}
    csp = [e for e in errors if "Content Security Policy" in e or "style-src" in e]
    assert csp == [], csp
    # nor any other: Chromium's own request of /favicon.ico for the report (which names no icon) is
    # answered with the app's icon
    assert errors == [], errors
    assert page.request.get(f"{server}/favicon.ico").status == 200
    context.close()
