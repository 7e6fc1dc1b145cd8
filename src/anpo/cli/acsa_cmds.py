"""`anpo acsa ...`: the ACSA ledger's order lifecycle, balances, ageing, reports and exports, and
`anpo demo`, which fills a database with a reproducible workload."""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from anpo.cli.app import (
    JsonOpt,
    Lang,
    LangOpt,
    OnOpt,
    app,
    as_of,
    cannot_write,
    cite_line,
    emit,
    framework,
    missing_database,
)
from anpo.framework.model import Text

acsa_app = typer.Typer(no_args_is_help=True, help="The ACSA ledger (物品役務相互提供). / ACSA台帳")
app.add_typer(acsa_app, name="acsa")

UrlOpt = Annotated[
    str | None, typer.Option("--url", help="Database URL (default: ANPO_DATABASE_URL or ./anpo.sqlite3). / 接続先")
]
IdOpt = Annotated[
    str | None,
    typer.Option("--id", help="Idempotency id chosen by the client; a retry with it returns the original. / 冪等ID"),
]


# `limit + 1` rows are asked for (to tell whether there are more), bound as an INTEGER: past it the
# drivers failed with a traceback (SQLite past 64 bits, PostgreSQL past 32)
MAX_LIMIT = 2**31 - 2


def _error(text: Text, lang: Lang, as_json: bool, data: dict[str, Any] | None = None, code: int = 2) -> NoReturn:
    if as_json:
        sys.stdout.write(json.dumps(data or {"code": "error", "message": text.as_json()}, ensure_ascii=False) + "\n")
    typer.echo(f"anpo: {text.get(lang.value)}", err=True)
    for reason in (data or {}).get("reasons", []):
        typer.echo(f"  - {reason.get(lang.value, '')} [{cite_line(reason.get('citations', []))}]", err=True)
    raise typer.Exit(code)


@contextmanager
def _engine(url: str | None, lang: Lang, as_json: bool) -> Iterator[Any]:
    """The engine of the ledger's database, which must have been made (`anpo db init`): a SQLite
    file that does not exist is not created (opening it did, and left it empty). A database that
    does not exist or has no ledger exits 1, as the other commands' "cannot use the database" does."""
    from sqlalchemy import inspect

    from anpo.ledger.messages import m
    from anpo.store.db import make_engine, read_only

    missing = missing_database(url)
    if missing is not None:
        _error(missing, lang, as_json, code=1)
    engine = make_engine(url)
    try:
        if not inspect(read_only(engine)).has_table("acsa_commands"):  # a look needs no write lock
            _error(m("no_ledger"), lang, as_json, code=1)
        yield engine
    finally:
        engine.dispose()


@contextmanager
def _reader(url: str | None, lang: Lang, as_json: bool) -> Iterator[Any]:
    from anpo.ledger.messages import LedgerError
    from anpo.ledger.queries import Reader
    from anpo.security.markings import Levels
    from anpo.security.principal import system_principal
    from anpo.store.db import read_only, session_factory, transaction

    fw = framework(lang)
    # reads only: on SQLite one snapshot without the write lock, so writers go on meanwhile
    with (
        _engine(url, lang, as_json) as engine,
        transaction(session_factory(read_only(engine))) as session,
    ):
        try:
            yield Reader(session, Levels(fw), system_principal())
        except LedgerError as exc:
            _error(exc.text, lang, as_json, exc.as_json())


def _run(url: str | None, lang: Lang, as_json: bool, data: dict[str, Any]) -> None:
    """Parse and submit one command; print its result; exit 2 with the reasons if refused."""
    from anpo.ledger.commands import parse
    from anpo.ledger.engine import Ledger
    from anpo.ledger.messages import LedgerError
    from anpo.security.principal import system_principal

    data = {k: v for k, v in data.items() if v is not None}
    data.setdefault("id", uuid.uuid4().hex)
    fw = framework(lang)
    try:
        cmd = parse(data)
    except LedgerError as exc:
        _error(exc.text, lang, as_json, {"id": data["id"], "kind": data.get("kind"), **exc.as_json()})
    with _engine(url, lang, as_json) as engine:
        result = Ledger(engine, fw).execute(system_principal(), cmd)
    if result["code"] not in ("ok", "exists"):
        _error(Text(**result["message"]), lang, as_json, result)
    emit(result, as_json, lambda: _render_result(result, lang))


