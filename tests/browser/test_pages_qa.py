"""The QA pass in a real headless Chromium against `uvicorn`: the alliance's work is reached from
the top navigation; the case and run pages are styled by app.css (their inline `<style>` blocks
were refused by the Content-Security-Policy); an administrator books a facility for a party from
the page, sees it listed with its number at once, and cancels it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser_support import PASSWORD, login, new_page, serving  # this directory is on the path

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """uvicorn on a fresh SQLite database with an administrator, a case with a determination and a
    live tabletop run with injects released."""
    import anpo.work  # noqa: F401
    from anpo.exercise import live
    from anpo.framework.model import Text
    from anpo.framework.pack import default_framework
    from anpo.security.accounts import create_user
    from anpo.security.markings import PUBLIC, Levels
    from anpo.security.principal import system_principal
    from anpo.store.db import make_engine, session_factory, transaction
    from anpo.store.migrate import init_database
    from anpo.work import coordination
    from anpo.work.common import Work

    url = f"sqlite:///{tmp_path_factory.mktemp('browser-qa') / 'anpo.sqlite3'}"
    engine = make_engine(url)
    init_database(engine)
    fw = default_framework()
    with transaction(session_factory(engine)) as session:
        create_user(session, Levels(fw), "admin", PASSWORD, party=None, clearance="public", roles=("administrator",))
        w = Work(fw, session, system_principal())
        case = coordination.open_case(
            w, Text("公開の事案", "Public incident"), "gray_zone", "acg", dt.date(2024, 6, 1), marking=PUBLIC
        )
        coordination.determine(w, case["id"], "gray_zone", dt.datetime(2024, 6, 1, 9, 30))
        run = live.start(w, "ballistic_missile_launch", 1, PUBLIC)
        live.step(w, run["id"], play_script=True)
        live.step(w, run["id"], play_script=True)
    engine.dispose()
    with serving(url, Path(url[len("sqlite:///") :]).parent) as base:
        yield {"url": base, "case": str(case["id"]), "run": str(run["id"])}


def _csp(errors: list[str]) -> list[str]:
    return [e for e in errors if "Content Security Policy" in e or "Content-Security-Policy" in e]


def test_the_work_is_reached_from_the_top_navigation(site: dict[str, str], browser: Any) -> None:
    from playwright.sync_api import expect

    base = site["url"]
    context, page, errors = new_page(browser, "ja-JP", viewport={"width": 1200, "height": 900})
    page.goto(f"{base}/?lang=ja")  # anonymous: the public records
    page.get_by_test_id("nav-work").click()
    page.wait_for_url(f"{base}/work")
    expect(page.get_by_role("heading", level=1)).to_have_text("同盟の業務")
    page.get_by_test_id("work-section-cases").click()
    page.wait_for_url(f"{base}/work/cases")
    expect(page.get_by_test_id(f"case-{site['case']}")).to_be_visible()
    context.close()
    assert not _csp(errors), errors


def test_the_case_and_run_pages_are_styled_without_inline_styles(site: dict[str, str], browser: Any) -> None:
    base = site["url"]
    context, page, errors = new_page(browser, "ja-JP", viewport={"width": 1200, "height": 900})
    page.goto(f"{base}/work/cases/{site['case']}?lang=ja")
    grid = page.locator(".case-grid")
    assert grid.evaluate("el => getComputedStyle(el).display") == "grid"
    columns = grid.evaluate("el => getComputedStyle(el).gridTemplateColumns").split()
    assert len(columns) == 2, columns  # the log beside the questions on a wide screen
    determination = page.locator(".entry.determination").first
    assert determination.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(238, 244, 251)"
    mark = page.locator(".entry .mark").first
    assert mark.evaluate("el => getComputedStyle(el).fontWeight") == "600"
    page.goto(f"{base}/work/exercises/{site['run']}?lang=ja")
    inject = page.locator("#timeline .ev.inject").first
    inject.wait_for()
    assert inject.evaluate("el => getComputedStyle(el).fontWeight") == "600"
    assert inject.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(238, 242, 251)"
    context.close()
    assert not _csp(errors), errors


def test_an_administrator_books_for_a_party_sees_it_listed_and_cancels_it(site: dict[str, str], browser: Any) -> None:
    from playwright.sync_api import expect

    base = site["url"]
    context, page, errors = new_page(browser, "ja-JP", viewport={"width": 1200, "height": 900})
    login(page, base, "admin")
    page.goto(f"{base}/work/facilities?lang=ja")
    page.get_by_test_id("book-party").select_option("usa")
    page.get_by_test_id("book-facility").select_option("yokota_air_base")
    page.get_by_test_id("book-start").fill("2024-07-01T08:00")
    page.get_by_test_id("book-end").fill("2024-07-01T17:00")
    page.get_by_test_id("book-send").click()
    expect(page.get_by_test_id("book-done")).to_contain_text("横田")
    expect(page.get_by_test_id("book-error")).to_have_text("")
    booking = page.locator("#bookings > li").last
    expect(booking).to_contain_text("予約番号")
    expect(booking).to_contain_text("アメリカ合衆国")
    expect(booking).to_contain_text("2024-07-01 08:00")
    number = booking.get_attribute("data-testid").removeprefix("booking-")
    # the same booking after a reload, then cancelled from the list
    page.reload()
    row = page.get_by_test_id(f"booking-{number}")
    expect(row.get_by_test_id("booking-id")).to_have_text(f"予約番号 {number}")
    row.get_by_test_id(f"cancel-{number}").click()
    expect(row.get_by_test_id("booking-status")).to_have_text("取消")
    expect(row.get_by_test_id(f"cancel-{number}")).to_have_count(0)
    assert httpx.get(f"{base}/api/work/facilities").status_code == 200
    context.close()
    assert not _csp(errors), errors
