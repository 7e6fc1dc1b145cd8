"""The chain of provisions behind an answer: each instrument or provision with its period and sources."""

from __future__ import annotations

from typing import Any

from anpo.framework.framework import Framework


def explain(fw: Framework, result: dict[str, Any]) -> list[dict[str, Any]]:
    steps = []
    for ent_id in result.get("in_force", []):
        ent = fw.get(ent_id)
        if ent is None:
            continue
        steps.append(
            {
                "id": ent.id,
                "kind": ent.kind,
                "label": ent.label.as_json(),
                **ent.period.as_json(),
                "citations": [c.as_json() for c in ent.citations],
            }
        )
    return steps
