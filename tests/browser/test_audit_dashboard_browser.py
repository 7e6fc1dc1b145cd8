"""The audit log page and the dashboard's work items in a real headless Chromium against `uvicorn`.

The audit log (`/audit`, administrators only): an administrator of Japan cleared for secret
records finds it in the navigation, sees their own login (and the wrong password before it) and
the user they created on /admin/users, filters by record, actor and outcome and sees only the
matching rows, pages through older entries and back, in English and Japanese; a filter the log
cannot read is a 400 with the reason in the page's language; a coordinator has no link and gets
the 403 page. The dashboard: a Japanese coordinator sees the asset-protection request awaiting the
Minister's decision (made with the CLI), a policy officer their commitments due soon and late
(made through the API), the late one marked overdue, in both languages, each link leading to a
page showing the record. No page logs a CSP refusal or a script error."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import PASSWORD, database_with_users, login, new_page, serving  # this directory is on the path

pytestmark = pytest.mark.browser

MEETING = "scc_2013_10_03"  # a meeting of the pack: the commitments are made at it
USERS = {  # name: (party, clearance, roles)
    "kato": ("jpn", "secret", ("administrator",)),
    "sato": ("jpn", "secret", ("coordinator",)),
    "suzuki": ("jpn", "secret", ("policy_officer",)),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, cli: Any) -> Iterator[dict[str, str]]:
    """uvicorn on a fresh SQLite database with the users above and an asset-protection request of
    today awaiting the Minister's decision, recorded with the CLI."""
    url = database_with_users(tmp_path_factory.mktemp("browser-audit"), USERS)
    request = cli.json(
        "protection", "request", "--party", "usa", "--activity", "information_gathering", "--asset", "ship",
        "--by", "ship", "--on", dt.date.today().isoformat(), "--url", url,
    )  # fmt: skip
    assert request["status"] == "requested", request
    with serving(url, Path(url[len("sqlite:///") :]).parent) as base:
        yield {"url": base, "protection": str(request["id"])}


def _watch(page: Any) -> list[str]:
    """What goes wrong on `page`: console errors (a CSP refusal is one) and script errors, and each
    answer of 400 or more by its URL (the favicon's included: base.html links the app's own)."""

    def console(m: Any) -> None:
        where = str(m.location.get("url", ""))
        if m.type == "error":
            problems.append(f"console: {m.text} ({where})")

    problems: list[str] = []
    page.on("console", console)
    page.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))
    page.on("response", lambda r: problems.append(f"answered {r.status}: {r.url}") if r.status >= 400 else None)
    return problems


def _unexpected(problems: list[str], *statuses: int) -> list[str]:
    """The problems but the pages answered with one of `statuses` (and Chromium's note of them)."""
    expected = [f"the server responded with a status of {s} " for s in statuses]
    expected += [f"answered {s}: " for s in statuses]
    return [e for e in problems if not any(x in e for x in expected)]


def _rows(page: Any) -> Any:
    return page.locator('[data-testid="audit-entries"] tbody tr[data-testid^="audit-entry-"]')


def _cells(page: Any) -> list[list[str]]:
    """The audit table's rows, each its cells' text."""
    return [[c.strip() for c in row.locator("td").all_inner_texts()] for row in _rows(page).all()]


def _filter(page: Any, **fields: str) -> int:
    """Fill the filter form (every field not given emptied), send it and wait for the page; its
    status."""
    form = page.get_by_test_id("audit-filters")
    for name in ("record", "actor", "action", "from", "to"):
        form.locator(f"input[name={name}]").fill(fields.get(name, ""))
    form.locator("select[name=outcome]").select_option(fields.get("outcome", ""))
    form.locator("input[name=limit]").fill(fields.get("limit", "50"))
    with page.expect_navigation() as sent:
        form.locator("button[type=submit]").click()
    response = sent.value
    assert response is not None
    return int(response.status)


def _follow(page: Any, link: str) -> None:
    """Click the link of test id `link` and wait for the page it leads to."""
    with page.expect_navigation():
        page.get_by_test_id(link).click()


