"""`anpo ask`: answer a question of the framework for a date, alone or in batch."""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import io
import json
import sys
import unicodedata
from pathlib import Path
from typing import Annotated, Any, BinaryIO, Protocol, TextIO, cast

import typer

from anpo.cli.app import JsonOpt, Lang, LangOpt, OnOpt, app, as_of, cite_line, emit, fail, framework, label
from anpo.dates import DateError, parse_date, today
from anpo.framework.framework import Framework
from anpo.framework.model import Text
from anpo.i18n import msg
from anpo.i18n.catalog import MESSAGES
from anpo.rules.core import Param, ParamError, all_questions, ask, get_question, parse_params, questions_json
from anpo.rules.explain import explain
from anpo.rules.provisions import MEMOISABLE, boundaries_of


def render_answer(result: dict[str, Any], lang: Lang) -> str:
    params = " ".join(f"{k}={v}" for k, v in result["params"].items())
    value = result["answer"]
    if result.get("undetermined"):
        shown = msg("ask.undetermined").get(lang.value)
    elif isinstance(value, list):
        shown = ", ".join(f"{_label_of(result, v, lang) or v} [{v}]" for v in value) or "-"
    elif isinstance(value, str) and _label_of(result, value, lang):
        shown = f"{_label_of(result, value, lang)} [{value}]"
    else:
        shown = json.dumps(value, ensure_ascii=False)
    lines = [f"{result['question']} {params} @ {result['on']}".replace("  ", " "), f"=> {shown}"]
    for reason in result["reasons"]:
        lines.append(f"  - {reason[lang.value]}")
        if reason["citations"]:
            lines.append(f"    ({cite_line(reason['citations'])})")
    for step in result.get("explain", []):
        lines.append(
            f"  * {step['id']}: {label(step['label'], lang)} [{step['from'] or '…'} – {step['to'] or '…'}]"
            f" ({cite_line(step['citations'])})"
        )
    return "\n".join(lines)


LIST_WIDTH = 100  # columns of `anpo ask --list`'s text, a Japanese character counting two


def render_question_list(fw: Framework, lang: Lang) -> str:
    """`anpo ask --list` as text: each question with its parameters, then under it each parameter
    with the values it takes, ids with their labels in `lang`, wrapped to LIST_WIDTH columns (the
    vocabularies they come from named as `anpo vocab KIND`; a free value by its description).

        consult.members                      body= side=  Who sits on a consultation body ...
          body (anpo vocab body, anpo vocab channel):
            jc (Joint Committee), scc (Security Consultative Committee), ...
            cdpwg (Cyber Defense Policy Working Group), courtesy_call (Courtesy call), ...
          side (anpo vocab party): jpn (Japan), usa (United States of America)
    """
    blocks = []
    for q in all_questions():
        lines = [f"{q.name:<36} " + " ".join(f"{p.name}=" for p in q.params) + f"  {q.summary.get(lang.value)}"]
        for p in q.params:
            lines += _param_lines(fw, p, lang)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _param_lines(fw: Framework, param: Param, lang: Lang) -> list[str]:
    from anpo.cli.framework_cmds import param_values, param_vocabularies  # here: `anpo --help` lists `ask` first

    notes = [msg("ask.list_optional").get(lang.value)] if not param.required else []
    notes += [f"anpo vocab {kind}" for kind in param_vocabularies(fw, param)]
    head = f"  {param.name}" + (f" ({', '.join(notes)})" if notes else "") + ":"
    groups = [[f"{v} ({words.get(lang.value)})" for v, words in values] for _, values in param_values(fw, param)]
    if not groups:  # a free value: what it is
        return [f"{head} {param.description.get(lang.value)}"]
    one_line = f"{head} {', '.join(groups[0])}"
    if len(groups) == 1 and _width(one_line) <= LIST_WIDTH:
        return [one_line]
    lines = [head]
    for n, items in enumerate(groups):
        lines += _wrap(items, "    ", last=n == len(groups) - 1)
    return lines


def _wrap(items: list[str], indent: str, *, last: bool) -> list[str]:
    """`items` joined by ", " in lines of at most LIST_WIDTH columns, an item never split; a group
    that is not the last ends with a comma, so that the lines read as one list."""
    lines: list[str] = []
    line = indent
    for n, item in enumerate(items):
        piece = item + ("," if n < len(items) - 1 or not last else "")
        if line != indent and _width(line + " " + piece) > LIST_WIDTH:
            lines.append(line)
            line = indent
        line = line + (" " if line != indent else "") + piece
    lines.append(line)
    return lines


