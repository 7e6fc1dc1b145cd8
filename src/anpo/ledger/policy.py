"""What the law allows, as the ledger asks it: `acsa.may_provide`, the agreement version in force
and the settlement methods of a category, answered once per interval between the pack's boundaries
(those answers are constant in between), and the access actions of the ledger.

The answers are kept per framework (a framework never changes once loaded), so every Policy of a
process on the same framework (the demo generator, each Ledger) shares them."""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import json
import weakref
from dataclasses import dataclass, field
from typing import Any

from anpo.framework.framework import Framework
from anpo.framework.model import Text
from anpo.ledger.commands import KINDS
from anpo.rules.core import ask
from anpo.rules.provisions import boundaries_of
from anpo.security.access import register_action

ACTIONS = {kind: f"acsa.{kind}" for kind in KINDS}
for _action in ACTIONS.values():
    register_action(_action, "logistics_officer")


# The memos keyed by an order's tuple of categories keep at most this many cases: the categories
# and contexts are few, but their sequences in orders of many lines are not bounded.
MEMO_CASES = 1 << 14

COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # how the ledger stores results


@dataclass
class _Memo:
    """(question, parameter values..., interval) -> the answer; (provider, category, context,
    interval) -> the reasons of `acsa.may_provide`, as JSON and its digest; the same with a tuple of
    categories -> the reasons of an order of several lines."""

    answers: dict[tuple[Any, ...], dict[str, Any]] = field(default_factory=dict)
    reasons: dict[tuple[Any, ...], tuple[list[dict[str, Any]], str, str]] = field(default_factory=dict)
    cleared: dict[tuple[Any, ...], Cleared] = field(default_factory=dict)


# An order that the law allows: the agreement in force, and its reasons (as `Policy.order_reasons`).
Cleared = tuple[str, list[dict[str, Any]], str, str]


_MEMOS: weakref.WeakKeyDictionary[Framework, dict[tuple[dt.date, ...], _Memo]] = weakref.WeakKeyDictionary()


def name_of(fw: Framework, ent_id: str) -> Text:
    """What the pages and messages call a vocabulary id of the pack: its short label if it has one
    (a party: 日本 / Japan; an agreement), else its label; an id the pack does not know, as it is."""
    ent = fw.get(ent_id)
    if ent is None:
        return Text(ent_id, ent_id)
    return ent.short or ent.label


def reasons_digest(text: str) -> str:
    """The key under which the JSON of an order's reasons is stored (acsa_reasons.id)."""
    return hashlib.sha256(text.encode()).hexdigest()


class Policy:
    def __init__(self, fw: Framework) -> None:
        self.fw = fw
        ask(fw, "acsa.agreement_in_force", {}, dt.date(2000, 1, 1))  # loads the rules before boundaries_of
        self._bounds = sorted(boundaries_of(fw))
        self._memo = _MEMOS.setdefault(fw, {}).setdefault(tuple(self._bounds), _Memo())

    def _ask(self, question: str, params: dict[str, str], on: dt.date) -> dict[str, Any]:
        # Each method below builds `params` in a fixed order, so its values identify the case.
        key = (question, *params.values(), bisect.bisect_right(self._bounds, on))
        found = self._memo.answers.get(key)
        if found is None:
            found = self._memo.answers[key] = ask(self.fw, question, params, on)
        return found

    def may_provide(self, provider: str, category: str, context: str, on: dt.date) -> dict[str, Any]:
        return self._ask("acsa.may_provide", {"provider": provider, "category": category, "context": context}, on)

    def reasons(self, provider: str, category: str, context: str, on: dt.date) -> tuple[list[dict[str, Any]], str, str]:
        """The reasons of `may_provide`, without repeats, as JSON (compact, as the ledger stores
        results) and the digest of that JSON (`reasons_digest`): an order's result carries them,
        ~700 bytes of bilingual text and citations, the same for every order of one case and interval,
        stored once under the digest. The list is the memo's own: copy it to change it."""
        key = (provider, category, context, bisect.bisect_right(self._bounds, on))
        found = self._memo.reasons.get(key)
        if found is None:
            unique: list[dict[str, Any]] = []
            for r in self.may_provide(provider, category, context, on)["reasons"]:
                if r not in unique:
                    unique.append(r)
            text = COMPACT.encode(unique)
            found = self._memo.reasons[key] = (unique, text, reasons_digest(text))
        return found

    def order_reasons(
        self, provider: str, categories: tuple[str, ...], context: str, on: dt.date
    ) -> tuple[list[dict[str, Any]], str, str]:
        """`reasons` of an order whose lines ask for `categories`: each line's reasons in turn,
        without repeats, as JSON and its digest. An order of one line has its line's; the union
        for several lines is memoised too (encoding it, ~1.4 kB, took ~14 µs an order)."""
        if len(categories) == 1:
            return self.reasons(provider, categories[0], context, on)
        key = (provider, categories, context, bisect.bisect_right(self._bounds, on))
        found = self._memo.reasons.get(key)
        if found is None:
            unique: list[dict[str, Any]] = []
            for category in categories:
                unique.extend(r for r in self.reasons(provider, category, context, on)[0] if r not in unique)
            text = COMPACT.encode(unique)
            found = (unique, text, reasons_digest(text))
            if len(self._memo.reasons) < MEMO_CASES:
                self._memo.reasons[key] = found
        return found

    def cleared(
        self, provider: str, categories: tuple[str, ...], context: str, method: str, on: dt.date
    ) -> Cleared | None:
        """What `clear` kept for an order of this case in the interval of `on`; None if nothing was
        (the order must then be checked question by question)."""
        return self._memo.cleared.get((provider, categories, context, method, bisect.bisect_right(self._bounds, on)))

    def clear(
        self, provider: str, categories: tuple[str, ...], context: str, method: str, on: dt.date, agreement: str
    ) -> Cleared:
        """Keep that an order of this case passed its checks on `on`, under `agreement`, for every
        order of the same case in the same interval (whose answers are the same): one look-up then
        replaces an order's four or more questions. Only passes are kept: a refusal is worked out
        again, with its reasons, every time."""
        key = (provider, categories, context, method, bisect.bisect_right(self._bounds, on))
        found = (agreement, *self.order_reasons(provider, categories, context, on))
        if len(self._memo.cleared) < MEMO_CASES:
            self._memo.cleared[key] = found
        return found

    def label(self, ent_id: str) -> Text:
        """A vocabulary id (a party, a category, a context, a method) as a message parameter
        (`messages.m`): its name in Japanese (`name_of`), the id itself in English (which the CLI
        and the API take). Asked only by refusals."""
        return Text(name_of(self.fw, ent_id).ja, ent_id)

    def labels(self, ent_ids: list[str] | tuple[str, ...]) -> Text:
        """`label` of several ids, as a list in each language (the ids themselves: "-" if none)."""
        if not ent_ids:
            return Text("-", "-")
        found = [self.label(i) for i in ent_ids]
        return Text("、".join(t.ja for t in found), ", ".join(t.en for t in found))

    def agreement(self, on: dt.date) -> str | None:
        value = self._ask("acsa.agreement_in_force", {}, on)["answer"]
        return value if isinstance(value, str) else None

    def settlement_methods(self, category: str, on: dt.date) -> list[str]:
        value = self._ask("acsa.settlement_methods", {"category": category}, on)["answer"]
        return list(value) if isinstance(value, list) else []
