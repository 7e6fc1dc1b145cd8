"""Runs the YAML cases of issue 3's questions: inputs, date, expected answer and why.

A case expects a value (`expect`), or `undetermined: true`. Every answer must give bilingual
reasons citing sources in the pack, and name the provisions that decided it (`in_force`) unless it
says that nothing was in force.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from anpo.framework.framework import Framework
from anpo.rules.core import ask

CASES = [
    pytest.param(
        case, id=f"{path.stem}:{case['question']}:{'-'.join(map(str, case.get('params', {}).values()))}@{case['date']}"
    )
    for path in sorted((Path(__file__).parent / "cases").glob("*.yaml"))
    for case in yaml.safe_load(path.read_text(encoding="utf-8"))
]


def test_there_are_cases() -> None:
    assert len(CASES) > 300


@pytest.mark.parametrize("case", CASES)
def test_case(fw: Framework, case: dict[str, Any]) -> None:
    assert case.get("why", "").strip(), "every case says why"
    on = case["date"] if isinstance(case["date"], dt.date) else dt.date.fromisoformat(case["date"])
    result = ask(fw, case["question"], {k: str(v) for k, v in case.get("params", {}).items()}, on)
    if case.get("undetermined"):
        assert result.get("undetermined") is True, case["why"]
        assert result["answer"] is None
    else:
        assert "expect" in case
        assert not result.get("undetermined"), case["why"]
        assert result["answer"] == case["expect"], case["why"]
    assert result["reasons"], "every answer gives its reasons"
    for reason in result["reasons"]:
        assert reason["ja"].strip() and reason["en"].strip()
        assert reason["citations"], "every reason cites a source"
        for citation in reason["citations"]:
            assert fw[citation["source"]].kind == "source"
    for ent_id in result["in_force"]:
        assert ent_id in fw
    for ent_id in case.get("in_force", []):
        assert ent_id in result["in_force"], f"{ent_id} should decide: {case['why']}"
