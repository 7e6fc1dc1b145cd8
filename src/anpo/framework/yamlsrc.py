"""YAML reading that keeps line numbers, so every problem can name its file and line.

Mappings become `LineMap` (a dict that remembers the line of itself and of each key); duplicate
keys, which plain PyYAML silently overwrites, are reported. Sequences become `LineList` (a list that
remembers the line of each item, which a scalar item cannot carry itself).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from anpo.framework.model import Text

try:  # the C loader is several times faster; fall back when libyaml is missing
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


class LineMap(dict[str, Any]):
    """A mapping from YAML with the line of the mapping and of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]
    duplicates: list[tuple[str, int]]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    """A sequence from YAML with the line of the sequence and of each item (1-based)."""

    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


class _Loader(_BaseLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineMap:
    result = LineMap()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    result.duplicates = []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        key = str(key)
        line = key_node.start_mark.line + 1
        if key in result:
            result.duplicates.append((key, line))
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = line
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> Iterator[LineList]:
    result = LineList()
    result.line = node.start_mark.line + 1
    result.item_lines = [item.start_mark.line + 1 for item in node.value]
    yield result  # first the empty list, then its items: an alias may refer back to it (`&a [*a]`)
    result.extend(loader.construct_sequence(node))


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode) -> Any:
    # An impossible date such as 1990-02-30 stays a string, so the loader reports it with its
    # line instead of the whole file failing to parse.
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


class YamlError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


# PyYAML words its problems in English only; these are the ones a hand-edited file meets. Japanese
# readers get them in Japanese, with PyYAML's own words beside them to search for.
_PROBLEMS_JA = (
    ("mapping values are not allowed", "ここに「キー: 値」は書けません（字下げか引用符の誤り）"),
    ("could not find expected ':'", "「:」があるべきところにありません"),
    ("found a tab character", "字下げにタブ文字は使えません（空白で字下げしてください）"),
    ("found character that cannot start any token", "ここに書けない文字があります（字下げのタブ、行頭の @ や ` など）"),
    ("found unexpected end of stream", "引用符が閉じられないままファイルが終わっています"),
    ("found undefined alias", "定義されていない別名（*）を参照しています"),
    ("did not find expected ',' or ']'", "「,」か「]」があるべきところにありません"),
    ("did not find expected ',' or '}'", "「,」か「}」があるべきところにありません"),
    ("did not find expected '-' indicator", "「-」があるべきところにありません（字下げの誤り）"),
    ("did not find expected key", "キーがあるべきところにありません（字下げの誤り）"),
    ("did not find expected node content", "値があるべきところにありません"),
    ("did not find expected <document start>", "文書の区切りがあるべきところにありません（余分な閉じ括弧など）"),
    ("found unknown escape character", "引用符の中に不明なエスケープ文字があります"),
    ("second occurrence", "同じアンカー（&）が二度定義されています"),
)


def problem_text(problem: str) -> Text:
    """PyYAML's `problem` in both languages."""
    ja = next((j for en, j in _PROBLEMS_JA if problem.startswith(en)), "構文を読めません")
    return Text(f"{ja} [{problem}]", problem)


def read_yaml(text: str) -> Any:
    """Parse YAML text; a syntax error becomes `YamlError` with the line it was found on."""
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise YamlError(line, f"{exc.problem or exc.context}") from exc
    except yaml.YAMLError as exc:
        raise YamlError(1, str(exc)) from exc


class YamlFileError(Exception):
    """A YAML file that cannot be read, decoded as UTF-8 or parsed: the line, and the catalog key
    (`load.unreadable`, `load.not_utf8`, `load.yaml_syntax`) and parameters of why."""

    def __init__(self, line: int, key: str, **params: Any) -> None:
        super().__init__(key)
        self.line, self.key, self.params = line, key, params


def read_yaml_file(path: Path) -> Any:
    """Read and parse a YAML file as `read_yaml` does; anything that stops it is `YamlFileError`
    (a directory, a file that may not be read, a byte that is not UTF-8, a syntax error)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise YamlFileError(1, "load.unreadable", detail=exc.strerror or str(exc)) from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:  # the line of the first bad byte
        raise YamlFileError(
            raw.count(b"\n", 0, exc.start) + 1, "load.not_utf8", byte=f"0x{raw[exc.start]:02x}"
        ) from exc
    try:
        return read_yaml(text)
    except YamlError as exc:
        raise YamlFileError(exc.line, "load.yaml_syntax", detail=problem_text(exc.message)) from exc
