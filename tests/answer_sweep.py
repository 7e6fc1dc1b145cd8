"""What the answer sweeps share: every combination of a question's parameters, the dates on which
the wording and spelling tests ask every question (one in each era of the arrangements: before the
1960 treaty, the 1978 and 1997 Guidelines, the 1999 and 2015 laws), and their English reasons."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator

from anpo.framework.framework import Framework
from anpo.rules.core import ParamError, Question, all_questions, ask

DATES = tuple(
    dt.date.fromisoformat(d)
    for d in (
        "1955-01-01",
        "1960-06-23",
        "1990-01-01",
        "1997-01-01",
        "2000-01-01",
        "2005-01-01",
        "2014-07-01",
        "2016-06-01",
        "2023-01-12",
        "2024-01-01",
    )
)


def param_combinations(fw: Framework, q: Question) -> list[dict[str, str]]:
    """Every combination of the question's parameter values (a free value left to its default)."""
    choices = [p.allowed(fw) or (p.default,) for p in q.params]
    return [
        {p.name: v for p, v in zip(q.params, combo, strict=True) if v is not None}
        for combo in itertools.product(*choices)
    ]


def english_reasons(fw: Framework, name: str) -> Iterator[tuple[str, str]]:
    """(where, text) of every English reason of question `name`, over every combination of its
    parameters and DATES; `where` names the parameters and the date."""
    q = next(q for q in all_questions() if q.name == name)
    for params in param_combinations(fw, q):
        for on in DATES:
            try:
                result = ask(fw, name, params, on)
            except ParamError:
                continue
            for reason in result["reasons"]:
                yield f"{params} @ {on}", reason["en"]
