"""Ids the server gives are random: a reader cannot count the records it may not read from the
ids of those it may (a running count was an inference channel), an id a user chose still works
and a drawn id that is taken is drawn again."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest

from anpo.exercise import live
from anpo.framework.model import Text
from anpo.security.markings import PUBLIC, Marking
from anpo.work import ids
from anpo.work.common import MAX_INTEGER
from anpo.work.coordination import case_json, determine, get_case, list_cases, open_case, post_entry
from anpo.work.facilities import book, list_bookings
from anpo.work.protection import list_protection, request_protection

SECRET = Marking("secret", frozenset({"jpn", "usa"}))
TOKEN = f"[{ids.ALPHABET}]{{8}}"
OLD_COUNT = re.compile(r"_\d{3,4}$")


def _around_hidden(create: Any) -> tuple[Any, Any]:
    """Two public records with three secret ones created between them."""
    first = create(PUBLIC)
    for _ in range(3):
        create(SECRET)
    return first, create(PUBLIC)


def test_case_and_protection_ids_do_not_count_hidden_records(work: Any, person: Any) -> None:
    writer, reader = person("sato", "jpn", "secret"), person("pub", "jpn", "public")
    with work(writer) as w:

        def case(marking: Marking) -> str:
            return str(open_case(w, Text("件", "Case"), "other", "acg", dt.date(2024, 6, 10), marking=marking)["id"])

        def protection(marking: Marking) -> str:
            return str(
                request_protection(
                    w,
                    protected_party="usa",
                    activity="joint_training",
                    protected_asset="ship",
                    protecting_asset="ship",
                    requested_on=dt.date(2024, 6, 10),
                    marking=marking,
                )["id"]
            )

        cases, records = _around_hidden(case), _around_hidden(protection)
    with work(reader) as w:
        assert {c["id"] for c in list_cases(w)} == set(cases)
        assert {p["id"] for p in list_protection(w, 2024)} == set(records)
    for made, pattern in ((cases, f"case_{TOKEN}"), (records, f"protection_2024_{TOKEN}")):
        assert all(re.fullmatch(pattern, i) and not OLD_COUNT.search(i) for i in made), made
        assert made[0] != made[1]


def test_booking_numbers_do_not_count_hidden_bookings(work: Any, person: Any) -> None:
    start = iter(dt.datetime(2025, 3, day, 8) for day in range(1, 10))
    with work(person("sato", "jpn", "secret")) as w:

        def booking(marking: Marking) -> int:
            at = next(start)
            return int(book(w, "camp_hansen", "jpn", at, at + dt.timedelta(hours=1), marking=marking)["id"])

        first, second = _around_hidden(booking)
    with work(person("pub", "jpn", "public")) as w:
        assert [b["id"] for b in list_bookings(w)] == [first, second]
    assert 1 <= first <= MAX_INTEGER and 1 <= second <= MAX_INTEGER
    assert abs(second - first) > 100, "autoincrement gave first + 4: three hidden bookings between"


def test_run_ids_do_not_count_hidden_runs(work: Any, person: Any) -> None:
    with work(person("ctl", "jpn", "secret", "exercise_controller")) as w:

        def run(marking: Marking) -> str:
            return str(live.start(w, "ballistic_missile_launch", 1, marking)["id"])

        runs = _around_hidden(run)
    with work(person("pub", "jpn", "public", "exercise_controller")) as w:
        assert {r["id"] for r in live.list_runs(w)} == set(runs)
    assert all(re.fullmatch(f"run_{TOKEN}", r) for r in runs), runs


def test_entries_and_determinations_show_no_row_id(work: Any, person: Any) -> None:
    """Their keys count the rows of every case; an entry is named by its case and seq."""
    with work(person("sato", "jpn", "secret")) as w:
        case = open_case(w, Text("件", "Case"), "gray_zone", "acg", dt.date(2024, 6, 10))["id"]
        post_entry(w, case, "message", Text("本文", "text"), dt.datetime(2024, 6, 10, 9))
        determine(w, case, "gray_zone", dt.datetime(2024, 6, 10, 10))
        shown = case_json(w, get_case(w, case))
    assert shown["entries"] and shown["determinations"]
    assert all("id" not in row for row in shown["entries"] + shown["determinations"])
    assert [e["seq"] for e in shown["entries"]] == list(range(1, len(shown["entries"]) + 1))


def test_an_id_a_user_chose_still_works_beside_drawn_ones(work: Any) -> None:
    """A first case named `case_0002` was the count's next id: opening another was refused."""
    with work() as w:
        chosen = open_case(w, Text("件", "Case"), "other", "acg", dt.date(2024, 6, 10), case_id="case_0002")
        drawn = open_case(w, Text("件", "Case"), "other", "acg", dt.date(2024, 6, 10))
    assert chosen["id"] == "case_0002" and re.fullmatch(f"case_{TOKEN}", drawn["id"])
    with work() as w:
        assert get_case(w, "case_0002").id == "case_0002"


