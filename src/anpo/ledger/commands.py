"""The seven commands of the order lifecycle, as immutable values with a fingerprint.

Each command carries a client-chosen `id`. Its fingerprint (`fingerprint`, of its `identity`) is
what a retry is compared against: the same id with the same fingerprint is the same command.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring as _q
from typing import Any

import orjson

from anpo import dates
from anpo.ledger import money
from anpo.ledger.days import iso
from anpo.ledger.messages import LedgerError, fail
from anpo.rules.questions.acsa import ACSA_CONTEXTS, CATEGORIES, PROVIDERS, SETTLEMENT_METHODS

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
STATUSES = ("requested", "binding", "delivering", "delivered", "closed", "cancelled")  # acsa_orders.status
DEFAULT_LEVEL = "confidential"
DEFAULT_RELEASABLE = ("jpn", "usa")
REQUESTING_UNIT_CHARS = 200  # acsa_orders.requesting_unit
# Sizes a command may have (the parser refuses more, so the CLI, the API and files all get them):
DOCUMENT_CHARS = 500  # one document reference of a delivery
MAX_DOCUMENTS = 100  # documents of one delivery
MAX_ORDER_LINES = 1_000  # lines of one order
MAX_DELIVERY_LINES = 1_000  # line entries of one delivery
REASON_CHARS = 2_000  # the reason of a cancellation or a correction
MAX_LINE = 2**31 - 1  # acsa_lines.line_no and acsa_obligations.line_no are INTEGER columns
# The last date a command may carry, as for every date a user gives: a delivery's settlement
# falls due twelve months on (a delivery in 9999 failed with a traceback).
LATEST = dates.LATEST
FORM = 2  # of a command's fingerprint (`fingerprint`); rows stored before it hold form 1, canonical JSON


def other(party: str) -> str:
    return "usa" if party == "jpn" else "jpn"


@dataclass(frozen=True, slots=True)
class Line:
    category: str
    item: str
    unit: str
    quantity: int  # E4
    unit_price: int  # E4
    currency: str

    @property
    def commodity(self) -> str:
        return money.commodity(self.item, self.unit)

    def as_json(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "item": self.item,
            "unit": self.unit,
            "quantity": money.text(self.quantity),
            "unit_price": money.text(self.unit_price),
            "currency": self.currency,
        }

    def canonical(self) -> str:
        return (
            f'{{"category":{_q(self.category)},"currency":{_q(self.currency)},"item":{_q(self.item)},'
            f'"quantity":"{money.text(self.quantity)}","unit":{_q(self.unit)},'
            f'"unit_price":"{money.text(self.unit_price)}"}}'
        )


@dataclass(frozen=True, slots=True)
class Order:
    id: str
    on: dt.date
    provider: str
    context: str
    requesting_unit: str
    method: str
    lines: tuple[Line, ...]
    marking_level: str = DEFAULT_LEVEL
    releasable_to: tuple[str, ...] = DEFAULT_RELEASABLE
    kind = "order"

    @property
    def recipient(self) -> str:
        return other(self.provider)

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "on": self.on.isoformat(),
            "provider": self.provider,
            "context": self.context,
            "requesting_unit": self.requesting_unit,
            "method": self.method,
            "lines": [line.as_json() for line in self.lines],
            "marking_level": self.marking_level,
            "releasable_to": list(self.releasable_to),
        }

    def identity(self) -> tuple[Any, ...]:
        lines = [(x.category, x.item, x.unit, x.quantity, x.unit_price, x.currency) for x in self.lines]
        return (
            FORM,
            "order",
            self.id,
            self.on,
            self.provider,
            self.context,
            self.requesting_unit,
            self.method,
            lines,
            self.marking_level,
            self.releasable_to,
        )

    def canonical(self) -> str:
        lines = ",".join([line.canonical() for line in self.lines])
        releasable = ",".join(map(_q, self.releasable_to))
        return (
            f'{{"context":{_q(self.context)},"id":{_q(self.id)},"kind":"order","lines":[{lines}],'
            f'"marking_level":{_q(self.marking_level)},"method":{_q(self.method)},"on":"{iso(self.on)}",'
            f'"provider":{_q(self.provider)},"releasable_to":[{releasable}],'
            f'"requesting_unit":{_q(self.requesting_unit)}}}'
        )


@dataclass(frozen=True, slots=True)
class Sign:
    id: str
    order: str
    party: str
    on: dt.date
    kind = "sign"

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "order": self.order, "party": self.party, "on": self.on.isoformat()}

    def identity(self) -> tuple[Any, ...]:
        return (FORM, "sign", self.id, self.order, self.party, self.on)

    def canonical(self) -> str:
        return (
            f'{{"id":{_q(self.id)},"kind":"sign","on":"{iso(self.on)}",'
            f'"order":{_q(self.order)},"party":{_q(self.party)}}}'
        )


@dataclass(frozen=True, slots=True)
class Deliver:
    id: str
    order: str
    on: dt.date
    lines: tuple[tuple[int, int], ...]  # (line number, quantity E4)
    documents: tuple[str, ...]
    kind = "deliver"

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "order": self.order,
            "on": self.on.isoformat(),
            "lines": [{"line": n, "quantity": money.text(q)} for n, q in self.lines],
            "documents": list(self.documents),
        }

    def identity(self) -> tuple[Any, ...]:
        return (FORM, "deliver", self.id, self.order, self.on, self.lines, self.documents)

    def canonical(self) -> str:
        documents = ",".join(map(_q, self.documents))
        lines = ",".join([f'{{"line":{n},"quantity":"{money.text(q)}"}}' for n, q in self.lines])
        return (
            f'{{"documents":[{documents}],"id":{_q(self.id)},"kind":"deliver","lines":[{lines}],'
            f'"on":"{iso(self.on)}","order":{_q(self.order)}}}'
        )


@dataclass(frozen=True, slots=True)
class Receive:
    id: str
    delivery: str
    on: dt.date
    kind = "receive"

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "delivery": self.delivery, "on": self.on.isoformat()}

    def identity(self) -> tuple[Any, ...]:
        return (FORM, "receive", self.id, self.delivery, self.on)

    def canonical(self) -> str:
        return f'{{"delivery":{_q(self.delivery)},"id":{_q(self.id)},"kind":"receive","on":"{iso(self.on)}"}}'


@dataclass(frozen=True, slots=True)
class Settle:
    id: str
    order: str
    on: dt.date
    method: str
    amount: int  # E4 of `commodity`
    commodity: str  # a currency (reimbursement, equal-value exchange) or an item (replacement in kind)
    line: int | None = None
    kind = "settle"

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "order": self.order,
            "on": self.on.isoformat(),
            "method": self.method,
            "amount": money.text(self.amount),
            "commodity": self.commodity,
            "line": self.line,
        }

    def identity(self) -> tuple[Any, ...]:
        return (FORM, "settle", self.id, self.order, self.on, self.method, self.amount, self.commodity, self.line)

    def canonical(self) -> str:
        line = "null" if self.line is None else self.line
        return (
            f'{{"amount":"{money.text(self.amount)}","commodity":{_q(self.commodity)},"id":{_q(self.id)},'
            f'"kind":"settle","line":{line},"method":{_q(self.method)},"on":"{iso(self.on)}",'
            f'"order":{_q(self.order)}}}'
        )


@dataclass(frozen=True, slots=True)
class Cancel:
    id: str
    order: str
    on: dt.date
    reason: str
    kind = "cancel"

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "order": self.order, "on": self.on.isoformat(), "reason": self.reason}

    def identity(self) -> tuple[Any, ...]:
        return (FORM, "cancel", self.id, self.order, self.on, self.reason)

    def canonical(self) -> str:
        return (
            f'{{"id":{_q(self.id)},"kind":"cancel","on":"{iso(self.on)}",'
            f'"order":{_q(self.order)},"reason":{_q(self.reason)}}}'
        )


@dataclass(frozen=True, slots=True)
class Correct:
    id: str
    delivery: str
    line: int
    quantity: int  # the corrected quantity of that line in that delivery (E4, may be 0)
    on: dt.date
    reason: str
    kind = "correct"

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "delivery": self.delivery,
            "line": self.line,
            "quantity": money.text(self.quantity),
            "on": self.on.isoformat(),
            "reason": self.reason,
        }

    def identity(self) -> tuple[Any, ...]:
        return (FORM, "correct", self.id, self.delivery, self.line, self.quantity, self.on, self.reason)

    def canonical(self) -> str:
        return (
            f'{{"delivery":{_q(self.delivery)},"id":{_q(self.id)},"kind":"correct","line":{self.line},'
            f'"on":"{iso(self.on)}","quantity":"{money.text(self.quantity)}","reason":{_q(self.reason)}}}'
        )


Command = Order | Sign | Deliver | Receive | Settle | Cancel | Correct
KINDS = ("order", "sign", "deliver", "receive", "settle", "cancel", "correct")


def fingerprint(command: Command) -> str:
    """What a retry is compared against (acsa_commands.fingerprint): the SHA-256 of the command's
    `identity`, its form number, kind and fields in a fixed order, as orjson writes that array.
    orjson writes it in C, dates included: about three fifths of the instructions of the canonical
    JSON that rows stored before form 2 hold (`legacy_fingerprint`), and it runs for every command."""
    return hashlib.sha256(orjson.dumps(command.identity())).hexdigest()


def same_command(command: Command, stored: str, computed: str) -> bool:
    """Whether a stored command's fingerprint is that of `command` (`computed` is its fingerprint):
    in the form of today's rows, or in the canonical JSON of a row stored before form 2."""
    return stored == computed or stored == legacy_fingerprint(command)


