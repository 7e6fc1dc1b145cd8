"""Live case logs: entries reach subscribers of other server instances (SSE; LISTEN/NOTIFY on
PostgreSQL), only those allowed to read them, and two browsers see each other without reloading.

The time limits here tell a delivery by notification (milliseconds) from PostgreSQL's fallback poll
(5 s), with room for a slow shared machine; the latency itself is measured in bench/bench_events.py."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from typing import Any

import httpx
import pytest

from anpo.framework.model import Text
from anpo.security.markings import Marking
from anpo.work.coordination import open_case

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _case(work: Any) -> str:
    with work() as w:
        return str(
            open_case(
                w,
                Text("発射事案", "Launch case"),
                "missile_launch",
                "bocc",
                dt.date(2024, 6, 10),
                marking=Marking("confidential", frozenset({"jpn", "usa"})),
            )["id"]
        )


def _read_events(lines: Any, want: int, timeout: float) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    for line in lines:
        if line.startswith("data: "):
            out.append(json.loads(line[6:]))
            if len(out) >= want:
                break
        if time.monotonic() > deadline:
            break
    return out


def test_sse_across_server_instances_with_markings(two_servers: Any, work: Any) -> None:
    a, b = two_servers
    case = _case(work)
    with (
        httpx.Client(timeout=5) as http,
        http.stream("GET", f"{b.url}/api/work/cases/{case}/events", headers={"x-anpo-work-token": "tok-usa"}) as stream,
    ):
        lines = stream.iter_lines()
        assert _read_events(lines, 1, 5)[0]["type"] == "opened"  # the backlog
        jp = {"x-anpo-work-token": "tok-jpn"}
        url = f"{a.url}/api/work/cases/{case}/entries"
        http.post(
            url,
            json={"text": "jpn eyes only", "marking": {"level": "confidential", "releasable_to": ["jpn"]}},
            headers=jp,
        )
        started = time.monotonic()
        assert http.post(url, json={"text": "to both"}, headers=jp).status_code == 201
        got = _read_events(lines, 1, 5)
        assert time.monotonic() - started < 2.5
    assert [e["text"]["en"] for e in got] == ["to both"]
    assert got[0]["seq"] == 3


def test_sse_refuses_unreadable_case(two_servers: Any, work: Any) -> None:
    case = _case(work)
    res = httpx.get(f"{two_servers[0].url}/api/work/cases/{case}/events", timeout=5)
    assert res.status_code == 404


@pytest.mark.browser
def test_two_browsers_see_each_others_entries_within_a_second(two_servers: Any, work: Any) -> None:
    from playwright.sync_api import expect, sync_playwright

    a, b = two_servers
    case = _case(work)
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    with sync_playwright() as pw:
        browsers = [pw.chromium.launch(executable_path=CHROMIUM, args=args) for _ in range(2)]
        try:
            pages = []
            for browser, server, token in ((browsers[0], a, "tok-jpn"), (browsers[1], b, "tok-usa")):
                context = browser.new_context()
                context.add_cookies([{"name": "anpo_work_token", "value": token, "url": server.url}])
                page = context.new_page()
                page.goto(f"{server.url}/work/cases/{case}?lang=en")
                expect(page.get_by_test_id("log")).to_contain_text("Case opened")
                pages.append(page)
            page.wait_for_timeout(300)  # both EventSources connected
            for writer, reader, text in (
                (pages[0], pages[1], "JPN: launch info received"),
                (pages[1], pages[0], "USA: sharing track data"),
            ):
                writer.get_by_test_id("post-text").fill(text)
                writer.get_by_test_id("post-send").click()
                expect(writer.get_by_test_id("log")).to_contain_text(text, timeout=3000)
                expect(reader.get_by_test_id("log")).to_contain_text(text, timeout=3000)
            assert "CONFIDENTIAL" in pages[0].get_by_test_id("case-marking").inner_text()
        finally:
            for browser in browsers:
                browser.close()


def test_broker_starts_once_when_many_subscribe_at_once(engine: Any, mfw: Any) -> None:
    """500 clients connecting together must not start 500 broker loops (each would deliver every
    entry again and overflow the subscribers' queues)."""
    import asyncio

    from anpo.work.live import Broker

    async def go() -> int:
        broker = Broker(engine, mfw)
        await asyncio.gather(*(broker.start() for _ in range(50)))
        started = len(broker._tasks)
        await broker.stop()
        return started

    assert asyncio.run(go()) == (2 if engine.dialect.name == "postgresql" else 1)


def test_two_server_processes_agree(two_processes: list[str], work: Any) -> None:
    """An entry posted to one server process reaches a subscriber of the other well before the 5 s fallback poll
    (PostgreSQL: NOTIFY on commit, LISTEN in each process; SQLite: each process polls)."""
    with work() as w:
        case = str(open_case(w, Text("発射事案", "Launch case"), "missile_launch", "bocc", dt.date(2024, 6, 10))["id"])
    a, b = two_processes
    with (
        httpx.Client(timeout=5) as http,
        http.stream("GET", f"{b}/api/work/cases/{case}/events", headers={"x-anpo-work-token": "tok-usa"}) as stream,
    ):
        lines = stream.iter_lines()
        assert _read_events(lines, 1, 5)[0]["type"] == "opened"
        for n in range(3):
            started = time.monotonic()
            res = http.post(
                f"{a}/api/work/cases/{case}/entries",
                json={"text": f"from process A {n}"},
                headers={"x-anpo-work-token": "tok-jpn"},
            )
            assert res.status_code == 201, res.text
            got = _read_events(lines, 1, 5)
            assert time.monotonic() - started < 2.5
            assert [(e["seq"], e["text"]["en"], e["party"]) for e in got] == [(n + 2, f"from process A {n}", "jpn")]


@pytest.mark.browser
def test_a_coordinator_opens_a_case_from_the_cases_page(two_servers: Any) -> None:
    from playwright.sync_api import expect, sync_playwright

    a, _ = two_servers
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=args)
        try:
            context = browser.new_context()
            context.add_cookies([{"name": "anpo_work_token", "value": "tok-jpn", "url": a.url}])
            page = context.new_page()
            page.goto(f"{a.url}/work/cases?lang=ja")
            page.get_by_test_id("open-title-ja").fill("南西方面の事案")
            page.get_by_test_id("open-title-en").fill("Incident in the southwest")
            page.get_by_test_id("open-type").select_option("gray_zone")
            page.get_by_test_id("open-level").select_option("acg")
            page.get_by_test_id("open-on").fill("2024-09-01")
            page.get_by_test_id("open-send").click()
            expect(page.get_by_test_id("case-title")).to_have_text("南西方面の事案")
            expect(page.get_by_test_id("log")).to_contain_text("同盟調整グループ")
            expect(page.get_by_test_id("questions")).to_contain_text("treaty.article5_applies")
        finally:
            browser.close()


