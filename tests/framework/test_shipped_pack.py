"""The shipped Japan-U.S. pack: loads clean, cites everything, and says what the tables say."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from anpo.framework.framework import Framework
from anpo.framework.loader import load_pack
from anpo.framework.pack import default_pack_dir, load_cached
from anpo.framework.views import bodies_on

SEED_SOURCES = (
    "wp2014_alliance",
    "wp2017_consultations",
    "wp2018_significance",
    "wp2024_overview",
    "wp2024_deterrence",
)


def test_the_shipped_pack_loads_with_no_problem() -> None:
    fw, problems = load_pack(default_pack_dir())
    assert [str(p) for p in problems] == []
    assert fw is not None and len(fw) > 100


def test_every_seed_is_a_source_and_is_cited(fw: Framework) -> None:
    cited = {c.source for e in fw.entities() for c in (*e.citations, *(c for f in e.facts for c in f.citations))}
    for source in SEED_SOURCES:
        assert fw[source].kind == "source"
        assert source in cited


def test_the_cache_returns_the_same_framework(tmp_path: Path, monkeypatch: object) -> None:
    import os

    os.environ["ANPO_CACHE_DIR"] = str(tmp_path)
    try:
        first = load_cached(default_pack_dir())
        assert list(tmp_path.glob("pack-*.pickle"))
        second = load_cached(default_pack_dir())
        assert sorted(e.id for e in first.entities()) == sorted(e.id for e in second.entities())
        assert second["scc"] == first["scc"]
    finally:
        del os.environ["ANPO_CACHE_DIR"]


def _members(fw: Framework, on: dt.date) -> dict[tuple[str, str], set[str]]:
    out = {}
    for body in bodies_on(fw, on):
        for side in ("jpn", "usa"):
            labels = {m["label"]["ja"] for m in body["members"][side]}
            labels |= {n["text"]["ja"] for n in body["membership_notes"][side]}
            out[(body["id"], side)] = labels
    return out


def test_2014_and_2024_tables_differ_exactly_where_the_editions_do(fw: Framework) -> None:
    then = _members(fw, dt.date(2014, 7, 1))
    now = _members(fw, dt.date(2024, 7, 1))
    assert set(then) == set(now) == {(b, s) for b in ("scc", "ssc", "sdc", "jc") for s in ("jpn", "usa")}
    changed = {key for key in then if then[key] != now[key]}
    assert changed == {("sdc", "jpn"), ("sdc", "usa"), ("jc", "jpn")}
    # SDC, Japan: the Operational Policy Bureau's Director General is in 2014's table, not 2024's.
    assert any("運用" in label for label in then[("sdc", "jpn")])
    assert not any("運用" in label for label in now[("sdc", "jpn")])
    # SDC, U.S.: Pacific Command became Indo-Pacific Command (2018).
    assert any("太平洋軍" in label and "インド" not in label for label in then[("sdc", "usa")])
    assert any("インド太平洋軍" in label for label in now[("sdc", "usa")])
    # Joint Committee, Japan: the Local Cooperation Bureau's Director General, then its Deputy.
    assert any("地方協力局長" in label for label in then[("jc", "jpn")])
    assert any("地方協力局次長" in label for label in now[("jc", "jpn")])


def test_the_defense_agency_became_a_ministry_in_2007(fw: Framework) -> None:
    before = fw["jpn_minister_of_defense"].label_on(dt.date(2006, 12, 1))
    after = fw["jpn_minister_of_defense"].label_on(dt.date(2007, 1, 9))
    assert "防衛庁長官" in before.ja and after.ja == "防衛大臣"


def test_a_broken_copy_lists_all_three_problems(tmp_path: Path) -> None:
    """Acceptance: a broken date, a dangling id and a missing English label, each with file and line."""
    copy = tmp_path / "japan_us"
    shutil.copytree(default_pack_dir(), copy)
    files = sorted(copy.rglob("*.yaml"))
    targets = [files[0], files[len(files) // 2], files[-1]]
    additions = [
        "- id: broken_date\n  kind: place\n  label: {ja: 壊れた日付, en: Broken date}\n  cite: wp2014_alliance x\n  from: 1972-02-30\n",
        "- id: dangling\n  kind: place\n  label: {ja: 参照先なし, en: Dangling}\n  cite: wp2014_alliance x\n  facts:\n    - administered_by: atlantis\n",
        "- id: no_english\n  kind: place\n  label: {ja: 英語なし}\n  cite: wp2014_alliance x\n",
    ]
    expected_lines = []
    for path, extra in zip(targets, additions, strict=True):
        text = path.read_text(encoding="utf-8").rstrip("\n") + "\n"
        start = text.count("\n") + 1
        path.write_text(text + extra, encoding="utf-8")
        expected_lines.append(start)
    from typer.testing import CliRunner

    from anpo.cli import app

    result = CliRunner().invoke(app, ["check", str(copy)])
    assert result.exit_code == 2
    out = result.stdout
    assert f"{targets[0]}:{expected_lines[0] + 4}: bad date '1972-02-30'" in out
    assert f"{targets[1]}:{expected_lines[1] + 5}: refers to 'atlantis', which does not exist" in out
    assert (
        f"{targets[2]}:{expected_lines[2] + 2}: a label or text needs both Japanese (ja) and English (en): en missing"
        in out
    )
    assert len([line for line in out.splitlines() if line.strip()]) == 3
