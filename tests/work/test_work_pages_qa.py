"""A QA pass over the work pages, the audit log and the work CLI, on both backends: the after-action
report's own style allowed by its hash (and nothing else loosened), the exercise pages' marking
fields, labelled choices and scenario titles, the audit log in Japanese (actions, actors, detail,
era dates, times to the second; bad and repeated filters), the reason of a refused entry marking,
the CLI's Japanese words, and the booking warning's wording."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

CTL = {"x-anpo-work-token": "tok-ctl"}
JP = {"x-anpo-work-token": "tok-jpn"}
US = {"x-anpo-work-token": "tok-usa"}
ADMIN = {"x-anpo-work-token": "tok-admin"}
SCENARIO = "ballistic_missile_launch"


@pytest.fixture
def qclient(wclient: TestClient, person: Callable[..., Any]) -> TestClient:
    """The work app with, besides the work tests' tokens, an administrator of Japan (the audit log)."""
    state = wclient.app.state  # type: ignore[attr-defined]
    state.work_tokens = {**state.work_tokens, "tok-admin": person("kato", "jpn", "secret", "administrator")}
    return wclient


def _start(client: TestClient, marking: dict[str, Any] | None = None) -> str:
    body: dict[str, Any] = {"scenario": SCENARIO, "seed": 3}
    if marking is not None:
        body["marking"] = marking
    res = client.post("/api/work/exercises", json=body, headers=CTL)
    assert res.status_code == 201, res.text
    return str(res.json()["id"])


def _csp(response: Any) -> dict[str, str]:
    header = response.headers["content-security-policy"]
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in (p.strip() for p in header.split(";")) if part}


# -- 1. the after-action report's style --------------------------------------------------------------


def test_the_html_report_allows_exactly_its_own_style(qclient: TestClient) -> None:
    run = _start(qclient)
    report = qclient.get(f"/api/work/exercises/{run}/report?format=html", headers=CTL)
    assert report.status_code == 200, report.text
    [style] = re.findall(r"<style>(.*?)</style>", report.text, re.S)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert _csp(report)["style-src"] == f"'self' 'sha256-{digest}'"
    assert "unsafe-inline" not in report.headers["content-security-policy"]
    # the file is unchanged (standalone, its style inside), and the same run gives the same bytes
    again = qclient.get(f"/api/work/exercises/{run}/report?format=html", headers=CTL)
    assert again.content == report.content
    # no other response is loosened: the run's page and the report's JSON keep style-src 'self'
    for url in (f"/work/exercises/{run}", f"/api/work/exercises/{run}/report?format=json", "/work/exercises"):
        assert _csp(qclient.get(url, headers=CTL))["style-src"] == "'self'", url


# -- 2. the exercise pages ---------------------------------------------------------------------------


def test_the_start_form_has_the_marking_fields_and_a_run_started_marked_is_listed_by_title(
    qclient: TestClient,
) -> None:
    page = qclient.get("/work/exercises?lang=ja", headers=CTL).text
    assert 'name="marking_level" data-testid="start-marking"' in page
    assert '<option value="confidential">' in page and 'data-testid="start-releasable-usa"' in page
    assert "marking: marking(data)" in page  # the form sends it with the scenario and seed
    run = _start(qclient, {"level": "confidential", "releasable_to": ["jpn", "usa"]})
    listed = qclient.get("/api/work/exercises", headers=CTL).json()
    [row] = [r for r in listed["runs"] if r["id"] == run]
    assert row["marking"]["level"] == "confidential"
    title = next(s["title"] for s in listed["scenarios"] if s["id"] == SCENARIO)
    ja = qclient.get("/work/exercises?lang=ja", headers=CTL).text
    cell = re.search(rf'data-testid="run-scenario-{run}">(.*?)</td>', ja, re.S)
    assert cell is not None
    assert title["ja"] in cell.group(1) and SCENARIO not in cell.group(1) and "秘//" in cell.group(1)
    en = qclient.get("/work/exercises?lang=en", headers=CTL).text
    assert f'data-testid="run-scenario-{run}">{title["en"]} ' in en


def test_the_action_fields_offer_labels_with_ids_as_values(qclient: TestClient) -> None:
    run = _start(qclient)
    ja = qclient.get(f"/work/exercises/{run}?lang=ja", headers=CTL).text
    assert '<option value="armed_attack">武力攻撃事態</option>' in ja
    assert '<option value="ballistic_missile_warning">弾道ミサイルの警戒</option>' in ja
    assert '<option value="ship">艦艇</option>' in ja
    assert '<option value="high_seas">公海' in ja
    # no option of a datalist is an id alone any more
    for datalist in re.findall(r"<datalist.*?</datalist>", ja, re.S):
        assert not re.search(r'<option value="[^"]*">(?!\S)', datalist), datalist[:200]
    en = qclient.get(f"/work/exercises/{run}?lang=en", headers=CTL).text
    assert re.search(r'<option value="armed_attack">Armed attack[^<]*</option>', en)


