"""Reading the audit log: its entries filtered and a page at a time, newest first, as the reader
may see them (the CLI's `anpo audit list`, the web's `GET /api/audit` and `/audit`).

Each entry carries the marking of the record it is about, and the same rule as every read applies
to it (`anpo.security.access`): the condition in SQL (`read_condition`, so that pages fill in the
database), then each row again (`can_read`). An entry about a record the reader may not read does
not exist for them: it is neither shown nor counted.

Pages follow the entry ids (the chain's order, which is the order of writing), not an offset:
`cursor` is the id of the last entry of the page before, and a page holds the entries older than
it. Entries written while a reader pages (their own `audit.read` ones among them) are newer than
any cursor, so they never push an entry onto the next page twice or hide one.

Nothing here writes, and the table, its hashes, `audit.record` and `audit.verify` are unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Connection, Table, select
from sqlalchemy.orm import Session

from anpo.dates import LATEST, DateError, parse_date
from anpo.framework.model import Text
from anpo.i18n import msg
from anpo.security.access import can_read, read_condition
from anpo.security.audit import AuditEntry
from anpo.security.markings import PUBLIC, Levels, Marking
from anpo.security.principal import Principal

OUTCOMES = ("ok", "denied")
DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
MAX_CURSOR = 2**31 - 1  # audit_log.id is an INTEGER (PostgreSQL's int4): past it the driver fails
_SHOWN = 100  # characters of a refused value repeated in its message

# The actions the log records, in words (the filter and the JSON keep the id); an action not
# listed (a newer one) is shown as it is.
ACTION_LABELS: dict[str, Text] = {
    "login": Text("ログイン", "login"),
    "logout": Text("ログアウト", "logout"),
    "csrf": Text("CSRFトークンの確認", "CSRF token check"),
    "read": Text("閲覧", "read"),
    "audit.read": Text("監査ログの閲覧", "audit log read"),
    "accounts.admin": Text("利用者の管理", "user administration"),
    "user.create": Text("利用者の登録", "user created"),
    "user.disable": Text("利用者の無効化", "user disabled"),
    "user.enable": Text("利用者の有効化", "user enabled"),
    "token.create": Text("APIトークンの発行", "API token issued"),
    "acsa.order": Text("ACSA：発注", "ACSA: order"),
    "acsa.sign": Text("ACSA：署名", "ACSA: signature"),
    "acsa.deliver": Text("ACSA：引渡し", "ACSA: delivery"),
    "acsa.receive": Text("ACSA：受領", "ACSA: receipt"),
    "acsa.settle": Text("ACSA：決済", "ACSA: settlement"),
    "acsa.cancel": Text("ACSA：取消し", "ACSA: cancellation"),
    "acsa.correct": Text("ACSA：訂正", "ACSA: correction"),
    "acsa.batch": Text("ACSA：一括処理", "ACSA: batch"),
    "work.import": Text("資料の取込み", "import of the sources"),
    "work.meeting.write": Text("会合の記録", "meeting recorded"),
    "work.commitment.write": Text("約束の記録", "commitment recorded"),
    "work.case.open": Text("調整案件の開始・終了", "coordination case opened or closed"),
    "work.case.post": Text("調整案件への記録", "entry in a coordination case"),
    "work.determination.write": Text("事態の認定の記録", "situation determination recorded"),
    "work.protection.request": Text("武器等防護の要請", "asset protection requested"),
    "work.protection.decide": Text("武器等防護の決定・実施", "asset protection decided or carried out"),
    "work.booking.write": Text("施設の予約", "facility booking"),
    "work.exercise.control": Text("机上演習の統制", "exercise control"),
    "work.exercise.act": Text("机上演習での行動", "exercise action"),
}
# Actors that are no user: the one not logged in, and anpo itself.
ACTOR_LABELS: dict[str, Text] = {
    "anonymous": Text("未ログインの利用者", "anonymous (not logged in)"),
    "system": Text("システム", "system"),
}
# The keys of an entry's detail, in words (others are shown as they are).
DETAIL_LABELS: dict[str, Text] = {
    "filters": Text("絞り込み", "filters"),
    "cursor": Text("続きの位置", "cursor"),
    "entries": Text("件数", "entries"),
    "reason": Text("理由", "reason"),
    "name": Text("名前", "name"),
    "op": Text("操作", "operation"),
    "type": Text("種類", "type"),
    "kind": Text("種類", "kind"),
    "kinds": Text("種類", "kinds"),
    "command": Text("コマンド", "command"),
    "commands": Text("コマンド数", "commands"),
    "postings": Text("仕訳", "postings"),
    "ids": Text("ID", "ids"),
    "meeting": Text("会合", "meeting"),
    "body": Text("協議の場", "body"),
    "done_on": Text("完了日", "done on"),
    "on": Text("日付", "on"),
    "scenario": Text("シナリオ", "scenario"),
    "seed": Text("シード", "seed"),
    "inject": Text("状況付与", "inject"),
    "script": Text("台本の行動", "script"),
    "do": Text("行動", "action"),
    "outcome": Text("結果", "outcome"),
}


def action_label(action: str) -> Text:
    """An action in words (`audit.read`: 監査ログの閲覧 / audit log read); an unknown one as it is."""
    return ACTION_LABELS.get(action) or Text(action, action)


def actor_label(actor: str) -> Text:
    """An actor in words where it is no user (`anonymous`, `system`); a user id as it is."""
    return ACTOR_LABELS.get(actor) or Text(actor, actor)


def _detail_value(value: Any, lang: str) -> str:
    if value is True or value is False:
        return msg("ui.yes" if value else "ui.no").get(lang)
    if isinstance(value, dict):
        return ", ".join(f"{k}={_detail_value(v, lang)}" for k, v in value.items() if v is not None) or "-"
    if isinstance(value, list):
        return ", ".join(_detail_value(v, lang) for v in value) or "-"
    return str(value)


def detail_text(detail: Any, lang: str) -> str:
    """An entry's detail as one readable line in `lang` ("件数: 3 · 絞り込み: action=login"): its
    keys in words where known, nulls left out; "" for none. Detail that is not an object (text
    written by hand) is shown as it is."""
    if detail in ({}, None, ""):
        return ""
    if not isinstance(detail, dict):
        return _detail_value(detail, lang)
    sep = "：" if lang == "ja" else ": "
    parts = [
        f"{(DETAIL_LABELS[k].get(lang) if k in DETAIL_LABELS else k)}{sep}{_detail_value(v, lang)}"
        for k, v in detail.items()
        if v is not None and v != {}
    ]
    return " · ".join(parts)


def shown_at(at: str) -> str:
    """An entry's time (ISO, UTC, to the microsecond as stored) to the second: "2026-05-01 10:20:30"."""
    return at[:19].replace("T", " ")


