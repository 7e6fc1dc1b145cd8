"""Exact amounts: every quantity and amount is an integer count of 1/10,000 (E4 units).

Both databases sum integers exactly, so balances never drift. Money keeps its currency's minor
unit (JPY whole yen, USD cents); quantities of items in kind keep up to three decimals. An item
held in kind is its own commodity, named `ITEM_UNIT` (e.g. `JP8_L`, litres of JP-8 fuel).
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal, InvalidOperation

from anpo.ledger.messages import fail

SCALE = 10_000
PLACES = 4
CURRENCIES: dict[str, int] = {"JPY": 0, "USD": 2}  # currency -> decimal places of its minor unit
QUANTITY_PLACES = 3
PRICE_PLACES = 4
# The largest quantity, unit price, amount or line value (quantity x unit price) a command may
# carry: ten trillion (a bound on input, not a rule of the agreement). In E4 units it is 10**17,
# so a posting fits the databases' 64-bit integers (9.2 x 10**18) with room for sums of ninety of
# them in one balance (beyond, `MAX_BALANCE` refuses); and a number such as 1e999999 is refused
# before it is ever expanded.
MAX_UNITS = 10**13
# A running balance is a 64-bit integer of E4 units on both backends: about 922 trillion units.
MAX_BALANCE = 2**63 - 1
_NAME = re.compile(r"^[a-z][a-z0-9]*$")


def parse(value: str | int | Decimal, field: str, places: int, *, allow_zero: bool = False) -> int:
    """A positive decimal written with at most `places` decimals, as E4 units."""
    try:
        d = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise fail("invalid", "bad_number", field=field, value=value) from None
    if not d.is_finite() or d < 0 or (d == 0 and not allow_zero):
        raise fail("invalid", "bad_number", field=field, value=value)
    if d > MAX_UNITS:
        raise fail("invalid", "too_large", field=field, value=value, limit=f"{MAX_UNITS:,}")
    exponent = d.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places and d != d.quantize(Decimal(1).scaleb(-places)):
        raise fail("invalid", "bad_precision", field=field, value=value, places=places)
    return int(d * SCALE)


def currency(code: str) -> str:
    code = code.strip().upper()
    if code not in CURRENCIES:
        raise fail("wrong_currency", "unknown_currency", currency=code, allowed=", ".join(CURRENCIES))
    return code


@functools.lru_cache(maxsize=1 << 12)
def commodity(item: str, unit: str) -> str:
    """The commodity of an item held in kind, e.g. `jp8`, `l` -> `JP8_L`. Memoised: every order
    line asks, for few distinct items (a bad name raises, and is not kept)."""
    for field, value in (("item", item), ("unit", unit)):
        if not _NAME.match(value) or len(item) + len(unit) > 23:
            raise fail("invalid", "bad_name", field=field, value=value)
    return f"{item}_{unit}".upper()


def is_currency(commodity_name: str) -> bool:
    return commodity_name in CURRENCIES


def round_div(n: int, d: int) -> int:
    """n / d rounded half to even (d > 0)."""
    q, r = divmod(n, d)
    twice = 2 * r
    if twice > d or (twice == d and q % 2 == 1):
        q += 1
    return q


def check_value(quantity: int, unit_price: int, currency_code: str) -> None:
    """A line's whole value within `MAX_UNITS` (each factor is, their product need not be)."""
    if value_of(quantity, unit_price, currency_code) > MAX_UNITS * SCALE:
        value = f"{text(quantity)} x {text(unit_price)} {currency_code}"
        raise fail("invalid", "too_large", field="quantity x unit_price", value=value, limit=f"{MAX_UNITS:,}")


def value_of(quantity: int, unit_price: int, currency_code: str) -> int:
    """quantity x unit price, rounded to the currency's minor unit, in E4 units."""
    step = 10 ** (PLACES - CURRENCIES[currency_code])
    return int(round_div(quantity * unit_price, SCALE * step) * step)


def decimal(units: int) -> Decimal:
    """E4 units as a Decimal with trailing zeros removed (for JSON, CSV and beancount)."""
    d = Decimal(units).scaleb(-PLACES)
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()


def text(units: int) -> str:
    """E4 units as a plain decimal string without trailing zeros: `format(decimal(units), "f")`,
    computed with integers (it runs for every figure of every balance, report and export)."""
    whole, frac = divmod(-units if units < 0 else units, SCALE)
    sign = "-" if units < 0 else ""
    if not frac:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{frac:0{PLACES}d}".rstrip("0")
