"""Bad scenario files and bad `anpo exercise` input: a clear message naming the file and line, exit 2,
never a traceback, and nothing left behind in the database a run was given."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from anpo.exercise.scenario import SCENARIO_DIR
from anpo.store.db import session_factory, transaction

GOOD = (SCENARIO_DIR / "ballistic_missile_launch.yaml").read_text(encoding="utf-8")
CLOSE = "    actions:\n      - do: close_case\n        case: launch\n        party: jpn\n"


def _book(hours: str) -> str:
    return f"    actions:\n      - do: book\n        case: launch\n        party: jpn\n        facility: yokota_air_base\n        hours: {hours}\n"


# (name, text replaced, replacement, what the message says, its line)
BAD = [
    (
        "duplicate_key",
        "id: ballistic_missile_launch\n",
        "id: ballistic_missile_launch\nid: other\n",
        "duplicate key 'id'",
        6,
    ),
    ("cases_a_list", "cases:\n  launch:", "cases:\n  - launch:", "a mapping", 15),
    ("case_key_a_number", "  launch:\n", "  1:\n", "case key", 16),
    ("case_key_null", "  launch:\n", "  ~:\n", "case key", 16),
    ("unknown_level", "level: bocc", "level: nope", "unknown level 'nope'", 16),
    ("jitter_text", "jitter: 2\n", "jitter: abc\n", "jitter must be a whole number", 21),
    ("jitter_negative", "jitter: 2\n", "jitter: -3\n", "jitter must be a whole number", 21),
    ("jitter_huge", "jitter: 2\n", "jitter: 99999999999999999999\n", "jitter must be a whole number", 21),
    ("after_text", "      - do: open_case\n", "      - do: open_case\n        after: abc\n", "after must be", 28),
    ("after_huge", CLOSE, CLOSE + "        after: 99999999999999999\n", "after must be", 134),
    ("at_huge_last", "    at: 90\n", "    at: 99999999999999999\n", "at must be a whole number", 128),
    ("at_true", "    at: 5\n", "    at: true\n", "at must be a whole number", 48),
    ("impossible_date", "date: 2024-06-10\n", "date: 2024-13-45\n", "expected YYYY-MM-DD", 12),
    ("date_with_a_time", "date: 2024-06-10\n", "date: 2024-06-10 10:00:00\n", "expected YYYY-MM-DD", 12),
    ("start_at_the_end_of_time", "start: 2024-06-10T06:00\n", "start: 9999-12-31T23:00\n", "expected YYYY", 13),
    ("start_with_an_offset", "start: 2024-06-10T06:00\n", "start: 2024-06-10T06:00+09:00\n", "expected YYYY", 13),
    ("sources_a_number", "sources: [wp2024_deterrence, src_guidelines_2015]", "sources: 5", "a list of source ids", 14),
    ("id_a_list", "id: ballistic_missile_launch", "id: [a]", "snake_case", 5),
    ("id_a_path", "id: ballistic_missile_launch", "id: ../elsewhere", "snake_case", 5),
    ("id_too_long", "id: ballistic_missile_launch", "id: " + "x" * 100, "snake_case", 5),
    ("inject_id_twice", "id: protection_requested", "id: launch_reported", "a new lowercase snake_case id", 48),
    ("do_a_list", "      - do: close_case\n", "      - do: [close_case]\n", "'do' must be one of", 134),
    ("actions_a_mapping", CLOSE, "    actions: {do: close_case}\n", "a list", 133),
    ("params_a_list", 'params: {situation: "{situation}"}', "params: [1, 2]", "params: a mapping", 43),
    ("weight_negative", "weight: 3", "weight: -1", "needs weight", 103),
    ("weight_true", "weight: 3", "weight: true", "needs weight", 103),
    (
        "unknown_party",
        "party: usa\n        text:\n          ja: 発射",
        "party: xyz\n        text:\n          ja: 発射",
        "party must be jpn or usa",
        31,
    ),
    ("hours_huge", CLOSE, _book("99999999999"), "hours must be", 134),
    ("hours_text", CLOSE, _book("abc"), "hours must be", 134),
    ("yaml_syntax", 'params: {situation: "{situation}"}', "params: {situation: x{y}", "YAML syntax error", 47),
    # found only when played: still with the action's place
    (
        "closed_before_opened",
        "      - do: open_case\n        case: launch\n",
        "      - do: close_case\n        case: launch\n",
        "has not been opened yet",
        28,
    ),
]


@pytest.mark.parametrize(("old", "new", "says", "line"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_a_bad_scenario_file_is_named_with_its_line(
    cli: Any, tmp_path: Path, old: str, new: str, says: str, line: int
) -> None:
    assert old in GOOD
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace(old, new, 1), encoding="utf-8")
    result = cli.run("exercise", "run", str(path), "--scripted")
    assert result.exit_code == 2 and not isinstance(result.exception, Exception), result.exception
    assert f"{path}:{line}: " in result.stderr and says in result.stderr, result.stderr


def test_a_file_that_is_empty_missing_or_a_directory(cli: Any, tmp_path: Path) -> None:
    (tmp_path / "empty.yaml").write_text("", encoding="utf-8")
    for name, says in (("empty.yaml", "a scenario is a mapping"), ("none.yaml", "cannot read"), (".", "cannot read")):
        result = cli.run("exercise", "run", str(tmp_path / name), "--scripted")
        assert result.exit_code == 2 and says in result.stderr, result.stderr


@pytest.mark.parametrize("seed", ["-1", "2147483648", "9" * 120])
def test_a_seed_outside_0_to_2147483647_is_refused(cli: Any, seed: str) -> None:
    # -1 ran as 1 (`random.Random` takes its absolute value); a huge one overflowed the run's ids
    result = cli.run("exercise", "run", "ballistic_missile_launch", "--scripted", "--seed", seed)
    assert result.exit_code == 2 and "the seed is a whole number from 0" in result.stderr, result.output


def test_exercise_list_refuses_a_backwards_period_and_an_empty_date(cli: Any) -> None:
    backwards = cli.run("exercise", "list", "--from", "2025-01-01", "--to", "2024-01-01")
    assert backwards.exit_code == 2 and "2024-01-01" in backwards.stderr, backwards.output
    assert cli.run("exercise", "list", "--from", "").exit_code == 2


def test_a_run_refused_halfway_leaves_nothing_in_the_database(
    cli: Any, engine: Any, db_url: str, tmp_path: Path
) -> None:
    """The first inject's case and messages were committed before the unknown parameter of its
    question failed the run; the same run again was then refused: "case ... already exists"."""
    path = tmp_path / "half.yaml"
    path.write_text(GOOD.replace('params: {situation: "{situation}"}', "params: {bogus: x}"), encoding="utf-8")

    def counts() -> tuple[int, int]:
        with engine.connect() as conn:
            cases = conn.execute(text("SELECT count(*) FROM work_cases")).scalar_one()
            return cases, conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one()

    before = counts()
    result = cli.run("exercise", "run", str(path), "--scripted", "--url", db_url)
    assert result.exit_code == 2 and counts() == before, result.output
    assert f"{path}:43: injects[0].actions[3]: " in result.stderr, result.output
    good = cli.run("exercise", "run", "ballistic_missile_launch", "--scripted", "--url", db_url, "--json")
    assert good.exit_code == 0, good.output
    assert counts()[0] == before[0] + 1


def test_acting_in_a_run_whose_scenario_has_since_lost_injects(
    engine: Any, fw: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A live run of a shipped scenario changed since (an upgrade): an IndexError, a 500."""
    import dataclasses

    from anpo.exercise import live
    from anpo.security.principal import Principal
    from anpo.work.common import Work

    controller = Principal("ctl", "jpn", "secret", frozenset({"exercise_controller"}))
    factory = session_factory(engine)
    with transaction(factory) as s:
        run = live.start(Work(fw, s, controller), "ballistic_missile_launch")["id"]
        live.step(Work(fw, s, controller), run)
        live.step(Work(fw, s, controller), run)
    shipped = live.scenarios()
    first = shipped["ballistic_missile_launch"]
    monkeypatch.setattr(
        live, "scenarios", lambda: {**shipped, first.id: dataclasses.replace(first, injects=first.injects[:1])}
    )
    with transaction(factory) as s:
        form = {"do": "message", "case": "launch", "party": "jpn", "text": "x"}
        event = live.act(Work(fw, s, controller), run, form)["event"]
    assert event["inject"] == "-" and event["outcome"] == "done"