_LOG = cast(Table, AuditEntry.__table__)
_COLUMNS = [c for c in _LOG.c if c.name not in ("prev_hash", "hash")]


class AuditQueryError(ValueError):
    """A filter that cannot be read; `text` says which and what it takes, in both languages."""

    def __init__(self, name: str, text: Text) -> None:
        self.field = name
        self.text = text
        super().__init__(text.en)


@dataclass(frozen=True)
class AuditQuery:
    """What to read: each filter is exact (`None`: any). `since` and `until` bound `at` (UTC ISO
    text, as stored): `since` <= at < `until`."""

    record_type: str | None = None
    record_id: str | None = None
    actor: str | None = None
    action: str | None = None
    outcome: str | None = None
    since: str | None = None
    until: str | None = None
    limit: int = DEFAULT_LIMIT
    cursor: int | None = None
    given: dict[str, str] = field(default_factory=dict)  # the filters as the reader wrote them

    def filters(self) -> dict[str, str]:
        """The filters given (not the page: `limit`, `cursor`), as written: for a page's form and
        for the audit entry of the read."""
        return dict(self.given)


def _shown(value: str) -> str:
    return value if len(value) <= _SHOWN else value[:_SHOWN] + "…"


def _text(name: str, value: str | None) -> str | None:
    """A filter's text: None when not given (or empty). Refused: a NUL, or what is not text
    (a command line's bytes that are not UTF-8), which neither database could compare."""
    if value is None or value == "":
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise AuditQueryError(name, msg("audit.bad_text", field=name)) from None
    if "\x00" in value:
        raise AuditQueryError(name, msg("audit.bad_text", field=name))
    return value


def parse_record(value: str | None) -> tuple[str | None, str | None]:
    """`TYPE` or `TYPE:ID` (the id may hold colons) as (type, id)."""
    text = _text("record", value)
    if text is None:
        return None, None
    kind, colon, ident = text.partition(":")
    if not kind.strip() or kind != kind.strip() or (colon and not ident):
        raise AuditQueryError("record", msg("audit.bad_record", value=_shown(text)))
    return kind, (ident if colon else None)


def parse_outcome(value: str | None) -> str | None:
    text = _text("outcome", value)
    if text is not None and text not in OUTCOMES:
        raise AuditQueryError("outcome", msg("audit.bad_outcome", value=_shown(text), allowed=", ".join(OUTCOMES)))
    return text


def parse_limit(value: str | int | None) -> int:
    if value is None or value == "":
        return DEFAULT_LIMIT
    number = _whole(value)
    if number is None or not 1 <= number <= MAX_LIMIT:
        raise AuditQueryError("limit", msg("audit.bad_limit", value=_shown(str(value)), most=MAX_LIMIT))
    return number


def parse_cursor(value: str | int | None) -> int | None:
    if value is None or value == "":
        return None
    number = _whole(value)
    if number is None or not 1 <= number <= MAX_CURSOR:
        raise AuditQueryError("cursor", msg("audit.bad_cursor", value=_shown(str(value)), most=MAX_CURSOR))
    return number


def _whole(value: str | int) -> int | None:
    if isinstance(value, int):
        return value
    text = value.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        return None
    return int(text)


