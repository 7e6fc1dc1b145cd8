"""The chain of provisions behind an answer: each instrument or provision with its period and sources."""

from __future__ import annotations

import datetime as dt
from typing import Any

from anpo.framework.framework import Framework


def explain(fw: Framework, result: dict[str, Any]) -> list[dict[str, Any]]:
    """Each step is named as it was on the answer's date (the 1999 Act is the Important Influence
    Situations Act from 29 March 2016) and cites, besides its own sources, those of that name; only
    sources that existed on that date (`Framework.citations_on`)."""
    on = dt.date.fromisoformat(result["on"])
    steps = []
    for ent_id in result.get("in_force", []):
        ent = fw.get(ent_id)
        if ent is None:
            continue
        citations = fw.citations_on(ent.citations + fw.name_citations(ent.id, on), on)
        steps.append(
            {
                "id": ent.id,
                "kind": ent.kind,
                "label": ent.label_on(on).as_json(),
                **ent.period.as_json(),
                "citations": [c.as_json() for c in citations],
            }
        )
    return steps
