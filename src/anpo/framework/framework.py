"""The loaded framework: an immutable index of entities with as-of queries."""

from __future__ import annotations

from collections.abc import Iterator
from types import MappingProxyType
from typing import Any

from anpo.framework.model import Citation, Date, Entity, Fact, Ref, Text


class Framework:
    """All entities of a pack, indexed by id and kind. Never modified after loading."""

    def __init__(self, entities: dict[str, Entity]) -> None:
        self._by_id = MappingProxyType(dict(entities))
        by_kind: dict[str, list[Entity]] = {}
        for ent in entities.values():
            by_kind.setdefault(ent.kind, []).append(ent)
        self._by_kind = MappingProxyType({k: tuple(v) for k, v in by_kind.items()})
        facts: dict[tuple[str, str], list[Fact]] = {}
        for ent in entities.values():
            for fact in ent.facts:
                facts.setdefault((ent.id, fact.attr), []).append(fact)
        self._facts = MappingProxyType({k: tuple(sorted(v, key=lambda f: f.period.start)) for k, v in facts.items()})

    def __getstate__(self) -> dict[str, Entity]:
        return dict(self._by_id)

    def __setstate__(self, state: dict[str, Entity]) -> None:
        self.__init__(state)  # type: ignore[misc]

    # -- lookup --------------------------------------------------------------------------------

    def __contains__(self, ent_id: object) -> bool:
        return ent_id in self._by_id

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, ent_id: str) -> Entity | None:
        return self._by_id.get(ent_id)

    def __getitem__(self, ent_id: str) -> Entity:
        return self._by_id[ent_id]

    def of_kind(self, kind: str) -> tuple[Entity, ...]:
        return self._by_kind.get(kind, ())

    def kinds(self) -> tuple[str, ...]:
        return tuple(sorted(self._by_kind))

    def entities(self) -> Iterator[Entity]:
        return iter(self._by_id.values())

    def fact_count(self) -> int:
        return sum(len(v) for v in self._facts.values())

    # -- as-of queries -------------------------------------------------------------------------

    def facts(self, ent_id: str, attr: str, on: Date | None = None) -> tuple[Fact, ...]:
        """The facts of `attr` on entity `ent_id`, all of them or those in force on `on`."""
        facts = self._facts.get((ent_id, attr), ())
        if on is None:
            return facts
        return tuple(f for f in facts if f.period.contains(on))

    def value(self, ent_id: str, attr: str, on: Date) -> Any:
        """The single value of `attr` in force on `on`, or None."""
        facts = self.facts(ent_id, attr, on)
        return facts[0].value if facts else None

    def fact(self, ent_id: str, attr: str, on: Date) -> Fact | None:
        facts = self.facts(ent_id, attr, on)
        return facts[0] if facts else None

    def exists_on(self, ent_id: str, on: Date) -> bool:
        ent = self._by_id.get(ent_id)
        return ent is not None and ent.period.contains(on)

    def label(self, ent_id: str, on: Date) -> Text:
        return self._by_id[ent_id].label_on(on)

    def name_citations(self, ent_id: str, on: Date) -> tuple[Citation, ...]:
        """The sources of the name `ent_id` bore on `on` (its renaming), or () when it has no dated names."""
        for name in self._by_id[ent_id].names:
            if name.period.contains(on):
                return name.citations
        return ()

    def published(self, source_id: str) -> Date | None:
        """When a source was published (its `published` fact), or None when the pack does not date
        it (the white papers carry an edition year, not a day)."""
        facts = self._facts.get((source_id, "published"), ())
        return facts[0].value if facts else None

    def citations_on(self, citations: tuple[Citation, ...], on: Date) -> tuple[Citation, ...]:
        """The citations whose source existed on `on`: an answer on a date cites no source published
        after it (the 2015 amending act for the SDF Act as it stood in 1990). Undated sources stay."""
        out = []
        for c in citations:
            day = self.published(c.source)
            if (day is None or day <= on) and c not in out:
                out.append(c)
        return tuple(out)

    def referrers(self, ent_id: str) -> list[tuple[Entity, Fact]]:
        """Every fact in the pack whose value refers to `ent_id` (for `anpo show`)."""
        out = []
        for ent in self._by_id.values():
            for fact in ent.facts:
                if _refers_to(fact.value, ent_id):
                    out.append((ent, fact))
        return out


SIDES = ("jpn", "usa")


def party_of(fw: Framework, member_id: str, on: Date) -> str | None:
    """The party a position or organisation belongs to on `on` (through its organisation)."""
    value = fw.value(member_id, "party", on)
    if isinstance(value, Ref):
        return value.id
    parent = fw.value(member_id, "organisation", on) or fw.value(member_id, "parent", on)
    return party_of(fw, parent.id, on) if isinstance(parent, Ref) else None


def _refers_to(value: Any, ent_id: str) -> bool:
    if isinstance(value, Ref):
        return value.id == ent_id
    items = getattr(value, "items", None)
    if isinstance(items, tuple):
        return any(_refers_to(v, ent_id) for _, v in items)
    return False
