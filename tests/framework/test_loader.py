"""The loader reports every problem at once, each with its file and line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from anpo.framework.loader import load_pack

SOURCE = """
- id: src
  kind: source
  label: {ja: 出典, en: Source}
  cite: src self
"""


def write_pack(tmp_path: Path, **files: str) -> Path:
    root = tmp_path / "pack"
    root.mkdir()
    (root / "00_sources.yaml").write_text(textwrap.dedent(SOURCE), encoding="utf-8")
    for name, text in files.items():
        (root / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def problems_of(root: Path) -> list[tuple[str, int, str]]:
    fw, problems = load_pack(root)
    assert (fw is None) == bool(problems)
    return [(Path(p.file).name, p.line, p.message.en) for p in problems]


def test_a_valid_pack_loads_with_its_facts(tmp_path: Path) -> None:
    root = write_pack(
        tmp_path,
        parties="""
        - id: jpn
          kind: party
          label: {ja: 日本, en: Japan}
          cite: src p1
        - id: okinawa
          kind: place
          label: {ja: 沖縄, en: Okinawa}
          cite: src p2
          facts:
            - administered_by: jpn
              from: 1972-05-15
        """,
    )
    fw, problems = load_pack(root)
    assert problems == []
    assert fw is not None
    import datetime as dt

    assert fw.value("okinawa", "administered_by", dt.date(1972, 5, 15)).id == "jpn"
    assert fw.value("okinawa", "administered_by", dt.date(1972, 5, 14)) is None
    assert fw["okinawa"].facts[0].citations[0].locator == "p2"


def test_every_kind_of_problem_is_reported_with_file_and_line(tmp_path: Path) -> None:
    root = write_pack(
        tmp_path,
        a="""
        - id: jpn
          kind: party
          label: {ja: 日本, en: Japan}
          cite: src p1
          colour: red
        - id: place_one
          kind: place
          label: {ja: 場所}
          cite: src p1
        """,
        b="""
        - id: place_two
          kind: place
          label: {ja: 場所2, en: Place 2}
          cite: src p1
          facts:
            - administered_by: nowhere
            - summary: {ja: 要約, en: Summary}
              from: 2000-01-01
              to: 1999-01-01
            - administered_by: jpn
              from: 1990-02-30
        - id: Bad-Id
          kind: place
          label: {ja: x, en: x}
          cite: src p1
        - id: jpn
          kind: wombat
          label: {ja: x, en: x}
        """,
    )
    found = problems_of(root)
    lines = {(f, line) for f, line, _ in found}
    messages = " | ".join(m for _, _, m in found)
    assert ("a.yaml", 6) in lines and "unknown key 'colour'" in messages
    assert ("a.yaml", 9) in lines and "en missing" in messages
    assert ("b.yaml", 7) in lines and "refers to 'nowhere', which does not exist" in messages
    assert ("b.yaml", 10) in lines and "is not after its start" in messages
    assert ("b.yaml", 12) in lines and "bad date" in messages
    assert ("b.yaml", 13) in lines and "lowercase snake_case" in messages
    assert ("b.yaml", 18) in lines and "unknown kind 'wombat'" in messages


def test_overlapping_single_valued_facts_are_an_error(tmp_path: Path) -> None:
    root = write_pack(
        tmp_path,
        a="""
        - id: jpn
          kind: party
          label: {ja: 日本, en: Japan}
          cite: src p
        - id: usa
          kind: party
          label: {ja: 米国, en: United States}
          cite: src p
        - id: isle
          kind: place
          label: {ja: 島, en: Isle}
          cite: src p
          facts:
            - administered_by: usa
              to: 1972-05-16
            - administered_by: jpn
              from: 1972-05-15
        """,
    )
    found = problems_of(root)
    assert [(f, line) for f, line, _ in found] == [("a.yaml", 17)]
    assert "overlaps in time with the fact at" in found[0][2] and "a.yaml:15" in found[0][2]


def test_same_member_twice_at_once_overlaps_but_two_members_do_not(tmp_path: Path) -> None:
    root = write_pack(
        tmp_path,
        a="""
        - id: minister
          kind: position
          label: {ja: 大臣, en: Minister}
          cite: src p
        - id: envoy
          kind: position
          label: {ja: 大使, en: Envoy}
          cite: src p
        - id: club
          kind: body
          label: {ja: 会, en: Club}
          cite: src p
          facts:
            - member: minister
            - member: envoy
            - member: minister
              from: 2000-01-01
        """,
    )
    assert [(f, line) for f, line, _ in problems_of(root)] == [("a.yaml", 17)]


def test_fact_needs_a_citation_and_refs_must_have_the_right_kind(tmp_path: Path) -> None:
    root = write_pack(
        tmp_path,
        a="""
        - id: club
          kind: body
          label: {ja: 会, en: Club}
          facts:
            - member: src
        - id: other
          kind: body
          label: {ja: 会2, en: Club 2}
          cite: club p3
        """,
    )
    messages = {(line, m) for _, line, m in problems_of(root)}
    assert any(line == 6 and "fact without a citation" in m for line, m in messages)
    assert any(line == 6 and "'src' is a source, but position / organisation is expected" in m for line, m in messages)
    assert any(line == 10 and "citation source 'club' is not an entity of kind source" in m for line, m in messages)


def test_duplicate_ids_and_keys_and_yaml_syntax(tmp_path: Path) -> None:
    root = write_pack(
        tmp_path,
        a="""
        - id: src
          kind: party
          kind: party
          label: {ja: x, en: x}
          cite: src p
        """,
        b="""
        - id: broken
          label: [unclosed
        """,
    )
    found = problems_of(root)
    assert ("a.yaml", 4, "duplicate key 'kind'") in found
    assert any(f == "a.yaml" and line == 2 and "also defined at" in m for f, line, m in found)
    assert any(f == "b.yaml" and "YAML syntax error" in m for f, _, m in found)


@pytest.mark.parametrize(
    ("text", "line", "ja", "en"),
    [
        (
            "- id: a\n  label: b: c\n",
            2,
            "ここに「キー: 値」は書けません",
            "mapping values are not allowed in this context",
        ),
        (
            "- id: a\n  label: [unclosed\n",
            3,
            "「,」か「]」があるべきところにありません",
            "did not find expected ',' or ']'",
        ),
        ("- id: a\n\t- b\n", 2, "字下げにタブ文字は使えません", "found a tab character that violates indentation"),
        ("- id: a\n  label: @b\n", 2, "ここに書けない文字があります", "found character that cannot start any token"),
        ("- id: a\n  label: *nowhere\n", 2, "定義されていない別名", "found undefined alias"),
    ],
)
def test_a_yaml_syntax_error_reads_in_japanese_with_pyyaml_words_beside(
    tmp_path: Path, text: str, line: int, ja: str, en: str
) -> None:
    """PyYAML words its problems in English only: `anpo check --lang ja` said
    「YAMLの構文エラー: mapping values are not allowed in this context」."""
    (tmp_path / "a.yaml").write_text(text, encoding="utf-8")
    fw, problems = load_pack(tmp_path)
    assert fw is None and len(problems) == 1
    (p,) = problems
    assert p.line == line
    assert p.message.en == f"YAML syntax error: {en}"
    assert p.message.ja.startswith("YAMLの構文エラー: ")
    assert ja in p.message.ja and p.message.ja.endswith(f" [{en}]")


def test_a_file_that_is_not_utf8_or_cannot_be_read_is_a_problem_with_its_line(tmp_path: Path) -> None:
    """A byte that is not UTF-8 in a pack file was a traceback (`anpo check`, `anpo db init`): it is
    a problem at the line of the first such byte, and the other files are still checked."""
    root = write_pack(tmp_path, a="- id: x\n  kind: party\n  label: {ja: x, en: x}\n  cite: nope p\n")
    (root / "b.yaml").write_bytes("- id: y\n  kind: party\n  label: {ja: 甲, en: y}\n".encode() + b"  cite: \xff\n")
    (root / "c.yaml").mkdir()
    found = problems_of(root)
    assert ("b.yaml", 4, "a byte that is not UTF-8 (0xff)") in found
    assert any(f == "c.yaml" and line == 1 and m.startswith("cannot read the file") for f, line, m in found)
    assert any(f == "a.yaml" and "does not exist" in m for f, _, m in found)


def test_problem_messages_exist_in_japanese_too(tmp_path: Path) -> None:
    root = write_pack(tmp_path, a="- id: x\n  kind: party\n  label: {ja: x, en: x}\n  cite: nope p\n")
    _, problems = load_pack(root)
    assert problems and "存在しません" in problems[0].message.ja


def test_an_item_that_is_not_a_mapping_is_reported_at_its_own_line(tmp_path: Path) -> None:
    root = write_pack(
        tmp_path,
        a="""
        - id: jpn
          kind: party
          label: {ja: 日本, en: Japan}
          cite: src p1
          names:
            - label: {ja: 日本国, en: State of Japan}
            - just a string
          facts:
            - summary: {ja: 要約, en: Summary}
            - 42
        - a record that is a string
        """,
    )
    found = problems_of(root)
    not_mappings = sorted((f, line) for f, line, m in found if "mapping" in m)
    assert not_mappings == [("a.yaml", 8), ("a.yaml", 11), ("a.yaml", 12)]


def test_a_pack_commitment_may_be_owned_by_what_a_users_commitment_may(tmp_path: Path) -> None:
    """The pack's commitments took four kinds of owner where users' took six: a commitment tasking
    the ACM or an office could be recorded by a user but not shipped in a pack. One list now."""
    from anpo.work.consultations import OWNER_KINDS

    assert {"mechanism", "position"} <= set(OWNER_KINDS)
    root = write_pack(
        tmp_path,
        a="""
        - id: acm
          kind: mechanism
          label: {ja: 同盟調整メカニズム, en: Alliance Coordination Mechanism}
          cite: src p1
        - id: a_source
          kind: source
          label: {ja: 出典2, en: Source 2}
          cite: src p1
        - id: tasked_acm
          kind: commitment
          label: {ja: 約束, en: Commitment}
          cite: src p2
          facts:
            - owner: acm
        - id: tasked_source
          kind: commitment
          label: {ja: 約束2, en: Commitment 2}
          cite: src p2
          facts:
            - owner: a_source
        """,
    )
    found = problems_of(root)
    assert [(f, line) for f, line, _ in found] == [("a.yaml", 21)]  # the source as owner
    assert "a_source" in found[0][2]
