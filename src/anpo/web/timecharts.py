"""Charts over time, drawn as inline SVG on the server: no script, no third-party asset, and the
same picture whatever the browser (the Content-Security-Policy forbids inline script anyway).

`periods_chart` draws one bar per row from its start to its end (an instrument's versions in
force), or a diamond on one day for a row with no period (signed, its entry into force not stated;
or a statement, issued); `events_chart` draws a dot per event on lanes (the history of the arrangements). Every
mark is a link with a <title>, so the chart is also navigable and readable by a screen reader.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from anpo.i18n import msg, t

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
    # a day, not a period: an instrument signed whose period in force is not stated, or a
    # statement issued (it enters into force on no day). A diamond on `start`, never a bar "to date"
    point: bool = False


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
    # a span of days (one of ticks by the day) draws each day as a band, its mark and its tick in
    # the band's middle: a chart of one day put its mark and its tick on the left edge, the day
    # running off to the right; now the day is centred
    middle = 0.5 if _by_day(start, end) else 0.0
    return round(left + (WIDTH - left - 10) * ((day - start).days + middle) / span, 1)


def _by_day(start: dt.date, end: dt.date) -> bool:
    """Whether the axis from `start` to `end` has its ticks on days (a span of weeks at most)."""
    return max((end - start).days, 1) <= 10 * DATE_TICKS


YEAR_TICKS = 12  # at most, labelled with four digits
DATE_TICKS = 6  # at most, labelled with a month or a day: wider


def _ticks(start: dt.date, end: dt.date, lang: str) -> list[tuple[dt.date, str]]:
    """The ticks of an axis from `start` to `end` (the instant after the last day drawn), with
    their labels in `lang`: days for a span of weeks, months for one of months (a period of a day
    or of a few months has no 1 January inside it: its axis had no tick at all), else years."""
    days = max((end - start).days, 1)
    for step in (1, 2, 5, 10):
        if days / step <= DATE_TICKS:
            return [(d, _day_label(d, lang)) for d in (start + dt.timedelta(days=n) for n in range(0, days, step))]
    for step in (1, 3, 6):
        if days / 30.4375 / step <= DATE_TICKS:
            # on the first days of months inside the chart, every `step`th of the year (quarters, halves)
            month = -(-(start.year * 12 + start.month - 1 + (start.day > 1)) // step) * step
            ticks = []
            while (day := dt.date(month // 12, month % 12 + 1, 1)) < end:
                ticks.append((day, t("ui.tick_month", lang, year=day.year, month=msg(f"ui.month.{day.month}"))))
                month += step
            return ticks
    years = _years(start, end)
    # a step of 1, 2 or 5 times a power of ten (a chart as of a date centuries away spans
    # centuries: the steps stopped at 50 years, and the page failed)
    step = next(s * 10**k for k in range(5) for s in (1, 2, 5) if years / (s * 10**k) <= YEAR_TICKS)
    # the years inside the chart: its first year too (1990 of a chart from 1990-01-01 was
    # unmarked), not the end, the instant after the last day drawn
    year = -(-start.year // step) * step
    if dt.date(year, 1, 1) < start:
        year += step
    ticks = []
    while year <= end.year and dt.date(year, 1, 1) < end:
        ticks.append((dt.date(year, 1, 1), str(year)))
        year += step
    return ticks


def _day_label(day: dt.date, lang: str) -> str:
    return t("ui.tick_day", lang, year=day.year, month=msg(f"ui.month.{day.month}"), day=day.day)


def _text_width(text: str) -> float:
    """About how wide `text` is drawn at the charts' 11px: a Japanese character is as wide as it is
    high, a digit or a Latin letter about half as wide."""
    return sum(11.0 if ord(c) >= 0x2E80 else 6.5 for c in text)


def _axis(start: dt.date, end: dt.date, top: float, bottom: float, left: int, lang: str) -> list[str]:
    parts = []
    for day, label in _ticks(start, end, lang):
        x = _x(day, start, end, left)
        parts.append(f'<line x1="{x}" y1="{top}" x2="{x}" y2="{bottom}" class="chart-grid"/>')
        # a label centred on a tick at the right edge was cut off by the picture's edge: it ends there
        anchor = "end" if x + max(20, _text_width(label) / 2) > WIDTH else "middle"
        parts.append(
            f'<text x="{x}" y="{bottom + 16}" text-anchor="{anchor}" class="chart-tick">{escape(label)}</text>'
        )
    return parts


def periods_chart(spans: Sequence[Span], start: dt.date, end: dt.date, caption: str, lang: str) -> Markup:
    """One bar per span over the years from `start` to `end`; an open end runs to `end`; the axis
    labelled in `lang`."""
    height = len(spans) * ROW_HEIGHT + AXIS_HEIGHT + 8
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(caption)}"'
        ' xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(caption)}</title>",
        *_axis(start, end, 0, len(spans) * ROW_HEIGHT, LABEL_WIDTH, lang),
    ]
    for n, span in enumerate(spans):
        y = n * ROW_HEIGHT
        label = f'<text x="{LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end" class="chart-label">{escape(_short(span.label))}</text>'
        if span.point:
            x, mid, r = _x(max(span.start, start), start, end), y + ROW_HEIGHT / 2, (ROW_HEIGHT - 8) / 2
            mark = (
                f'<path d="M{x} {mid - r}L{x + r} {mid}L{x} {mid + r}L{x - r} {mid}Z" class="chart-point"'
                ' fill="none" stroke="currentColor" stroke-width="1.5"/>'
            )
        else:
            x1 = _x(max(span.start, start), start, end)
            x2 = _x(min(span.end or end, end), start, end)
            css = "chart-bar current" if span.current else "chart-bar"
            mark = (
                f'<rect x="{x1}" y="{y + 4}" width="{max(x2 - x1, 2)}" height="{ROW_HEIGHT - 8}" rx="3" class="{css}"/>'
            )
        parts.append(f'<a href="{escape(span.href)}"><title>{escape(span.title)}</title>{label}{mark}</a>')
    parts.append("</svg>")
    return Markup("".join(parts))


def events_chart(
    marks: Sequence[Mark],
    lanes: Sequence[tuple[str, str]],
    caption: str,
    lang: str,
    first: dt.date | None = None,
    last: dt.date | None = None,
) -> Markup:
    """A dot per mark on its lane (`lanes`: (lane id, label)), from `first` to `last` (inclusive)
    when given, the period asked for (it drew only the years its marks cover: 1991–1998 for the
    1990s), else over the years the marks cover; the axis labelled in `lang`."""
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
        *_axis(start, end, 0, len(lanes) * ROW_HEIGHT * 2, left, lang),
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