# -- 3. the audit log --------------------------------------------------------------------------------


def test_the_audit_page_in_japanese_is_in_words(qclient: TestClient) -> None:
    qclient.get("/audit", headers=JP)  # a coordinator: denied, audited
    qclient.get("/api/audit")  # anonymous: denied, audited
    qclient.get("/api/audit?action=login", headers=ADMIN)  # a read with a filter: its detail
    page = qclient.get("/audit?lang=ja", headers=ADMIN)
    assert page.status_code == 200, page.text
    html = page.text
    actions = dict(re.findall(r'data-action="([^"]+)" title="[^"]+">([^<]*)</td>', html))
    assert actions["audit.read"] == "監査ログの閲覧"
    assert ">audit.read<" not in html and "<code>audit.read</code>" not in html
    assert "未ログインの利用者" in html and ">anonymous<" not in html
    assert "令和" in html  # the era date beside each time, as other pages show
    times = re.findall(r'<time datetime="[^"]+">([^<]+)</time>', html)
    assert times and all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", t) for t in times)
    details = re.findall(r'data-testid="audit-detail-\d+">([^<]*)</td>', html)
    assert any("絞り込み：action=login" in d and "件数：" in d for d in details), details
    assert not any("{" in d or '"' in d for d in details), details
    en = qclient.get("/audit?lang=en", headers=ADMIN).text
    assert ">audit log read</td>" in en and "anonymous (not logged in)" in en and "令和" not in en


def test_a_bad_limit_keeps_the_form_as_a_bad_date_does(qclient: TestClient) -> None:
    for query, status in (("limit=abc", 422), ("from=2026-13-01", 400), ("limit=0", 422)):
        page = qclient.get(f"/audit?{query}&lang=ja", headers=ADMIN)
        assert page.status_code == status, (query, page.text)
        assert 'data-testid="audit-filters"' in page.text and 'data-testid="audit-error"' in page.text, query
        assert 'data-testid="audit-entries"' not in page.text
    limit = qclient.get("/audit?limit=abc&lang=en", headers=ADMIN).text
    assert "limit" in re.search(r'data-testid="audit-error">([^<]+)<', limit).group(1)  # type: ignore[union-attr]
    assert 'value="abc"' in limit  # the form keeps what was sent, to correct it
    # a page not refused is unchanged
    assert qclient.get("/audit?limit=5&lang=ja", headers=ADMIN).status_code == 200


@pytest.mark.parametrize("url", ["/api/audit", "/audit"])
def test_a_repeated_filter_is_refused(qclient: TestClient, url: str) -> None:
    res = qclient.get(f"{url}?record=case:3&record=case:4", headers=ADMIN)
    assert res.status_code == 400, res.text
    if url.startswith("/api/"):
        assert res.json()["error"] == {
            "ja": "パラメータ「record」が2回以上指定されています",
            "en": "parameter 'record' is given more than once",
        }
    else:
        assert 'data-testid="audit-filters"' in res.text and "record" in res.text
    assert qclient.get(f"{url}?record=case:3&lang=ja", headers=ADMIN).status_code == 200
    # a name that is no filter (the page's own `lang`) is left alone, as before
    assert qclient.get(f"{url}?lang=ja&lang=en", headers=ADMIN).status_code == 200


def test_the_cli_audit_list_in_japanese(qclient: TestClient, cli: Any, db_url: str) -> None:
    qclient.get("/api/audit")  # anonymous: a denied audit.read
    out = cli.run("audit", "list", "--lang", "ja", "--url", db_url)
    assert out.exit_code == 0, out.output
    lines = out.stdout.splitlines()[1:]
    assert lines and not any(re.search(r"\d\d:\d\d:\d\d\.\d{6}", line) for line in lines), lines[:3]
    assert all(re.match(r"\d+  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC  ", line) for line in lines), lines[:3]
    denied = next(line for line in lines if "audit.read" in line)
    assert "未ログインの利用者" in denied and "監査ログの閲覧 [audit.read]" in denied and "拒否" in denied
    en = cli.run("audit", "list", "--url", db_url).stdout
    assert "anonymous (not logged in)  audit log read [audit.read]  Denied" in en


# -- 4. the reason of a refused entry marking ---------------------------------------------------------