def test_a_stream_ends_when_its_reader_may_no_longer_read_it(
    two_servers: Any, work: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stream opened by a reader whose token is then revoked (a logout, a disabled account, a
    lowered clearance) went on delivering the case's entries for as long as it stayed open. It
    now checks the reader's credentials every STREAM_RECHECK seconds and ends with an `ended`
    event in both languages; the reconnect is refused as any request of those credentials is."""
    from anpo.web import routes_work

    monkeypatch.setattr(routes_work, "STREAM_RECHECK", 0.3)
    a, _ = two_servers
    app = a.server.config.app
    monkeypatch.setattr(app.state, "work_tokens", dict(app.state.work_tokens))  # the fixture's own stays
    case = _case(work)
    us = {"x-anpo-work-token": "tok-usa"}
    with (
        httpx.Client(timeout=5) as http,
        http.stream("GET", f"{a.url}/api/work/cases/{case}/events", headers=us) as stream,
    ):
        lines = stream.iter_lines()
        assert _read_events(lines, 1, 5)[0]["type"] == "opened"
        time.sleep(0.5)  # a check passes: the stream stays open while the token holds
        url = f"{a.url}/api/work/cases/{case}/entries"
        assert http.post(url, json={"text": "still read"}, headers=us).status_code == 201
        assert [e["text"]["en"] for e in _read_events(lines, 1, 5)] == ["still read"]
        del app.state.work_tokens["tok-usa"]
        started = time.monotonic()
        rest = list(lines)  # the server ends the stream: iteration stops
        assert time.monotonic() - started < 3
    ended = json.loads(next(line for line in rest if line.startswith("data: "))[6:])
    assert "event: ended" in rest and "permissions changed" in ended["error"]["en"] and ended["error"]["ja"]
    assert httpx.get(f"{a.url}/api/work/cases/{case}/events", headers=us, timeout=5).status_code == 404
