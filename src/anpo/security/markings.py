"""Security markings: a level from an ordered lattice and the parties a record is releasable to.

Levels are defined in the pack (entities of kind `marking_level`, with `rank` and bilingual
`banner`); `public` is the bottom and is readable by anyone, account or not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from anpo.framework.framework import Framework
from anpo.framework.model import Text

PUBLIC_LEVEL = "public"


@dataclass(frozen=True, slots=True)
class Marking:
    level: str
    releasable_to: frozenset[str] = frozenset()

    @property
    def is_public(self) -> bool:
        return self.level == PUBLIC_LEVEL

    def releasability_column(self) -> str:
        """How releasability is stored: sorted party ids joined by commas."""
        return ",".join(sorted(self.releasable_to))

    @classmethod
    def from_columns(cls, level: str, releasable_to: str) -> Marking:
        return cls(level, frozenset(p for p in releasable_to.split(",") if p))


PUBLIC = Marking(PUBLIC_LEVEL, frozenset())


class Levels:
    """The ordered levels of a framework, lowest first."""

    def __init__(self, fw: Framework) -> None:
        rows = [(fw.value(e.id, "rank", e.period.start) or 0, e) for e in fw.of_kind("marking_level")]
        rows.sort(key=lambda r: r[0])
        self.order = [e.id for _, e in rows] or [PUBLIC_LEVEL]
        self._rank = {level: i for i, level in enumerate(self.order)}
        self._banner = {e.id: fw.value(e.id, "banner", e.period.start) or e.label for _, e in rows}

    def rank(self, level: str) -> int:
        if level not in self._rank:
            raise ValueError(f"unknown marking level {level!r} (known: {', '.join(self.order)})")
        return self._rank[level]

    def dominates(self, clearance: str, level: str) -> bool:
        return self.rank(clearance) >= self.rank(level)

    def combine(self, markings: Iterable[Marking]) -> Marking:
        """The marking of a product of several records: highest level, common releasability."""
        items = list(markings)
        if not items:
            return PUBLIC
        level = max((m.level for m in items), key=self.rank)
        restricted = [m.releasable_to for m in items if not m.is_public]
        parties = frozenset.intersection(*restricted) if restricted else frozenset()
        return Marking(level, parties)

    def banner(self, marking: Marking) -> Text:
        """The banner line, e.g. `CONFIDENTIAL//REL TO USA, JPN` and its Japanese form."""
        base = self._banner.get(marking.level, Text(marking.level.upper(), marking.level.upper()))
        if marking.is_public or not marking.releasable_to:
            return base
        # The usual REL TO order (the U.S. marking register's, which the example follows):
        # USA first, then the other parties alphabetically.
        ordered = sorted(marking.releasable_to, key=lambda party: (party != "usa", party))
        parties = ", ".join(p.upper() for p in ordered)
        return Text(f"{base.ja}//{parties}限り", f"{base.en}//REL TO {parties}")

    def describe(self, marking: Marking) -> dict[str, Any]:
        """A marking as JSON: `{"level", "releasable_to": [...], "banner_en", "banner_ja"}` (the
        shape `anpo.web.guard` recognises in a response body)."""
        banner = self.banner(marking)
        return {
            "level": marking.level,
            "releasable_to": sorted(marking.releasable_to),
            "banner_en": banner.en,
            "banner_ja": banner.ja,
        }
