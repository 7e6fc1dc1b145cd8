"""Commands that read the framework: vocab, bodies, timeline, show, check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from anpo.cli.app import JsonOpt, Lang, LangOpt, OnOpt, app, as_of, cite_line, emit, fail, framework, label
from anpo.dates import era_string
from anpo.framework import schema
from anpo.framework.loader import load_pack
from anpo.framework.model import Text
from anpo.framework.views import bodies_on, entity_brief, entity_view, instruments_view, timeline
from anpo.i18n import msg
from anpo.i18n.catalog import MESSAGES


@app.command()
def vocab(
    kind: Annotated[str | None, typer.Argument(help="One vocabulary kind; all when absent. / 語彙の種類")] = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """List the controlled vocabularies (situations, ACSA contexts, categories, places...). / 語彙の一覧"""
    fw = framework(lang)
    kinds = [kind] if kind else list(schema.VOCAB_KINDS)
    if kind is not None and kind not in schema.VOCAB_KINDS:
        fail(msg("vocab.unknown_kind", kind=kind, allowed=", ".join(schema.VOCAB_KINDS)), lang)
    data: dict[str, list[dict[str, Any]]] = {}
    for k in kinds:
        rows = []
        for ent in _vocabulary(fw, k):
            row = entity_brief(ent)
            desc = next(iter(fw.facts(ent.id, "description")), None)
            if desc is not None:
                row["description"] = desc.value.as_json()
            row["citations"] = [c.as_json() for c in ent.citations]
            rows.append(row)
        data[k] = rows

    takers = taken_by(fw)

    def render() -> str:
        lines = []
        for k, rows in data.items():
            # the parameters that take this vocabulary's ids: `[channel]  taken by: consult.members body=`
            # says that consult.members' body= takes channels as well as bodies
            by = msg("vocab.taken_by", params=", ".join(takers[k])).get(lang.value) if takers.get(k) else ""
            lines.append(f"[{k}]  {by}".rstrip())
            lines += [f"  {r['id']:<36} {label(r['label'], lang)}" for r in rows]
        return "\n".join(lines)

    emit(data if kind is None else data[kind], as_json, render)


def _order(fw: Any, ent_id: str) -> int:
    facts = fw.facts(ent_id, "order")
    return int(facts[0].value) if facts else 0


@app.command()
def bodies(on: OnOpt = None, as_json: JsonOpt = False, lang: LangOpt = Lang.en) -> None:
    """The consultation bodies and who sits on them, as of a date. / 協議の場と出席対象者"""
    fw = framework(lang)
    day = as_of(on, lang)
    rows = bodies_on(fw, day)
    data = {"on": day.isoformat(), "on_era": era_string(day), "bodies": rows}

    def render() -> str:
        side_names = {"jpn": label(fw["jpn"].label.as_json(), lang), "usa": label(fw["usa"].label.as_json(), lang)}
        lines = [f"{'基準日' if lang == Lang.ja else 'As of'} {day} ({era_string(day)})", ""]
        for body in rows:
            lines.append(f"{label(body['label'], lang)} [{body['id']}]")
            if not body["exists"]:
                lines.append("  " + ("（未設置）" if lang == Lang.ja else "(not yet established)"))
                lines.append("")
                continue
            for attr in ("purpose", "legal_basis"):
                if attr in body:
                    lines.append(f"  {attr}: {label(body[attr]['value'], lang)}")
            for side, members in body["members"].items():
                names = [label(m["label"], lang) for m in members]
                names += [label(n["text"], lang) for n in body["membership_notes"][side]]
                lines.append(f"  {side_names[side]}: {' / '.join(names) or '-'}")
            lines.append("")
        return "\n".join(lines)

    emit(data, as_json, render)


@app.command("timeline")
def timeline_cmd(
    start: Annotated[str | None, typer.Option("--from", help="First date (inclusive). / 開始日")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last date (inclusive). / 終了日")] = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """The history of the arrangements as a timeline, filtered by dates. / 日米同盟の経緯"""
    fw = framework(lang)
    # `--from ''` was taken as no date at all, silently, where `bodies --on ''` is refused
    first = as_of(start, lang) if start is not None else None
    last = as_of(end, lang) if end is not None else None
    if first and last and last < first:  # it listed nothing, with exit status 0
        fail(msg("date.end_before_start", start=first.isoformat(), end=last.isoformat()), lang)
    rows = timeline(fw, first, last)

    def render() -> str:
        out = []
        for r in rows:
            day = r["date"] if r["precision"] == "day" else r["date"][: 7 if r["precision"] == "month" else 4]
            out.append(f"{day}  {label(r['label'], lang)}  [{r['id']}]")
        return "\n".join(out) or "-"

    emit(rows, as_json, render)


def _period_text(version: dict[str, Any], lang: Lang) -> str:
    """A version's period in force; a political document's issue, or a signature with no stated
    entry into force, in words (their `from`, or none, read as a period in force)."""
    if version.get("enters_into_force") is False:
        return msg("cli.instruments_issued", date=version.get("issued") or "?").get(lang.value)
    if version["from"] is None and version.get("signed"):
        return msg("cli.instruments_signed", date=version["signed"]).get(lang.value)
    return f"{version['from'] or '?':>10} – {version['to'] or '':<10}"


@app.command("instruments")
def instruments_cmd(
    on: OnOpt = None,
    kind: Annotated[
        str | None,
        typer.Option("--kind", help="Only families with this type (treaty, agreement, guidelines, law...). / 種類"),
    ] = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Instruments in families of versions (amendments, successors), with periods in force. / 条約・文書とその版"""
    kinds = schema.INSTRUMENT_TYPES.choices
    if kind is not None and kind not in kinds:  # it listed nothing, with exit status 0
        fail(msg("instruments.unknown_kind", kind=kind, allowed=", ".join(kinds)), lang)
    fw = framework(lang)
    day = as_of(on, lang)
    families = instruments_view(fw, day, kind)
    mark = {True: "*", False: " ", None: "?"}

    def render() -> str:
        out = []
        for family in families:
            out.append(label(family["label"], lang))
            for v in family["versions"]:
                period = _period_text(v, lang)
                out.append(f"  {mark[v.get('in_force')]} {period}  {label(v['label'], lang)}  [{v['id']}]")
        legend = msg("cli.instruments_legend", on=day.isoformat()).get(lang)
        return "\n".join([*out, "", legend]) if out else "-"

    emit(families, as_json, render)


