"""Citations as a reader reads them: every page shows a source by its short name in the page's
language with the locator, linked to the source's page, its full label and id in `title`; the JSON
twins keep `{source, locator}`. English answers name places as they read inside a sentence ("the
Senkaku Islands"). The pack's own texts hold no ids."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from anpo.framework.framework import Framework
from anpo.framework.pack import default_pack_dir

PACK = default_pack_dir()
WP14 = "wp2014_alliance"
WP14_SHORT = {"ja": "平成26年版防衛白書", "en": "Defense of Japan 2014"}


def _cites(html: str) -> list[tuple[str, str, str]]:
    """(href, title, visible text) of every citation link of a page."""
    return re.findall(r'<a href="([^"]*)" title="([^"]*)" data-source="[^"]*">(\[[^<]*\])</a>', html)


def _shown(html: str, lang: str, source: str = WP14) -> list[tuple[str, str, str]]:
    found = [c for c in _cites(html) if c[0] == f"/entity/{source}"]
    assert found, f"no citation of {source} on the page"
    for _href, title, text in found:
        assert f"[{source}]" in title  # the id stays copyable
        assert source not in text  # …but is not what a reader reads
    return found


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_entity_page_shows_short_names_with_locators(client: Any, fw: Framework, lang: str) -> None:
    page = client.get("/entity/okinawa", params={"lang": lang})
    assert page.status_code == 200
    shown = _shown(page.text, lang)
    assert f"[{WP14_SHORT[lang]} 図表Ⅲ-2-2-5]" in [text for _, _, text in shown]
    assert all(title.startswith(fw[WP14].label.get(lang)) for _, title, _ in shown)
    # a source without a white-paper edition has its own short name too
    assert (
        "[沖縄返還協定（1971年） 第1条]" in page.text
        if lang == "ja"
        else "[Okinawa Reversion Agreement (1971) 第1条]" in page.text
    )
    assert f"[{WP14} " not in page.text  # the raw form is gone


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_ask_timeline_and_instruments_pages_show_short_names(client: Any, lang: str) -> None:
    asked = client.get(
        "/ask",
        params={"q": "treaty.article5_applies", "params": "place=senkaku_islands", "on": "2014-06-01", "lang": lang},
    )
    assert asked.status_code == 200
    assert f"[{WP14_SHORT[lang]} 5 2 日米首脳会談]" in [text for _, _, text in _shown(asked.text, lang)]
    for path in ("/timeline", "/instruments"):
        page = client.get(path, params={"lang": lang})
        assert page.status_code == 200
        assert any(text.startswith(f"[{WP14_SHORT[lang]} ") for _, _, text in _shown(page.text, lang)), path
        assert f"[{WP14} " not in page.text, path


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_work_page_shows_short_names(engine: Any, fw: Framework, lang: str) -> None:
    from fastapi.testclient import TestClient

    from anpo.web.app import create_app

    app = create_app(fw)
    app.state.work_engine = engine
    with TestClient(app) as c:
        page = c.get("/work/commitments", params={"on": "2024-01-01", "lang": lang})
    assert page.status_code == 200
    texts = [text for _, _, text in _cites(page.text)]
    assert texts and not any(re.match(r"\[(src_|wp\d)", t) for t in texts)
    assert any(t.startswith(f"[{WP14_SHORT[lang]}") or "防衛白書" in t or "Defense of Japan" in t for t in texts)


def test_an_unknown_source_is_shown_as_it_is(client: Any) -> None:
    from anpo.web.common import TEMPLATES, _sourcer

    fw = client.app.state.framework
    tpl = TEMPLATES.env.from_string('{% from "macros.html" import cites with context %}{{ cites(cs) }}')
    html = tpl.render(
        source_of=_sourcer(fw, "en"),
        cs=[{"source": "nowhere_2099", "locator": "p. 1"}, {"source": WP14, "locator": ""}],
    )
    assert '<span data-source="nowhere_2099">[nowhere_2099 p. 1]</span>' in html
    assert f'<a href="/entity/{WP14}" title="' in html and ">[Defense of Japan 2014]</a>" in html


def test_the_pages_scripts_show_json_citations_alike(client: Any) -> None:
    """The citations a page's script adds from a JSON answer (a booking's basis, an exercise's
    reasons) use the same short names, from the page's own inline script."""
    from anpo.web.common import TEMPLATES, _source_names

    fw = client.app.state.framework
    js = TEMPLATES.env.from_string('{% from "macros.html" import cite_js with context %}{{ cite_js() }}').render(
        source_names=lambda: _source_names(fw, "en")
    )
    assert '"Defense of Japan 2014"' in js and '"wp2014_alliance"' in js and "function cites(parent, citations)" in js
    for name in ("work_exercise.html", "work_facilities.html"):
        text = (Path(TEMPLATES.env.loader.searchpath[0]) / name).read_text()  # type: ignore[union-attr]
        assert "{{ cite_js() }}" in text and "c.source +" not in text, name


