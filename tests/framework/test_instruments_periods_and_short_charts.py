"""The instruments page draws no period "to date" that the pack does not state, and says so; a
statement is issued, never in force; a timeline of one day is centred, not stuck to the left edge."""

from __future__ import annotations

import html
import re
from typing import Any


def _row(page: str, ident: str) -> str:
    return page.split(f'data-testid="version-{ident}"', 1)[1].split("</tr>", 1)[0]


def _cell(page: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}">(.*?)</td>', page, re.S)
    assert found, testid
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def test_no_period_in_force_is_drawn_or_written_to_date_when_none_is_stated(client: Any) -> None:
    """The 1983 exchange of notes (replaced in 2006) was drawn from 1983-11-08 "to date", and the
    period column said "– to date" for every instrument with no stated entry into force."""
    page = client.get("/instruments", params={"on": "2024-05-31", "kind": "exchange_of_notes", "lang": "en"}).text
    for ident in ("arms_technology_transfer_1983", "arms_technology_transfer_2006", "exchange_of_notes_scc_1960"):
        assert _cell(page, f"period-{ident}") == "not stated", ident
        assert _cell(page, f"in-force-{ident}") == "not stated", ident
    assert _cell(page, "period-acsa_2016") == "2017-04-25 – to date"
    chart = page.split('data-testid="chart-arms_technology_transfer_1983"', 1)[1].split("</svg>", 1)[0]
    assert "<rect" not in chart  # no bar: a diamond on the day it was signed
    assert 'class="chart-point"' in chart and "Signed 1983-11-08" in chart and "to date" not in chart
    ja = client.get("/instruments", params={"on": "2024-05-31", "kind": "exchange_of_notes", "lang": "ja"}).text
    assert _cell(ja, "period-arms_technology_transfer_1983") == "資料に記載なし"


def test_a_joint_statement_is_issued_and_in_force_does_not_apply(client: Any) -> None:
    page = client.get("/instruments", params={"on": "2024-05-31", "kind": "joint_statement", "lang": "en"}).text
    assert _cell(page, "period-joint_statement_2017") == "issued 2017-02-10"
    assert _cell(page, "in-force-joint_statement_2017").startswith("not applicable")
    assert 'class="current"' not in _row(page, "joint_statement_2017").split(">", 1)[0]
    api = client.get("/api/instruments", params={"on": "2024-05-31", "kind": "joint_statement"}).json()
    versions = [v for f in api["families"] for v in f["versions"] if v["type"] == "joint_statement"]
    assert versions and all(v["in_force"] is None and v["enters_into_force"] is False for v in versions)
    ja = client.get("/instruments", params={"on": "2024-05-31", "kind": "joint_statement", "lang": "ja"}).text
    assert _cell(ja, "period-joint_statement_2017") == "2017-02-10 発表"
    # the treaty still has its period and is in force
    treaty = client.get("/instruments", params={"on": "2024-05-31", "kind": "treaty", "lang": "en"}).text
    assert _cell(treaty, "in-force-treaty_1960") == "yes"


def _marks(page: str) -> tuple[list[float], list[tuple[float, str]]]:
    chart = page.split('data-testid="timeline-chart"', 1)[1].split("</svg>", 1)[0]
    dots = [float(x) for x in re.findall(r'<circle cx="([\d.]+)"', chart)]
    ticks = [
        (float(x), a) for x, a in re.findall(r'<text x="([\d.]+)"[^>]*text-anchor="(\w+)" class="chart-tick"', chart)
    ]
    return dots, ticks


def test_a_timeline_of_one_day_is_centred(client: Any) -> None:
    """Both marks and the one tick were on the left edge (x=120), the day running off to the right."""
    page = client.get("/timeline", params={"start": "2015-04-27", "end": "2015-04-27", "lang": "en"}).text
    dots, ticks = _marks(page)
    middle = 120 + (800 - 120 - 10) / 2
    assert len(dots) == 2 and all(abs(x - middle) < 1 for x in dots)
    assert ticks == [(middle, "middle")]


def test_a_timeline_of_a_few_days_puts_each_mark_in_its_days_band(client: Any) -> None:
    page = client.get("/timeline", params={"start": "2015-04-26", "end": "2015-04-28", "lang": "en"}).text
    dots, ticks = _marks(page)
    band = (800 - 120 - 10) / 3
    assert dots and all(abs(x - (120 + 1.5 * band)) < 1 for x in dots)  # 27 April, the middle day
    assert [round(x, 1) for x, _ in ticks] == [round(120 + (n + 0.5) * band, 1) for n in range(3)]
    assert all(120 < x < 790 for x, _ in ticks)