@app.command()
def show(
    ent_id: Annotated[str, typer.Argument(metavar="ID", help="Entity id. / 識別子")],
    on: OnOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Everything the pack says of one entity, with dates and sources. / 実体の詳細"""
    fw = framework(lang)
    ent = fw.get(ent_id)
    if ent is None:
        fail(msg("entity.unknown", id=ent_id), lang)
    day = as_of(on, lang) if on is not None else None  # `--on ''` showed every fact, as without --on
    data = entity_view(fw, ent, day)

    def render() -> str:
        lines = [f"{label(data['label'], lang)} [{data['id']}] ({_words('kind', data['kind'], lang)})"]
        period = data["period"]
        if period["from"] or period["to"]:
            lines.append(f"  {period['from'] or '…'} – {period['to'] or '…'}")
        for name in data["names"]:
            lines.append(
                f"  {msg('ui.names').get(lang.value)}: {label(name['label'], lang)}  {name['from'] or '…'} – {name['to'] or '…'}"
            )
        attrs = schema.KINDS.get(data["kind"], {})
        precision = next((f["value"] for f in data["facts"] if f["attr"] == "precision"), "day")
        for fact in data["facts"]:
            atype = attrs[fact["attr"]].type if fact["attr"] in attrs else None
            shown = _shown(fact["attr"], atype, fact["value"], lang, precision)
            span = f"{fact['from'] or '…'} – {fact['to'] or '…'}"
            lines.append(f"  {_words('attr', fact['attr'], lang)}: {shown}  [{span}]  ({cite_line(fact['citations'])})")
        if data["citations"]:
            lines.append(f"  {msg('ui.sources').get(lang.value)}: {cite_line(data['citations'])}")
        lines.append(f"  {msg('ui.pack_file').get(lang.value)}: {data['source_file']}")
        return "\n".join(lines)

    emit(data, as_json, render)


@app.command()
def check(
    pack_dir: Annotated[Path, typer.Argument(metavar="PACK_DIR", help="A pack directory. / パックのディレクトリ")],
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Load a pack and report every problem with its file and line; exit 2 if any. / パックの検証"""
    from anpo.framework.model import Problem
    from anpo.rules import provisions
    from anpo.rules.core import all_questions

    try:
        fw, problems = load_pack(pack_dir)
    except OSError as exc:  # a name too long, a directory gone while read (/proc): was a traceback
        fw, problems = None, [Problem(str(pack_dir), 0, msg("load.unreadable", detail=exc.strerror or str(exc)))]
    if fw is not None:
        problems = [*problems, *_missing_provisions(fw, all_questions()), *provisions.check(fw)]
    if as_json:
        emit({"problems": [p.as_json() for p in problems]}, True, str)
    else:
        for p in problems:
            typer.echo(p.render(lang.value))
    if problems:
        if not as_json:
            found = msg("check.problems", count=len(problems)) if len(problems) > 1 else msg("check.problem")
            typer.echo(found.get(lang.value), err=True)
        raise typer.Exit(2)
    if not as_json and fw is not None:
        files = len(list(pack_dir.rglob("*.yaml")))
        typer.echo(msg("check.ok", files=files, entities=len(fw), facts=fw.fact_count()).get(lang.value))


def _vocabulary(fw: Any, kind: str) -> list[Any]:
    """The entries of one vocabulary. ACSA contexts are more than the `acsa_context` entities: the
    agreement also names situations and activities, which keep their own kind in the pack."""
    if kind == "acsa_context":
        from anpo.rules.questions.acsa import ACSA_CONTEXTS

        return [fw.get(i) for i in ACSA_CONTEXTS if fw.get(i) is not None]
    return sorted(fw.of_kind(kind), key=lambda e: (_order(fw, e.id), e.id))


def param_vocabularies(fw: Any, param: Any) -> tuple[str, ...]:
    """The vocabularies (`anpo vocab KIND`) whose ids a question's parameter takes: the kinds of
    entity it names (`consult.members body=`: body and channel), else the first vocabulary that
    holds all its fixed values (`acsa.may_provide provider=`: party); none for the values that name
    no entity of the pack (`area=`) or a free value (a date)."""
    if param.kinds:
        return tuple(param.kinds)
    if not param.choices:
        return ()
    for kind in schema.VOCAB_KINDS:
        if set(param.choices) <= {e.id for e in _vocabulary(fw, kind)}:
            return (kind,)
    return ()


def param_values(fw: Any, param: Any) -> list[tuple[str | None, list[tuple[str, Text]]]]:
    """The values a question's parameter takes, each with its label, grouped by the vocabulary
    they come from (None: fixed values that name no entity, labelled by the catalog's
    `param_value.PARAM.VALUE`); empty for a free value (a date)."""
    allowed = param.allowed(fw)
    if param.kinds:  # in each vocabulary's own order, as `anpo vocab` lists it
        return [(k, [(e.id, e.label) for e in _vocabulary(fw, k) if e.id in allowed]) for k in param.kinds]
    kinds = param_vocabularies(fw, param)
    values = [(v, fw[v].label if v in fw else param_value_label(param.name, v)) for v in allowed]
    return [(kinds[0] if kinds else None, values)] if values else []


def param_value_label(name: str, value: str) -> Text:
    """The words for a parameter's fixed value that names no entity (`combat=none`), else the value."""
    key = f"param_value.{name}.{value}"
    return msg(key) if key in MESSAGES else Text(value, value)


def taken_by(fw: Any) -> dict[str, list[str]]:
    """For each vocabulary, the question parameters that take its ids, with the other
    vocabularies each also takes: body's `consult.members body= (+ channel)`."""
    from anpo.rules.core import all_questions

    out: dict[str, list[str]] = {}
    for q in all_questions():
        for p in q.params:
            kinds = param_vocabularies(fw, p)
            for kind in kinds:
                others = [k for k in kinds if k != kind]
                also = f" (+ {', '.join(others)})" if others else ""
                out.setdefault(kind, []).append(f"{q.name} {p.name}={also}")
    return out


VOCAB_DOC_BEGIN = "<!-- BEGIN vocabularies (generated by anpo.cli.framework_cmds.vocab_markdown; do not edit) -->"
VOCAB_DOC_END = "<!-- END vocabularies -->"


def vocab_markdown(fw: Any) -> str:
    """The vocabularies and the other parameters' fixed values as the Markdown tables of
    docs/questions.md, between VOCAB_DOC_BEGIN and VOCAB_DOC_END, generated from the pack and the
    questions (tests/framework/test_vocab_docs.py holds the document to it); `write_vocab_docs()`
    writes them there."""
    from anpo.rules.core import all_questions

    takers = taken_by(fw)
    out = [VOCAB_DOC_BEGIN, ""]
    for kind in schema.VOCAB_KINDS:
        title = msg(f"kind.{kind}")
        out.append(f"### {title.en} / {title.ja} (`{kind}`)")
        out.append("")
        by = ", ".join(f"`{t}`" for t in takers.get(kind, []))
        out.append(f"`anpo vocab {kind}`. " + (f"Taken by {by}." if by else "No question takes it as a parameter."))
        out.append("")
        out += ["| id | ja | en |", "| --- | --- | --- |"]
        out += [f"| `{e.id}` | {_cell(e.label.ja)} | {_cell(e.label.en)} |" for e in _vocabulary(fw, kind)]
        out.append("")
    seen: dict[str, dict[str, list[str]]] = {}  # parameter -> value -> questions, the longest list's order first
    fixed = [(q, p) for q in all_questions() for p in q.params if p.choices and not param_vocabularies(fw, p)]
    for q, p in sorted(fixed, key=lambda qp: -len(qp[1].choices)):
        for v in p.choices:
            seen.setdefault(p.name, {}).setdefault(v, []).append(q.name)
    out.append("### Other parameters' values")
    out.append("")
    out.append("Fixed values that name no entity of the pack, with the questions that take each.")
    out.append("")
    out += ["| parameter | id | ja | en | taken by |", "| --- | --- | --- | --- | --- |"]
    first: dict[str, int] = {}  # the parameters in the order the questions name them
    for _, p in fixed:
        first.setdefault(p.name, len(first))
    for name, values in sorted(seen.items(), key=lambda nv: first[nv[0]]):
        for v, questions in values.items():
            words = param_value_label(name, v)
            taken = ", ".join(f"`{q}`" for q in sorted(questions))
            out.append(f"| `{name}` | `{v}` | {_cell(words.ja)} | {_cell(words.en)} | {taken} |")
    out += ["", VOCAB_DOC_END]
    return "\n".join(out)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


VOCAB_DOC = Path(__file__).parents[3] / "docs" / "questions.md"


def write_vocab_docs(path: Path = VOCAB_DOC, fw: Any = None) -> bool:
    """Replace the generated part of `path` (docs/questions.md in a source checkout) with
    `vocab_markdown(fw)`; True if it changed."""
    if fw is None:
        from anpo.framework.pack import default_framework

        fw = default_framework()
    text = path.read_text(encoding="utf-8")
    head, begin, rest = text.partition(VOCAB_DOC_BEGIN)
    _, end, tail = rest.partition(VOCAB_DOC_END)
    if not (begin and end):
        raise ValueError(f"{path}: no {VOCAB_DOC_BEGIN} ... {VOCAB_DOC_END} to replace")
    new = head + vocab_markdown(fw) + tail
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


def _missing_provisions(fw: Any, questions: list[Any]) -> list[Any]:
    """Each question names the provisions it implements; they must exist in the pack."""
    from anpo.framework.model import Problem

    out = []
    for q in questions:
        for pid in q.provisions:
            if pid not in fw:
                out.append(Problem("(rules)", 0, msg("load.dangling_ref", id=f"{pid} ({q.name})")))
    return out


# the catalog groups the values of both document types together (as the pages do)
_ENUM_GROUPS = {
    "source_type": "doc_type",
    "instrument_type": "doc_type",
    "protected_asset": "asset",
    "protecting_asset": "asset",
}


def _words(group: str, name: str, lang: Lang) -> str:
    """The catalog's label `GROUP.NAME` (`attr.venue`, `kind.meeting`), else `name` itself."""
    key = f"{group}.{name}"
    return msg(key).get(lang.value) if key in MESSAGES else name


def _shown(attr: str, atype: Any, value: Any, lang: Lang, precision: str) -> str:
    """A fact's value in `anpo show`: an entity by its label, a text in the language, a structure
    with its fields named (a meeting's outcome by its text, its id naming no entity), an enumerated
    value by its label, and a date known only to the year or month as that year or month."""
    if isinstance(value, dict) and "label" in value and "id" in value:
        return label(value["label"], lang) or str(value["id"])
    if isinstance(value, dict) and set(value) == {"ja", "en"}:
        return label(value, lang)
    if isinstance(value, dict):
        fields = atype.fields if atype is not None else {}
        order = {k: n for n, k in enumerate(fields)}  # the schema's order: a participant's position, then name
        items = sorted(value.items(), key=lambda kv: order.get(kv[0], len(order)))
        items = [(k, v) for k, v in items if not (k == "id" and getattr(fields.get(k), "kind", "") == "str")]
        parts = [(k, _shown(k, fields.get(k), v, lang, precision)) for k, v in items]
        if len(parts) == 1:
            return parts[0][1]
        return "; ".join(f"{_words('attr', k, lang)}: {v}" for k, v in parts)
    if isinstance(value, str) and atype is not None and atype.kind == "date":
        return value[: {"year": 4, "month": 7}.get(precision, 10)]
    if isinstance(value, str) and atype is not None and atype.kind == "enum":
        return _words(f"value.{_ENUM_GROUPS.get(attr, attr)}", value, lang)
    return json.dumps(value, ensure_ascii=False)
