"""The platform in a real headless Chromium (Debian's), against `uvicorn` on 127.0.0.1: log in,
switch language, browse bodies as of 1985 and 2024, ask a question and see its citations, log in
as the other party and fail to see a record not releasable to it, log out; raise and sign an ACSA
order through the ledger's forms and see a refused one's reasons and citations."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import PASSWORD, login, new_page, serving  # this directory is on the path

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """uvicorn serving anpo on a fresh SQLite database with two users and a Japan-only case."""
    import anpo.work  # noqa: F401
    from anpo.framework.model import Text
    from anpo.framework.pack import default_framework
    from anpo.security.accounts import create_user
    from anpo.security.markings import Levels, Marking
    from anpo.security.principal import system_principal
    from anpo.store.db import make_engine, session_factory, transaction
    from anpo.store.migrate import init_database
    from anpo.work import coordination
    from anpo.work.common import Work

    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'anpo.sqlite3'}"
    engine = make_engine(url)
    init_database(engine)
    fw = default_framework()
    with transaction(session_factory(engine)) as session:
        for name, party in (("sato", "jpn"), ("smith", "usa")):
            create_user(
                session,
                Levels(fw),
                name,
                PASSWORD,
                party=party,
                clearance="secret",
                roles=("coordinator", "logistics_officer"),
            )
        w = Work(fw, session, system_principal())
        case = coordination.open_case(
            w,
            Text("日本限りの事案", "Japan-only incident"),
            "gray_zone",
            "acg",
            dt.date(2024, 6, 1),
            marking=Marking("secret", frozenset({"jpn"})),
        )
    engine.dispose()
    with serving(url, Path(url[len("sqlite:///") :]).parent) as base:
        yield {"url": base, "case": str(case["id"])}


def test_a_day_on_the_platform(server: dict[str, str], browser: Any) -> None:
    from playwright.sync_api import expect

    base, case = server["url"], server["case"]
    context, page, errors = new_page(browser)

    # log in as a Japanese official
    page.goto(f"{base}/")
    expect(page.get_by_test_id("banner")).to_contain_text("PUBLIC")
    login(page, base, "sato")
    expect(page.get_by_test_id("who")).to_contain_text("sato (JPN)")

    # switch language
    page.get_by_test_id("lang-switch").click()
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_test_id("who")).to_contain_text("ログイン中: sato")
    expect(page.get_by_test_id("banner")).to_contain_text("公開")

    # bodies as of 1985 and 2024
    page.goto(f"{base}/bodies")
    page.get_by_test_id("on-date").fill("1985-06-01")
    page.get_by_test_id("show").click()
    expect(page.get_by_test_id("members-scc-jpn")).to_contain_text("防衛庁長官")
    page.get_by_test_id("on-date").fill("2024-06-01")
    page.get_by_test_id("show").click()
    expect(page.get_by_test_id("members-scc-jpn")).to_contain_text("防衛大臣")
    expect(page.get_by_test_id("members-scc-jpn")).not_to_contain_text("防衛庁長官")

    # ask a question and see its citations
    page.goto(f"{base}/ask?lang=en")
    page.get_by_test_id("question").select_option("treaty.article5_applies")
    page.get_by_test_id("params").fill("place=okinawa")
    page.get_by_test_id("ask-on").fill("1970-01-01")
    page.get_by_test_id("ask-submit").click()
    expect(page.get_by_test_id("answer-value")).to_have_text("no")
    expect(page.get_by_test_id("citation").first).to_contain_text("Defense of Japan 2014")  # the source by its name
    assert page.locator("[data-testid=citation] [data-source=wp2014_alliance]").count() >= 1  # its id kept

    # the Japan-only case is there for a Japanese official
    page.goto(f"{base}/work/cases")
    expect(page.locator("main")).to_contain_text("Japan-only incident")

    # log out
    page.get_by_test_id("logout").click()
    expect(page.get_by_test_id("login-link")).to_be_visible()
    page.goto(f"{base}/work/cases")
    expect(page.locator("main")).not_to_contain_text("Japan-only incident")
    context.close()

    # the other party: logged in, still cannot see it, not even by its address
    other = browser.new_context(locale="ja-JP")
    page = other.new_page()
    login(page, base, "smith")
    expect(page.get_by_test_id("who")).to_contain_text("smith (USA)")
    page.goto(f"{base}/work/cases?lang=en")
    expect(page.locator("main")).not_to_contain_text("Japan-only incident")
    response = page.goto(f"{base}/work/cases/{case}")
    assert response is not None and response.status == 404
    expect(page.locator("main")).not_to_contain_text("Japan-only incident")
    page.goto(f"{base}/dashboard")
    page.get_by_test_id("logout").click()
    expect(page.get_by_test_id("login-link")).to_be_visible()
    other.close()
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_a_bad_question_is_a_400_with_the_form_kept(server: dict[str, str], browser: Any) -> None:
    """A parameter the question does not allow: the page answers 400 with the reason in its
    language and the form as it was filled in; corrected, it is answered."""
    from playwright.sync_api import expect

    base = server["url"]
    context = browser.new_context(locale="ja-JP")
    page = context.new_page()
    page.goto(f"{base}/ask?lang=ja")
    page.get_by_test_id("question").select_option("treaty.article5_applies")
    page.get_by_test_id("params").fill("place=mars")
    page.get_by_test_id("ask-on").fill("1970-01-01")
    with page.expect_response(lambda r: "/ask?" in r.url) as sent:
        page.get_by_test_id("ask-submit").click()
    assert sent.value.status == 400
    expect(page.get_by_test_id("ask-error")).to_contain_text("値「mars」は使えません")
    expect(page.get_by_test_id("question")).to_have_value("treaty.article5_applies")
    expect(page.get_by_test_id("params")).to_have_value("place=mars")
    expect(page.get_by_test_id("ask-on")).to_have_value("1970-01-01")
    page.get_by_test_id("params").fill("place=okinawa")
    page.get_by_test_id("ask-submit").click()
    expect(page.get_by_test_id("answer-value")).to_have_text("いいえ")
    context.close()


def test_an_acsa_order_in_the_browser(server: dict[str, str], browser: Any) -> None:
    """Raise an order through the form, sign it, see its page; a weapons order is refused with
    the law's reasons and citations; the charts are inline SVG (no CSP error)."""
    from playwright.sync_api import expect

    base = server["url"]
    context, page, errors = new_page(browser)
    login(page, base, "sato")
    page.get_by_test_id("nav-acsa").click()
    form = page.get_by_test_id("order-form")
    form.locator("input[name=on]").fill("2020-05-01")
    form.locator("select[name=context]").select_option("joint_training")
    form.locator("input[name=requesting_unit]").fill("31st MEU")
    form.locator("select[name=category]").select_option("fuel")
    for name, value in (("item", "jp8"), ("unit", "l"), ("quantity", "100"), ("unit_price", "0.85")):
        form.locator(f"input[name={name}]").fill(value)
    form.locator("input[name=currency]").fill("USD")
    page.get_by_test_id("order-send").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Awaiting signatures")
    expect(page.get_by_test_id("banner")).to_contain_text("CONFIDENTIAL//REL TO USA, JPN")
    page.get_by_test_id("step-sign").locator("input[name=on]").fill("2020-05-01")
    page.get_by_test_id("step-sign-send").click()
    expect(page.get_by_test_id("order-facts")).to_contain_text("Japan 2020-05-01")  # the party by name

    page.goto(f"{base}/acsa/orders")
    form = page.get_by_test_id("order-form")
    form.locator("input[name=on]").fill("2020-05-01")
    form.locator("select[name=category]").select_option("weapons")
    for name, value in (("item", "rifle"), ("unit", "ea"), ("quantity", "1"), ("unit_price", "1")):
        form.locator(f"input[name={name}]").fill(value)
    page.get_by_test_id("order-send").click()
    expect(page.get_by_test_id("refusal")).to_contain_text("weapons")
    expect(page.get_by_test_id("citation").first).to_be_visible()
    page.goto(f"{base}/acsa/report?fy=2020")
    expect(page.get_by_test_id("nav-acsa-report")).to_be_visible()
    context.close()
    assert not [e for e in errors if "Content Security Policy" in e], errors


