"""What the law allows, as the ledger asks it: `acsa.may_provide`, the agreement version in force
and the settlement methods of a category, answered once per interval between the pack's boundaries
(those answers are constant in between), and the access actions of the ledger."""

from __future__ import annotations

import bisect
import datetime as dt
from typing import Any

from anpo.framework.framework import Framework
from anpo.ledger.commands import KINDS
from anpo.rules.core import ask
from anpo.rules.provisions import boundaries_of
from anpo.security.access import register_action

ACTIONS = {kind: f"acsa.{kind}" for kind in KINDS}
for _action in ACTIONS.values():
    register_action(_action, "logistics_officer")


class Policy:
    def __init__(self, fw: Framework) -> None:
        self.fw = fw
        ask(fw, "acsa.agreement_in_force", {}, dt.date(2000, 1, 1))  # loads the rules before boundaries_of
        self._bounds = sorted(boundaries_of(fw))
        self._cache: dict[tuple[Any, ...], dict[str, Any]] = {}

    def _ask(self, question: str, params: dict[str, str], on: dt.date) -> dict[str, Any]:
        key = (question, tuple(sorted(params.items())), bisect.bisect_right(self._bounds, on))
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = ask(self.fw, question, params, on)
        return found

    def may_provide(self, provider: str, category: str, context: str, on: dt.date) -> dict[str, Any]:
        return self._ask("acsa.may_provide", {"provider": provider, "category": category, "context": context}, on)

    def agreement(self, on: dt.date) -> str | None:
        value = self._ask("acsa.agreement_in_force", {}, on)["answer"]
        return value if isinstance(value, str) else None

    def settlement_methods(self, category: str, on: dt.date) -> list[str]:
        value = self._ask("acsa.settlement_methods", {"category": category}, on)["answer"]
        return list(value) if isinstance(value, list) else []
