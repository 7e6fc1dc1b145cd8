"""A coordination case dated before the Alliance Coordination Mechanism existed (the 2015
Guidelines) is kept, since past coordination may need a record, but says so with citations: in
its JSON, on its page and in the CLI's text. On both backends."""

from __future__ import annotations

from typing import Any

import pytest

JP = {"x-anpo-work-token": "tok-jpn"}
OPEN = ("--title-ja", "事案", "--title-en", "Case", "--type", "missile_launch", "--level", "bocc")


def _open(wclient: Any, on: str) -> dict[str, Any]:
    body = {"title": "Launch", "type": "missile_launch", "level": "bocc", "on": on}
    res = wclient.post("/api/work/cases", json=body, headers=JP)
    assert res.status_code == 201, res.text
    return dict(res.json())


@pytest.mark.parametrize("on", ["1999-03-01", "2015-04-26"])
def test_a_case_before_the_2015_guidelines_warns_that_there_was_no_acm(wclient: Any, on: str) -> None:
    case = _open(wclient, on)
    [warning] = case["warnings"]
    assert "Alliance Coordination Mechanism" in warning["en"] and on in warning["en"]
    assert "同盟調整メカニズム" in warning["ja"] and "共同運用調整所（BOCC）" in warning["ja"]
    sources = {c["source"] for c in warning["citations"]}
    assert "src_guidelines_2015" in sources  # where the ACM comes from
    assert len(sources) >= 2  # and what the Guidelines in force on that date said
    shown = wclient.get(f"/api/work/cases/{case['id']}", headers=JP).json()
    assert shown["warnings"] == case["warnings"]


def test_a_case_under_the_2015_guidelines_has_no_warning(wclient: Any) -> None:
    assert _open(wclient, "2015-04-27")["warnings"] == []
    assert _open(wclient, "2024-06-10")["warnings"] == []


def test_the_case_page_shows_the_warning_in_each_language(wclient: Any) -> None:
    early, late = _open(wclient, "2010-01-15")["id"], _open(wclient, "2024-06-10")["id"]
    en = wclient.get(f"/work/cases/{early}?lang=en", headers=JP).text
    ja = wclient.get(f"/work/cases/{early}?lang=ja", headers=JP).text
    assert 'data-testid="case-warning"' in en and "provided no Alliance Coordination Mechanism" in en
    assert "同盟調整メカニズム（ACM）がありません" in ja
    assert 'data-testid="case-warning"' not in wclient.get(f"/work/cases/{late}?lang=en", headers=JP).text


def test_the_cli_prints_the_warning_under_the_new_id(cli: Any, engine: Any, db_url: str) -> None:
    opened = cli.run("cases", "open", *OPEN, "--on", "2012-08-01", "--url", db_url)
    assert opened.exit_code == 0, opened.stdout
    case_id, warning = opened.stdout.strip().splitlines()
    assert case_id.startswith("case_") and warning.startswith("! ") and "2012-08-01" in warning
    shown = cli.run("cases", "show", case_id, "--lang", "ja", "--url", db_url)
    assert "同盟調整メカニズム" in shown.stdout
    later = cli.run("cases", "open", *OPEN, "--on", "2016-08-01", "--url", db_url)
    assert later.stdout.strip().startswith("case_") and "!" not in later.stdout