def parse_moment(name: str, value: str | None, *, end: bool) -> str | None:
    """A bound of the period as stored text (UTC, ISO 8601 with microseconds), or None.

    A date (YYYY-MM-DD or an era date) is a whole UTC day: from its start, or (`end`) up to the
    start of the next. A date-time is that moment (without an offset: UTC), `end` included."""
    text = _text(name, value)
    if text is None:
        return None
    bad = AuditQueryError(name, msg("audit.bad_time", field=name, value=_shown(text)))
    try:
        day = parse_date(text)
    except DateError:
        pass
    else:
        return (day + dt.timedelta(days=1) if end else day).isoformat()
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise bad from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    try:
        moment = moment.astimezone(dt.UTC)
        if moment.date() > LATEST:
            raise bad
        if end:
            moment += dt.timedelta(microseconds=1)
    except OverflowError:
        raise bad from None
    return moment.isoformat(timespec="microseconds")


def build_query(
    *,
    record: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    outcome: str | None = None,
    start: str | None = None,
    end: str | None = None,
    limit: str | int | None = None,
    cursor: str | int | None = None,
) -> AuditQuery:
    """The query of these filters, as a reader writes them (the CLI's options, the web's query);
    AuditQueryError names the first that cannot be read and what it takes."""
    record_type, record_id = parse_record(record)
    since = parse_moment("from", start, end=False)
    until = parse_moment("to", end, end=True)
    if since is not None and until is not None and until <= since:
        raise AuditQueryError("to", msg("audit.bad_period", start=_shown(start or ""), end=_shown(end or "")))
    written = {"record": record, "actor": actor, "action": action, "outcome": outcome, "from": start, "to": end}
    return AuditQuery(
        record_type=record_type,
        record_id=record_id,
        actor=_text("actor", actor),
        action=_text("action", action),
        outcome=parse_outcome(outcome),
        since=since,
        until=until,
        limit=parse_limit(limit),
        cursor=parse_cursor(cursor),
        given={k: v for k, v in written.items() if v},
    )


@dataclass(frozen=True)
class AuditPage:
    """A page of entries (as JSON), the cursor of the next page (None on the last), and the
    marking of what the page holds (the combination of its entries')."""

    entries: list[dict[str, Any]]
    next_cursor: int | None
    marking: Marking


def read_entries(session: Session | Connection, levels: Levels, principal: Principal, query: AuditQuery) -> AuditPage:
    """The entries `principal` may read that match `query`, newest first, one page."""
    c = _LOG.c
    stmt = select(*_COLUMNS).where(read_condition(levels, principal, c.marking_level, c.releasable_to))
    exact = (
        (c.record_type, query.record_type),
        (c.record_id, query.record_id),
        (c.actor, query.actor),
        (c.action, query.action),
        (c.outcome, query.outcome),
    )
    for column, value in exact:
        if value is not None:
            stmt = stmt.where(column == value)
    if query.since is not None:
        stmt = stmt.where(c.at >= query.since)
    if query.until is not None:
        stmt = stmt.where(c.at < query.until)
    if query.cursor is not None:
        stmt = stmt.where(c.id < query.cursor)
    rows = session.execute(stmt.order_by(c.id.desc()).limit(query.limit + 1)).all()
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    entries: list[dict[str, Any]] = []
    markings: list[Marking] = []
    for row in rows:
        marking = Marking.from_columns(row.marking_level, row.releasable_to)
        if not can_read(levels, principal, marking):  # the SQL agrees; each row is checked all the same
            continue
        markings.append(marking)
        entries.append(_entry(levels, row, marking))
    # the next page starts after the last entry examined, shown or not: every entry once
    return AuditPage(entries, rows[-1].id if more else None, _combined(levels, markings))


def _entry(levels: Levels, row: Any, marking: Marking) -> dict[str, Any]:
    try:
        detail: Any = json.loads(row.detail) if row.detail else {}
    except ValueError:
        detail = row.detail  # not JSON (written by hand?): shown as it is
    return {
        "id": row.id,
        "at": row.at,
        "actor": row.actor,
        "party": row.party or None,
        "action": row.action,
        "outcome": row.outcome,
        "record": {"type": row.record_type, "id": row.record_id},
        "marking": levels.describe(marking),
        "detail": detail,
    }


def _combined(levels: Levels, markings: list[Marking]) -> Marking:
    """The marking of a page: its entries' combined. A level the pack no longer defines (only the
    system reads one) is named, releasable to nobody, rather than called public."""
    if not markings:
        return PUBLIC
    try:
        return levels.combine(set(markings))
    except ValueError:
        unknown = sorted(m.level for m in markings if m.level not in levels.order)
        return Marking(unknown[-1], frozenset())


def page_json(levels: Levels, query: AuditQuery, page: AuditPage) -> dict[str, Any]:
    """A page as the API and `anpo audit list --json` give it."""
    return {
        "filters": query.filters(),
        "limit": query.limit,
        "cursor": query.cursor,
        "count": len(page.entries),
        "next_cursor": page.next_cursor,
        "entries": page.entries,
        "marking": levels.describe(page.marking),
    }