def _render_result(r: dict[str, Any], lang: Lang) -> str:
    ja = lang == Lang.ja
    head = (
        f"{r['kind']} {r['id']}: {'受付済み（再送）' if ja else 'already done (retry)'}"
        if r["code"] == "exists"
        else f"{r['kind']} {r['id']}: ok"
    )
    out = [
        head,
        f"  {'発注' if ja else 'order'} {r['order']} — {r['status']} ({r['postings']} {'仕訳' if ja else 'postings'})",
    ]
    for ob in r.get("obligations", []):
        out.append(f"  {ob['id']}: {ob['owed']} {ob['commodity']} {'期限' if ja else 'due'} {ob['due_on']}")
    for a in r.get("applied", []):
        out.append(f"  {a['obligation']}: {a['amount']} {a['commodity']} ({'残' if ja else 'left'} {a['left']})")
    for reason in r.get("reasons", []):
        out.append(f"  - {reason[lang.value]} [{cite_line(reason['citations'])}]")
    return "\n".join(out)


def _kv(text: str, lang: Lang, as_json: bool, allowed: Sequence[str] | None = None) -> dict[str, str]:
    """`name=value,...` as a dict; a name given twice (the last was kept, silently) or, with
    `allowed`, one not in it (it was dropped, silently) is refused."""
    from anpo.i18n import msg

    out = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        if not sep:
            _error(Text(f"「{part}」は 名前=値 の形で書いてください。", f"'{part}' must be name=value."), lang, as_json)
        key = key.strip()
        if key in out:
            _error(msg("cli.repeated_name", name=key, text=text), lang, as_json)
        if allowed is not None and key not in allowed:
            _error(msg("cli.unknown_name", name=key, text=text, allowed=", ".join(allowed)), lang, as_json)
        out[key] = value.strip()
    return out