def _width(text: str) -> int:
    """Columns on a terminal: a wide (Japanese) character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _label_of(result: dict[str, Any], value: str, lang: Lang) -> str:
    """The label of one value of an answer: the one the answer gives (an entity), else the
    catalog's `answer.VALUE` (`case_by_case`), else "" (a date, shown as JSON). The text output
    shows it with the id (`日米防衛協力のための指針（1978年） [guidelines_1978]`); --json keeps the id alone."""
    given = result.get("labels", {}).get(value)
    if given:
        return label(given, lang)
    return msg(f"answer.{value}").get(lang.value) if f"answer.{value}" in MESSAGES else ""


@app.command("ask")
def ask_cmd(
    question_name: Annotated[str | None, typer.Argument(metavar="QUESTION", help="e.g. consult.members")] = None,
    params: Annotated[
        list[str] | None, typer.Argument(metavar="NAME=VALUE...", help="Parameters. / パラメータ")
    ] = None,
    on: OnOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
    list_: Annotated[
        bool, typer.Option("--list", help="List every question, its parameters and allowed values. / 質問の一覧")
    ] = False,
    explain_: Annotated[
        bool, typer.Option("--explain", help="Show the provisions that decided it. / 根拠規定")
    ] = False,
    batch: Annotated[Path | None, typer.Option("--batch", help="JSONL file: one parameter set per line.")] = None,
) -> None:
    """Answer a question of the framework for a date, with reasons and citations. / 質問に答える"""
    fw = framework(lang)
    if list_:
        data = questions_json(fw)
        emit(data, as_json, lambda: render_question_list(fw, lang))
        return
    if question_name is None:
        fail(msg("ask.unknown_question", name="", allowed=", ".join(q.name for q in all_questions())), lang)
    try:
        get_question(question_name)
        if batch is not None:
            raise typer.Exit(run_batch(fw, question_name, batch, explain_))
        day = as_of(on, lang)
        result = ask(fw, question_name, parse_params(params or []), day)
    except ParamError as exc:
        fail(exc.text, lang)
    if explain_:
        result["explain"] = explain(fw, result)
    emit(result, as_json, lambda: render_answer(result, lang))


def run_batch(fw: Framework, name: str, path: Path, with_explain: bool) -> int:
    """One JSON answer per input line; a bad line yields an error object and exit status 2.

    Answers of memoisable questions change only on the dates where something in the pack or the
    rules changes, so each (parameters, date interval) is answered once and its JSON reused, with
    only the "on" date spliced in.
    """
    q = get_question(name)
    names = tuple(p.name for p in q.params)
    allowed = tuple((p.name, frozenset(p.allowed(fw)), p.default, p.required) for p in q.params)
    bounds = boundaries_of(fw) if q.name in MEMOISABLE else None
    prefix_len = len(json.dumps({"question": q.name, "on": ""}, ensure_ascii=False).encode()) - 2
    answers: dict[tuple[Any, int], tuple[bytes, bytes]] = {}  # (line's parameter items, interval) -> JSON halves
    days: dict[str, tuple[dt.date, bytes, int]] = {}
    status = 0
    out: list[bytes] = []
    sink = _binary_stdout()
    try:
        fh = path.open("rb")  # bytes: a line that is not UTF-8 is an error of that line, not a traceback
    except OSError as exc:
        raise ParamError(msg("ask.batch_unreadable", path=str(path), detail=exc.strerror or str(exc))) from None
    with fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line.decode("utf-8"))
                if not isinstance(record, dict):
                    raise ValueError("a JSON object is expected")
                on_raw = record.pop("on", None)
                on_text = None if on_raw is None else str(on_raw)
                day_info = days.get(on_text) if on_text is not None else None
                if day_info is None:
                    day = parse_date(on_text) if on_text is not None else today()
                    slot = bisect.bisect_right(bounds, day) if bounds is not None else 0
                    day_info = (day, day.isoformat().encode(), slot)
                    if on_text is not None:
                        days[on_text] = day_info
                day, day_iso, slot = day_info
                key: tuple[Any, int] | None = None
                halves = None
                if bounds is not None:
                    candidate = (tuple(record.items()), slot)
                    with contextlib.suppress(TypeError):  # unhashable values (a "params" object) take the slow path
                        halves = answers.get(candidate)
                        key = candidate
                if halves is None:
                    raw = record.get("params", record)
                    raw = {k: v if isinstance(v, str) else str(v) for k, v in raw.items()}
                    result = ask(fw, name, raw, day)
                    if with_explain:
                        result["explain"] = explain(fw, result)
                    data = json.dumps(result, ensure_ascii=False).encode()
                    halves = (data[:prefix_len], data[prefix_len + 10 :] + b"\n")
                    if key is not None and _fast_values(allowed, names, raw) is not None:
                        answers[key] = halves
                out += (halves[0], day_iso, halves[1])
            except (ParamError, DateError) as exc:
                out.append(_error_line(number, exc.text))
                status = 2
            except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:  # too deeply nested
                out.append(_error_line(number, msg("ask.batch_bad_line", line=number, detail=str(exc))))
                status = 2
            if len(out) >= 12288:
                sink.write(b"".join(out))
                out.clear()
    sink.write(b"".join(out))
    sink.flush()
    return status


class _Sink(Protocol):
    def write(self, data: bytes, /) -> int | None: ...

    def flush(self) -> None: ...


def _error_line(number: int, text: Text) -> bytes:
    """A bad line's error object. The message may quote the line's text, which may hold a lone
    surrogate (JSON's `\\ud800`): written as that escape, since UTF-8 has no encoding for it."""
    data = json.dumps({"line": number, "error": text.as_json()}, ensure_ascii=False)
    return data.encode("utf-8", "backslashreplace") + b"\n"


def _binary_stdout() -> _Sink:
    """Standard output as bytes (answers are cached encoded); a text-only stream is wrapped."""
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is not None:
        return cast(BinaryIO, buffer)
    return _TextSink(sys.stdout)


class _TextSink(io.RawIOBase):
    """Bytes written to a text stream (for example pytest's captured stdout)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.stream.write(bytes(data).decode("utf-8"))
        return len(data)


def _fast_values(
    allowed: tuple[tuple[str, frozenset[str], str | None, bool], ...], names: tuple[str, ...], raw: dict[str, str]
) -> tuple[str | None, ...] | None:
    """The validated parameter values in declaration order, or None to let `ask` validate (and explain)."""
    if any(k not in names for k in raw):
        return None
    values: list[str | None] = []
    for pname, choices, default, required in allowed:
        value = raw.get(pname, default)
        if value is None:
            if required:
                return None
        elif choices and value not in choices:
            return None
        values.append(value)
    return tuple(values)
