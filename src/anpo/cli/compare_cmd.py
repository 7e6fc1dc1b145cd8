"""`anpo compare A B`: what the framework states as of two white-paper editions, side by side."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from anpo.cli.app import JsonOpt, Lang, LangOpt, app, emit, framework, label
from anpo.compare import CompareError, compact_categories, compare, split_citations
from anpo.framework.framework import Framework
from anpo.i18n import t


@app.command("compare")
def compare_cmd(
    edition_a: Annotated[str, typer.Argument(metavar="EDITION_A", help="Edition year, e.g. 2014. / 比較元の版")],
    edition_b: Annotated[str, typer.Argument(metavar="EDITION_B", help="Edition year, e.g. 2024. / 比較先の版")],
    topic: Annotated[
        str | None, typer.Option("--topic", help="bodies, acsa or instruments; all when absent. / 比較の項目")
    ] = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Compare two Defense White Paper editions: bodies, ACSA, instruments in force. / 白書の版の比較"""
    fw = framework(lang)
    try:
        data = compare(fw, edition_a, edition_b, topic)
    except CompareError as exc:
        typer.echo(f"anpo: {exc.text.ja} / {exc.text.en}", err=True)
        raise typer.Exit(2) from None
    emit(data, as_json, lambda: render(fw, data, lang))


def render(fw: Framework, data: dict[str, Any], lang: Lang) -> str:
    """The changes in words of `lang`, each with the date it is stated as of and its citations; the
    rows that did not change are counted, not listed (`--json` has every row)."""
    editions = [
        t("ui.compare.as_of", lang.value, edition=label(data[k]["label"], lang), on=data[k]["on"]) for k in "ab"
    ]
    lines = [" → ".join(editions)]
    if data.get("same_edition"):
        lines.append(t("ui.compare.same_edition", lang.value))
    if "bodies" in data:
        lines += _bodies(fw, data["bodies"], lang)
    if "acsa" in data:
        lines += _acsa(fw, data["acsa"], lang)
    if "instruments" in data:
        lines += _instruments(fw, data["instruments"], lang)
    return "\n".join(lines)


def _heading(topic: str, lang: Lang) -> list[str]:
    return ["", f"== {t(f'ui.compare.topic.{topic}', lang.value)} =="]


def _change(
    row: dict[str, Any], what: str, lang: Lang, fw: Framework, citations: list[dict[str, str]] | None = None
) -> list[str]:
    """A changed row and its citations (`citations`: only its own, those of its whole section
    being given once by `_shared`); no citation line when it has none of its own."""
    status = t(f"ui.compare.status.{row['status']}", lang.value)
    own = row["citations"] if citations is None else citations
    return [f"  [{status}] {what}", *([f"      {_cites(fw, own, lang)}"] if own else [])]


def _shared(fw: Framework, rows: list[dict[str, Any]], lang: Lang) -> tuple[list[str], list[list[dict[str, str]]]]:
    """The line giving the citations every changed row of a section has, and each row's others."""
    shared, own = split_citations(rows)
    line = [f"  {t('ui.compare.shared_sources', lang.value)}: {_cites(fw, shared, lang)}"] if shared else []
    return line, own


def _unchanged(rows: list[dict[str, Any]], lang: Lang) -> list[str]:
    count = sum(r["status"] == "same" for r in rows)
    return [f"  ({t('ui.compare.unchanged', lang.value, count=count)})"] if count else []


def _cites(fw: Framework, citations: list[dict[str, str]], lang: Lang) -> str:
    """Citations by their sources' short names in `lang`, as the pages show them."""
    out = []
    for c in citations:
        src = fw.get(c["source"])
        name = (src.short or src.label).get(lang.value) if src is not None else c["source"]
        out.append(f"[{name} {c['locator']}]".replace(" ]", "]"))
    return " ".join(out)


def _on(cell: dict[str, Any] | None, text: str) -> str:
    return f"{text} ({cell['on']})" if cell else ""


def _bodies(fw: Framework, bodies: list[dict[str, Any]], lang: Lang) -> list[str]:
    lines = _heading("bodies", lang)
    for body in bodies:
        lines.append(label(body["label"], lang) + (f" ({label(body['short'], lang)})" if "short" in body else ""))
        changed = [r for r in body["rows"] if r["status"] != "same"]
        shared, own = _shared(fw, changed, lang)
        lines += shared
        for row, cites in zip(changed, own, strict=True):
            side = label(fw[row["side"]].label.as_json(), lang)
            a, b = (_on(row[k], label(row[k]["label"], lang)) if row[k] else "" for k in "ab")
            lines += _change(row, f"{side}: {' → '.join(x for x in (a, b) if x)}", lang, fw, cites)
        lines += _unchanged(body["rows"], lang)
    return lines


def _categories(items: list[dict[str, Any]], lang: Lang, every: list[dict[str, Any]] | None = None) -> str:
    """Categories by name; with `every` (all of them), more than half as: every category but ..."""
    if every is not None:
        shown = compact_categories(items, every)
        if "all_but" in shown:
            if not shown["all_but"]:
                return t("ui.compare.all_categories", lang.value)
            return t("ui.compare.all_but", lang.value, items=_categories(shown["all_but"], lang))
    return ", ".join(label(c["label"], lang) for c in items) or t("ui.compare.none", lang.value)


def _acsa(fw: Framework, acsa: dict[str, Any], lang: Lang) -> list[str]:
    lines = _heading("acsa", lang)
    agreement = acsa["agreement"]
    shown = " → ".join(_on(agreement[k], label(agreement[k]["label"], lang)) for k in "ab")
    lines += _change(agreement, f"{t('ui.compare.agreement', lang.value)}: {shown}", lang, fw)
    for provider in ("jpn", "usa"):
        rows = [r for r in acsa["coverage"] if r["provider"] == provider]
        lines.append(t(f"ui.compare.provider.{provider}", lang.value))
        changed = [r for r in rows if r["status"] != "same"]
        shared, own = _shared(fw, changed, lang)
        lines += shared
        every = acsa.get("categories")
        for row, cites in zip(changed, own, strict=True):
            parts = [label(row["context"]["label"], lang)]
            for key in ("gained", "lost", "undetermined_gained", "undetermined_lost"):
                if row.get(key):
                    parts.append(f"{t(f'ui.compare.{key}', lang.value)}: {_categories(row[key], lang, every)}")
            lines += _change(row, " — ".join(parts), lang, fw, cites)
        lines += _unchanged(rows, lang)
    return lines


def _instruments(fw: Framework, rows: list[dict[str, Any]], lang: Lang) -> list[str]:
    lines = _heading("instruments", lang)
    words = {True: t("ui.yes", lang.value), False: t("ui.no", lang.value), None: t("ui.not_stated", lang.value)}
    changed = [r for r in rows if r["status"] != "same"]
    shared, own = _shared(fw, changed, lang)
    lines += shared
    for row, cites in zip(changed, own, strict=True):
        if row["status"] == "issued":  # a political document: issued, never in force
            cell = row["b"] or row["a"]
            text = f"{label(cell['label'], lang)} ({t('ui.issued_on', lang.value, date=cell['issued'])})"
            lines += _change(row, text, lang, fw, cites)
            continue
        cells = [f"{row[k]['on']}: {words[row[k]['in_force']]}" for k in "ab"]
        name = label(row["a"]["label"], lang)
        if row["status"] == "renamed":
            name = f"{name} → {label(row['b']['label'], lang)}"
        lines += _change(row, f"{name} ({t('ui.in_force_on', lang.value)} {', '.join(cells)})", lang, fw, cites)
    lines += _unchanged(rows, lang)
    return lines