# The canonical form of rows stored before form 2: `as_json()` as json.dumps(..., ensure_ascii=False,
# sort_keys=True, separators=(",", ":")) writes it. Each command's `canonical()` spells out the same
# bytes directly; tests/ledger/test_fast_paths.py checks the two agree.
CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def legacy_fingerprint(command: Command) -> str:
    return hashlib.sha256(command.canonical().encode()).hexdigest()


# --- parsing (CLI, JSON files, the demo) ---------------------------------------------------------


def choice(field: str, value: Any, allowed: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise fail("invalid", "unknown_value", field=field, value=value, allowed=", ".join(allowed))
    return value


def free_text(field: str, value: Any, limit: int | None = None) -> str:
    """Text as written, but for U+0000, which PostgreSQL's text cannot hold (SQLite's can: refused
    on both, so a command means the same on either), and for a lone surrogate (JSON's `\ud800`
    with no pair), which is no character: no UTF-8 encodes it, so neither database could store it;
    and, given a `limit`, for text longer than its column holds. A value that is not text (a JSON
    null, number, list or object) is refused: it was stored as Python's spelling of it ("None")."""
    if not isinstance(value, str):
        raise fail("invalid", "not_text", field=field)
    text = value
    if limit is not None and len(text) > limit:  # PostgreSQL's VARCHAR(limit) refuses it, SQLite's keeps it
        raise fail("invalid", "too_long", field=field, length=len(text), limit=limit)
    if "\x00" in text:
        raise fail("invalid", "nul_in_text", field=field)
    if not text.isascii():
        try:
            text.encode()
        except UnicodeEncodeError as exc:
            raise fail("invalid", "lone_surrogate", field=field, code=f"U+{ord(text[exc.start]):04X}") from None
    return text


def ident(value: Any) -> str:
    if not isinstance(value, str) or not _ID.match(value):
        raise fail("invalid", "bad_id", value=value)
    return value


def date(field: str, value: Any) -> dt.date:
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value))
        except ValueError:
            raise fail("invalid", "unknown_value", field=field, value=value, allowed="YYYY-MM-DD") from None
    if day > LATEST:
        raise LedgerError("invalid", dates.DateError(f"{field}={day.isoformat()}", "date.too_late").text)
    return day


