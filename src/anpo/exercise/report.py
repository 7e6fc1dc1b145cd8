"""The after-action report of a run: JSON, HTML and PDF, each a pure function of the run's result
(no clock, no random ids), so the same scenario and seed give byte-identical files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from jinja2 import Environment

from anpo.files import write_atomic

CJK_FONTS = (
    "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
    "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/takao-gothic/TakaoGothic.ttf",
)
FIXED_DATE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
OUTCOMES = {
    "inject": "状況付与 / inject",
    "done": "実施 / done",
    "answered": "回答 / answered",
    "allowed": "可 / allowed",
    "refused": "不可 / refused",
}
# The two parties as a bilingual report names them (the run's JSON keeps their ids).
PARTIES = {"jpn": "日本 / Japan", "usa": "米国 / United States"}

HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>After-action report: {{ r.scenario.title.en }} / 事後報告</title>
<style>
body{font-family:sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;line-height:1.45}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #bbb;padding:.3rem;vertical-align:top;font-size:.9rem}
.refused{background:#fde8e8}.allowed{background:#eaf6ea}.inject{background:#eef2fb;font-weight:bold}
.ja{color:#333}.cite{font-size:.8rem;color:#555}
.banner{text-align:center;font-weight:bold;letter-spacing:.05em;border:1px solid #333;padding:.2rem}
</style></head><body>
<div class="banner" data-testid="banner">{{ r.marking.banner.en }} · {{ r.marking.banner.ja }}</div>
<h1>事後報告 / After-action report</h1>
<h2><span class="ja">{{ r.scenario.title.ja }}</span><br>{{ r.scenario.title.en }}</h2>
<p class="ja">{{ r.scenario.summary.ja }}</p><p>{{ r.scenario.summary.en }}</p>
<p>想定日（適用法令の基準日） / Scenario date (law as of): <b>{{ r.scenario.date }}</b> ·
開始 / start {{ r.scenario.start }} · seed {{ r.seed }} ·
{{ r.counts.actions }} actions · <b>{{ r.counts.refusals }}</b> refusals / 不可</p>

<h2>不可とされた行動 / Refusals</h2>
{% if not r.refusals %}<p>なし / none</p>{% endif %}
<ol>
{% for e in r.refusals %}<li id="refusal-{{ loop.index }}"><b>{{ e.at }}</b> [{{ parties.get(e.party, e.party) }}] {{ e.text.en }}<br><span class="ja">{{ e.text.ja }}</span>
<ul>{% for rs in e.reasons %}<li>{{ rs.en }}<br><span class="ja">{{ rs.ja }}</span>
<div class="cite">{% for c in rs.citations %}{{ c.source }} {{ c.locator }}{% if not loop.last %}; {% endif %}{% endfor %}</div></li>{% endfor %}</ul></li>
{% endfor %}</ol>

<h2>経過 / Timeline</h2>
<table><tr><th>時刻 / time</th><th>当事国 / party</th><th>結果 / outcome</th><th>内容 / what</th><th>出典 / citations</th></tr>
{% for e in r.timeline %}<tr class="{{ e.outcome }}"><td>{{ e.at }}</td><td>{{ parties.get(e.party, e.party) }}</td><td>{{ outcomes.get(e.outcome, e.outcome) }}{% if e.expectation_met is false %} ⚠ 想定 / expected: {{ outcomes.get(e.expected, e.expected) }}{% endif %}</td>
<td>{{ e.text.en }}<br><span class="ja">{{ e.text.ja }}</span></td>
<td class="cite">{% for c in e.citations %}{{ c.source }} {{ c.locator }}{% if not loop.last %}; {% endif %}{% endfor %}</td></tr>
{% endfor %}</table>

<h2>案件と事態の認定 / Cases and determinations</h2>
{% for c in r.cases %}<h3>{{ c.title.en }} / {{ c.title.ja }} — {{ c.level.label.en }}</h3>
<ul>{% for d in c.determinations %}<li>{{ d.determined_at }} {{ d.situation.label.en }} / {{ d.situation.label.ja }}{% if d.ended_at %} (until {{ d.ended_at }}){% endif %}</li>{% endfor %}</ul>
<p>{{ c.entries|length }} log entries / 記録 · final situation / 最終の事態: {{ c.situation.label.en }}</p>
{% endfor %}
<h2>武器等防護 / Asset protection ({{ r.protection.year }})</h2>
<p>{% for row in r.protection.rows %}{{ row.occasion_label.en }}: {{ row.label.en }} × {{ row.count }}<br>{% endfor %}</p>
<footer class="cite">出典：防衛省「防衛白書」ほか / Sources: Ministry of Defense, Defense of Japan, and the legal texts cited.
Tabletop exercise of consultation, legal questions, logistics and coordination only.</footer>
<div class="banner">{{ r.marking.banner.en }} · {{ r.marking.banner.ja }}</div>
</body></html>
"""


