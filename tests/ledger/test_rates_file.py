"""A bad rate file (`ledger/data/rates.yaml`) is refused whole, each problem with its file and line in
both languages, rather than with a bare `KeyError` or `ValueError` naming neither; a good one loads
as before."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import pytest

from anpo.ledger import rates
from anpo.ledger.rates import RATES_FILE, Rate, RatesError, load_rates

GOOD = """# a comment
- fy: 2014
  jpy_per_usd: "97"
  kind: press_report
  source: "a newspaper"
  url: "https://example.org/a"
  locator: "p. 1"
  note: "as reproduced"
"""


def _refused(tmp_path: Path, text: str | bytes) -> list[tuple[int, str, str]]:
    """The problems of a rate file holding `text`: (line, English, Japanese), each naming the file."""
    path = tmp_path / "rates.yaml"
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    with pytest.raises(RatesError) as err:
        load_rates(path)
    problems = err.value.problems
    assert problems and all(p.file == str(path) for p in problems)
    assert all(f"{path}:{p.line}: {p.message.ja}" in err.value.text.ja for p in problems)
    assert all(f"{path}:{p.line}: {p.message.en}" in str(err.value) for p in problems)
    return [(p.line, p.message.en, p.message.ja) for p in problems]


def _entry(**changes: str | None) -> str:
    """An entry, one key a line from line 1 (fy, jpy_per_usd, kind, source, url, locator), with
    `key="value"` changed or added after them, or `key=None` left out."""
    good = {"fy": "2014", "jpy_per_usd": '"97"', "kind": "press_report", "source": '"a newspaper"'}
    fields = {**good, "url": '"https://example.org/a"', "locator": '"p. 1"', **changes}
    return "- " + "\n  ".join(f"{k}: {v}" for k, v in fields.items() if v is not None) + "\n"


def test_the_shipped_file_and_a_good_file_load() -> None:
    assert {2014, 2015, 2022, 2023} <= set(load_rates(RATES_FILE))
    assert rates.table() == load_rates(RATES_FILE)


def test_a_good_file_loads_with_its_rates_exact(tmp_path: Path) -> None:
    path = tmp_path / "rates.yaml"
    path.write_text(GOOD + _entry(fy="2015", jpy_per_usd="108.2575") + _entry(fy="2016", jpy_per_usd="110"))
    table = load_rates(path)
    assert table[2014] == Rate(2014, Decimal(97), "press_report", "a newspaper", "https://example.org/a", "p. 1")
    assert table[2015].jpy_per_usd == Decimal("108.2575") and table[2016].jpy_per_usd == Decimal(110)
    empty = tmp_path / "empty.yaml"
    empty.write_text("# no rates yet\n")
    assert load_rates(empty) == {}  # as before: no rates, so every conversion is refused


@pytest.mark.parametrize(
    ("text", "line", "en", "ja"),
    [
        ("fy: 2014\njpy_per_usd: '97'\n", 1, "a rate file must be a list of rates", "リストでなければなりません"),
        ("- 2014\n- fy: 2015\n", 1, "a rate must be a mapping of keys and values (found: 2014)", "マッピング"),
        (GOOD + "- just text\n", 9, "a rate must be a mapping", "マッピング"),
        (_entry(source=None), 1, "missing required key 'source'", "必須のキー「source」がありません"),
        (_entry(fy=None), 1, "missing required key 'fy'", "必須のキー「fy」がありません"),
        (_entry(fy="2014-04-01"), 1, "bad fiscal year '2014-04-01' (expected a year such as 2014", "年度"),
        (_entry(fy='"2014"'), 1, "bad fiscal year '2014'", "年度「2014」が不正です"),
        (_entry(fy="true"), 1, "bad fiscal year 'True'", "年度「True」が不正です"),
        (_entry(fy="99999"), 1, "bad fiscal year '99999'", "年度「99999」が不正です"),
        (_entry(jpy_per_usd='"abc"'), 2, "rate 'abc' is not a number", "換算率「abc」は数ではありません"),
        (_entry(jpy_per_usd='"1e3"'), 2, "rate '1e3' is not a number", "数ではありません"),
        (_entry(jpy_per_usd=".nan"), 2, "rate 'nan' is not a number", "数ではありません"),
        (_entry(jpy_per_usd="true"), 2, "rate 'True' is not a number", "数ではありません"),
        (_entry(jpy_per_usd='"0"'), 2, "rate '0' is not positive", "換算率「0」が正ではありません"),
        (_entry(jpy_per_usd="-97"), 2, "rate '-97' is not positive", "正ではありません"),
        (_entry(jpy_per_usd='"97.12345"'), 2, "rate '97.12345' has too many decimal places (at most 4)", "最大4桁"),
        (_entry(source='""'), 4, "'source' must be non-empty text", "「source」は空でない文字列"),
        (_entry(locator="[a, b]"), 6, "'locator' must be non-empty text", "「locator」は空でない文字列"),
        (_entry(url='"example.org/a"'), 5, "url 'example.org/a' must start with http:// or https://", "https://"),
        (_entry(rate='"97"'), 7, "unknown key 'rate' (allowed: fy, jpy_per_usd", "不明なキー「rate」"),
        (_entry() + "  kind: notice\n", 7, "duplicate key 'kind'", "キー「kind」が重複しています"),
        (GOOD + _entry(jpy_per_usd='"98"'), 9, "the rate for FY 2014 is also given at line 2", "2行目にもあります"),
        (GOOD + "- fy: [2015\n", 10, "YAML syntax error", "YAMLの構文エラー"),
        (GOOD.encode() + b"# \xff\n", 9, "a byte that is not UTF-8 (0xff)", "UTF-8ではないバイト"),
    ],
)
def test_a_bad_rate_file_is_refused_with_its_file_and_line(
    tmp_path: Path, text: str | bytes, line: int, en: str, ja: str
) -> None:
    problems = _refused(tmp_path, text)
    assert any(at == line and en in e and ja in j for at, e, j in problems), problems


def test_every_problem_of_the_file_is_reported_at_once(tmp_path: Path) -> None:
    text = _entry(jpy_per_usd='"-1"') + _entry(fy="2015", source=None, extra="x") + "- 7\n"
    problems = _refused(tmp_path, text)
    assert [(line, en.split(" (")[0]) for line, en, _ in problems] == [
        (2, "rate '-1' is not positive"),
        (7, "missing required key 'source'"),
        (12, "unknown key 'extra'"),
        (13, "a rate must be a mapping of keys and values"),
    ]


def test_a_rate_file_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    with pytest.raises(RatesError) as err:
        load_rates(tmp_path / "missing.yaml")
    assert f"{tmp_path / 'missing.yaml'}:1: cannot read the file: No such file or directory" in str(err.value)
    assert "ファイルを読めません" in err.value.text.ja


def test_the_command_line_says_a_bad_shipped_file_in_both_languages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A settlement or `anpo demo` reading a bad rate file printed a traceback (a bare KeyError for a
    missing field); `anpo` now names the file and line in both languages, exit status 1."""
    from anpo.cli import main

    bad = tmp_path / "rates.yaml"
    bad.write_text(_entry(jpy_per_usd='"abc"'), encoding="utf-8")
    monkeypatch.setattr(rates, "RATES_FILE", bad)
    rates.table.cache_clear()
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    monkeypatch.setattr(sys, "argv", ["anpo", "demo", "--orders", "1", "--url", url])
    try:
        with pytest.raises(SystemExit) as exited:
            main()
    finally:
        rates.table.cache_clear()
    err = capsys.readouterr().err
    assert exited.value.code == 1 and "Traceback" not in err
    assert "the rate file cannot be used" in err and "換算率のファイルに問題があるため使えません" in err
    assert f"{bad}:2: rate 'abc' is not a number" in err and f"{bad}:2: 換算率「abc」は数ではありません" in err