def line_no(value: Any) -> int:
    """A line number: a whole number from 1 to what the `line_no` columns hold (a larger one failed
    with a traceback, as a 500 over the API); not a boolean, nor a fraction (1.5 read as line 1)."""
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise fail("invalid", "bad_number", field="line", value=value)
    try:
        n = int(value)
    except (TypeError, ValueError, OverflowError):
        raise fail("invalid", "bad_number", field="line", value=value) from None
    if n < 1:
        raise fail("invalid", "bad_number", field="line", value=value)
    if n > MAX_LINE:
        raise fail("invalid", "too_large", field="line", value=value, limit=f"{MAX_LINE:,}")
    return n


LINE_FIELDS = ("category", "item", "unit", "quantity", "unit_price", "currency")  # an order's line


DELIVERY_LINE_FIELDS = ("line", "quantity")  # a delivery's line


def _entries(data: Mapping[str, Any], field: str, limit: int, keys: tuple[str, ...]) -> list[Mapping[str, Any]]:
    """A list field of objects, each with no key outside `keys`: an entry that is not an object was
    a traceback (a 500 over the API), and a misspelt key (`unit_prise`) was ignored silently."""
    entries = _list(data, field, limit)
    for at, entry in enumerate(entries, 1):
        if not isinstance(entry, Mapping):
            raise fail("invalid", "not_object", field=field, at=at)
        unknown = sorted(str(k)[:64] for k in entry if k not in keys)
        if unknown:
            raise fail("invalid", "unknown_keys", field=field, at=at, keys=", ".join(unknown), allowed=", ".join(keys))
    return list(entries)


