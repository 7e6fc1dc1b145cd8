"""The shipped Japan-U.S. pack: loads clean, cites everything, and says what the tables say."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import unicodedata
from pathlib import Path

import pytest

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
SEED_DIR = Path(__file__).parents[3] / "shared" / "seeds"
SEED_FILES = {
    "wp2014_alliance": "wp2014-alliance-strengthening.txt",
    "wp2017_consultations": "wp2017-policy-consultations.txt",
    "wp2018_significance": "wp2018-alliance-significance.txt",
    "wp2024_overview": "wp2024-alliance-overview.txt",
    "wp2024_deterrence": "wp2024-deterrence-and-response.txt",
}
# The footnotes each seed chapter has (read from the texts).
SEED_FOOTNOTES = {
    "wp2014_alliance": set(range(1, 17)),
    "wp2017_consultations": {8, 9, 10},
    "wp2018_significance": set(),
    "wp2024_overview": {1},
    "wp2024_deterrence": {1, 2},
}
# Headings of the 2024 overview and their numbers (subsection, then item), as the locators give them.
OVERVIEW_NUMBERS = {
    "わが国の平和と安全の確保": "1 1",
    "わが国の周辺地域の平和と安定の確保": "1 2",
    "日米防衛協力のための指針（ガイドライン）の内容": "2",
    "日米間の政策協議": "3",
    "最近行われた日米首脳会談": "3 1",
    "最近行われた日米防衛相会談": "3 2",
}
NUMBERING = re.compile(r"^(\(?[0-9]+\)?|\(?[ア-ン]\)?|[①-⑳]|第[0-9]+節|全体|写真説明)$")


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


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _seed_citations(fw: Framework) -> list[tuple[str, str, str]]:
    return [
        (e.id, c.source, c.locator)
        for e in fw.entities()
        for c in (*e.citations, *(c for f in e.facts for c in f.citations))
        if c.source in SEED_FILES
    ]


def test_seed_locators_name_what_the_seed_contains(fw: Framework) -> None:
    """Every word of a locator into a seed (a heading, table or note) is in that seed; footnotes exist."""
    if not SEED_DIR.is_dir():
        # a checkout without the project's shared/ beside it (CI always has it): no text to check against
        pytest.skip(
            f"the white-paper seeds are not beside the checkout ({SEED_DIR}); nothing to check locators against"
        )
    texts = {s: _flat((SEED_DIR / name).read_text(encoding="utf-8")) for s, name in SEED_FILES.items()}
    wrong = []
    for ent, source, locator in _seed_citations(fw):
        for word in locator.split():
            flat = _flat(word)
            footnote = re.fullmatch(r"脚注([0-9]+)", flat)
            if footnote:
                if int(footnote.group(1)) not in SEED_FOOTNOTES[source]:
                    wrong.append((ent, source, locator))
            elif not NUMBERING.match(flat) and flat not in texts[source]:
                wrong.append((ent, source, locator))
    assert wrong == []


def test_locators_into_the_2024_overview_number_its_headings_rightly(fw: Framework) -> None:
    """The Guidelines heading is item 2 of Section 1, not under its first item (formerly "1 2 …")."""
    wrong = [
        (ent, locator)
        for ent, source, locator in _seed_citations(fw)
        if source == "wp2024_overview"
        for heading, number in OVERVIEW_NUMBERS.items()
        if heading in locator and not locator.startswith(f"{number} {heading}")
    ]
    assert wrong == []
    cites = {f"{c.source} {c.locator}" for c in fw["guidelines_2015"].citations}
    assert "wp2024_overview 2 日米防衛協力のための指針（ガイドライン）の内容" in cites


def test_the_2014_edition_is_cited_where_it_speaks_of_the_gray_zone_and_cyberspace(fw: Framework) -> None:
    """Its gray-zone and cyberspace passages are in Section 4 (direction of the alliance), items 1 and 2."""
    assert "wp2014_alliance 4 同盟強化の方向性 1" in {f"{c.source} {c.locator}" for c in fw["gray_zone"].citations}
    assert "wp2014_alliance 4 同盟強化の方向性 2" in {f"{c.source} {c.locator}" for c in fw["cyber"].citations}


def _outcomes(fw: Framework, meeting: str) -> set[str]:
    return {f.value.get("id") for f in fw.facts(meeting, "outcome")}


def test_the_acsa_signature_is_welcomed_only_after_it_was_signed(fw: Framework) -> None:
    """The 2017 edition reports the 16 Sep and 7 Dec 2016 meetings together; the ACSA was signed on 26 Sep."""
    signed = fw.value("acsa_2016", "signed", dt.date(2017, 4, 25))
    assert signed == dt.date(2016, 9, 26)
    assert "acsa_acm" not in _outcomes(fw, "dmm_2016_09_16")
    assert "acsa_acm" in _outcomes(fw, "dmm_2016_12_07")
    for meeting in fw.of_kind("meeting"):
        for fact in fw.facts(meeting.id, "outcome"):
            if "ACSAへの署名" in fact.value.get("text").ja:
                held = fw.value(meeting.id, "date", dt.date(2024, 7, 1))
                assert held >= signed, (meeting.id, held)
    assert "ev_2016_09_16_acm_use" not in fw
    assert fw.value("ev_2016_12_07_acm_use", "date", dt.date(2024, 7, 1)) == dt.date(2016, 12, 7)


def test_the_joint_integrated_exercise_is_a_command_post_or_a_field_exercise(fw: Framework) -> None:
    """2014 edition: おおむね毎年指揮所演習または実動演習 — either kind each year, not an alternation."""
    summary = fw.value("jpn_us_joint_integrated_exercise", "summary", dt.date(2014, 7, 1))
    assert "指揮所演習または実動演習" in summary.ja
    assert "alternating" not in summary.en and "command-post or a field exercise" in summary.en