@pytest.mark.parametrize(
    ("lang", "start", "end", "first"),
    [
        ("ja", "2015-04-27", "2015-04-27", "2015年4月27日"),  # one day: its axis had no tick
        ("en", "2015-04-27", "2015-05-02", "Apr 27, 2015"),
        ("ja", "2015-01-01", "2015-12-31", "2015年1月"),
    ],
)
def test_a_short_period_on_the_timeline_has_readable_ticks(
    server: dict[str, str], browser: Any, lang: str, start: str, end: str, first: str
) -> None:
    """The ticks of a period shorter than a year are drawn, inside the chart, none over another."""
    from playwright.sync_api import expect

    context, page, errors = new_page(browser)
    page.goto(f"{server['url']}/timeline?start={start}&end={end}&lang={lang}")
    ticks = page.locator("[data-testid=timeline-chart] .chart-tick")
    expect(ticks.first).to_have_text(first)
    chart = page.locator("[data-testid=timeline-chart] svg").bounding_box()
    boxes = [ticks.nth(n).bounding_box() for n in range(ticks.count())]
    assert boxes and all(b["x"] >= chart["x"] and b["x"] + b["width"] <= chart["x"] + chart["width"] for b in boxes)
    assert all(a["x"] + a["width"] < b["x"] for a, b in itertools.pairwise(boxes)), boxes
    context.close()
    assert not errors, errors


