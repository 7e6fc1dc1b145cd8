"""The dated rate table: the official yearly yen-dollar rate for each Japanese fiscal year that a
public source states (`data/rates.yaml`). A conversion in a year without a rate is refused."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from anpo.ledger.messages import fail
from anpo.ledger.money import CURRENCIES, PLACES, round_div

RATES_FILE = Path(__file__).parent / "data" / "rates.yaml"


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


def jp_fiscal_year(on: dt.date) -> int:
    return on.year if on.month >= 4 else on.year - 1


@functools.cache
def table() -> dict[int, Rate]:
    rows = yaml.safe_load(RATES_FILE.read_text(encoding="utf-8")) or []
    out = {}
    for row in rows:
        rate = Rate(
            int(row["fy"]), Decimal(str(row["jpy_per_usd"])), row["kind"], row["source"], row["url"], row["locator"]
        )
        if rate.fy in out or rate.jpy_per_usd <= 0 or not rate.source or not rate.url:
            raise ValueError(f"{RATES_FILE}: bad or repeated rate for FY {rate.fy}")
        out[rate.fy] = rate
    return out


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
