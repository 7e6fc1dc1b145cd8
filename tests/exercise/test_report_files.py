"""The after-action report files are written whole or not at all: a run whose report fails part-way
(a render that raises, a full disk) leaves the files already there as they were and no temporary
file; a report written is exactly what the renderers give."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest

from anpo.exercise import report
from anpo.exercise.engine import run_scripted
from anpo.exercise.scenario import SCENARIO_DIR, load_scenario

SCENARIO = SCENARIO_DIR / "nankai_trough_earthquake.yaml"
STEM = "aar_nankai_trough_earthquake_seed3"


def _run(cli: Any, *args: str) -> Any:
    return cli.run("exercise", "run", str(SCENARIO), "--scripted", "--seed", "3", *args)


def _disk_full(fd: int) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_the_reports_written_are_what_the_renderers_give(fw: Any, tmp_path: Path) -> None:
    result = run_scripted(load_scenario(SCENARIO), 3, fw)
    paths = report.write_reports(result, tmp_path / "out")
    assert paths["json"].read_bytes() == report.render_json(result).encode("utf-8")
    assert paths["html"].read_bytes() == report.render_html(result).encode("utf-8")
    assert paths["pdf"].read_bytes() == report.render_pdf(result)
    for suffix in report.REPORT_FORMATS:
        report.write_report(result, tmp_path / f"one{suffix}")
        assert (tmp_path / f"one{suffix}").read_bytes() == (tmp_path / "out" / f"{STEM}{suffix}").read_bytes()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in paths.values())


def test_a_report_that_cannot_be_rendered_changes_none_of_the_files(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The JSON and HTML were written before the PDF was rendered: a PDF that failed left the new
    JSON and HTML beside the old PDF. All three are rendered first now."""
    out = tmp_path / "out"
    out.mkdir()
    old = {out / f"{STEM}.{x}": f"previous {x}".encode() for x in ("json", "html", "pdf")}
    for path, body in old.items():
        path.write_bytes(body)

    def broken(result: dict[str, Any]) -> bytes:
        raise RuntimeError("the PDF renderer failed")

    monkeypatch.setattr(report, "render_pdf", broken)
    result = _run(cli, "--out", str(out))
    assert isinstance(result.exception, RuntimeError)
    assert {p: p.read_bytes() for p in out.iterdir()} == old


def test_a_report_that_fails_to_be_written_leaves_the_file_and_says_so(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "aar.html"
    target.write_text("the previous report")
    monkeypatch.setattr(os, "fsync", _disk_full)
    for lang, says in (("en", f"cannot write {target}: No space left"), ("ja", f"{target} に書き込めません")):
        result = _run(cli, "--report", str(target), "--lang", lang)
        assert result.exit_code == 2 and says in result.stderr, result.output
    assert target.read_text() == "the previous report"
    assert [p.name for p in tmp_path.iterdir()] == ["aar.html"]


def test_a_report_to_a_missing_directory_or_a_directory_still_says_so(cli: Any, tmp_path: Path) -> None:
    for target in (tmp_path / "missing" / "aar.json", tmp_path / "dir.json"):
        if target.name == "dir.json":
            target.mkdir()
        result = _run(cli, "--report", str(target))
        assert result.exit_code == 2 and f"cannot write {target}" in result.stderr, result.output
    assert [p.name for p in tmp_path.iterdir()] == ["dir.json"] and not any((tmp_path / "dir.json").iterdir())
