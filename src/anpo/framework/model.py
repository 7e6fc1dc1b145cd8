"""The framework's data model: immutable, dated, cited, bilingual.

Everything a pack states is an `Entity` (a party, an organisation, a position, a body, an
instrument, a place, an event, a source...). What changes over time is a `Fact` with a validity
period `[valid_from, valid_to)`; every fact carries at least one `Citation`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

Date = dt.date
# The open ends of a validity period; comparisons stay simple with these sentinels.
BEGINNING = dt.date(1, 1, 1)
END = dt.date(9999, 12, 31)


@dataclass(frozen=True, slots=True)
class Text:
    """A label or a sentence in both languages."""

    ja: str
    en: str

    def get(self, lang: str) -> str:
        return self.ja if lang == "ja" else self.en

    def as_json(self) -> dict[str, str]:
        return {"ja": self.ja, "en": self.en}


@dataclass(frozen=True, slots=True)
class Where:
    """The file and line a record came from, for error messages and `anpo show`."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class Citation:
    """A source id (an entity of kind `source`), a locator inside it, and an optional short quote."""

    source: str
    locator: str = ""
    quote: str = ""

    def as_json(self) -> dict[str, str]:
        out = {"source": self.source, "locator": self.locator}
        if self.quote:
            out["quote"] = self.quote
        return out


@dataclass(frozen=True, slots=True)
class Period:
    """A validity period: `start` inclusive, `end` exclusive."""

    start: Date = BEGINNING
    end: Date = END

    def contains(self, on: Date) -> bool:
        return self.start <= on < self.end

    def overlaps(self, other: Period) -> bool:
        return self.start < other.end and other.start < self.end

    def as_json(self) -> dict[str, str | None]:
        return {
            "from": None if self.start == BEGINNING else self.start.isoformat(),
            "to": None if self.end == END else self.end.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class Fact:
    """One attribute value of an entity, true during `period`, with its sources.

    `approximate` marks a boundary that the sources bound but do not state (for example, a change
    first shown in a later edition of the white paper); `note` says why.
    """

    attr: str
    value: Any
    period: Period
    citations: tuple[Citation, ...]
    where: Where
    note: Text | None = None
    approximate: bool = False


@dataclass(frozen=True, slots=True)
class Name:
    """A label in force during a period: renamings keep their history."""

    label: Text
    period: Period
    citations: tuple[Citation, ...]
    short: Text | None = None


@dataclass(frozen=True, slots=True)
class Entity:
    id: str
    kind: str
    label: Text
    period: Period
    citations: tuple[Citation, ...]
    where: Where
    short: Text | None = None
    names: tuple[Name, ...] = ()
    facts: tuple[Fact, ...] = ()
    note: Text | None = None

    def label_on(self, on: Date) -> Text:
        for name in self.names:
            if name.period.contains(on):
                return name.label
        return self.label

    def short_on(self, on: Date) -> Text | None:
        for name in self.names:
            if name.period.contains(on) and name.short is not None:
                return name.short
        return self.short


@dataclass(frozen=True, slots=True)
class Problem:
    """A problem found while loading a pack: errors are data, all reported at once."""

    file: str
    line: int
    message: Text

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message.en}"

    def render(self, lang: str) -> str:
        return f"{self.file}:{self.line}: {self.message.get(lang)}"

    def as_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "message": self.message.as_json()}


@dataclass(frozen=True, slots=True)
class Ref:
    """A value that names another entity by id (checked at load time)."""

    id: str


@dataclass(frozen=True, slots=True)
class Struct:
    """A small structured value (for example a meeting participant), kept as sorted pairs."""

    items: tuple[tuple[str, Any], ...] = field(default_factory=tuple)

    def get(self, key: str, default: Any = None) -> Any:
        for k, v in self.items:
            if k == key:
                return v
        return default