def test_json_twins_keep_source_ids_while_the_page_shows_names(client: Any) -> None:
    page = client.get(
        "/ask", params={"q": "treaty.article5_applies", "params": "place=senkaku_islands", "on": "2014-06-01"}
    )
    assert _shown(page.text, "en")
    answer = client.get("/api/ask/treaty.article5_applies", params={"place": "senkaku_islands", "on": "2014-06-01"})
    cites = [c for r in answer.json()["reasons"] for c in r["citations"]]
    assert {"source": WP14, "locator": "5 2 日米首脳会談"} in cites
    assert all(set(c) <= {"source", "locator", "quote"} for c in cites)
    ent = client.get("/api/entity/okinawa").json()
    assert any(c["source"] == WP14 for f in ent["facts"] for c in f["citations"])


def test_english_answers_name_places_with_the_article(client: Any) -> None:
    answer = client.get("/api/ask/treaty.article5_applies", params={"place": "senkaku_islands", "on": "2014-06-01"})
    body = answer.json()
    assert body["answer"] is True
    en = [r["en"] for r in body["reasons"]]
    assert "On 2014-06-01 the Senkaku Islands were under the administration of Japan." in en
    ja = [r["ja"] for r in body["reasons"]]
    assert "2014-06-01時点で尖閣諸島は日本国の施政下にありました。" in ja
    before = client.get("/api/ask/treaty.article5_applies", params={"place": "ogasawara_islands", "on": "1965-01-01"})
    assert any(
        "the Ogasawara (Bonin) Islands were under the administration of the United States" in r["en"]
        for r in before.json()["reasons"]
    )


# An id (`joint_use`, `src_mofa_acsa_2004_annex2`), a dotted question name or backticks in a text a
# reader reads. Allowed: none so far (add `(file, path): reason` here for a genuine exception).
ID_IN_TEXT = re.compile(r"`|[A-Za-z0-9]*_[A-Za-z0-9_]+|\b[a-z]+\.[a-z][a-z0-9_]+\b")
ALLOWED: dict[tuple[str, str], str] = {}


def _texts(node: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        if {"ja", "en"} <= set(node) and all(isinstance(node[k], str) for k in ("ja", "en")):
            for k in ("ja", "en"):
                yield f"{path}.{k}", node[k]
        for key, value in node.items():
            yield from _texts(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _texts(value, f"{path}[{i}]")


def pack_texts_with_ids(pack: Path) -> list[str]:
    found = []
    for file in sorted(pack.rglob("*.yaml")):
        rel = str(file.relative_to(pack))
        for path, text in _texts(yaml.safe_load(file.read_text(encoding="utf-8")), ""):
            hits = ID_IN_TEXT.findall(text)
            if hits and (rel, path) not in ALLOWED:
                found.append(f"{rel} {path}: {hits}")
    return found


def test_pack_texts_hold_no_ids(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text(
        '- id: a\n  note: {ja: "joint_use の事実", en: "see `a`"}\n  label: {ja: "甲", en: "A"}\n', encoding="utf-8"
    )
    assert len(pack_texts_with_ids(tmp_path)) == 2  # the check finds what it looks for
    assert pack_texts_with_ids(PACK) == []