def parse_line(data: Mapping[str, Any]) -> Line:
    cur = money.currency(str(data.get("currency", "")))
    line = Line(
        category=choice("category", data.get("category"), CATEGORIES),
        item=str(data.get("item", "")),
        unit=str(data.get("unit", "")),
        quantity=money.parse(data.get("quantity", ""), "quantity", money.QUANTITY_PLACES),
        unit_price=money.parse(data.get("unit_price", ""), "unit_price", money.PRICE_PLACES),
        currency=cur,
    )
    _ = line.commodity  # validates item and unit
    money.check_value(line.quantity, line.unit_price, cur)
    return line


def _optional(data: Mapping[str, Any], field: str) -> Any:
    """An optional text field: absent or null is empty."""
    value = data.get(field)
    return "" if value is None else value


def _list(data: Mapping[str, Any], field: str, limit: int) -> Sequence[Any]:
    """A list field: absent or null is empty; anything else but a list is refused (a string was
    read as a list of its characters, an object as a list of its keys), and so is a list of more
    than `limit` entries (counted before any entry is read)."""
    value = data.get(field)
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise fail("invalid", "not_list", field=field)
    if len(value) > limit:
        raise fail("invalid", "too_many", field=field, count=f"{len(value):,}", limit=f"{limit:,}")
    return value


def parse(data: Mapping[str, Any]) -> Command:
    """A command from its JSON form; a LedgerError (code `invalid`...) names what is wrong."""
    kind = choice("kind", data.get("kind"), KINDS)
    cid = ident(data.get("id"))
    on = date("on", data.get("on"))
    if kind == "order":
        lines = tuple(parse_line(x) for x in _entries(data, "lines", MAX_ORDER_LINES, LINE_FIELDS))
        if not lines:
            raise fail("invalid", "no_lines")
        releasable = data.get("releasable_to", list(DEFAULT_RELEASABLE))
        return Order(
            cid,
            on,
            choice("provider", data.get("provider"), PROVIDERS),
            choice("context", data.get("context"), ACSA_CONTEXTS),
            free_text("requesting_unit", _optional(data, "requesting_unit"), REQUESTING_UNIT_CHARS),
            choice("method", data.get("method"), SETTLEMENT_METHODS),
            lines,
            free_text("marking_level", data.get("marking_level", DEFAULT_LEVEL)),
            tuple(sorted(choice("releasable_to", p, PROVIDERS) for p in releasable)),
        )
    if kind == "sign":
        return Sign(cid, ident(data.get("order")), choice("party", data.get("party"), PROVIDERS), on)
    if kind == "deliver":
        pairs = tuple(
            (line_no(x.get("line")), money.parse(x.get("quantity", ""), "quantity", money.QUANTITY_PLACES))
            for x in _entries(data, "lines", MAX_DELIVERY_LINES, DELIVERY_LINE_FIELDS)
        )
        if not pairs:
            raise fail("invalid", "no_lines")
        return Deliver(
            cid,
            ident(data.get("order")),
            on,
            pairs,
            tuple(free_text("documents", d, DOCUMENT_CHARS) for d in _list(data, "documents", MAX_DOCUMENTS)),
        )
    if kind == "receive":
        return Receive(cid, ident(data.get("delivery")), on)
    if kind == "settle":
        raw = free_text("commodity", data.get("commodity", "")).strip().upper()
        places = money.CURRENCIES.get(raw, money.QUANTITY_PLACES)
        line = data.get("line")
        return Settle(
            cid,
            ident(data.get("order")),
            on,
            choice("method", data.get("method"), SETTLEMENT_METHODS),
            money.parse(data.get("amount", ""), "amount", places),
            raw,
            None if line is None else line_no(line),
        )
    if kind == "cancel":
        return Cancel(cid, ident(data.get("order")), on, free_text("reason", _optional(data, "reason"), REASON_CHARS))
    return Correct(
        cid,
        ident(data.get("delivery")),
        line_no(data.get("line")),
        money.parse(data.get("quantity", ""), "quantity", money.QUANTITY_PLACES, allow_zero=True),
        on,
        free_text("reason", _optional(data, "reason"), REASON_CHARS),
    )
