"""The vocabularies: what `anpo vocab` lists is what the questions take, and docs/questions.md's
tables are the pack's (DESIGN: "listed by `anpo vocab [KIND]` and documented in the README")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from anpo.cli.framework_cmds import VOCAB_DOC_BEGIN, VOCAB_DOC_END, param_vocabularies, vocab_markdown
from anpo.framework.framework import Framework
from anpo.i18n.catalog import MESSAGES
from anpo.rules.core import all_questions

DOC = Path(__file__).parents[2] / "docs" / "questions.md"
README = Path(__file__).parents[2] / "README.md"


def test_the_documented_vocabulary_tables_are_the_packs(fw: Framework) -> None:
    text = DOC.read_text(encoding="utf-8")
    assert text.count(VOCAB_DOC_BEGIN) == 1 and text.count(VOCAB_DOC_END) == 1
    documented = VOCAB_DOC_BEGIN + text.split(VOCAB_DOC_BEGIN, 1)[1].split(VOCAB_DOC_END, 1)[0] + VOCAB_DOC_END
    assert documented == vocab_markdown(fw), (
        "docs/questions.md's vocabulary tables differ from the pack: regenerate them with "
        "`.venv/bin/python -c 'from anpo.cli.framework_cmds import write_vocab_docs; write_vocab_docs()'`"
    )
    assert "docs/questions.md#vocabularies" in README.read_text(encoding="utf-8")  # the README leads to them


def test_the_tables_cover_every_value_every_question_takes(fw: Framework) -> None:
    doc = vocab_markdown(fw)
    for q in all_questions():
        for p in q.params:
            for value in p.allowed(fw):
                assert f"| `{value}` |" in doc, f"{q.name} {p.name}={value} is not in the tables"
    assert "| `summit` | 日米首脳会談 | Japan-U.S. Summit Meeting |" in doc
    assert "Taken by `consult.members body= (+ channel)`" in doc


def test_what_anpo_vocab_lists_for_a_parameter_is_what_the_question_takes(cli: Any, fw: Framework) -> None:
    """`anpo vocab body` listed 4 bodies where `consult.members body=` takes 15 ids: the parameter
    takes the bodies and the channels, and each list's header says so."""
    for q in all_questions():
        for p in q.params:
            kinds = param_vocabularies(fw, p)
            if not kinds:  # a date, or fixed values that name no entity (documented in the tables)
                continue
            listed = {row["id"] for kind in kinds for row in cli.json("vocab", kind)}
            if p.kinds:
                assert listed == set(p.allowed(fw)), f"{q.name} {p.name}="
            else:  # fixed values drawn from a vocabulary (provider=: jpn and usa of the parties)
                assert set(p.allowed(fw)) <= listed, f"{q.name} {p.name}="
    assert param_vocabularies(fw, next(p for p in _question("consult.members").params if p.name == "body")) == (
        "body",
        "channel",
    )
    body = cli.run("vocab", "body")
    assert body.exit_code == 0 and body.stdout.splitlines()[0] == "[body]  taken by: consult.members body= (+ channel)"
    channel = cli.run("vocab", "channel", "--lang", "ja")
    assert channel.exit_code == 0 and "consult.members body= (+ body)" in channel.stdout.splitlines()[0]
    assert "summit" in channel.stdout and "日米首脳会談" in channel.stdout
    assert isinstance(cli.json("vocab", "body"), list)  # --json keeps its shape


def test_every_fixed_value_that_names_no_entity_has_words_in_both_languages(fw: Framework) -> None:
    for q in all_questions():
        for p in q.params:
            for value in p.choices:
                if value not in fw:
                    ja, en = MESSAGES[f"param_value.{p.name}.{value}"]
                    assert ja and en


def _question(name: str) -> Any:
    return next(q for q in all_questions() if q.name == name)
