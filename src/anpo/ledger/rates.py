"""The dated rate table: the official yearly yen-dollar rate for each Japanese fiscal year that a
public source states (`data/rates.yaml`). A conversion in a year without a rate is refused. A rate
file with any problem is refused whole (`RatesError`), every problem with its file and line."""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from anpo.dates import LATEST
from anpo.framework.model import Problem, Text
from anpo.framework.yamlsrc import LineList, LineMap, YamlFileError, read_yaml_file
from anpo.i18n import msg
from anpo.ledger.messages import fail
from anpo.ledger.money import CURRENCIES, PLACES, round_div

RATES_FILE = Path(__file__).parent / "data" / "rates.yaml"
TEXT_KEYS = ("kind", "source", "url", "locator")
REQUIRED = ("fy", "jpy_per_usd", *TEXT_KEYS)
KEYS = (*REQUIRED, "note")
_DECIMAL = re.compile(r"-?[0-9]+(?:\.([0-9]+))?")


@dataclass(frozen=True, slots=True)
class Rate:
    fy: int  # Japanese fiscal year: 1 April fy to 31 March fy+1
    jpy_per_usd: Decimal
    kind: str
    source: str
    url: str
    locator: str

    def as_json(self) -> dict[str, Any]:
        return {
            "fy": self.fy,
            "jpy_per_usd": str(self.jpy_per_usd),
            "kind": self.kind,
            "source": self.source,
            "url": self.url,
            "locator": self.locator,
        }


class RatesError(ValueError):
    """A rate file that cannot be used; `problems` lists every one with its file and line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        self.text = Text("\n".join(p.render("ja") for p in problems), "\n".join(p.render("en") for p in problems))
        super().__init__(self.text.en)


def jp_fiscal_year(on: dt.date) -> int:
    return on.year if on.month >= 4 else on.year - 1


@functools.cache
def table() -> dict[int, Rate]:
    return load_rates(RATES_FILE)


def load_rates(path: Path) -> dict[int, Rate]:
    """The rates of a rate file by fiscal year. Raises `RatesError` with every problem in the file
    (one that cannot be read or parsed, a bad or repeated rate), each naming `path` and its line."""
    check = _Checker(str(path))
    rows = check.read(path)
    out: dict[int, Rate] = {}
    first: dict[int, int] = {}  # the line of each year's rate
    for index, row in enumerate(rows):
        rate = check.rate(row, rows.line_of(index))
        if rate is None:
            continue
        line = row.line_of("fy")
        if rate.fy in out:
            check.problem(line, "rates.duplicate_year", fy=rate.fy, line=first[rate.fy])
        else:
            out[rate.fy], first[rate.fy] = rate, line
    if check.problems:
        raise RatesError(sorted(check.problems, key=lambda p: p.line))
    return out


class _Checker:
    """Reads one rate file; its problems accumulate, each with the file and its line."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def problem(self, line: int, key: str, /, **params: Any) -> None:
        self.problems.append(Problem(self.file, line, msg(key, **params)))

    def read(self, path: Path) -> LineList:
        """The file's list of entries, with their lines (none for an empty file). A file that
        cannot be read, decoded or parsed, or is not a list, is refused at once."""
        try:
            data = read_yaml_file(path)
        except YamlFileError as exc:  # missing, a directory, not readable, not UTF-8, not YAML
            self.problem(exc.line, exc.key, **exc.params)
        else:
            if data is None:  # empty, or comments only: no rates, as before
                return LineList()
            if isinstance(data, LineList):
                return data
            self.problem(getattr(data, "line", 1), "rates.not_a_list")
        raise RatesError(self.problems)

    def rate(self, row: Any, line: int) -> Rate | None:
        """One entry as a `Rate`, or None with its problems reported at their lines."""
        if not isinstance(row, LineMap):
            self.problem(line, "rates.not_a_mapping", value=row)
            return None
        before = len(self.problems)
        for key, key_line in row.duplicates:
            self.problem(key_line, "load.duplicate_key", key=key)
        for key in row:
            if key not in KEYS:
                self.problem(row.line_of(key), "load.unknown_key", key=key, allowed=", ".join(KEYS))
        for key in REQUIRED:
            if key not in row:
                self.problem(row.line, "load.missing_key", key=key)
        fy = self.year(row.get("fy"), row.line_of("fy")) if "fy" in row else None
        per_usd = self.decimal(row["jpy_per_usd"], row.line_of("jpy_per_usd")) if "jpy_per_usd" in row else None
        for key in (*TEXT_KEYS, "note"):
            if key in row and not (isinstance(row[key], str) and row[key].strip()):
                self.problem(row.line_of(key), "rates.not_text", key=key)
        url = row.get("url")
        if isinstance(url, str) and url.strip() and not url.startswith(("http://", "https://")):
            self.problem(row.line_of("url"), "rates.bad_url", value=url)
        if len(self.problems) > before or fy is None or per_usd is None:
            return None
        return Rate(fy, per_usd, row["kind"], row["source"], row["url"], row["locator"])

    def year(self, value: Any, line: int) -> int | None:
        """A Japanese fiscal year: a whole year up to LATEST's (`true` is not one: YAML reads 1)."""
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= LATEST.year:
            return value
        self.problem(line, "rates.bad_year", value=value, latest=LATEST.year)
        return None

    def decimal(self, value: Any, line: int) -> Decimal | None:
        """Yen per dollar: a positive decimal of at most PLACES decimals, which `convert` scales to
        an integer exactly (more were cut off there). Quoted, as the file writes it, or a number."""
        match = _DECIMAL.fullmatch(str(value)) if isinstance(value, str | int | float) else None
        if isinstance(value, bool) or match is None:
            self.problem(line, "rates.bad_rate", value=value)
            return None
        if len(match.group(1) or "") > PLACES:
            self.problem(line, "rates.rate_precision", value=value, places=PLACES)
            return None
        rate = Decimal(match.group(0))
        if rate <= 0:
            self.problem(line, "rates.rate_not_positive", value=value)
            return None
        return rate


def rate_on(on: dt.date, src: str, dst: str) -> Rate:
    fy = jp_fiscal_year(on)
    rate = table().get(fy)
    if rate is None:
        raise fail("wrong_currency", "no_rate", on=on.isoformat(), fy=fy, src=src, dst=dst)
    return rate


def convert(units: int, src: str, dst: str, on: dt.date) -> tuple[int, Rate | None]:
    """E4 units of `src` in `dst` at the official rate of `on`'s fiscal year, rounded to the
    minor unit of `dst` (half to even)."""
    if src == dst:
        return units, None
    rate = rate_on(on, src, dst)
    # The rate has at most 4 decimals; scale it to an integer to keep the arithmetic exact.
    r = int(rate.jpy_per_usd * 10**PLACES)
    step = 10 ** (PLACES - CURRENCIES[dst])
    if src == "USD":
        return round_div(units * r, 10**PLACES * step) * step, rate
    return round_div(units * 10**PLACES, r * step) * step, rate