def test_an_entry_not_releasable_to_the_posters_party_is_refused_with_the_reason(
    qclient: TestClient, engine: Any
) -> None:
    from sqlalchemy import text

    case = qclient.post(
        "/api/work/cases", json={"title": "Launch", "type": "missile_launch", "level": "bocc"}, headers=JP
    ).json()
    url = f"/api/work/cases/{case['id']}/entries"
    body = {"type": "message", "text": "hello", "marking": {"level": "confidential", "releasable_to": ["jpn"]}}
    res = qclient.post(url, json=body, headers=US)
    assert res.status_code == 403, res.text
    error = res.json()["error"]
    assert error != {"ja": "権限がありません", "en": "not permitted"}
    assert "own party (the United States)" in error["en"] and "Japan" in error["en"]
    assert "投稿する側の当事国（アメリカ合衆国）" in error["ja"] and "日本国" in error["ja"]
    with engine.connect() as conn:  # the refusal is still audited as a denied post
        denied = conn.execute(
            text("SELECT count(*) FROM audit_log WHERE action = 'work.case.post' AND outcome = 'denied'")
        ).scalar_one()
    assert denied == 1
    assert qclient.post(url, json=body, headers=JP).status_code == 201  # Japan's own may


def test_an_entry_below_or_wider_than_its_case_says_which(qclient: TestClient) -> None:
    secret_both = {"level": "secret", "releasable_to": ["jpn", "usa"]}
    case = qclient.post(
        "/api/work/cases",
        json={
            "title": "Launch",
            "type": "missile_launch",
            "level": "bocc",
            "marking": {"level": "confidential", "releasable_to": ["jpn"]},
        },
        headers=JP,
    ).json()
    url = f"/api/work/cases/{case['id']}/entries"
    low = qclient.post(url, json={"type": "message", "text": "x", "marking": {"level": "public"}}, headers=JP)
    assert low.status_code == 400 and "marked lower (Public) than its case (Confidential)" in low.json()["error"]["en"]
    wide = qclient.post(url, json={"type": "message", "text": "x", "marking": secret_both}, headers=JP)
    assert wide.status_code == 400, wide.text
    assert "releasable more widely" in wide.json()["error"]["en"] and "開示先" in wide.json()["error"]["ja"]


# -- 5. the CLI in Japanese ---------------------------------------------------------------------------


def test_commitments_list_in_words(engine: Any, cli: Any, db_url: str) -> None:
    ja = cli.run("commitments", "list", "--lang", "ja", "--url", db_url)
    assert ja.exit_code == 0, ja.output
    assert "[done late]" not in ja.stdout and "[done]" not in ja.stdout and " due " not in ja.stdout
    assert "[完了（期限後）]" in ja.stdout and " · 期限 " in ja.stdout
    en = cli.run("commitments", "list", "--url", db_url).stdout
    assert "[Done late]" in en and " · due " in en and "[done late]" not in en


def test_cases_show_in_words(qclient: TestClient, cli: Any, db_url: str) -> None:
    case = qclient.post(
        "/api/work/cases",
        json={"title": "Launch", "type": "missile_launch", "level": "bocc", "on": "2024-06-10"},
        headers=JP,
    ).json()
    posted = qclient.post(f"/api/work/cases/{case['id']}/entries", json={"type": "message", "text": "hi"}, headers=US)
    assert posted.status_code == 201, posted.text
    ja = cli.run("cases", "show", case["id"], "--lang", "ja", "--url", db_url)
    assert ja.exit_code == 0, ja.output
    out = ja.stdout
    assert "[opened]" not in out and "[message]" not in out and "[開始]" in out and "[連絡]" in out
    assert " usa " not in out and " jpn " not in out and "アメリカ合衆国 [連絡] hi" in out
    assert "{'" not in out and "→ True" not in out and "→ False" not in out
    assert "→ はい" in out and "[sdf.may_protect_assets]" in out and "弾道ミサイルの警戒" in out
    assert "T" not in out.split("\n")[2].split(" #")[0]  # the time as a date and a time
    en = cli.run("cases", "show", case["id"], "--url", db_url).stdout
    assert "[Opened]" in en and "United States of America [Message] hi" in en and "→ yes" in en and "{'" not in en


# -- 6. the booking warning's words -------------------------------------------------------------------


def test_the_booking_warning_names_anpos_sources_not_the_pack(qclient: TestClient) -> None:
    body = {"facility": "camp_hansen", "start": "2005-05-01T08:00", "end": "2005-05-03T17:00"}
    res = qclient.post("/api/work/bookings", json=body, headers=JP)
    assert res.status_code == 201, res.text
    [warning] = res.json()["warnings"]
    text = res.json()["basis"]["text"]
    for words in (warning, text):
        assert "パック" not in words["ja"] and "the pack" not in words["en"]
    assert "anpo の資料（白書など）に記録されていません" in warning["ja"]
    assert "recorded in anpo's sources" in warning["en"]
    assert "anpo の資料に記録されていません" in text["ja"]
    page = qclient.get("/work/facilities?lang=ja", headers=JP).text
    assert "anpo の資料（白書など）に記録されていません" in page and "パックに記録" not in page
