"""Charts over time, drawn as inline SVG on the server: no script, no third-party asset, and the
same picture whatever the browser (the Content-Security-Policy forbids inline script anyway).

`periods_chart` draws one bar per row from its start to its end (an instrument's versions in
force); `events_chart` draws a dot per event on lanes (the history of the arrangements). Every
mark is a link with a <title>, so the chart is also navigable and readable by a screen reader.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 800
LABEL_WIDTH = 230
ROW_HEIGHT = 22
AXIS_HEIGHT = 24


@dataclass(frozen=True)
class Span:
    label: str
    start: dt.date
    end: dt.date | None  # None: still in force
    href: str
    title: str
    current: bool = False  # drawn highlighted (in force on the chosen date)


@dataclass(frozen=True)
class Mark:
    day: dt.date
    lane: str
    href: str
    title: str


def _short(label: str, limit: int = 18) -> str:
    """A label that fits the label column; the full text stays in the mark's <title>."""
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _years(start: dt.date, end: dt.date) -> float:
    return max((end - start).days / 365.25, 1.0)


def _x(day: dt.date, start: dt.date, end: dt.date, left: int = LABEL_WIDTH) -> float:
    span = (end - start).days or 1
    return round(left + (WIDTH - left - 10) * (day - start).days / span, 1)


def _axis(start: dt.date, end: dt.date, top: float, bottom: float, left: int) -> list[str]:
    years = _years(start, end)
    # at most 12 ticks, a step of 1, 2 or 5 times a power of ten (a chart as of a date centuries
    # away spans centuries: the steps stopped at 50 years, and the page failed)
    step = next(s * 10**k for k in range(5) for s in (1, 2, 5) if years / (s * 10**k) <= 12)
    parts = []
    # ticks on the years inside the chart: its first year too (1990 of a chart from 1990-01-01 was
    # unmarked), not the end, the instant after the last day drawn
    year = -(-start.year // step) * step
    if dt.date(year, 1, 1) < start:
        year += step
    while year <= end.year and dt.date(year, 1, 1) < end:
        x = _x(dt.date(year, 1, 1), start, end, left)
        parts.append(f'<line x1="{x}" y1="{top}" x2="{x}" y2="{bottom}" class="chart-grid"/>')
        # a label centred on a tick at the right edge was cut off by the picture's edge: it ends there
        anchor = "end" if x + 20 > WIDTH else "middle"
        parts.append(f'<text x="{x}" y="{bottom + 16}" text-anchor="{anchor}" class="chart-tick">{year}</text>')
        year += step
    return parts


def periods_chart(spans: Sequence[Span], start: dt.date, end: dt.date, caption: str) -> Markup:
    """One bar per span over the years from `start` to `end`; an open end runs to `end`."""
    height = len(spans) * ROW_HEIGHT + AXIS_HEIGHT + 8
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(caption)}"'
        ' xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(caption)}</title>",
        *_axis(start, end, 0, len(spans) * ROW_HEIGHT, LABEL_WIDTH),
    ]
    for n, span in enumerate(spans):
        y = n * ROW_HEIGHT
        x1 = _x(max(span.start, start), start, end)
        x2 = _x(min(span.end or end, end), start, end)
        css = "chart-bar current" if span.current else "chart-bar"
        parts.append(
            f'<a href="{escape(span.href)}"><title>{escape(span.title)}</title>'
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end" class="chart-label">{escape(_short(span.label))}</text>'
            f'<rect x="{x1}" y="{y + 4}" width="{max(x2 - x1, 2)}" height="{ROW_HEIGHT - 8}" rx="3" class="{css}"/></a>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def events_chart(
    marks: Sequence[Mark],
    lanes: Sequence[tuple[str, str]],
    caption: str,
    first: dt.date | None = None,
    last: dt.date | None = None,
) -> Markup:
    """A dot per mark on its lane (`lanes`: (lane id, label)), from `first` to `last` (inclusive)
    when given, the period asked for (it drew only the years its marks cover: 1991–1998 for the
    1990s), else over the years the marks cover."""
    if not marks:
        return Markup("")
    start = first or dt.date(min(m.day for m in marks).year, 1, 1)
    end = last + dt.timedelta(days=1) if last else dt.date(max(m.day for m in marks).year + 1, 1, 1)
    left = 120
    height = len(lanes) * ROW_HEIGHT * 2 + AXIS_HEIGHT + 8
    row = {lane: n for n, (lane, _) in enumerate(lanes)}
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(caption)}"'
        ' xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(caption)}</title>",
        *_axis(start, end, 0, len(lanes) * ROW_HEIGHT * 2, left),
    ]
    for n, (_, label) in enumerate(lanes):
        y = n * ROW_HEIGHT * 2 + ROW_HEIGHT
        parts.append(f'<text x="{left - 8}" y="{y + 4}" text-anchor="end" class="chart-label">{escape(label)}</text>')
        parts.append(f'<line x1="{left}" y1="{y}" x2="{WIDTH - 10}" y2="{y}" class="chart-lane"/>')
    for mark in marks:
        y = row[mark.lane] * ROW_HEIGHT * 2 + ROW_HEIGHT
        x = _x(mark.day, start, end, left)
        parts.append(
            f'<a href="{escape(mark.href)}"><title>{escape(mark.title)}</title>'
            f'<circle cx="{x}" cy="{y}" r="5" class="chart-dot lane-{escape(mark.lane)}"/></a>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
