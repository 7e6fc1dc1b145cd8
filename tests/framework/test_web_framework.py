"""The framework's pages and their JSON twins, in-process."""

from __future__ import annotations

from typing import Any


def test_api_ask_returns_exactly_what_the_cli_returns(client: Any, cli: Any) -> None:
    api = client.get("/api/ask/consult.members", params={"body": "scc", "side": "usa", "on": "1985-06-01"})
    assert api.status_code == 200
    assert api.json() == cli.json("ask", "consult.members", "body=scc", "side=usa", "--on", "1985-06-01")


def test_api_bad_parameter_is_a_400_with_the_reason(client: Any) -> None:
    r = client.get("/api/ask/treaty.article5_applies", params={"place": "atlantis"})
    assert r.status_code == 400
    assert "okinawa" in r.json()["error"]["en"] and r.json()["error"]["ja"]
    r = client.get("/api/bodies", params={"on": "2014-02-30"})
    assert r.status_code == 400 and "YYYY-MM-DD" in r.json()["error"]["en"]
    assert client.get("/api/entity/atlantis").status_code == 404


def test_bodies_page_in_both_languages_with_its_json_twin(client: Any) -> None:
    ja = client.get("/bodies", params={"on": "1985-06-01", "lang": "ja"})
    en = client.get("/bodies", params={"on": "1985-06-01", "lang": "en"})
    assert ja.status_code == en.status_code == 200
    assert "駐日米国大使" in ja.text or "大使" in ja.text
    assert "Security Consultative Committee" in en.text and "Pacific Command" in en.text
    assert 'href="/api/bodies?on=1985-06-01"' in en.text
    twin = client.get("/api/bodies", params={"on": "1985-06-01"}).json()
    assert twin["on"] == "1985-06-01" and twin["on_era"] == "昭和60年6月1日"


def test_timeline_entity_and_ask_pages_render(client: Any) -> None:
    assert "1972" in client.get("/timeline", params={"start": "1972-01-01", "end": "1972-12-31"}).text
    page = client.get("/entity/okinawa", params={"lang": "en"})
    assert page.status_code == 200 and "Okinawa" in page.text
    asked = client.get("/ask", params={"q": "treaty.article5_applies", "params": "place=okinawa", "on": "1970-01-01"})
    assert asked.status_code == 200 and 'data-testid="answer-value">false<' in asked.text
    bad = client.get("/ask", params={"q": "treaty.article5_applies", "params": "place=atlantis"})
    assert bad.status_code == 200 and "atlantis" in bad.text and 'role="alert"' in bad.text
    missing = client.get("/entity/atlantis", params={"lang": "en"})
    assert missing.status_code == 404 and "atlantis" in missing.text
