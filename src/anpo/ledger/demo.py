"""A realistic, reproducible workload for demos, tests and benchmarks (`anpo demo`).

Orders run in both directions over 2017-2026, each with a category and context that
`acsa.may_provide` allows on its date, signed by both sides, delivered in one or two parts,
received, and settled by every method the category allows: in full, in part, or not at all (so
some are overdue). Some orders are cancelled. The same seed gives the same commands.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from anpo.framework.framework import Framework
from anpo.ledger import money
from anpo.ledger.commands import (
    Cancel,
    Command,
    Deliver,
    Line,
    Order,
    Receive,
    Settle,
    Sign,
)
from anpo.ledger.policy import Policy
from anpo.ledger.rates import convert, jp_fiscal_year, table
from anpo.rules.questions.acsa import ACSA_CONTEXTS, CATEGORIES, PROVIDERS

START = dt.date(2017, 5, 1)
END = dt.date(2026, 6, 30)
ITEMS: dict[str, tuple[str, str, int, int]] = {  # category -> item, unit, price JPY, price USD cents
    "food": ("ration", "meal", 1200, 1100),
    "water": ("water", "l", 1, 1),
    "fuel": ("jp8", "l", 95, 85),
    "clothing": ("parka", "ea", 18000, 16000),
    "spare_parts": ("filter", "ea", 42000, 38000),
    "billeting": ("billet", "night", 6000, 5500),
    "transportation": ("airlift", "hour", 900000, 820000),
    "communications": ("satcom", "hour", 25000, 23000),
    "medical": ("treatment", "case", 80000, 72000),
    "base_support": ("support", "day", 300000, 270000),
    "storage": ("storage", "day", 20000, 18000),
    "use_of_facilities": ("range", "day", 150000, 140000),
    "training_services": ("instruction", "hour", 30000, 27000),
    "repair_maintenance": ("repair", "job", 500000, 450000),
    "airport_seaport_services": ("berth", "day", 250000, 230000),
    "ammunition": ("rounds556", "rd", 80, 70),
}


class Demo:
    def __init__(self, fw: Framework, seed: int, prefix: str = "demo") -> None:
        self.policy = Policy(fw)
        self.rng = random.Random(seed)
        self.prefix = f"{prefix}{seed}"
        self.rated_years = set(table())

    def allowed(self, provider: str, on: dt.date) -> list[tuple[str, str]]:
        return [
            (cat, ctx)
            for ctx in ACSA_CONTEXTS
            for cat in CATEGORIES
            if cat in ITEMS and self.policy.may_provide(provider, cat, ctx, on)["answer"] is True
        ]

    def lifecycles(self, n: int) -> Iterator[list[Command]]:
        """One list of commands per order, in the order they happen."""
        span = (END - START).days
        made = 0
        while made < n:
            on = START + dt.timedelta(days=self.rng.randrange(span))
            provider = self.rng.choice(PROVIDERS)
            pairs = self.allowed(provider, on)
            if not pairs or self.policy.agreement(on) is None:
                continue
            made += 1
            yield self.lifecycle(f"{self.prefix}-{made:07d}", on, provider, pairs)

    def lifecycle(self, oid: str, on: dt.date, provider: str, pairs: list[tuple[str, str]]) -> list[Command]:
        rng = self.rng
        recipient = "usa" if provider == "jpn" else "jpn"
        category, context = rng.choice(pairs)
        methods = self.policy.settlement_methods(category, on)
        method = rng.choice(methods)
        item, unit, jpy, usd = ITEMS[category]
        currency = "JPY" if provider == "jpn" else "USD"
        price = jpy * money.SCALE if currency == "JPY" else usd * money.SCALE // 100
        qty = rng.randrange(1, 50) * (100 if unit in ("l", "rd") else 1)
        line = Line(category, item, unit, qty * money.SCALE, price, currency)
        cmds: list[Command] = [
            Order(oid, on, provider, context, f"{recipient}-unit-{rng.randrange(1, 40)}", method, (line,))
        ]
        signed = on + dt.timedelta(days=rng.randrange(0, 4))
        cmds.append(Sign(f"{oid}.s1", oid, recipient, on))
        cmds.append(Sign(f"{oid}.s2", oid, provider, signed))
        if rng.random() < 0.04:
            cmds.append(Cancel(f"{oid}.c", oid, signed + dt.timedelta(days=1), "no longer needed"))
            return cmds
        parts = [qty] if qty < 2 or rng.random() < 0.6 else [qty // 2, qty - qty // 2]
        day = signed
        deliveries: list[tuple[str, int, dt.date]] = []
        for k, part in enumerate(parts, start=1):
            day = day + dt.timedelta(days=rng.randrange(1, 20))
            did = f"{oid}.d{k}"
            cmds.append(Deliver(did, oid, day, ((1, part * money.SCALE),), (f"voucher-{did}",)))
            received = day + dt.timedelta(days=rng.randrange(0, 5))
            cmds.append(Receive(f"{oid}.r{k}", did, received))
            deliveries.append((did, part, received))
        fate = rng.random()
        if fate < 0.15:
            return cmds  # never settled: overdue once a year has passed
        settle_on = deliveries[-1][2] + dt.timedelta(days=rng.randrange(20, 330))
        if fate < 0.25:
            settle_on += dt.timedelta(days=rng.randrange(400, 900))  # settled late
        total = qty * money.SCALE
        if method == "replacement_in_kind":
            commodity = line.commodity
            owed = total
        else:
            commodity = currency
            owed = money.value_of(total, price, currency)
        amount = owed if fate > 0.4 else owed // 2 // money.SCALE * money.SCALE
        if method == "reimbursement" and fate > 0.85 and jp_fiscal_year(settle_on) in self.rated_years:
            # paid in the other currency, converted at the official rate of the year
            other = "USD" if currency == "JPY" else "JPY"
            back, _ = convert(amount, currency, other, settle_on)
            forth, _ = convert(back, other, currency, settle_on)
            if back > 0 and forth <= owed:
                cmds.append(Settle(f"{oid}.x", oid, settle_on, method, back, other))
                return cmds
        if amount > 0:
            cmds.append(Settle(f"{oid}.x", oid, settle_on, method, amount, commodity))
        return cmds


def interleave(lifecycles: list[list[Command]]) -> list[Command]:
    """Every command of every lifecycle, ordered by date (a stable order for equal dates)."""
    keyed: list[tuple[dt.date, int, int, Command]] = []
    for i, cmds in enumerate(lifecycles):
        for j, c in enumerate(cmds):
            keyed.append((c.on, i, j, c))
    keyed.sort(key=lambda k: (k[0], k[1], k[2]))
    return [k[3] for k in keyed]


def summary(results: list[dict[str, Any]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in results:
        out[r["code"]] = out.get(r["code"], 0) + 1
    return out