def _draws(monkeypatch: pytest.MonkeyPatch, values: list[int]) -> Iterator[int]:
    it = iter(values)
    monkeypatch.setattr(ids, "draw", lambda bound: next(it) % bound)
    return it


def test_a_drawn_id_that_is_taken_is_drawn_again(work: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with work() as w:
        taken = open_case(w, Text("件", "Case"), "other", "acg", dt.date(2024, 6, 10), case_id="case_22222222")
        _draws(monkeypatch, [0] * 8 + [1] * 8)  # "22222222" first, then "33333333"
        again = open_case(w, Text("件", "Case"), "other", "acg", dt.date(2024, 6, 10))
        _draws(monkeypatch, [41, 41, 99])  # booking 42, then 42 again (taken) and 100
        at = dt.datetime(2025, 3, 1, 8)
        first = book(w, "camp_hansen", "jpn", at, at + dt.timedelta(hours=1))
        second = book(w, "camp_hansen", "jpn", at + dt.timedelta(hours=2), at + dt.timedelta(hours=3))
    assert (taken["id"], again["id"]) == ("case_22222222", "case_33333333")
    assert (first["id"], second["id"]) == (42, 100)


def test_a_source_that_only_gives_taken_ids_is_an_error(work: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with work() as w:
        open_case(w, Text("件", "Case"), "other", "acg", dt.date(2024, 6, 10), case_id="case_22222222")
        monkeypatch.setattr(ids, "draw", lambda bound: 0)
        with pytest.raises(RuntimeError, match="no free id for work_cases"):
            open_case(w, Text("件", "Case"), "other", "acg", dt.date(2024, 6, 10))


def test_an_exercise_booking_number_comes_from_its_run(work: Any) -> None:
    """The same run books the same numbers (a scripted run's report is the same for its seed);
    the random source is not asked."""
    at = dt.datetime(2025, 3, 1, 8)
    numbers = []
    for scope in ("scenario_1", "scenario_1", "scenario_2"):
        with work() as w:
            numbers.append(book(w, "camp_hansen", "jpn", at, at + dt.timedelta(hours=1), exercise=scope)["id"])
            w.session.rollback()
    assert numbers[0] == numbers[1] != numbers[2]


def test_lists_keep_the_order_of_the_records_not_of_their_ids(work: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Drawn ids fall in any order: a year's protection records are listed by request date, so a
    later request drawn a smaller id still comes after an earlier one."""
    letters = {c: n for n, c in enumerate(ids.ALPHABET)}
    _draws(monkeypatch, [letters["z"]] * 8 + [letters["a"]] * 8)  # the first drawn the larger id
    with work() as w:
        made = [
            request_protection(
                w,
                protected_party="usa",
                activity="joint_training",
                protected_asset="ship",
                protecting_asset="ship",
                requested_on=dt.date(2024, month, 10),
            )["id"]
            for month in (3, 9)
        ]
        assert made == ["protection_2024_zzzzzzzz", "protection_2024_aaaaaaaa"]
        assert [p["id"] for p in list_protection(w, 2024)] == made
