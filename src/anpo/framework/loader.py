"""Load a pack directory into a `Framework`, collecting every problem with its file and line.

A fixed pipeline, as beancount's loader: read files -> parse records -> resolve references ->
check periods. Problems are data: `load_pack` returns them all rather than stopping at the first.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from anpo.framework import schema
from anpo.framework.framework import Framework
from anpo.framework.model import (
    BEGINNING,
    END,
    Citation,
    Entity,
    Fact,
    Name,
    Period,
    Problem,
    Ref,
    Struct,
    Text,
    Where,
)
from anpo.framework.yamlsrc import LineList, LineMap, YamlFileError, read_yaml_file
from anpo.i18n import msg

ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass
class _Pending:
    """References and citations to check once every entity is known."""

    refs: list[tuple[str, tuple[str, ...], Where]] = field(default_factory=list)
    sources: list[tuple[str, Where]] = field(default_factory=list)


class _FileParser:
    """Parses the records of one file; problems and pending checks accumulate on the parser."""

    def __init__(self, file: str, problems: list[Problem], pending: _Pending) -> None:
        self.file = file
        self.problems = problems
        self.pending = pending

    def problem(self, line: int, message_key: str, /, **params: Any) -> None:
        self.problems.append(Problem(self.file, line, msg(message_key, **params)))

    def where(self, line: int) -> Where:
        return Where(self.file, line)

    # -- records -------------------------------------------------------------------------------

    def entity(self, rec: Any, fallback_line: int) -> Entity | None:
        if not isinstance(rec, LineMap):
            self.problem(fallback_line, "load.not_a_mapping")
            return None
        self.check_keys(rec, schema.ENTITY_KEYS)
        for key in ("id", "kind", "label"):
            if key not in rec:
                self.problem(rec.line, "load.missing_key", key=key)
        ent_id = rec.get("id")
        if ent_id is not None and (not isinstance(ent_id, str) or not ID_RE.match(ent_id)):
            self.problem(rec.line_of("id"), "load.bad_id", id=ent_id)
        kind = rec.get("kind")
        if kind is not None and kind not in schema.KINDS:
            self.problem(rec.line_of("kind"), "load.unknown_kind", kind=kind, allowed=", ".join(schema.KINDS))
            kind = None
        label = self.text(rec.get("label"), rec.line_of("label")) if "label" in rec else None
        short = self.text(rec["short"], rec.line_of("short")) if "short" in rec else None
        note = self.text(rec["note"], rec.line_of("note")) if "note" in rec else None
        period = self.period(rec)
        cites = self.citations(rec["cite"], rec.line_of("cite")) if "cite" in rec else ()
        names = tuple(self.names(rec.get("names"), rec.line_of("names"), cites))
        facts = tuple(self.facts(rec.get("facts"), rec.line_of("facts"), kind, cites)) if kind else ()
        if not cites and not (names or facts):
            self.problem(rec.line, "load.no_citation")
        if not isinstance(ent_id, str) or kind is None or label is None or period is None:
            return None
        return Entity(
            id=ent_id,
            kind=kind,
            label=label,
            period=period,
            citations=cites,
            where=self.where(rec.line),
            short=short,
            names=names,
            facts=facts,
            note=note,
        )

    def names(self, raw: Any, line: int, inherited: tuple[Citation, ...]) -> list[Name]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.problem(line, "load.bad_value", attr="names", detail="list")
            return []
        out = []
        for index, item in enumerate(raw):
            if not isinstance(item, LineMap):
                self.problem(item_line(raw, index, line), "load.not_a_mapping")
                continue
            self.check_keys(item, schema.NAME_KEYS)
            label = self.text(item.get("label"), item.line_of("label"))
            short = self.text(item["short"], item.line_of("short")) if "short" in item else None
            period = self.period(item)
            cites = self.citations(item["cite"], item.line_of("cite")) if "cite" in item else inherited
            if not cites:
                self.problem(item.line, "load.no_citation")
            if label is not None and period is not None:
                out.append(Name(label, period, cites, short))
        return out

    def facts(self, raw: Any, line: int, kind: str, inherited: tuple[Citation, ...]) -> list[Fact]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.problem(line, "load.bad_value", attr="facts", detail="list")
            return []
        attrs = schema.KINDS[kind]
        out = []
        for index, item in enumerate(raw):
            if not isinstance(item, LineMap):
                self.problem(item_line(raw, index, line), "load.not_a_mapping")
                continue
            self.check_duplicates(item)
            found = [k for k in item if k not in schema.FACT_KEYS]
            if len(found) != 1:
                self.problem(item.line, "load.fact_attrs", found=", ".join(found) or "-")
                continue
            attr = found[0]
            if attr not in attrs:
                self.problem(item.line_of(attr), "load.unknown_attr", kind=kind, attr=attr, allowed=", ".join(attrs))
                continue
            value = self.value(item[attr], attrs[attr].type, attr, item.line_of(attr))
            period = self.period(item)
            cites = self.citations(item["cite"], item.line_of("cite")) if "cite" in item else inherited
            if not cites:
                self.problem(item.line, "load.no_citation")
            note = self.text(item["note"], item.line_of("note")) if "note" in item else None
            approx = item.get("approx", False)
            if approx is not False and approx is not True:
                self.problem(item.line_of("approx"), "load.bad_value", attr="approx", detail="true/false")
                approx = False
            if approx and note is None:
                self.problem(item.line_of("approx"), "load.approx_needs_note")
            if value is None or period is None:
                continue
            out.append(Fact(attr, value, period, cites, self.where(item.line), note, bool(approx)))
        return out

    # -- values --------------------------------------------------------------------------------

    def value(self, raw: Any, typ: schema.AttrType, attr: str, line: int) -> Any:
        kind = typ.kind
        if kind == "text":
            return self.text(raw, line)
        if kind == "str":
            if isinstance(raw, str) and raw:
                return raw
            if isinstance(raw, int | float) and not isinstance(raw, bool):
                return str(raw)
            return self.bad(line, attr, "string")
        if kind == "int":
            return raw if isinstance(raw, int) and not isinstance(raw, bool) else self.bad(line, attr, "integer")
        if kind == "bool":
            return raw if isinstance(raw, bool) else self.bad(line, attr, "true/false")
        if kind == "date":
            return self.date(raw, line)
        if kind == "enum":
            if raw in typ.choices:
                return raw
            return self.bad(line, attr, "one of " + ", ".join(typ.choices))
        if kind == "ref":
            if not isinstance(raw, str):
                return self.bad(line, attr, "an id")
            self.pending.refs.append((raw, typ.targets, self.where(line)))
            return Ref(raw)
        if kind == "struct":
            return self.struct(raw, typ, attr, line)
        raise AssertionError(kind)  # pragma: no cover - schema.py declares only the kinds above

    def struct(self, raw: Any, typ: schema.AttrType, attr: str, line: int) -> Struct | None:
        if not isinstance(raw, LineMap):
            self.bad(line, attr, "a mapping of " + ", ".join(typ.fields))
            return None
        self.check_keys(raw, tuple(typ.fields))
        for key in typ.required:
            if key not in raw:
                self.problem(raw.line, "load.missing_key", key=key)
                return None
        items = []
        for key, sub in sorted(raw.items()):
            if key in typ.fields:
                value = self.value(sub, typ.fields[key], f"{attr}.{key}", raw.line_of(key))
                if value is None:
                    return None
                items.append((key, value))
        return Struct(tuple(items))

    def bad(self, line: int, attr: str, detail: str) -> Any:
        """Report a bad value; returns None so callers can `return self.bad(...)`."""
        self.problem(line, "load.bad_value", attr=attr, detail=detail)
        return None

    def text(self, raw: Any, line: int) -> Text | None:
        if isinstance(raw, LineMap):
            self.check_keys(raw, ("ja", "en"))
            missing = [k for k in ("ja", "en") if not (isinstance(raw.get(k), str) and raw.get(k, "").strip())]
            if not missing:
                return Text(raw["ja"].strip(), raw["en"].strip())
            self.problem(
                raw.line_of(missing[0]) if missing[0] in raw else raw.line, "load.bad_text", missing=", ".join(missing)
            )
            return None
        self.problem(line, "load.bad_text", missing="ja, en")
        return None

    def date(self, raw: Any, line: int) -> dt.date | None:
        if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
            return raw
        self.problem(line, "load.bad_date", value=raw)
        return None

    def period(self, rec: LineMap) -> Period | None:
        start = self.date(rec["from"], rec.line_of("from")) if "from" in rec else BEGINNING
        end = self.date(rec["to"], rec.line_of("to")) if "to" in rec else END
        if start is None or end is None:
            return None
        if end <= start:
            self.problem(rec.line_of("to"), "load.reversed_dates", start=start, to=end)
            return None
        return Period(start, end)

    def citations(self, raw: Any, line: int) -> tuple[Citation, ...]:
        items = raw if isinstance(raw, list) else [raw]
        out = []
        for item in items:
            cite = self.citation(item, line)
            if cite is not None:
                self.pending.sources.append((cite.source, self.where(line)))
                out.append(cite)
        return tuple(out)

    def citation(self, raw: Any, line: int) -> Citation | None:
        if isinstance(raw, str) and raw.strip():
            source, _, locator = raw.strip().partition(" ")
            return Citation(source, locator.strip())
        if isinstance(raw, LineMap):
            self.check_keys(raw, schema.CITATION_KEYS)
            source_id = raw.get("source")
            if not isinstance(source_id, str) or not source_id:
                self.problem(raw.line, "load.bad_citation", detail="source")
                return None
            quote = str(raw.get("quote", ""))
            if len(quote) > schema.QUOTE_MAX:
                self.problem(raw.line_of("quote"), "load.quote_too_long", max=schema.QUOTE_MAX)
            return Citation(source_id, str(raw.get("at", "")), quote)
        self.problem(line, "load.bad_citation", detail=repr(raw))
        return None

    def check_keys(self, rec: LineMap, allowed: tuple[str, ...]) -> None:
        self.check_duplicates(rec)
        for key in rec:
            if key not in allowed:
                self.problem(rec.line_of(key), "load.unknown_key", key=key, allowed=", ".join(allowed))

    def check_duplicates(self, rec: LineMap) -> None:
        for key, line in rec.duplicates:
            self.problem(line, "load.duplicate_key", key=key)


def _read_files(root: Path, problems: list[Problem], pending: _Pending) -> list[Entity]:
    entities: list[Entity] = []
    for path in sorted(root.rglob("*.yaml")):
        parser = _FileParser(str(path), problems, pending)
        try:
            data = read_yaml_file(path)
        except YamlFileError as exc:  # each was a traceback: the file and the line of why
            parser.problem(exc.line, exc.key, **exc.params)
            continue
        if data is None:
            continue
        if not isinstance(data, list):
            parser.problem(1, "load.not_a_list")
            continue
        for index, rec in enumerate(data):
            ent = parser.entity(rec, getattr(rec, "line", None) or item_line(data, index, 1))
            if ent is not None:
                entities.append(ent)
    return entities


def _index(entities: list[Entity], problems: list[Problem]) -> dict[str, Entity]:
    by_id: dict[str, Entity] = {}
    for ent in entities:
        if ent.id in by_id:
            first = by_id[ent.id]
            problems.append(
                Problem(ent.where.file, ent.where.line, msg("load.duplicate_id", id=ent.id, where=first.where))
            )
            continue
        by_id[ent.id] = ent
    return by_id


def _check_refs(by_id: dict[str, Entity], pending: _Pending, problems: list[Problem]) -> None:
    for ref_id, targets, where in pending.refs:
        target = by_id.get(ref_id)
        if target is None:
            problems.append(Problem(where.file, where.line, msg("load.dangling_ref", id=ref_id)))
        elif "*" not in targets and target.kind not in targets:
            problems.append(
                Problem(
                    where.file,
                    where.line,
                    msg("load.wrong_ref_kind", id=ref_id, kind=target.kind, allowed=" / ".join(targets)),
                )
            )
    for source_id, where in pending.sources:
        source = by_id.get(source_id)
        if source is None:
            problems.append(Problem(where.file, where.line, msg("load.dangling_ref", id=source_id)))
        elif source.kind != "source":
            problems.append(Problem(where.file, where.line, msg("load.not_a_source", id=source_id)))


def _check_overlaps(by_id: dict[str, Entity], problems: list[Problem]) -> None:
    for ent in by_id.values():
        attrs = schema.KINDS[ent.kind]
        seen: dict[tuple[str, Any], list[Fact]] = {}
        for fact in ent.facts:
            key = (fact.attr, fact.value) if attrs[fact.attr].multi else (fact.attr, None)
            for other in seen.get(key, []):
                if other.period.overlaps(fact.period):
                    problems.append(
                        Problem(
                            fact.where.file, fact.where.line, msg("load.overlap", attr=fact.attr, other=other.where)
                        )
                    )
            seen.setdefault(key, []).append(fact)


def load_pack(path: str | Path) -> tuple[Framework | None, list[Problem]]:
    """Load and validate a pack. Returns the framework (None if any problem) and all problems."""
    root = Path(path)
    problems: list[Problem] = []
    if not root.is_dir():
        return None, [Problem(str(root), 0, msg("load.not_a_dir"))]
    if not any(root.rglob("*.yaml")):
        return None, [Problem(str(root), 0, msg("load.no_files"))]
    pending = _Pending()
    entities = _read_files(root, problems, pending)
    by_id = _index(entities, problems)
    _check_refs(by_id, pending, problems)
    _check_overlaps(by_id, problems)
    problems.sort(key=lambda p: (p.file, p.line))
    if problems:
        return None, problems
    return Framework(by_id), []


def item_line(items: list[Any], index: int, default: int) -> int:
    """The line of a sequence's item in its YAML file: a scalar item cannot carry its own."""
    return items.line_of(index) if isinstance(items, LineList) else default
