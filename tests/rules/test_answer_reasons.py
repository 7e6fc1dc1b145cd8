"""An answer states each reason once, however many facts carry it."""

from __future__ import annotations

import datetime as dt

import pytest

from anpo.framework.framework import Framework
from anpo.rules.core import ask


@pytest.mark.parametrize("on", [dt.date(1985, 6, 1), dt.date(1990, 12, 26)])
def test_a_note_shared_by_two_members_is_one_reason(fw: Framework, on: dt.date) -> None:
    """Both U.S. members of the SCC before 27 December 1990 carry the same note on the date of
    the change (note 1 of the white paper's table); it was given twice."""
    answer = ask(fw, "consult.members", {"body": "scc", "side": "usa"}, on)
    texts = [r["en"] for r in answer["reasons"]]
    assert len(texts) == len(set(texts)), texts
    assert sum("26 December 1990" in t for t in texts) == 1, texts
    assert answer["answer"] == ["usa_ambassador_to_japan", "usa_commander_pacific_command"]
