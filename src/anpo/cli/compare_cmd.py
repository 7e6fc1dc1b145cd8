"""`anpo compare A B`: what the framework states as of two white-paper editions, side by side."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from anpo.cli.app import JsonOpt, Lang, LangOpt, app, emit, framework, label
from anpo.compare import CompareError, compare
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
    if "bodies" in data:
        lines += _bodies(fw, data["bodies"], lang)
    if "acsa" in data:
        lines += _acsa(fw, data["acsa"], lang)
    if "instruments" in data:
        lines += _instruments(fw, data["instruments"], lang)
    return "\n".join(lines)


def _heading(topic: str, lang: Lang) -> list[str]:
    return ["", f"== {t(f'ui.compare.topic.{topic}', lang.value)} =="]


def _change(row: dict[str, Any], what: str, lang: Lang, fw: Framework) -> list[str]:
    status = t(f"ui.compare.status.{row['status']}", lang.value)
    return [f"  [{status}] {what}", f"      {_cites(fw, row['citations'], lang)}"]


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
        for row in body["rows"]:
            if row["status"] == "same":
                continue
            side = label(fw[row["side"]].label.as_json(), lang)
            a, b = (_on(row[k], label(row[k]["label"], lang)) if row[k] else "" for k in "ab")
            lines += _change(row, f"{side}: {' → '.join(x for x in (a, b) if x)}", lang, fw)
        lines += _unchanged(body["rows"], lang)
    return lines


def _categories(items: list[dict[str, Any]], lang: Lang) -> str:
    return ", ".join(label(c["label"], lang) for c in items) or t("ui.compare.none", lang.value)


def _acsa(fw: Framework, acsa: dict[str, Any], lang: Lang) -> list[str]:
    lines = _heading("acsa", lang)
    agreement = acsa["agreement"]
    shown = " → ".join(_on(agreement[k], label(agreement[k]["label"], lang)) for k in "ab")
    lines += _change(agreement, f"{t('ui.compare.agreement', lang.value)}: {shown}", lang, fw)
    for provider in ("jpn", "usa"):
        rows = [r for r in acsa["coverage"] if r["provider"] == provider]
        lines.append(t(f"ui.compare.provider.{provider}", lang.value))
        for row in rows:
            if row["status"] == "same":
                continue
            parts = [label(row["context"]["label"], lang)]
            if row["gained"]:
                parts.append(f"{t('ui.compare.gained', lang.value)}: {_categories(row['gained'], lang)}")
            if row["lost"]:
                parts.append(f"{t('ui.compare.lost', lang.value)}: {_categories(row['lost'], lang)}")
            for k in "ab":
                if row[k]["undetermined"]:
                    words = f"{t('ui.compare.undetermined', lang.value)} ({row[k]['on']})"
                    parts.append(f"{words}: {_categories(row[k]['undetermined'], lang)}")
            lines += _change(row, " — ".join(parts), lang, fw)
        lines += _unchanged(rows, lang)
    return lines


def _instruments(fw: Framework, rows: list[dict[str, Any]], lang: Lang) -> list[str]:
    lines = _heading("instruments", lang)
    words = {True: t("ui.yes", lang.value), False: t("ui.no", lang.value), None: t("ui.not_stated", lang.value)}
    for row in rows:
        if row["status"] == "same":
            continue
        cells = [f"{row[k]['on']}: {words[row[k]['in_force']]}" for k in "ab"]
        name = label(row["a"]["label"], lang)
        if row["status"] == "renamed":
            name = f"{name} → {label(row['b']['label'], lang)}"
        lines += _change(row, f"{name} ({t('ui.in_force_on', lang.value)} {', '.join(cells)})", lang, fw)
    lines += _unchanged(rows, lang)
    return lines
