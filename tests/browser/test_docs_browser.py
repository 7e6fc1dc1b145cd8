"""/docs in a real headless Chromium (Debian's), against `uvicorn` on 127.0.0.1: Swagger UI, served
from the app's own copy, renders the operations list under the app's CSP (`'self'` and the hash of
its init script) with no console error, and asks nothing of another site."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import CHROMIUM, serving  # this directory is on the path

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """uvicorn serving anpo (the docs read no database; one is named so that none is made in the
    working directory)."""
    where = tmp_path_factory.mktemp("docs")
    with serving(f"sqlite:///{where / 'anpo.sqlite3'}", Path(where)) as url:
        yield url


def test_docs_render_the_operations_from_the_app_alone(base: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            page = browser.new_page()
            errors: list[str] = []
            elsewhere: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("request", lambda r: None if r.url.startswith(base) else elsewhere.append(r.url))
            page.goto(f"{base}/docs")
            operations = page.locator(".opblock")
            expect(operations.first).to_be_visible()
            assert operations.count() > 20
            expect(page.locator(".opblock-summary-path", has_text="/api/health").first).to_be_visible()
            page.wait_for_load_state("networkidle")
            assert errors == [] and elsewhere == [], (errors, elsewhere)
        finally:
            browser.close()
