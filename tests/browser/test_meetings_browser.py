"""Recording a meeting from /work/meetings in a real headless Chromium against `uvicorn`: a policy
officer fills the form (a new "2+2" with an outcome), lands on the meeting; a commitment made at it
is shown by its label in the page's language, linked to its row on /work/commitments; the same id
again is refused with the reason in the page's language; a coordinator has no form. No page logs a
CSP refusal or a script error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import database_with_users, login, new_page, serving  # this directory is on the path

pytestmark = pytest.mark.browser

MEETING = "scc_2026_07_10"
COMMITMENT = "commitment_scc_2026_c2"
USERS = {  # name: (party, clearance, roles)
    "suzuki": ("jpn", "secret", ("policy_officer",)),
    "sato": ("jpn", "secret", ("coordinator",)),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """uvicorn on a fresh SQLite database with a policy officer and a coordinator."""
    url = database_with_users(tmp_path_factory.mktemp("browser-meetings"), USERS)
    with serving(url, Path(url[len("sqlite:///") :]).parent) as base:
        yield base


def _watch(page: Any) -> list[str]:
    """Console errors (a CSP refusal is one) and script errors of `page`."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))
    return problems


def _fill(page: Any) -> None:
    page.get_by_test_id("meeting-id").fill(MEETING)
    page.get_by_test_id("meeting-body").select_option("scc")
    page.get_by_test_id("meeting-date").fill("2026-07-10")
    page.get_by_test_id("meeting-label-ja").fill("日米安全保障協議委員会（2+2）2026年7月")
    page.get_by_test_id("meeting-label-en").fill("Security Consultative Committee (2+2), July 2026")
    page.get_by_test_id("meeting-venue-en").fill("Tokyo")
    page.get_by_test_id("meeting-venue-ja").fill("東京")
    page.get_by_test_id("meeting-outcomes").fill("c2|指揮統制の向上を指示|Tasked better command and control")
    page.get_by_test_id("meeting-source").fill("Joint Statement of the Security Consultative Committee, July 2026")


def test_a_policy_officer_records_a_meeting_and_sees_its_commitments_by_label(site: str, browser: Any) -> None:
    from playwright.sync_api import expect

    context, page, _ = new_page(browser, viewport={"width": 1200, "height": 1400})
    problems = _watch(page)
    login(page, site, "suzuki")
    page.goto(f"{site}/work/meetings?lang=en")
    _fill(page)
    with page.expect_navigation():
        page.get_by_test_id("meeting-send").click()
    card = page.get_by_test_id(f"meeting-{MEETING}")
    expect(card).to_contain_text("Security Consultative Committee (2+2), July 2026")
    expect(card).to_contain_text("Tasked better command and control")
    expect(card.locator(".cite")).to_contain_text("[Joint Statement of the Security Consultative Committee, July 2026]")

    csrf = next(c["value"] for c in context.cookies() if c["name"] == "anpo_csrf")
    body = {
        "id": COMMITMENT,
        "meeting": MEETING,
        "owner": "sdc",
        "label": {"ja": "指揮統制の見直し", "en": "Command and control review"},
        "due": "2026-12-31",
        "outcome": "c2",
    }
    made = context.request.post(f"{site}/api/work/commitments", data=body, headers={"x-csrf-token": csrf})
    assert made.status == 201, made.text()

    page.goto(f"{site}/work/meetings?start=2026-07-01&lang=en")
    link = page.get_by_test_id(f"commitment-link-{COMMITMENT}")
    expect(link).to_have_text("Command and control review")
    expect(link).to_have_attribute("href", f"/work/commitments#{COMMITMENT}")
    with page.expect_navigation():
        link.click()
    expect(page.get_by_test_id(f"commitment-{COMMITMENT}")).to_contain_text("Command and control review")

    page.goto(f"{site}/work/meetings?start=2026-07-01&lang=ja")
    expect(page.get_by_test_id(f"commitment-link-{COMMITMENT}")).to_have_text("指揮統制の見直し")
    _fill(page)  # the same id again: refused, the reason in the page's language, nothing recorded
    page.get_by_test_id("meeting-send").click()
    expect(page.get_by_test_id("meeting-error")).to_have_text(f"ID「{MEETING}」は使えません。別のIDを選んでください")
    expect(page.locator(f'[data-testid="meeting-{MEETING}"]')).to_have_count(1)
    page.goto(f"{site}/work/meetings?start=2026-07-01&lang=en")
    _fill(page)
    page.get_by_test_id("meeting-source").fill("scc")  # the body, not a source
    page.get_by_test_id("meeting-id").fill("scc_2026_other")
    page.get_by_test_id("meeting-send").click()
    expect(page.get_by_test_id("meeting-error")).to_contain_text("'source' (scc) is a body")
    # an outcome line without "|": the form's own wording, not the API's shape
    page.get_by_test_id("meeting-source").fill("Joint statement")
    page.get_by_test_id("meeting-outcomes").fill("only-an-id")
    page.get_by_test_id("meeting-send").click()
    expect(page.get_by_test_id("meeting-error")).to_have_text(
        "write each outcome on a line of its own as 'ID|Japanese|English' (line 1: only-an-id)"
    )
    # a level above public with both parties unticked: refused, never released to both
    page.get_by_test_id("meeting-outcomes").fill("")
    page.get_by_test_id("meeting-marking").select_option("secret")
    page.get_by_test_id("meeting-releasable-jpn").uncheck()
    page.get_by_test_id("meeting-releasable-usa").uncheck()
    page.get_by_test_id("meeting-send").click()
    expect(page.get_by_test_id("meeting-error")).to_contain_text("name at least one party the record is releasable to")
    expect(page.get_by_test_id("meeting-marking").locator("option")).to_have_count(
        3
    )  # public to secret, not top secret
    expect(page.get_by_test_id("meeting-marking").locator('option[value="top_secret"]')).to_have_count(0)
    context.close()
    # the refused posts are answered 409 and 400, which Chromium logs as console errors
    assert not [p for p in problems if "status of 409" not in p and "status of 400" not in p], problems


def test_a_coordinator_has_no_form(site: str, browser: Any) -> None:
    from playwright.sync_api import expect

    context, page, _ = new_page(browser, "ja-JP")
    problems = _watch(page)
    login(page, site, "sato")
    page.goto(f"{site}/work/meetings?lang=ja")
    expect(page.get_by_role("heading", level=1)).to_have_text("会合")
    expect(page.get_by_test_id("meeting-form")).to_have_count(0)
    context.close()
    assert not problems, problems
