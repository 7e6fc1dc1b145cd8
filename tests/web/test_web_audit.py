"""The audit log on the web: `GET /api/audit` and the page `/audit` (administrators only, the
action `audit.read`). Entries of a record newest first, filters and pages, the marking rule on
every entry (party and clearance), refusals (401/403, audited), bad filters (4xx in both
languages), and the page in Japanese and English under the strict CSP."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from web_helpers import make_users

from anpo.framework.framework import Framework
from anpo.security.audit_read import build_query, read_entries
from anpo.security.markings import Levels
from anpo.security.principal import system_principal
from anpo.store.db import session_factory, transaction
from audit_history import write_history

Web = Callable[..., TestClient]
# administrators of each party (the app's own `admin` has none, and a public clearance)
ADMINS = {
    "kato": ("jpn", "secret", ("administrator",)),
    "brown": ("usa", "secret", ("administrator",)),
}


@pytest.fixture
def history(app: Any, engine: Any, fw: Framework) -> None:
    """The administrators above, and the history of a few records, one entry an hour from T0."""
    make_users(engine, fw, ADMINS)
    write_history(engine)


def _steps(response: Any) -> list[int]:
    assert response.status_code == 200, response.text
    return [e["detail"]["step"] for e in response.json()["entries"]]


def _log(engine: Any, fw: Framework, **filters: Any) -> list[dict[str, Any]]:
    """The log as the system reads it."""
    with transaction(session_factory(engine)) as s:
        return read_entries(s, Levels(fw), system_principal(), build_query(limit=1000, **filters)).entries


def test_a_records_entries_newest_first_with_who_did_what(web: Web, history: None) -> None:
    response = web("brown").get("/api/audit?record=case:c1")
    assert response.status_code == 200, response.text
    entries = response.json()["entries"]
    assert [(e["actor"], e["party"], e["action"]) for e in entries] == [
        ("sato", "jpn", "work.determination.write"),
        ("smith", "usa", "work.case.post"),
        ("sato", "jpn", "work.case.open"),
    ]
    assert entries[0]["at"] == "2024-06-10T16:00:00.000000+00:00" and entries[0]["record"] == {
        "type": "case",
        "id": "c1",
    }
    assert entries[0]["marking"]["banner_ja"] == "極秘//USA, JPN限り"
    assert response.headers["x-anpo-marking"] == "SECRET//REL TO USA, JPN"  # the response is marked as it holds


def test_filters_and_pages_give_every_entry_once(web: Web, history: None) -> None:
    kato = web("kato")
    assert _steps(kato.get("/api/audit?actor=smith&to=2024-06-10")) == [6, 5, 3, 1]
    assert _steps(kato.get("/api/audit?action=work.case.open")) == [2, 0]  # not c3: above a secret clearance
    assert _steps(kato.get("/api/audit?outcome=denied&record=case")) == [3]
    period = kato.get("/api/audit", params={"from": "2024-06-10T20:00+09:00", "to": "2024-06-10T12:00:00"})
    assert _steps(period) == [3, 2]
    steps: list[int] = []
    cursor: dict[str, Any] = {}
    pages = 0
    while True:
        page = kato.get("/api/audit", params={"record": "case", "limit": 2, **cursor})
        steps += _steps(page)
        pages += 1
        assert page.json()["count"] == len(page.json()["entries"]) <= 2
        if page.json()["next_cursor"] is None:
            break
        cursor = {"cursor": page.json()["next_cursor"]}
    assert steps == [7, 3, 2, 1, 0] and pages == 3


@pytest.mark.parametrize(
    ("user", "cases"),
    [("brown", ["c1"]), ("kato", ["c1", "c2"]), ("admin", [])],
    ids=["usa-secret", "jpn-secret", "no-party"],
)
def test_entries_about_records_the_reader_may_not_read_do_not_exist_for_them(
    web: Web, history: None, user: str, cases: list[str]
) -> None:
    """A U.S. administrator sees nothing of c2 (releasable to Japan only) nor of c3 (top secret,
    above their clearance), not even when asked for it; an administrator of no party sees only
    the entries about public records."""
    client = web(user)
    entries = client.get("/api/audit?to=2024-06-10&limit=1000").json()["entries"]
    assert sorted({e["record"]["id"] for e in entries if e["record"]["type"] == "case"}) == cases
    assert [e["detail"]["step"] for e in entries if e["record"]["type"] == "user"] == [6, 5]
    for case in ("c1", "c2", "c3"):
        asked = client.get(f"/api/audit?record=case:{case}")
        assert asked.status_code == 200 and bool(asked.json()["entries"]) == (case in cases), case
    page = client.get("/audit?to=2024-06-10&lang=en").text
    for case in ("c1", "c2", "c3"):
        assert (f"case:{case}" in page) == (case in cases), case
    assert ("極秘" in client.get("/audit?to=2024-06-10&lang=ja").text) == bool(cases)


def test_who_may_read_it_and_every_refusal_and_read_is_audited(
    web: Web, history: None, engine: Any, fw: Framework
) -> None:
    for user in ("sato", "reader"):  # a coordinator, a viewer: no role that reads the log
        client = web(user)
        refused = client.get("/api/audit")
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"] == {"ja": "権限がありません", "en": "not permitted"}
        assert client.get("/audit?lang=ja").status_code == 403
        # decided before the filters are read: a bad one changes nothing
        assert client.get("/api/audit?outcome=maybe&limit=0").status_code == 403
        assert 'data-testid="nav-audit"' not in client.get("/").text
    anonymous = web()
    assert anonymous.get("/api/audit").status_code == 401
    assert anonymous.get("/api/audit?cursor=x").status_code == 401
    sent = anonymous.get("/audit?record=case:c1", follow_redirects=False)
    assert sent.status_code == 303
    assert parse_qs(urlsplit(sent.headers["location"]).query)["next"] == ["/audit?record=case:c1"]
    denied = _log(engine, fw, action="audit.read", outcome="denied")
    assert [e["actor"] for e in denied] == ["anonymous"] * 3 + ["reader"] * 3 + ["sato"] * 3
    assert {e["record"]["type"] + ":" + e["record"]["id"] for e in denied} == {"audit_log:-"}
    # a read is audited too, with what was asked and marked as what it showed
    brown = web("brown")
    assert 'data-testid="nav-audit"' in brown.get("/").text
    assert brown.get("/api/audit?record=case:c1").status_code == 200
    (read,) = _log(engine, fw, action="audit.read", outcome="ok")
    assert read["actor"] == "brown" and read["detail"] == {
        "filters": {"record": "case:c1"},
        "cursor": None,
        "entries": 3,
    }
    assert read["marking"]["level"] == "secret" and read["marking"]["releasable_to"] == ["jpn", "usa"]
    # ... and shown to its reader as the newest entry
    assert brown.get("/api/audit?limit=1").json()["entries"][0]["action"] == "audit.read"


@pytest.mark.parametrize(
    ("query", "status", "ja", "en"),
    [
        ("record=:c1", 400, "TYPE または TYPE:ID", "use TYPE or TYPE:ID"),
        ("from=yesterday", 400, "「from」の「yesterday」を読めません", "from: cannot read 'yesterday'"),
        ("from=2024-06-11&to=2024-06-10", 400, "より前です", "is before its start"),
        ("outcome=maybe", 422, "'ok', 'denied'", "outcome: must be one of 'ok', 'denied'"),
        ("limit=0", 422, "limit", "limit: must be at least 1"),
        ("limit=5000", 422, "limit", "limit: must be at most 1000"),
        ("cursor=99999999999", 422, "cursor", "cursor: must be at most 2147483647"),
        ("cursor=x", 422, "cursor", "cursor: must be a whole number"),
    ],
)
def test_a_bad_filter_is_a_4xx_in_both_languages(web: Web, query: str, status: int, ja: str, en: str) -> None:
    admin = web("admin")
    response = admin.get(f"/api/audit?{query}")
    assert response.status_code == status, response.text
    assert ja in response.json()["error"]["ja"] and en in response.json()["error"]["en"], response.json()
    for lang, words in (("ja", ja), ("en", en)):
        page = admin.get(f"/audit?{query}&lang={lang}")
        assert page.status_code == status and words in page.text.replace("&#39;", "'"), page.text[-1500:]


def test_the_page_in_japanese_and_english(web: Web, history: None) -> None:
    kato = web("kato")
    ja = kato.get("/audit?record=case&to=2024-06-10&lang=ja")
    assert ja.status_code == 200
    assert "<h1>監査ログ</h1>" in ja.text and "日時（UTC）" in ja.text and "実行者" in ja.text
    row = re.search(r'<tr data-testid="audit-entry-\d+">(.*?)</tr>', ja.text, re.S)
    assert row and "2024-06-10 16:00:00" in row.group(1) and "work.determination.write" in row.group(1)
    assert "日本国" in row.group(1) and "成功" in row.group(1) and "極秘//USA, JPN限り" in row.group(1)
    assert "拒否" in ja.text  # the denied read of c2
    # the page's banner: what it shows combined (c1 is releasable to both, c2 to Japan only)
    assert 'data-testid="banner"' in ja.text and "極秘//JPN限り" in ja.text.split("<header>")[0]
    en = kato.get("/audit?record=case&to=2024-06-10&lang=en")
    assert "<h1>Audit log</h1>" in en.text and "Time (UTC)" in en.text and "Denied" in en.text
    assert "SECRET//REL TO JPN" in en.text.split("<header>")[0]
    assert en.headers["x-anpo-marking"] == "SECRET//REL TO JPN"
    # the strict CSP: no inline style or script on the page
    csp = en.headers["content-security-policy"]
    assert "style-src 'self';" in csp and "unsafe-inline" not in csp
    assert "<style" not in en.text and not re.search(r"\sstyle\s*=", en.text)
    assert not [s for s in re.findall(r"<script[^>]*>(.*?)</script>", en.text, re.S) if s.strip()]
    # the filter form keeps what was asked; older entries are a link away
    assert 'name="record" maxlength="200" value="case"' in en.text
    paged = kato.get("/audit?record=case&limit=2&lang=en")
    older = re.search(r'href="([^"]+)" data-testid="audit-older"', paged.text)
    assert older, paged.text[-2000:]
    nxt = kato.get(older.group(1).replace("&amp;", "&"))
    assert nxt.status_code == 200 and 'data-testid="audit-newest"' in nxt.text


def test_the_endpoint_is_described_in_openapi(web: Web) -> None:
    schema = web().get("/openapi.json").json()
    op = schema["paths"]["/api/audit"]["get"]
    assert "audit.read" in op["description"] and "administrators only" in op["description"]
    params = {p["name"]: p for p in op["parameters"]}
    assert set(params) == {"record", "actor", "action", "outcome", "from", "to", "limit", "cursor"}
    assert {"403", "401", "400"} <= set(op["responses"])
    assert "/audit" not in schema["paths"]
