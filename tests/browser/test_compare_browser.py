"""/compare in a real headless Chromium against `uvicorn`: reached from the top navigation, two
editions chosen in the form, the changes shown in Japanese with their citations, and no console
error (the page has no script and no inline style, as the Content-Security-Policy requires)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import new_page, serving  # this directory is on the path

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """uvicorn serving anpo (the page reads no database; one is named so that none is made in the
    working directory)."""
    where = tmp_path_factory.mktemp("compare")
    with serving(f"sqlite:///{where / 'anpo.sqlite3'}", Path(where)) as url:
        yield url


def test_two_editions_are_compared_from_the_navigation_in_japanese(base: str, browser: Any) -> None:
    from playwright.sync_api import expect

    context, page, errors = new_page(browser, "ja-JP", viewport={"width": 1200, "height": 900})
    page.goto(f"{base}/bodies?lang=ja")
    page.get_by_test_id("nav-compare").click()
    page.wait_for_url(f"{base}/compare")
    expect(page.get_by_role("heading", level=1)).to_have_text("版の比較")
    page.get_by_test_id("edition-a").select_option("2017")
    page.get_by_test_id("edition-b").select_option("2024")
    page.get_by_test_id("topic").select_option("bodies")
    page.get_by_test_id("show").click()
    page.wait_for_url(f"{base}/compare?a=2017&b=2024&topic=bodies&lang=ja")
    expect(page.get_by_test_id("edition-date-a")).to_contain_text("平成29年版防衛白書（2017-06-30時点）")
    # June 2017: the operations bureau was gone (2015); Pacific Command renamed in May 2018
    expect(page.get_by_test_id("status-sdc-usa_indo_pacific_command")).to_have_text("名称変更")
    row = page.get_by_test_id("row-sdc-usa_indo_pacific_command")
    expect(row).to_contain_text("米太平洋軍")
    expect(row).to_contain_text("米インド太平洋軍")
    expect(row.locator("[data-source=src_dod_indopacom_2018]")).to_be_visible()
    expect(page.get_by_test_id("row-sdc-jpn_mod_dg_operational_policy")).to_have_count(0)
    expect(page.get_by_test_id("status-jc-jpn_mod_deputy_dg_local_cooperation")).to_have_text("追加")
    expect(page.get_by_test_id("compare-acsa")).to_have_count(0)
    page.get_by_test_id("lang-switch").click()
    expect(page.get_by_test_id("status-sdc-usa_indo_pacific_command")).to_have_text("renamed")
    page.get_by_test_id("json-twin").click()
    assert page.url.endswith("/api/compare?a=2017&b=2024&topic=bodies")
    context.close()
    assert errors == [], errors