def test_an_administrator_reads_filters_and_pages_the_audit_log(site: dict[str, str], browser: Any) -> None:
    from playwright.sync_api import expect

    base = site["url"]
    context, page, _ = new_page(browser, viewport={"width": 1400, "height": 900})
    errors = _watch(page)
    # a wrong password first (a denied login), then the right one
    page.goto(f"{base}/login?lang=en")
    page.get_by_test_id("username").fill("kato")
    page.get_by_test_id("password").fill("not the password at all")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("login-error")).to_be_visible()
    login(page, base, "kato")

    # a change: a user created on /admin/users
    page.goto(f"{base}/admin/users?lang=en")
    form = page.get_by_test_id("create-user")
    form.locator("input[name=username]").fill("tanaka")
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("select[name=party]").select_option("jpn")
    form.locator("select[name=clearance]").select_option("confidential")
    form.locator("input[name=roles][value=viewer]").check()
    form.locator("button[type=submit]").click()
    expect(page.get_by_role("status")).to_contain_text("User 'tanaka' created")

    # the log from the navigation, in English
    page.get_by_test_id("nav-audit").click()
    page.wait_for_url(re.compile(r"/audit"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    expect(page.get_by_test_id("audit-entries")).to_contain_text("Time (UTC)")
    rows = _cells(page)
    # columns: time, actor, action, outcome, record, marking, detail
    assert any(r[1] == "kato (Japan)" and r[2] == "login" and r[3] == "OK" and r[4] == "user:kato" for r in rows), rows
    assert any(r[2] == "user created" and r[4] == "user:tanaka" and r[1].startswith("kato") for r in rows), rows

    # by record: only the created user's entries
    assert _filter(page, record="user:tanaka") == 200
    rows = _cells(page)
    assert [(r[1], r[2], r[3], r[4]) for r in rows] == [("kato (Japan)", "user created", "OK", "user:tanaka")], rows
    assert "roles: viewer" in rows[0][6], rows  # the detail in words, not JSON
    expect(page.get_by_test_id("audit-filters").locator("input[name=record]")).to_have_value("user:tanaka")

    # by record and outcome: kato's denied login only, then the successful one only
    assert _filter(page, record="user:kato", outcome="denied") == 200
    rows = _cells(page)
    assert [(r[2], r[3], r[4]) for r in rows] == [("login", "Denied", "user:kato")], rows
    expect(page.get_by_test_id("audit-filters").locator("select[name=outcome]")).to_have_value("denied")
    assert _filter(page, record="user:kato", outcome="ok") == 200
    rows = _cells(page)
    assert rows and all(r[3] == "OK" and r[4] == "user:kato" for r in rows), rows
    assert "login" in [r[2] for r in rows], rows

    # by actor: only kato's entries (the login, the user created, the reads of the log)
    assert _filter(page, actor="kato") == 200
    rows = _cells(page)
    assert {r[2] for r in rows} >= {"login", "user created", "audit log read"}, rows
    # (the wrong password's entry names the account tried, without a party: no one was logged in)
    assert all(r[1] == "kato (Japan)" or (r[1], r[2], r[3]) == ("kato", "login", "Denied") for r in rows), rows
    # ... and the system's: the accounts made and the protection request of the fixture
    assert _filter(page, actor="system") == 200
    rows = _cells(page)
    assert all(r[1] == "system" for r in rows), rows
    assert f"protection:{site['protection']}" in [r[4] for r in rows], rows

    # pages: one entry a page, older and back to the newest
    assert _filter(page, actor="kato", limit="1") == 200
    first = _rows(page).get_attribute("data-testid")
    expect(page.get_by_test_id("audit-newest")).to_have_count(0)
    _follow(page, "audit-older")
    expect(page.get_by_test_id("audit-newest")).to_be_visible()
    expect(_rows(page)).to_have_count(1)
    second = _rows(page).get_attribute("data-testid")
    assert second != first
    assert int(second.rsplit("-", 1)[1]) < int(first.rsplit("-", 1)[1])  # older: a lower id
    assert _cells(page)[0][1] == "kato (Japan)"  # the filter is kept on the next page
    expect(page.get_by_test_id("audit-filters").locator("input[name=limit]")).to_have_value("1")
    _follow(page, "audit-older")
    expect(_rows(page)).to_have_count(1)
    assert _rows(page).get_attribute("data-testid") not in (first, second)
    _follow(page, "audit-newest")
    expect(page.get_by_test_id("audit-newest")).to_have_count(0)
    expect(_rows(page)).to_have_count(1)  # the newest page again (this read's own entry is newer)

    # a filter the log cannot read: a 400 with the reason, the form as filled in
    assert _filter(page, **{"from": "yesterday"}) == 400
    expect(page.get_by_test_id("audit-error")).to_contain_text("from: cannot read 'yesterday' (use YYYY-MM-DD")
    expect(page.get_by_test_id("audit-filters").locator("input[name=from]")).to_have_value("yesterday")
    expect(page.get_by_test_id("audit-entries")).to_have_count(0)
    assert "Traceback" not in page.content()

    # in Japanese
    page.goto(f"{base}/audit?record=user:kato&lang=ja")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_role("heading", level=1)).to_have_text("監査ログ")
    expect(page.get_by_test_id("audit-entries")).to_contain_text("日時（UTC）")
    rows = _cells(page)
    assert ("kato (日本国)", "ログイン", "成功") in [(r[1], r[2], r[3]) for r in rows], rows
    assert ("ログイン", "拒否") in [(r[2], r[3]) for r in rows], rows
    expect(page.get_by_test_id("audit-filters").locator("button[type=submit]")).to_have_text("絞り込む")
    assert _filter(page, record="user:kato", outcome="denied") == 200
    expect(page.locator("html")).to_have_attribute("lang", "ja")  # the form keeps the language
    assert [(r[2], r[3]) for r in _cells(page)] == [("ログイン", "拒否")]
    assert _filter(page, **{"from": "2024-06-11", "to": "2024-06-10"}) == 400
    expect(page.get_by_test_id("audit-error")).to_contain_text("より前です")
    assert _filter(page, **{"from": "yesterday"}) == 400
    expect(page.get_by_test_id("audit-error")).to_contain_text("「from」の「yesterday」を読めません")
    assert "Traceback" not in page.content()
    # a query the form would not send (a page of 0): the error page, in Japanese
    response = page.goto(f"{base}/audit?limit=0&lang=ja")
    assert response is not None and response.status == 422
    expect(page.locator("main")).to_contain_text("limit: 1以上で指定してください")
    assert "Traceback" not in page.content()
    context.close()
    assert not _unexpected(errors, 400, 401, 422), errors


def test_a_coordinator_has_no_audit_log(site: dict[str, str], browser: Any) -> None:
    from playwright.sync_api import expect

    base = site["url"]
    context, page, _ = new_page(browser)
    errors = _watch(page)
    page.goto(f"{base}/audit?lang=en")  # not logged in: to the login page, the log kept as `next`
    expect(page).to_have_url(re.compile(r"/login\?next=/audit%3Flang%3Den&lang=en$"))
    login(page, base, "sato")
    expect(page.get_by_test_id("nav-dashboard")).to_be_visible()
    expect(page.get_by_test_id("nav-audit")).to_have_count(0)
    for lang, words in (("en", "not permitted"), ("ja", "権限がありません")):
        response = page.goto(f"{base}/audit?lang={lang}")
        assert response is not None and response.status == 403
        expect(page.get_by_role("heading", level=1)).to_contain_text("403")
        expect(page.locator("main")).to_contain_text(words)
        expect(page.get_by_test_id("audit-entries")).to_have_count(0)
        expect(page.get_by_test_id("nav-audit")).to_have_count(0)
    context.close()
    assert not _unexpected(errors, 403), errors


def _item(page: Any, href: str) -> Any:
    """The dashboard's row whose link leads to `href`."""
    return page.get_by_test_id("dashboard-items").locator("tbody tr").filter(has=page.locator(f'a[href="{href}"]'))


def test_a_coordinator_sees_the_protection_request_awaiting_the_ministers_decision(
    site: dict[str, str], browser: Any
) -> None:
    from playwright.sync_api import expect

    base, pid = site["url"], site["protection"]
    today = dt.date.today()
    href = f"/work/protection?year={today.year}"
    context, page, _ = new_page(browser, "ja-JP")
    errors = _watch(page)
    login(page, base, "sato")
    page.goto(f"{base}/dashboard?lang=ja")
    row = _item(page, href)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(
        f"アメリカ合衆国軍の艦艇に対する武器等防護の要請（情報収集・警戒監視活動、{today.isoformat()}付け）"
        "について防衛大臣の決定が必要です"
    )
    expect(page.get_by_test_id("dashboard-items")).not_to_contain_text("約束")  # not a policy officer's
    page.goto(f"{base}/dashboard?lang=en")
    row = _item(page, href)
    expect(row).to_contain_text(
        "Decision of the Minister of Defense needed on the request for asset protection for ships of the United States"
    )
    expect(row.locator(".overdue")).to_have_count(0)  # no due date: never overdue
    row.get_by_role("link").click()
    page.wait_for_url(f"{base}{href}")
    expect(page.locator("main")).to_contain_text(pid)
    expect(page.locator("main")).to_contain_text("Requested")
    context.close()
    assert not _unexpected(errors), errors


def test_a_policy_officer_sees_commitments_due_soon_and_late(site: dict[str, str], browser: Any) -> None:
    from playwright.sync_api import expect

    base = site["url"]
    today = dt.date.today()
    soon, late = today + dt.timedelta(days=10), today - dt.timedelta(days=5)
    context, page, _ = new_page(browser, "ja-JP")
    errors = _watch(page)
    login(page, base, "suzuki")
    csrf = next(c["value"] for c in context.cookies() if c["name"] == "anpo_csrf")
    for cid, due in (("soon", soon), ("late", late), ("later", today + dt.timedelta(days=61))):
        body = {
            "id": cid,
            "meeting": MEETING,
            "owner": "sdc",
            "label": {"ja": f"見直し作業 {cid}", "en": f"Review work {cid}"},
            "due": due.isoformat(),
        }
        made = context.request.post(f"{base}/api/work/commitments", data=body, headers={"x-csrf-token": csrf})
        assert made.status == 201, made.text()

    page.goto(f"{base}/dashboard?lang=ja")
    items = page.get_by_test_id("dashboard-items")
    expect(items).not_to_contain_text("見直し作業 later")  # due beyond 60 days: not yet
    expect(items).not_to_contain_text("武器等防護")  # a coordinator's, not a policy officer's
    due_soon, overdue = _item(page, "/work/commitments#soon"), _item(page, "/work/commitments#late")
    expect(due_soon).to_contain_text("約束「見直し作業 soon」の期限（担当：防衛協力小委員会）")
    expect(due_soon.locator("time")).to_have_attribute("datetime", soon.isoformat())
    expect(due_soon.locator(".overdue")).to_have_count(0)
    expect(overdue).to_contain_text("約束「見直し作業 late」の期限")
    expect(overdue.locator("time")).to_have_text(late.isoformat())
    expect(overdue.locator(".overdue")).to_have_text("期限超過")
    # the late one first (by due date), and marked in the stylesheet's colour
    expect(items.locator("tbody tr").first).to_contain_text("見直し作業 late")
    assert overdue.locator(".overdue").evaluate("el => getComputedStyle(el).color") == "rgb(176, 0, 32)"

    page.goto(f"{base}/dashboard?lang=en")
    due_soon, overdue = _item(page, "/work/commitments#soon"), _item(page, "/work/commitments#late")
    expect(due_soon).to_contain_text("Commitment due: Review work soon (owner: Subcommittee for Defense Cooperation)")
    expect(due_soon.locator(".overdue")).to_have_count(0)
    expect(overdue.locator(".overdue")).to_have_text("Overdue")
    # the link leads to the commitment's row
    overdue.get_by_role("link").click()
    page.wait_for_url(f"{base}/work/commitments#late")
    row = page.get_by_test_id("commitment-late")
    expect(row).to_be_visible()
    expect(row).to_contain_text("Review work late")
    expect(page.locator(":target")).to_have_attribute("id", "late")
    page.goto(f"{base}/dashboard?lang=ja")
    _item(page, "/work/commitments#soon").get_by_role("link").click()
    page.wait_for_url(f"{base}/work/commitments#soon")
    expect(page.get_by_test_id("commitment-soon")).to_contain_text("見直し作業 soon")
    context.close()
    assert not _unexpected(errors), errors
