"""Reading the audit log (`anpo.security.audit_read`, `anpo audit list`): a record's entries newest
first, the filters, pages that give every entry once, the marking rule on every entry, and bad
filters refused in both languages (exit 2, never a traceback). On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest

from anpo.framework.framework import Framework
from anpo.security.audit import record
from anpo.security.audit_read import AuditQueryError, build_query, read_entries
from anpo.security.markings import PUBLIC, Levels
from anpo.security.principal import Principal, system_principal
from anpo.store.db import session_factory, transaction
from audit_history import BOTH, SATO, SMITH, write_history


def _read(engine: Any, fw: Framework, who: Principal, **filters: Any) -> list[dict[str, Any]]:
    with transaction(session_factory(engine)) as s:
        return read_entries(s, Levels(fw), who, build_query(**filters)).entries


def _seen(entries: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(e["actor"], e["action"], f"{e['record']['type']}:{e['record']['id']}") for e in entries]


def test_a_records_entries_newest_first_with_who_and_what(engine: Any, fw: Framework) -> None:
    write_history(engine)
    entries = _read(engine, fw, SMITH, record="case:c1")
    assert _seen(entries) == [
        ("sato", "work.determination.write", "case:c1"),
        ("smith", "work.case.post", "case:c1"),
        ("sato", "work.case.open", "case:c1"),
    ]
    newest = entries[0]
    assert newest["at"] == "2024-06-10T16:00:00.000000+00:00" and newest["party"] == "jpn"
    assert newest["outcome"] == "ok" and newest["detail"] == {"step": 7}
    assert newest["marking"] == {
        "level": "secret",
        "releasable_to": ["jpn", "usa"],
        "banner_en": "SECRET//REL TO USA, JPN",
        "banner_ja": "極秘//USA, JPN限り",
    }
    assert [e["id"] for e in entries] == sorted((e["id"] for e in entries), reverse=True)


def test_the_filters(engine: Any, fw: Framework) -> None:
    write_history(engine)
    system = system_principal()
    assert [e["detail"]["step"] for e in _read(engine, fw, system, actor="smith")] == [6, 5, 3, 1]
    assert [e["detail"]["step"] for e in _read(engine, fw, system, action="work.case.open")] == [4, 2, 0]
    assert [e["detail"]["step"] for e in _read(engine, fw, system, outcome="denied")] == [5, 3]
    assert [e["detail"]["step"] for e in _read(engine, fw, system, record="user")] == [6, 5]
    assert _read(engine, fw, system, record="case:c9") == []
    # a period: dates are whole UTC days (both included), date-times moments (included)
    assert len(_read(engine, fw, system, start="2024-06-10", end="2024-06-10")) == 8
    assert _read(engine, fw, system, start="2024-06-11", end="2024-12-31") == []  # the pack's import: later
    assert _read(engine, fw, system, end="2024-06-09") == []
    between = _read(engine, fw, system, start="2024-06-10T11:00:00", end="2024-06-10T13:00:00+00:00")
    assert [e["detail"]["step"] for e in between] == [4, 3, 2]
    jst = _read(engine, fw, system, start="2024-06-10T20:00+09:00", end="2024-06-10T21:30+09:00")  # 11:00-12:30 UTC
    assert [e["detail"]["step"] for e in jst] == [3, 2]
    assert [e["detail"]["step"] for e in _read(engine, fw, system, start="令和6年6月10日", actor="sato")] == [
        7,
        4,
        2,
        0,
    ]
    combined = _read(engine, fw, system, record="case", actor="sato", outcome="ok", start="2024-06-10T12:00:00")
    assert [e["detail"]["step"] for e in combined] == [7, 4]


def test_pages_give_every_entry_exactly_once_while_entries_are_added(engine: Any, fw: Framework) -> None:
    with transaction(session_factory(engine)) as s:
        for i in range(23):
            record(s, SATO, "test.write", "thing", str(i), BOTH if i % 2 else PUBLIC)
    levels, seen, cursor, pages = Levels(fw), [], None, 0
    while True:
        with transaction(session_factory(engine)) as s:
            page = read_entries(s, levels, SMITH, build_query(record="thing", limit=5, cursor=cursor))
            record(s, SATO, "test.write", "thing", "late", PUBLIC)  # newer than any cursor: not on a later page
        seen += [e["record"]["id"] for e in page.entries]
        pages += 1
        assert len(page.entries) <= 5
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [str(i) for i in range(22, -1, -1)]
    assert pages == 5
    # the page's marking is its entries' combined
    assert page.marking == BOTH


@pytest.mark.parametrize(
    ("who", "cases"),
    [
        (SMITH, ["c1"]),  # not c2 (releasable to Japan only), not c3 (above a secret clearance)
        (SATO, ["c1", "c2"]),  # not c3
        (Principal("chief", "jpn", "top_secret", frozenset()), ["c1", "c2", "c3"]),
        (Principal("admin", None, "top_secret", frozenset({"administrator"})), []),  # no party: public only
        (Principal("low", "usa", "confidential", frozenset()), []),
    ],
    ids=["usa-secret", "jpn-secret", "jpn-top-secret", "no-party", "usa-confidential"],
)
def test_an_entry_about_a_record_the_reader_may_not_read_does_not_exist_for_them(
    engine: Any, fw: Framework, who: Principal, cases: list[str]
) -> None:
    write_history(engine)
    entries = [e for e in _read(engine, fw, who) if e["actor"] in ("sato", "smith")]
    assert sorted({e["record"]["id"] for e in entries if e["record"]["type"] == "case"}) == cases
    assert [e["detail"]["step"] for e in entries if e["record"]["type"] == "user"] == [6, 5]  # public: anyone
    for case in ("c1", "c2", "c3"):  # asked for by its id: as if it had no history
        assert bool(_read(engine, fw, who, record=f"case:{case}")) == (case in cases), case
    # not even the denied read of c2 is shown to those who may not read c2
    denied = [f"{e['record']['type']}:{e['record']['id']}" for e in _read(engine, fw, who, outcome="denied")]
    assert denied == (["user:smith", "case:c2"] if "c2" in cases else ["user:smith"])


def test_each_row_is_checked_besides_the_sql(engine: Any, fw: Framework, monkeypatch: pytest.MonkeyPatch) -> None:
    """`can_read` on each row: were the SQL condition wrong (here: none), an entry the reader may
    not read is still left out, and the pages still cover every entry."""
    from sqlalchemy import true

    from anpo.security import audit_read

    write_history(engine)
    monkeypatch.setattr(audit_read, "read_condition", lambda *args: true())
    entries = _read(engine, fw, SMITH, limit=3)
    assert all(e["record"]["id"] not in ("c2", "c3") for e in entries)
    steps: list[int] = []
    cursor = None
    for _ in range(5):
        with transaction(session_factory(engine)) as s:
            page = read_entries(s, Levels(fw), SMITH, build_query(end="2024-06-10", limit=3, cursor=cursor))
        steps += [e["detail"]["step"] for e in page.entries]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert steps == [7, 6, 5, 1, 0]


@pytest.mark.parametrize(
    ("filters", "ja", "en"),
    [
        ({"outcome": "maybe"}, "使えるのは ok, denied", "outcome 'maybe' is not one of ok, denied"),
        ({"limit": "0"}, "1から1000までの整数", "limit '0' is not a whole number from 1 to 1000"),
        ({"limit": "ten"}, "1から1000までの整数", "limit 'ten' is not a whole number from 1 to 1000"),
        ({"cursor": "-3"}, "前のページの next_cursor", "cursor '-3' is not a whole number from 1 to 2147483647"),
        ({"record": ":c1"}, "TYPE または TYPE:ID", "use TYPE or TYPE:ID"),
        ({"record": "case:"}, "TYPE または TYPE:ID", "use TYPE or TYPE:ID"),
        (
            {"start": "2024-13-01"},
            "「from」の「2024-13-01」を読めません",
            "from: cannot read '2024-13-01' (use YYYY-MM-DD",
        ),
        ({"end": "9999-12-31T23:59:59"}, "「to」の", "to: cannot read '9999-12-31T23:59:59'"),
        ({"start": "2024-06-11", "end": "2024-06-10"}, "より前です", "the end of the period (2024-06-10) is before"),
        ({"actor": "a\x00b"}, "NUL文字", "actor: a NUL character"),
    ],
)
def test_a_bad_filter_is_refused_in_both_languages(filters: dict[str, str], ja: str, en: str) -> None:
    with pytest.raises(AuditQueryError) as raised:
        build_query(**filters)
    assert ja in raised.value.text.ja and en in raised.value.text.en, raised.value.text


# -- the CLI -------------------------------------------------------------------------------------------


def test_cli_lists_a_records_entries_with_their_banners(engine: Any, db_url: str, cli: Any) -> None:
    write_history(engine)
    data = cli.json("audit", "list", "--url", db_url, "--record", "case:c1")
    assert _seen(data["entries"]) == [
        ("sato", "work.determination.write", "case:c1"),
        ("smith", "work.case.post", "case:c1"),
        ("sato", "work.case.open", "case:c1"),
    ]
    assert data["marking"]["banner_en"] == "SECRET//REL TO USA, JPN" and data["next_cursor"] is None
    text = cli.run("audit", "list", "--url", db_url, "--record", "case:c1", "--lang", "ja")
    assert text.exit_code == 0, text.output
    lines = text.stdout.splitlines()
    assert lines[0] == "極秘//USA, JPN限り"
    assert "sato (JPN)  事態の認定の記録 [work.determination.write]  成功  case:c1  [極秘//USA, JPN限り]" in lines[1]
    denied = cli.run("audit", "list", "--url", db_url, "--outcome", "denied", "--actor", "smith", "--to", "2024-06-10")
    assert "smith (USA)  login  Denied  user:smith  [PUBLIC]" in denied.stdout, denied.output
    assert "smith (USA)  read  Denied  case:c2  [CONFIDENTIAL//REL TO JPN]" in denied.stdout
    # it only reads: listing adds nothing to the log
    assert cli.json("audit", "list", "--url", db_url, "--limit", "1")["entries"][0]["detail"] == {"step": 7}


def test_cli_pages_with_the_cursor(engine: Any, db_url: str, cli: Any) -> None:
    write_history(engine)
    steps: list[int] = []
    cursor: list[str] = []
    while True:
        data = cli.json("audit", "list", "--url", db_url, "--record", "case", "--limit", "2", *cursor)
        steps += [e["detail"]["step"] for e in data["entries"]]
        if data["next_cursor"] is None:
            break
        cursor = ["--cursor", str(data["next_cursor"])]
    assert steps == [7, 4, 3, 2, 1, 0]
    more = cli.run("audit", "list", "--url", db_url, "--record", "case", "--limit", "2", "--lang", "ja")
    assert "さらに古いエントリ: --cursor" in more.stdout
    none = cli.run("audit", "list", "--url", db_url, "--record", "case:nothing")
    assert none.exit_code == 0 and none.stdout.splitlines() == ["PUBLIC", "no entries"]


@pytest.mark.parametrize(
    ("option", "value", "ja", "en"),
    [
        ("--outcome", "maybe", "使えるのは ok, denied", "is not one of ok, denied"),
        ("--limit", "5000", "1から1000までの整数", "is not a whole number from 1 to 1000"),
        ("--cursor", "x", "1から2147483647までの整数", "is not a whole number from 1 to 2147483647"),
        ("--from", "yesterday", "YYYY-MM-DD", "use YYYY-MM-DD, an era date"),
        ("--record", "case:", "TYPE または TYPE:ID", "use TYPE or TYPE:ID"),
    ],
)
def test_cli_refuses_a_bad_filter_with_exit_2_in_both_languages(
    tmp_path: Any, cli: Any, option: str, value: str, ja: str, en: str
) -> None:
    """Refused before any database is opened (none is made)."""
    url = f"sqlite:///{tmp_path}/anpo.sqlite3"
    for lang, words in (("ja", ja), ("en", en)):
        result = cli.run("audit", "list", "--url", url, option, value, "--lang", lang)
        assert result.exit_code == 2, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert words in result.stderr and "Traceback" not in result.output, result.stderr
        assert result.stdout == ""
    assert not (tmp_path / "anpo.sqlite3").exists()


def test_cli_on_a_database_without_the_log(tmp_path: Any, cli: Any) -> None:
    missing = cli.run("audit", "list", "--url", f"sqlite:///{tmp_path}/none.sqlite3")
    assert missing.exit_code == 1 and "anpo db init" in missing.stderr
    assert not (tmp_path / "none.sqlite3").exists()
    (tmp_path / "junk.sqlite3").write_text("not a database")
    junk = cli.run("audit", "list", "--url", f"sqlite:///{tmp_path}/junk.sqlite3", "--lang", "ja")
    assert junk.exit_code == 1 and "データベースを使えません" in junk.stderr


def test_cli_json_entries_parse_as_json(engine: Any, db_url: str, cli: Any) -> None:
    write_history(engine)
    out = cli.run("audit", "list", "--url", db_url, "--json", "--action", "login")
    data = json.loads(out.stdout)
    assert data["filters"] == {"action": "login"} and data["count"] == 2
    assert [e["outcome"] for e in data["entries"]] == ["ok", "denied"]


def test_every_action_anpo_records_has_words() -> None:
    """The log shows actions in words; one without them (`user.enable`) showed as its bare id.
    Every action registered for the access check, and every action named where the code records
    one, must have a label."""
    import re
    from pathlib import Path

    import anpo
    import anpo.web.app  # registers the web's actions
    from anpo.ledger.policy import ACTIONS as _ledger  # noqa: F401  (registers the ledger's)
    from anpo.security.access import ACTION_ROLES
    from anpo.security.audit_read import ACTION_LABELS

    src = Path(anpo.__file__).parent
    named = {
        m.group(1)
        for f in src.rglob("*.py")
        for m in re.finditer(r'audit\.record\(\s*[^,]+,[^,]+,\s*"([a-z_.]+)"', f.read_text(encoding="utf-8"))
    }
    assert {"login", "user.create", "user.enable"} <= named  # the scan finds them
    assert set(ACTION_ROLES) | named <= set(ACTION_LABELS), (set(ACTION_ROLES) | named) - set(ACTION_LABELS)