# The content of the report's `<style>` element, as the rendered file holds it (no template syntax
# in it): the web app allows exactly this style, by its hash, in the report's response
# (`anpo.web.guard.allow_style`), the report staying one self-contained file.
STYLE = HTML.split("<style>", 1)[1].split("</style>", 1)[0]


def render_html(result: dict[str, Any]) -> str:
    env = Environment(autoescape=True)
    return env.from_string(HTML).render(r=result, outcomes=OUTCOMES, parties=PARTIES)


def render_json(result: dict[str, Any]) -> str:
    return json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _font() -> str | None:
    return next((f for f in CJK_FONTS if Path(f).exists()), None)


def render_pdf(result: dict[str, Any]) -> bytes:
    """A PDF of the report; Japanese lines need a CJK font (IPA or Noto), else English only."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title(f"After-action report: {result['scenario']['title']['en']}")
    font = _font()
    if font:
        pdf.add_font("cjk", "", font)
        family = "cjk"
    else:
        family = "helvetica"
    bilingual = font is not None

    def party(e: dict[str, Any]) -> str:
        name = PARTIES.get(str(e["party"]), str(e["party"]))
        return name if bilingual else name.split(" / ")[-1]

    def line(text: str, size: float = 9, gap: float = 1) -> None:
        pdf.set_font(family, size=size)
        if not bilingual:
            text = text.encode("latin-1", "replace").decode("latin-1")
        pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    def both(t: dict[str, str], size: float = 9) -> None:
        line(t["en"], size, 0)
        if bilingual:
            line(t["ja"], size, 1)

    s = result["scenario"]
    banner = result["marking"]["banner"]
    pdf.add_page()
    line(f"{banner['en']}  /  {banner['ja']}" if bilingual else banner["en"], 10, 2)
    line("After-action report / 事後報告" if bilingual else "After-action report", 16, 2)
    both(s["title"], 13)
    line(f"Scenario date (law as of): {s['date']} - start {s['start']} - seed {result['seed']}", 9, 2)
    line(f"Refusals ({len(result['refusals'])})" + (" / 不可とされた行動" if bilingual else ""), 13, 1)
    for i, e in enumerate(result["refusals"], 1):
        line(f"{i}. {e['at']} [{party(e)}]", 10, 0)
        both(e["text"], 10)
        for rs in e["reasons"]:
            both(rs, 8)
            cites = "; ".join(f"{c['source']} {c['locator']}" for c in rs["citations"])
            if cites:
                line(f"    {cites}", 7, 1)
    pdf.add_page()
    line("Timeline" + (" / 経過" if bilingual else ""), 13, 1)
    for e in result["timeline"]:
        outcome = OUTCOMES.get(e["outcome"], e["outcome"]) if bilingual else e["outcome"]
        line(f"{e['at']}  [{party(e)}]  {outcome}", 8, 0)
        both(e["text"], 8)
    out = pdf.output()
    return bytes(out)


REPORT_FORMATS = (".html", ".pdf", ".json")


def write_report(result: dict[str, Any], path: Path) -> None:
    """Write one report; its format comes from the file's extension (.html, .pdf or .json)."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        write_atomic(path, render_pdf(result))
    elif suffix == ".html":
        write_atomic(path, render_html(result))
    elif suffix == ".json":
        write_atomic(path, render_json(result))
    else:
        raise ValueError(f"unknown report format {suffix!r} (allowed: {', '.join(REPORT_FORMATS)})")


def write_reports(result: dict[str, Any], out_dir: Path) -> dict[str, Path]:
    """The JSON, HTML and PDF reports in `out_dir` (made if missing). All three are rendered before
    any is written, so that a report that cannot be rendered leaves none of them changed."""
    stem = f"aar_{result['scenario']['id']}_seed{result['seed']}"
    bodies: dict[str, str | bytes] = {
        "json": render_json(result),
        "html": render_html(result),
        "pdf": render_pdf(result),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {fmt: out_dir / f"{stem}.{fmt}" for fmt in bodies}
    for fmt, body in bodies.items():
        write_atomic(paths[fmt], body)
    return paths
