"""After-action reports from the command line: `anpo exercise run FILE --scripted --seed N --report
out.html --report out.pdf` for each shipped scenario. Every refusal is in both files with its
reasons and citations; the same seed gives byte-identical files."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from anpo.exercise import report
from anpo.exercise.scenario import shipped

SCENARIOS = {p.stem: p for p in shipped()}


def _flat(text: str) -> str:
    """Text without white space: PDF extraction re-wraps and justifies lines."""
    return re.sub(r"\s+", "", text)


def _pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_each_scenario_reports_every_refusal_in_html_and_pdf(cli: Any, tmp_path: Path, name: str) -> None:
    files = []
    for n in (1, 2):
        html, pdf, js = (tmp_path / f"{n}.{x}" for x in ("html", "pdf", "json"))
        result = cli.run(
            "exercise", "run", str(SCENARIOS[name]), "--scripted", "--seed", "7", "--report", str(html),
            "--report", str(pdf), "--report", str(js),
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        files.append((html.read_bytes(), pdf.read_bytes(), js.read_bytes()))
    assert files[0] == files[1], "same scenario and seed: byte-identical reports"
    html_bytes, pdf_bytes, json_bytes = files[0]
    data = json.loads(json_bytes)
    refusals = data["refusals"]
    assert refusals and data["expectations"]["unmet"] == []
    html = html_bytes.decode("utf-8").replace("&#39;", "'").replace("&amp;", "&")
    pdf = _flat(_pdf_text(pdf_bytes))
    assert pdf_bytes.startswith(b"%PDF") and b"/CreationDate (D:20000101" in pdf_bytes
    assert html.count('id="refusal-') == len(refusals)
    banner = data["marking"]["banner"]  # a scripted run is public; its banner heads every report
    assert banner == {"ja": "公開", "en": "PUBLIC"}
    assert html.count(f"{banner['en']} · {banner['ja']}") == 2 and _flat(banner["en"]) in pdf
    for refusal in refusals:
        assert refusal["reasons"] and refusal["citations"]
        assert refusal["text"]["en"] in html and refusal["text"]["ja"] in html
        assert _flat(refusal["text"]["en"]) in pdf
        for reason in refusal["reasons"]:
            assert reason["en"] in html and reason["ja"] in html
            assert _flat(reason["en"]) in pdf
            for c in reason["citations"]:
                assert f"{c['source']} {c['locator']}" in html
                assert _flat(f"{c['source']} {c['locator']}") in pdf
    if report._font() is not None:  # a Japanese font is installed (scripts/ensure-system-deps)
        assert _flat(refusals[0]["text"]["ja"]) in pdf and "事後報告" in pdf


def test_pdf_without_a_japanese_font_falls_back_to_english(fw: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from anpo.exercise.engine import run_scripted
    from anpo.exercise.scenario import load_scenario

    result = run_scripted(load_scenario(SCENARIOS["ballistic_missile_launch"]), 1, fw)
    monkeypatch.setattr(report, "CJK_FONTS", ())
    text = _flat(_pdf_text(report.render_pdf(result)))
    assert "After-actionreport" in text and "事後報告" not in text
    assert all(_flat(r["reasons"][0]["en"]) in text for r in result["refusals"])


def test_a_marked_run_carries_its_banner_into_the_report(fw: Any) -> None:
    from anpo.exercise.engine import Run, exercise_engine
    from anpo.exercise.scenario import load_scenario
    from anpo.security.markings import Marking

    run = Run(load_scenario(SCENARIOS["ballistic_missile_launch"]), 1, fw, exercise_engine())
    run.marking = Marking("secret", frozenset({"usa", "jpn"}))
    run.play()
    result = run.result()
    assert result["marking"]["releasable_to"] == ["jpn", "usa"]
    html = report.render_html(result)
    assert "SECRET//REL TO USA, JPN" in html and "USA, JPN限り" in html
    assert "SECRET//REL TO USA, JPN" in _pdf_text(report.render_pdf(result))