def test_the_instruments_filter_offers_every_type_and_lists_its_instruments(
    server: dict[str, str], browser: Any
) -> None:
    from playwright.sync_api import expect

    context, page, errors = new_page(browser)
    page.goto(f"{server['url']}/instruments?lang=en")
    from anpo.framework.pack import default_framework
    from anpo.framework.views import instrument_types

    options = page.get_by_test_id("kind").locator("option")
    assert options.count() == 1 + len(instrument_types(default_framework())) >= 13  # "—" and twelve types or more
    page.get_by_test_id("kind").select_option(label="Protocol")
    page.get_by_test_id("show").click()
    expect(page.get_by_test_id("version-guam_protocol_2013")).to_be_visible()
    expect(page.get_by_test_id("type-guam_protocol_2013")).to_contain_text("Protocol")
    assert page.locator("section.card").count() == 1
    page.goto(f"{server['url']}/instruments?kind=us_code&lang=ja")
    expect(page.get_by_test_id("kind")).to_have_value("us_code")
    expect(page.get_by_test_id("type-usc_10_ch138")).to_have_text("合衆国法典")
    context.close()
    assert not errors, errors


PHONE_PAGES = (
    "/",
    "/dashboard",
    "/bodies?on=2024-01-01",
    "/timeline",
    "/instruments",
    "/entity/scc",
    "/ask",
    "/work/meetings",
    "/work/commitments",
    "/work/protection",
    "/work/cases",
    "/work/facilities",
    "/work/exercises",
    "/acsa/orders",
    "/acsa/balances",
    "/acsa/ageing",
    "/acsa/report",
)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_page_fits_a_phone(server: dict[str, str], browser: Any, lang: str) -> None:
    """On a phone-sized screen the page itself never scrolls sideways (wide tables and charts
    scroll inside their own box), and the banner and the navigation stay on screen."""
    base = server["url"]
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    page = context.new_page()
    login(page, base, "sato")
    for path in PHONE_PAGES:
        response = page.goto(f"{base}{path}{'&' if '?' in path else '?'}lang={lang}")
        assert response is not None and response.status == 200, path
        # the page lays out at the device's width (a viewport meta tag), not at a desktop width
        assert page.evaluate("window.innerWidth") == 375, path
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} is {overflow}px wider than the screen"
        assert page.get_by_test_id("banner").first.is_visible(), path
        assert page.locator("html").get_attribute("lang") == lang, path
    context.close()


def test_a_booking_without_a_recorded_basis_shows_its_warning(server: dict[str, str], browser: Any) -> None:
    """The GSDF at Camp Hansen before March 2008: the booking is taken, and the warning that no
    joint use recorded in the pack covers it (SOFA Art. 2-4(a)) shows right after booking and in
    the list, in either language."""
    from playwright.sync_api import expect

    base = server["url"]
    context, page, errors = new_page(browser)
    login(page, base, "sato")
    page.goto(f"{base}/work/facilities?lang=en")
    page.get_by_test_id("book-facility").select_option("camp_hansen")
    page.get_by_test_id("book-start").fill("2005-05-01T08:00")
    page.get_by_test_id("book-end").fill("2005-05-02T08:00")
    page.get_by_test_id("book-send").click()
    expect(page.get_by_test_id("book-done")).to_contain_text("Camp Hansen")
    warning = page.get_by_test_id("book-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("check the arrangement under SOFA Art. 2-4(a) before using the facility")
    page.goto(f"{base}/work/facilities?lang=ja")
    expect(page.get_by_test_id("booking-warning").first).to_be_visible()
    expect(page.get_by_test_id("booking-warning").first).to_contain_text("地位協定第2条4項(a)")
    context.close()
    assert not [e for e in errors if "Content Security Policy" in e], errors
