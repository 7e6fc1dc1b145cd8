"""The provisions registry: conflicts are load errors, rules agree with the pack, batch = single."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
from typer.testing import CliRunner

from anpo.cli import app
from anpo.framework.framework import Framework
from anpo.framework.model import Citation, Text
from anpo.rules.core import ParamError, all_questions, ask
from anpo.rules.explain import explain
from anpo.rules.provisions import REGISTRY, Finding, ProvisionConflict, Registry, boundaries_of, check
from anpo.rules.questions.acsa import ACSA_CONTEXTS, CATEGORIES, PROVIDERS
from answer_sweep import param_combinations

DOCS = Path(__file__).parents[2] / "docs" / "questions.md"


def _finding(fw: Framework, on: dt.date, params: Mapping[str, str]) -> Finding:
    return Finding(True, ())


def test_overlapping_rules_for_the_same_case_are_a_load_error() -> None:
    reg = Registry()
    reg.scope("demo", context=("a", "b"))
    reg.rule("demo", "clause_1", dt.date(2000, 1, 1), dt.date(2010, 1, 1))(_finding)
    with pytest.raises(ProvisionConflict, match=r"clause_1.*clause_2.*'context': 'a'.*2005-01-01 to 2010-01-01"):
        reg.rule("demo", "clause_2", dt.date(2005, 1, 1), when=lambda p: p["context"] == "a")(_finding)


def test_adjacent_periods_or_disjoint_cases_do_not_conflict() -> None:
    reg = Registry()
    reg.scope("demo", context=("a", "b"))
    reg.rule("demo", "old", dt.date(2000, 1, 1), dt.date(2010, 1, 1))(_finding)
    reg.rule("demo", "new", dt.date(2010, 1, 1))(_finding)
    reg.rule("demo", "b_only", dt.date(1990, 1, 1), dt.date(2000, 1, 1), when=lambda p: p["context"] == "b")(_finding)
    assert [r.clause for r in reg.applicable("demo", dt.date(2009, 12, 31), {"context": "a"})] == ["old"]
    assert [r.clause for r in reg.applicable("demo", dt.date(2010, 1, 1), {"context": "a"})] == ["new"]
    assert reg.applicable("demo", dt.date(1995, 1, 1), {"context": "a"}) == []
    assert reg.boundaries() == [dt.date(1990, 1, 1), dt.date(2000, 1, 1), dt.date(2010, 1, 1)]


def test_check_reports_a_missing_clause_and_a_rule_outside_its_clause(fw: Framework) -> None:
    reg = Registry()
    reg.scope("demo", context=("a",))
    reg.rule("demo", "no_such_clause", end=dt.date(2000, 1, 1))(_finding)
    reg.rule("demo", "acsa_2016_art1", dt.date(2010, 1, 1), dt.date(2011, 1, 1))(_finding)
    problems = [p.message.en for p in check(fw, reg)]
    assert len(problems) == 2
    assert "no_such_clause is not in the pack" in problems[0]
    assert "outside the clause's period [2017-04-25, …)" in problems[1]


def test_the_shipped_rules_agree_with_the_pack(fw: Framework) -> None:
    assert all_questions()
    assert check(fw) == []
    assert len(REGISTRY.all_rules()) > 30


def test_every_question_names_provisions_that_exist(fw: Framework) -> None:
    for q in all_questions():
        for pid in q.provisions:
            assert pid in fw, (q.name, pid)


def test_vocabularies_have_labels_in_the_pack(fw: Framework) -> None:
    for ent_id in (*ACSA_CONTEXTS, *CATEGORIES, *PROVIDERS, "aus", "space", "cyber"):
        ent = fw[ent_id]
        assert ent.label.ja and ent.label.en
    assert {e.id for e in fw.of_kind("category")} == set(CATEGORIES)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_weapons_are_never_provided(fw: Framework, provider: str) -> None:
    days = [dt.date(1990, 1, 1), *boundaries_of(fw), dt.date(2030, 1, 1)]
    for day in days:
        for context in ACSA_CONTEXTS:
            result = ask(fw, "acsa.may_provide", {"provider": provider, "category": "weapons", "context": context}, day)
            assert result["answer"] is False, (day, context)


def test_bad_question_or_parameter_exits_2_naming_allowed_values() -> None:
    runner = CliRunner()
    bad = runner.invoke(app, ["ask", "acsa.may_provide", "provider=jpn", "category=tanks", "context=armed_attack"])
    assert bad.exit_code == 2
    assert "ammunition" in bad.output and "weapons" in bad.output
    missing = runner.invoke(app, ["ask", "acsa.may_provide", "provider=jpn", "category=food"])
    assert missing.exit_code == 2 and "joint_training" in missing.output
    both = runner.invoke(app, ["ask", "treaty.article5_applies", "place=okinawa", "domain=space"])
    assert both.exit_code == 2 and "space" in both.output
    unknown = runner.invoke(app, ["ask", "acsa.may_provides"])
    assert unknown.exit_code == 2 and "acsa.may_provide" in unknown.output


def test_cli_json_and_explain(fw: Framework) -> None:
    runner = CliRunner()
    args = [
        "ask",
        "acsa.may_provide",
        "provider=jpn",
        "category=ammunition",
        "context=joint_training",
        "--on",
        "2014-07-01",
    ]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert set(data) >= {"question", "on", "params", "answer", "reasons", "in_force"}
    assert data["answer"] is False and "acsa_2004_art1_2" in data["in_force"]
    explained = runner.invoke(app, [*args, "--explain"])
    assert "sdf_act_us_supply_2004" in explained.output and "2004-07-29" in explained.output


def test_batch_answers_equal_single_answers(fw: Framework, tmp_path: Path) -> None:
    lines = []
    for day in ("2014-07-01", "2014-07-02", "2017-04-24", "2017-04-25", "平成28年3月29日"):
        for context in ("joint_training", "armed_attack", "un_peacekeeping"):
            for category in ("food", "ammunition"):
                lines.append({"provider": "jpn", "category": category, "context": context, "on": day})
    lines.append({"params": {"provider": "usa", "category": "fuel", "context": "daily_activities"}, "on": "2010-01-01"})
    lines.append({"provider": "jpn", "category": "tanks", "context": "armed_attack", "on": "2010-01-01"})
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["ask", "acsa.may_provide", "--batch", str(path)])
    assert result.exit_code == 2  # the last line is bad
    out = [json.loads(x) for x in result.output.splitlines()]
    assert len(out) == len(lines)
    from anpo.dates import parse_date

    for given, got in zip(lines[:-1], out[:-1], strict=True):
        params = dict(given.get("params", {k: v for k, v in given.items() if k != "on"}))
        assert got == ask(fw, "acsa.may_provide", params, parse_date(given["on"]))
    assert out[-1]["line"] == len(lines) and "weapons" in out[-1]["error"]["en"]


def test_every_question_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    headings = set(re.findall(r"^### `([a-z0-9_.]+)`", text, re.M))
    for q in all_questions():
        assert q.name in headings, f"{q.name} is not documented in docs/questions.md"
        section = text.split(f"### `{q.name}`", 1)[1].split("\n### ", 1)[0]
        for p in q.params:
            assert f"`{p.name}`" in section, f"{q.name}: parameter {p.name} is not documented"


def test_text_helper_is_bilingual() -> None:
    assert Text("ja", "en").get("ja") == "ja"


@pytest.mark.parametrize("delivered", ["9999-06-01", "9999-12-31"])
def test_a_settlement_due_after_the_last_date_is_a_clear_error_on_the_cli_and_the_api(
    fw: Framework, delivered: str
) -> None:
    """Twelve months after a delivery in 9999 is no date: `add_months` raised an AssertionError (a
    traceback, a 500); and a delivery on 9999-12-31 was answered "no ACSA in force" (the pack's
    periods end there). A delivery after the last date anpo takes is refused, as every date is:
    exit 2 or a 400, saying so in the language asked."""
    from fastapi.testclient import TestClient

    from anpo.web.app import create_app

    args = ["ask", "acsa.settlement_due", f"delivered={delivered}", "--on", "2024-01-01"]
    cli = CliRunner().invoke(app, args)
    assert cli.exit_code == 2 and f"date '{delivered}' is after 9998-12-31" in cli.output
    ja = CliRunner().invoke(app, [*args, "--lang", "ja"])
    assert ja.exit_code == 2 and f"日付「{delivered}」は扱える最後の日（9998-12-31）より後です" in ja.output
    got = TestClient(create_app(fw)).get(f"/api/ask/acsa.settlement_due?delivered={delivered}&on=2024-01-01")
    assert got.status_code == 400 and "the last date anpo takes" in got.json()["error"]["en"]


def test_http_returns_what_the_cli_returns(fw: Framework) -> None:
    from fastapi.testclient import TestClient

    from anpo.web.app import create_app

    client = TestClient(create_app(fw))
    url = "/api/ask/acsa.may_provide?provider=jpn&category=ammunition&context=armed_attack&on=2014-07-01"
    got = client.get(url)
    assert got.status_code == 200
    cli = CliRunner().invoke(
        app,
        [
            "ask",
            "acsa.may_provide",
            "provider=jpn",
            "category=ammunition",
            "context=armed_attack",
            "--on",
            "2014-07-01",
            "--json",
        ],
    )
    assert got.json() == json.loads(cli.output)
    assert client.get("/api/ask/acsa.may_provide?provider=jpn&category=tanks&context=armed_attack").status_code in (
        400,
        422,
    )


def test_the_cli_starts_without_the_database_or_web_stacks() -> None:
    """`anpo ask` answers in a fresh process in well under half a second (bench/bench_ask.py) only
    while loading the CLI leaves the database, migration and web libraries unloaded until a command
    needs them; importing one at the top of a command module once tripled its start-up time."""
    probe = "import sys, anpo.cli; print(sorted(m for m in HEAVY if m in sys.modules))"
    heavy = ("alembic", "sqlalchemy", "fastapi", "uvicorn", "beancount", "asyncpg", "psycopg")
    out = subprocess.run(
        [sys.executable, "-c", f"HEAVY = {heavy!r}; {probe}"], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_a_batch_file_that_cannot_be_read_or_has_bad_lines_gets_messages_not_a_traceback(tmp_path: Path) -> None:
    """A missing file, a line that is not UTF-8, one nested past the parser's depth and one whose
    error quotes a lone surrogate each failed with a traceback: the file gets a message, each bad
    line an error object naming it, the good lines their answers, exit status 2."""
    runner = CliRunner()
    missing = runner.invoke(app, ["ask", "consult.members", "--batch", str(tmp_path / "none.jsonl")])
    assert missing.exit_code == 2 and "cannot read file" in missing.stderr and "No such file" in missing.stderr
    directory = runner.invoke(app, ["ask", "consult.members", "--batch", str(tmp_path), "--lang", "ja"])
    assert directory.exit_code == 2 and "を読めません" in directory.stderr
    path = tmp_path / "bad.jsonl"
    good = b'{"body": "scc", "side": "usa", "on": "2014-07-01"}\n'
    path.write_bytes(good + b"\xff\xfe\n" + b"[" * 100_000 + b"\n" + b'{"body": "\\ud800", "side": "usa"}\n' + good)
    result = runner.invoke(app, ["ask", "consult.members", "--batch", str(path)])
    assert result.exit_code == 2, result.output
    out = [json.loads(x) for x in result.stdout.splitlines()]
    assert [x.get("line") for x in out] == [None, 2, 3, 4, None]
    assert out[0] == out[4] and out[0]["answer"]
    assert "utf-8" in out[1]["error"]["en"] and "recursion" in out[2]["error"]["en"]
    assert "\ud800" in out[3]["error"]["en"]  # written as the escape \ud800, which JSON reads back


# -- an answer on a date cites what existed on that date ---------------------------------------------

SAMPLE_DATES = tuple(
    dt.date.fromisoformat(d)
    for d in (
        "1955-01-01",
        "1960-07-01",
        "1990-01-01",
        "1997-01-01",
        "2004-01-01",
        "2010-01-01",
        "2016-06-01",
        "2024-01-01",
    )
)
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")


def _speaks_of_later(text: str, on: dt.date) -> bool:
    """Whether a reason names a year after `on`'s (or `on`'s own, for a later day of it): a reason
    that says when something later came about ("took effect on 2016-03-29") may cite its source."""
    return any(int(y) >= on.year for y in _YEAR.findall(text))


@pytest.mark.parametrize("name", [q.name for q in all_questions()])
def test_no_answer_cites_a_source_published_after_the_date_asked(fw: Framework, name: str) -> None:
    """SDF Act Art. 76 on 1990-01-01 was cited from the 2015 Legislation for Peace and Security too.
    For every question, every value of its parameters and a sample of dates, a reason cites a source
    the pack dates (`published`) after the date asked only when it says so itself, naming the later
    time (a situation "became a situation in law on 2016-03-29"); the explain chain never does. The
    white papers, dated by edition only, are the retrospective record and are not checked."""
    q = next(q for q in all_questions() if q.name == name)
    late: list[str] = []
    bare: list[str] = []
    for params in param_combinations(fw, q):
        for on in SAMPLE_DATES:
            try:
                result = ask(fw, name, params, on)
            except ParamError:
                continue
            for reason in result["reasons"]:
                if not reason["citations"]:  # a rule or fact without a source is a bug
                    bare.append(f"{params} @ {on}: {reason['en'][:80]!r}")
                for c in reason["citations"]:
                    day = fw.published(c["source"])
                    if day is not None and day > on and not _speaks_of_later(reason["ja"] + reason["en"], on):
                        late.append(f"{params} @ {on}: {c['source']} {c['locator']} ({day}) for {reason['en'][:80]!r}")
            for step in explain(fw, result):
                assert step["label"] == fw.label(step["id"], on).as_json(), (params, on, step["id"])
                cited = tuple(Citation(c["source"], c["locator"]) for c in step["citations"])
                assert fw.citations_on(cited, on) == cited, (params, on, step["id"])
    assert not late, "\n".join(late[:20])
    assert not bare, "\n".join(bare[:20])


def test_a_reason_whose_sources_all_came_later_cites_what_existed_then(fw: Framework) -> None:
    """Filtering by the date asked must not leave a reason citing nothing: when none of a clause's
    own sources existed yet, it cites those of its instrument that did (here the undated white
    paper); `clause_reason` does the same, and the sweep above asserts every reason cites something."""
    from anpo.rules.provisions import cited_on, clause_reason

    on = dt.date(2010, 1, 1)
    own = fw["acsa_2016_settlement"].citations
    assert own and fw.citations_on(own, on) == ()
    got = cited_on(fw, own, on, "acsa_2016_settlement")
    assert got and fw.citations_on(got, on) == got
    assert {c.source for c in got} <= {c.source for c in fw["acsa_2016"].citations}
    assert clause_reason(fw, "acsa_2016_settlement", "ja", "en", on).citations == got
    # what did exist is cited as it is; without a date, every source
    assert cited_on(fw, own, dt.date(2024, 1, 1)) == own
    assert clause_reason(fw, "acsa_2016_settlement", "ja", "en").citations == own


def test_acsa_answers_cite_the_sources_of_the_date_asked(fw: Framework) -> None:
    """The SDF Act article of 1996 on 1997 is not cited from the 2004 amending act, nor the 2016
    answers from the 2017 announcement; a delivery after the date asked is settled, and cited,
    under the agreement of its own date."""
    sources = lambda r: {c["source"] for reason in r["reasons"] for c in reason["citations"]}  # noqa: E731
    params = {"provider": "jpn", "category": "food", "context": "joint_training"}
    on1997 = ask(fw, "acsa.may_provide", params, dt.date(1997, 1, 1))
    assert "src_law_1996_86" in sources(on1997) and "src_law_2004_118" not in sources(on1997)
    on2016 = ask(fw, "acsa.may_provide", params, dt.date(2016, 6, 1))
    assert "src_law_2015_76" in sources(on2016) and "src_mofa_acsa_2017" not in sources(on2016)
    version = ask(fw, "acsa.agreement_in_force", {}, dt.date(1997, 1, 1))
    assert "src_acsa_1996" in sources(version) and "src_mofa_acsa_2017" not in sources(version)
    none = ask(fw, "acsa.agreement_in_force", {}, dt.date(1990, 1, 1))
    assert none["reasons"][0]["citations"] and "src_acsa_1996" not in sources(none)
    later = ask(fw, "acsa.settlement_due", {"delivered": "2018-01-01"}, dt.date(2010, 1, 1))
    assert "src_acsa_2016" in sources(later) and all(r["citations"] for r in later["reasons"])


def test_batch_answers_change_on_the_day_a_cited_source_is_published(fw: Framework, tmp_path: Path) -> None:
    """The NSC guidelines on SDF Act Art. 95-2 are cited from their decision (22 December 2016):
    batch answers, reused between `boundaries_of` dates, must not carry them back to 2016-06-01."""
    assert fw.published("src_nsc_asset_protection_2016") in boundaries_of(fw)
    days = ("2016-06-01", "2017-01-01", "2016-07-01")
    params = {"protected_party": "aus", "activity": "disaster_relief"}
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(json.dumps({**params, "on": d}) for d in days) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["ask", "sdf.may_protect_assets", "--batch", str(path)])
    assert result.exit_code == 0, result.output
    out = [json.loads(x) for x in result.output.splitlines()]
    assert out == [ask(fw, "sdf.may_protect_assets", params, dt.date.fromisoformat(d)) for d in days]
    assert len(out[0]["reasons"]) == 1 and len(out[1]["reasons"]) == 2


def test_explain_names_each_instrument_as_it_was_named_on_the_date(fw: Framework) -> None:
    """The 1999 Act is the Important Influence Situations Act from 29 March 2016 (the pack's dated
    `names`); `--explain` on 2016-06-01 still called it 周辺事態安全確保法. It cites the renaming."""
    args = [
        "ask",
        "acsa.may_provide",
        "provider=jpn",
        "category=ammunition",
        "context=important_influence_situation",
        "--explain",
        "--lang",
        "ja",
    ]
    runner = CliRunner()
    line = next(
        x
        for x in runner.invoke(app, [*args, "--on", "2016-06-01"]).output.splitlines()
        if x.startswith("  * law_surrounding_situations_1999:")
    )
    assert "（重要影響事態安全確保法）" in line and "周辺事態安全確保法" not in line
    assert "src_law_2015_76 第2条" in line
    data = json.loads(runner.invoke(app, [*args, "--on", "2016-06-01", "--json"]).output)
    [step] = [s for s in data["explain"] if s["id"] == "law_surrounding_situations_1999"]
    assert step["label"] == fw.label("law_surrounding_situations_1999", dt.date(2016, 6, 1)).as_json()
    before = json.loads(
        runner.invoke(
            app,
            [
                "ask",
                "rear_support.may_provide",
                "area=japan_territory",
                "combat=none",
                "--on",
                "2010-01-01",
                "--explain",
                "--json",
            ],
        ).output
    )
    [step] = [s for s in before["explain"] if s["id"] == "law_surrounding_situations_1999"]
    assert "（周辺事態安全確保法）" in step["label"]["ja"]
    assert all(c["source"] != "src_law_2015_76" for c in step["citations"])