@acsa_app.command("order")
def order_cmd(
    provider: Annotated[str, typer.Option("--provider", help="Providing side: jpn or usa. / 提供側")],
    context: Annotated[str, typer.Option("--context", help="ACSA context, e.g. joint_training. / 場面")],
    method: Annotated[str, typer.Option("--method", help="Requested settlement method. / 決済方法")],
    line: Annotated[
        list[str],
        typer.Option(
            "--line",
            help="category=fuel,item=jp8,unit=l,quantity=1000,unit_price=0.85,currency=USD (repeatable). / 品目",
        ),
    ],
    unit: Annotated[str, typer.Option("--unit", help="Requesting unit. / 要請部隊")] = "",
    on: OnOpt = None,
    cid: IdOpt = None,
    url: UrlOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Raise an order (refused, with reasons and citations, where the law does not allow it). / 発注"""
    from anpo.ledger.commands import LINE_FIELDS

    lines = [_kv(x, lang, as_json, LINE_FIELDS) for x in line]
    data = {"kind": "order", "id": cid, "on": as_of(on, lang), "provider": provider, "context": context}
    _run(url, lang, as_json, {**data, "method": method, "requesting_unit": unit, "lines": lines})


@acsa_app.command("sign")
def sign_cmd(
    order: Annotated[str, typer.Argument(help="Order id. / 発注ID")],
    party: Annotated[str, typer.Option("--party", help="Signing side: jpn or usa. / 署名する側")],
    on: OnOpt = None,
    cid: IdOpt = None,
    url: UrlOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Sign an order for one side; it binds once both have signed. / 署名"""
    _run(url, lang, as_json, {"kind": "sign", "id": cid, "on": as_of(on, lang), "order": order, "party": party})


@acsa_app.command("deliver")
def deliver_cmd(
    order: Annotated[str, typer.Argument(help="Order id. / 発注ID")],
    line: Annotated[list[str], typer.Option("--line", help="LINE=QUANTITY, e.g. 1=600 (repeatable). / 引渡し数量")],
    doc: Annotated[list[str], typer.Option("--doc", help="Supporting document (repeatable). / 裏付け書類")],
    on: OnOpt = None,
    cid: IdOpt = None,
    url: UrlOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Deliver all or part of an order, with its supporting documents. / 引渡し"""
    lines = [{"line": k, "quantity": v} for x in line for k, v in _kv(x, lang, as_json).items()]
    data = {"kind": "deliver", "id": cid, "on": as_of(on, lang), "order": order, "lines": lines, "documents": doc}
    _run(url, lang, as_json, data)


@acsa_app.command("receive")
def receive_cmd(
    delivery: Annotated[str, typer.Argument(help="Delivery id (the deliver command's id). / 引渡しID")],
    on: OnOpt = None,
    cid: IdOpt = None,
    url: UrlOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Confirm receipt of a delivery (the recipient). / 受領確認"""
    _run(url, lang, as_json, {"kind": "receive", "id": cid, "on": as_of(on, lang), "delivery": delivery})


@acsa_app.command("settle")
def settle_cmd(
    order: Annotated[str, typer.Argument(help="Order id. / 発注ID")],
    method: Annotated[str, typer.Option("--method", help="Settlement method of the order. / 決済方法")],
    amount: Annotated[str, typer.Option("--amount", help="Amount (money or quantity in kind). / 金額・数量")],
    commodity: Annotated[str, typer.Option("--commodity", help="JPY, USD, or the item in kind (JP8_L). / 通貨・品目")],
    line: Annotated[int | None, typer.Option("--line", help="Only this line. / 品目番号")] = None,
    on: OnOpt = None,
    cid: IdOpt = None,
    url: UrlOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Settle (in full or in part) what a received delivery owes. / 決済"""
    data = {"kind": "settle", "id": cid, "on": as_of(on, lang), "order": order, "method": method}
    _run(url, lang, as_json, {**data, "amount": amount, "commodity": commodity, "line": line})


@acsa_app.command("cancel")
def cancel_cmd(
    order: Annotated[str, typer.Argument(help="Order id. / 発注ID")],
    reason: Annotated[str, typer.Option("--reason", help="Why. / 理由")] = "",
    on: OnOpt = None,
    cid: IdOpt = None,
    url: UrlOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Cancel what is not yet delivered, by a new entry (nothing is edited or deleted). / 取消し"""
    _run(url, lang, as_json, {"kind": "cancel", "id": cid, "on": as_of(on, lang), "order": order, "reason": reason})


@acsa_app.command("show")
def show_cmd(
    order: Annotated[str, typer.Argument(help="Order id. / 発注ID")],
    on: OnOpt = None,
    url: UrlOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """One order: lines, obligations (with ageing) and its history. / 発注の詳細"""
    day = as_of(on, lang)
    with _reader(url, lang, as_json) as reader:
        data = reader.order(order, day)
        data["marking"] = {**data["marking"], **reader.marking_json()}

    def render() -> str:
        out = [
            _banner(data["marking"], lang),
            f"{data['id']} {data['provider']}->{data['recipient']} {data['context']} {data['method']} {data['status']}",
        ]
        for x in data["lines"]:
            out.append(f"  {x['line']}: {x['category']} {x['quantity']} {x['unit']} ({x['delivered']} delivered)")
        for ob in data["obligations"]:
            late = " OVERDUE" if ob["overdue"] else ""
            out.append(f"  {ob['id']}: {ob['outstanding']}/{ob['owed']} {ob['commodity']} due {ob['due_on']}{late}")
        for e in data["events"]:
            out.append(f"  {e['on']} {e['kind']} {e['party']} ({e['id']})")
        return "\n".join(out)

    emit(data, as_json, render)


@acsa_app.command("list")
def list_cmd(
    status: Annotated[str | None, typer.Option("--status", help="Only this status. / 状態")] = None,
    provider: Annotated[str | None, typer.Option("--provider", help="Only this provider. / 提供側")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only orders with overdue items. / 期限超過のみ")] = False,
    limit: Annotated[
        int, typer.Option("--limit", min=0, max=MAX_LIMIT, help="At most this many (0: all). / 件数")
    ] = 100,
    on: OnOpt = None,
    url: UrlOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Orders, with overdue ones marked, under the banner of what they hold. / 発注一覧"""
    from anpo.ledger.commands import STATUSES, choice
    from anpo.ledger.messages import LedgerError
    from anpo.rules.questions.acsa import PROVIDERS

    try:  # as the API does: an unknown status or provider is a mistake, not an empty list
        if status is not None:
            choice("status", status, STATUSES)
        if provider is not None:
            choice("provider", provider, PROVIDERS)
    except LedgerError as exc:
        _error(exc.text, lang, as_json, exc.as_json())
    day = as_of(on, lang)
    with _reader(url, lang, as_json) as reader:
        rows = reader.orders(day, status, provider, overdue, limit)
        marking = reader.marking_json()
    flag = "期限超過" if lang == Lang.ja else "OVERDUE"
    lines = (
        f"{r['id']} {r['order_date']} {r['provider']}->{r['recipient']} {r['status']}{' ' + flag if r['overdue'] else ''}"
        for r in rows
    )
    data = {"on": day.isoformat(), "count": len(rows), "orders": rows, "marking": marking}
    emit(data, as_json, lambda: "\n".join([_banner(marking, lang), *lines]))


@acsa_app.command("balances")
def balances_cmd(url: UrlOpt = None, as_json: JsonOpt = False, lang: LangOpt = Lang.en) -> None:
    """Balances per account and commodity (sums of postings), with the marking of what they sum. / 残高"""
    from anpo.ledger.policy import name_of
    from anpo.ledger.postings import account_label

    with _reader(url, lang, as_json) as reader:
        rows = reader.balances()
        marking = reader.marking_json()
    for r in rows:
        r.pop("units")

    def render() -> str:
        fw = framework(lang)
        words = {r["account"]: account_label(r["account"], lambda x: name_of(fw, x)).get(lang.value) for r in rows}
        # the account's id first (what exports and `--json` name), then the account in words
        lines = (f"{r['account']:<48} {r['amount']:>20} {r['commodity']:<14} {words[r['account']]}" for r in rows)
        return "\n".join([_banner(marking, lang), *lines])

    emit({"balances": rows, "marking": marking}, as_json, render)


@acsa_app.command("verify")
def verify_cmd(url: UrlOpt = None, as_json: JsonOpt = False, lang: LangOpt = Lang.en) -> None:
    """Recompute every running figure from the postings; list what disagrees and exit 1 if anything
    does. / 台帳の検証"""
    from anpo.ledger.messages import m
    from anpo.ledger.queries import verify
    from anpo.store.db import read_only, session_factory, transaction

    # it only reads: on SQLite, without the write lock, so writers go on while it checks
    with (
        _engine(url, lang, as_json) as engine,
        transaction(session_factory(read_only(engine))) as session,
    ):
        problems = verify(session)
    lines = [p.get(lang.value) for p in problems] or [m("verify_sound").get(lang.value)]
    emit({"ok": not problems, "problems": [p.as_json() for p in problems]}, as_json, lambda: "\n".join(lines))
    if problems:
        raise typer.Exit(1)


def _banner(marking: dict[str, Any], lang: Lang) -> str:
    """The banner line of a marking (`Reader.marking_json`) in the chosen language."""
    return str(marking["banner_ja"] if lang == Lang.ja else marking["banner_en"])


@acsa_app.command("ageing")
def ageing_cmd(on: OnOpt = None, url: UrlOpt = None, as_json: JsonOpt = False, lang: LangOpt = Lang.en) -> None:
    """Unsettled amounts by months since delivery (0-6, 6-12, 12-18, 18+); settlement is due
    12 months after delivery. / 未決済の経過期間"""
    day = as_of(on, lang)
    with _reader(url, lang, as_json) as reader:
        data = reader.ageing(day)
    for item in data["overdue"]:
        item.pop("outstanding_units")

    def render() -> str:
        from anpo.i18n import term
        from anpo.ledger.policy import name_of

        fw, code = framework(lang), lang.value
        buckets = (term("ui.acsa.bucket", b).get(code) for b in data["buckets"])
        out = [
            _banner(data["marking"], lang),
            f"{'基準日' if lang == Lang.ja else 'as of'} {data['on']}: " + " | ".join(buckets),
        ]
        for r in data["rows"]:
            figures = " | ".join(r["buckets"].values()) + f" = {r['total']}"
            # the ids first (as `--json` names them), then the debtor and the commodity in words
            words = f"{name_of(fw, r['debtor']).get(code)} / {term('ui.acsa.commodity', r['commodity']).get(code)}"
            out.append(f"  {r['debtor']} {r['commodity']}: {figures}  {words}")
        out.append(f"{'期限超過' if lang == Lang.ja else 'overdue'}: {len(data['overdue'])}")
        return "\n".join(out)

    emit(data, as_json, render)


@acsa_app.command("report")
def report_cmd(
    fy: Annotated[int, typer.Option("--fy", help="Fiscal year. / 年度")],
    calendar: Annotated[
        str, typer.Option("--calendar", help="jp (April-March) or us (October-September). / 会計年度")
    ] = "jp",
    fmt: Annotated[
        str, typer.Option("--format", help="text (in --lang), json or csv (with --json: json). / 形式")
    ] = "text",
    on: OnOpt = None,
    url: UrlOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Provisions in a fiscal year per agreement: by category and context, totals, settled,
    outstanding, and items unsettled more than a year after delivery. / 年度報告"""
    from anpo.ledger.commands import choice
    from anpo.ledger.messages import LedgerError

    try:
        choice("calendar", calendar, ("jp", "us"))
        choice("format", fmt, ("text", "json", "csv"))
    except LedgerError as exc:
        _error(exc.text, lang, as_json, exc.as_json())
    day = as_of(on, lang)
    with _reader(url, lang, as_json) as reader:
        data = reader.report(fy, calendar, day)
    for ag in data["agreements"]:
        for item in ag["unsettled_over_a_year"]:
            item.pop("outstanding_units")
    if fmt == "csv" and not as_json:
        sys.stdout.write(_report_csv(data))
        return
    emit(data, as_json or fmt == "json", lambda: _report_text(data, lang))


def _report_text(data: dict[str, Any], lang: Lang) -> str:
    """The report as the other read commands print theirs: the banner, then per agreement its
    totals, by category, by context and what is unsettled a year after delivery, in `lang`."""
    from anpo.i18n import t

    def tr(key: str) -> str:
        return t(f"ui.acsa.{key}", lang.value)

    def figures(r: dict[str, Any], key: str) -> str:
        what = f"{r[key]} " if key else ""
        return (
            f"    {what}{r['provider'].upper()} {r['commodity']}: {tr('provisions')} {r['provisions']}"
            f" · {tr('provided')} {r['provided']} · {tr('settled')} {r['settled']}"
            f" · {tr('outstanding')} {r['outstanding']}"
        )

    as_of = "基準日" if lang == Lang.ja else "as of"
    out = [
        _banner(data["marking"], lang),
        f"{tr('report')}: {data['fy']} ({tr('calendar_' + data['calendar'])}) {data['from']} – {data['to']}"
        f" ({as_of} {data['on']})",
    ]
    for ag in data["agreements"]:
        out.append(f"{tr('agreement')}: {ag['agreement']}")
        for title, rows, key in (
            ("total", ag["totals"], ""),
            ("by_category", ag["by_category"], "category"),
            ("by_context", ag["by_context"], "context"),
        ):
            out.append(f"  {tr(title)}")
            out.extend(figures(r, key) for r in rows)
        if ag["unsettled_over_a_year"]:
            out.append(f"  {tr('late')}")
            out.extend(
                f"    {ob['order']}: {ob['outstanding']} {ob['commodity']} ({ob['delivered_on']})"
                for ob in ag["unsettled_over_a_year"]
            )
    if not data["agreements"]:
        out.append(tr("none"))
    return "\n".join(out)


def _report_csv(data: dict[str, Any]) -> str:
    import csv
    import io

    out = io.StringIO()
    out.write(f"# {data['marking']['banner_en']}\n# {data['marking']['banner_ja']}\n")
    w = csv.writer(out, lineterminator="\n")
    w.writerow(
        ("agreement", "group", "key", "provider", "commodity", "provisions", "provided", "settled", "outstanding")
    )
    for ag in data["agreements"]:
        for group in ("category", "context"):
            for r in ag[f"by_{group}"]:
                w.writerow(
                    (
                        ag["agreement"],
                        group,
                        r[group],
                        r["provider"],
                        r["commodity"],
                        r["provisions"],
                        r["provided"],
                        r["settled"],
                        r["outstanding"],
                    )
                )
        for r in ag["totals"]:
            w.writerow(
                (
                    ag["agreement"],
                    "total",
                    "",
                    r["provider"],
                    r["commodity"],
                    r["provisions"],
                    r["provided"],
                    r["settled"],
                    r["outstanding"],
                )
            )
    return out.getvalue()


@acsa_app.command("export")
def export_cmd(
    fmt: Annotated[str, typer.Option("--format", help="json, csv or beancount. / 形式")] = "json",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File (default: stdout). / 出力先")] = None,
    url: UrlOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Every posting and balance as JSON, CSV or a beancount ledger that bean-check accepts. / 出力"""
    from anpo.files import write_atomic
    from anpo.ledger.commands import choice
    from anpo.ledger.export import FORMATS, export
    from anpo.ledger.messages import LedgerError

    try:
        choice("format", fmt, FORMATS)
    except LedgerError as exc:
        _error(exc.text, lang, as_json, exc.as_json())
    with _reader(url, lang, as_json) as reader:
        text = export(reader, fmt)
        marking = reader.marking_json()
    if output is None:
        sys.stdout.write(text)
        return
    try:
        write_atomic(output, text)
    except OSError as exc:
        _error(cannot_write(output, exc), lang, as_json)
    emit(
        {"format": fmt, "output": str(output), "bytes": len(text.encode()), "marking": marking},
        as_json,
        lambda: f"{output} ({_banner(marking, lang)})",
    )


@app.command("demo")
def demo_cmd(
    orders: Annotated[int, typer.Option("--orders", help="How many orders. / 発注数")] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Random seed. / 乱数の種")] = 1,
    batch: Annotated[int, typer.Option("--batch", help="Commands per transaction. / 一括件数")] = 500,
    url: UrlOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Fill the database with a realistic, reproducible ACSA workload. / デモデータの投入"""
    from anpo.ledger.demo import Demo, interleave, summary
    from anpo.ledger.engine import Ledger
    from anpo.security.principal import system_principal
    from anpo.startup import settle
    from anpo.store.db import database_url, make_engine
    from anpo.store.migrate import init_database

    fw = framework(lang)
    engine = make_engine(url or database_url())
    try:
        init_database(engine)
        ledger = Ledger(engine, fw)
        settle()  # what is loaded by now lives as long as the process: keep it out of collections
        cmds = interleave(list(Demo(fw, seed).lifecycles(orders)))
        results: list[dict[str, Any]] = []
        step = max(batch, 1)
        for i in range(0, len(cmds), step):
            results.extend(ledger.submit(system_principal("jpn"), cmds[i : i + step]))
    finally:
        engine.dispose()
    data = {"orders": orders, "seed": seed, "commands": len(cmds), "results": summary(results)}
    emit(data, as_json, lambda: f"{orders} orders, {len(cmds)} commands: {data['results']}")
