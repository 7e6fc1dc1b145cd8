"""Runs the YAML cases of the framework's questions: each answer, its reasons and citations."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from anpo.framework.framework import Framework
from anpo.rules.core import ask

CASES = [
    pytest.param(case, id=f"{case['question']}-{'-'.join(map(str, case.get('params', {}).values()))}-{case['date']}")
    for path in sorted((Path(__file__).parent / "cases").glob("*.yaml"))
    for case in yaml.safe_load(path.read_text(encoding="utf-8"))
]


def normalise(value: Any) -> Any:
    return sorted(value) if isinstance(value, list) else value


@pytest.mark.parametrize("case", CASES)
def test_case(fw: Framework, case: dict[str, Any]) -> None:
    on = case["date"] if isinstance(case["date"], dt.date) else dt.date.fromisoformat(case["date"])
    result = ask(fw, case["question"], {k: str(v) for k, v in case.get("params", {}).items()}, on)
    assert normalise(result["answer"]) == normalise(case["expect"]), case["why"]
    assert not result.get("undetermined")
    assert result["reasons"], "every answer gives its reasons"
    for reason in result["reasons"]:
        assert reason["ja"].strip() and reason["en"].strip()
    cited = [c for r in result["reasons"] for c in r["citations"]]
    assert cited, "every answer cites its sources"
    for citation in cited:
        assert fw.get(citation["source"]) is not None and fw[citation["source"]].kind == "source"
