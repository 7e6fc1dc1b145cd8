"""Bar charts drawn as inline SVG on the server: no script and no third-party asset, so they work
under the strict Content-Security-Policy (styled by the `chart-*` classes of app.css).

`bar_chart` draws one horizontal bar per row from a zero baseline (negative values to its left),
with the label on the left and the value at the bar's end. A row may carry a link; every bar has
a <title>, so the chart reads the same to a screen reader.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

WIDTH = 640
LABEL_WIDTH = 200
VALUE_WIDTH = 90
ROW_HEIGHT = 22


def _plain(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def bar_chart(
    rows: Sequence[tuple[str, float]],
    *,
    caption: str,
    fmt: Callable[[float], str] = _plain,
    hrefs: Sequence[str | None] | None = None,
    width: int = WIDTH,
) -> Markup:
    """One bar per (label, value), scaled to the largest magnitude; `hrefs[i]` links row i."""
    if not rows:
        return Markup("")
    low = min(0.0, *(v for _, v in rows))
    high = max(0.0, *(v for _, v in rows))
    span = (high - low) or 1.0
    plot = width - LABEL_WIDTH - VALUE_WIDTH

    def x(value: float) -> float:
        return round(LABEL_WIDTH + plot * (value - low) / span, 1)

    zero = x(0.0)
    height = len(rows) * ROW_HEIGHT + 4
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(caption)}"'
        ' xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(caption)}</title>",
        f'<line x1="{zero}" y1="0" x2="{zero}" y2="{height}" class="chart-grid"/>',
    ]
    for n, (label, value) in enumerate(rows):
        y = n * ROW_HEIGHT
        left, right = sorted((zero, x(value)))
        css = "chart-bar negative" if value < 0 else "chart-bar"
        text = escape(fmt(value))
        mark = (
            f"<title>{escape(label)}: {text}</title>"
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end" class="chart-label">{escape(label)}</text>'
            f'<rect x="{left}" y="{y + 4}" width="{max(right - left, 1 if value else 0)}" height="{ROW_HEIGHT - 8}" rx="2" class="{css}"/>'
            f'<text x="{right + 4}" y="{y + 15}" class="chart-value">{text}</text>'
        )
        href = hrefs[n] if hrefs and n < len(hrefs) else None
        parts.append(f'<a href="{escape(href)}">{mark}</a>' if href else f"<g>{mark}</g>")
    parts.append("</svg>")
    return Markup("".join(parts))
