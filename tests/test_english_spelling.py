"""The project's own English is spelled the American way, as the official English titles are
("Defense of Japan", "Ministry of Defense", "Guidelines for Japan-U.S. Defense Cooperation"): the
catalog's English side, every `en` text of the pack and the English reasons of the rule answers.
Proper names keep their owners' spelling (`KEEP`); ids and attribute names (`organisation`) are
the public contract and are not English prose, so they are not looked at."""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import anpo.rules
from anpo.framework.framework import Framework
from anpo.framework.model import Citation, Period, Struct, Text, Where
from anpo.i18n.catalog import MESSAGES
from anpo.rules.core import all_questions
from answer_sweep import english_reasons

# British forms and their American spelling (the -ise verbs in all their forms).
BRITISH = re.compile(
    r"\b(?:"
    r"[Dd]efences?|(?:[a-z]+-)?defence"  # self-defence, chief-of-defence
    r"|[Cc]entre[sd]?"
    r"|\w*[Oo]rganis(?:e|ed|es|ing|ation|ations)"  # reorganised, organisation
    r"|[Pp]rogrammes?|[Ll]abour\w*|[Ff]avour\w*|[Hh]onour\w*|[Ll]icences?|[Cc]atalogues?"
    r"|(?:[Aa]uthor|[Rr]ecogn|[Rr]eal|[Oo]ptim|[Mm]inim|[Mm]axim|[Pp]riorit|[Uu]til|[Ff]inal|[Ff]ormal"
    r"|[Ss]tandard|[Cc]haracter|[Ss]ummar|[Cc]ategor|[Mm]obil|[Ss]tabil|[Nn]ormal|[Mm]odern|[Hh]armon"
    r"|[Ss]ynchron|[Ss]pecial|[Ll]egal|[Cc]ritic|[Aa]polog|[Ii]nitial|[Ss]erial|[Mm]ilitar|[Nn]eutral)"
    r"is(?:e|ed|es|ing|ation|ations)"
    r"|[Aa]nalys(?:e|ed|ing)|[Ee]mphasis(?:e|ed|es|ing)"
    r"|[Cc]olour\w*|[Bb]ehaviour\w*|[Nn]eighbour\w*|[Ee]ndeavour\w*|[Aa]rmour\w*"
    r")\b"
)
# Proper names spelled so by their owners: kept as they are.
KEEP = (
    "Australian Defence Force",
    "Department of Defence",  # Australia's
    "UK Ministry of Defence",
)


def british(text: str) -> list[str]:
    for name in KEEP:
        text = text.replace(name, "")
    return BRITISH.findall(text)


def test_the_check_flags_british_forms_and_spares_proper_names_and_american_ones() -> None:
    for bad in (
        "a defence operation",
        "the right of self-defence",
        "a coordination centre",
        "centred on",
        "the organisation",
        "reorganised in 1996",
        "Each Party recognises",
        "to realise the return",
        "Authorises the Secretary",
        "Optimising the posture",
        "to analyse jointly",
        "a training programme",
        "labour costs",
        "in favour of",
        "a licence",
        "the catalogue",
    ):
        assert british(bad), bad
    for good in (
        "a defense operation under the Guidelines for Japan-U.S. Defense Cooperation",
        "the Ministry of Defense and a coordination center, centered on",
        "the organization, reorganized, recognizes, realize, authorizes, optimizing, analyze",
        "Units of the Australian Defence Force",
        "Analysis and analyses; exercises; it was raised; otherwise; revised; enterprise; license to operate",
    ):
        assert british(good) == [], good


def test_the_catalogs_english_is_american() -> None:
    found = {key: british(en) for key, (_, en) in MESSAGES.items() if british(en)}
    assert not found, found


def _texts(value: Any, where: str) -> Iterator[tuple[str, str]]:
    """Every English text in a value of the framework, with where it is. Citations (a source's own
    quotation), places in files and periods hold no English of the pack's."""
    if isinstance(value, Text):
        yield where, value.en
    elif isinstance(value, (Citation, Where, Period)):
        return
    elif isinstance(value, Struct):
        for name, item in value.items:
            yield from _texts(item, f"{where}.{name}")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _texts(getattr(value, f.name), f"{where}.{f.name}")
    elif isinstance(value, (list, tuple, set, frozenset)):
        for i, item in enumerate(value):
            yield from _texts(item, f"{where}[{i}]")
    elif isinstance(value, dict):
        for k, item in value.items():
            yield from _texts(item, f"{where}.{k}")


def test_the_packs_english_is_american(fw: Framework) -> None:
    texts = [t for ent in fw.entities() for t in _texts(ent, ent.id)]
    assert len(texts) > 500  # the walk reaches the labels, names, notes and facts' texts
    found = {where: (british(en), en[:100]) for where, en in texts if british(en)}
    assert not found, "\n".join(f"{w}: {f}" for w, f in found.items())


def test_the_rules_english_literals_are_american() -> None:
    """The English strings written in the rules, including those no sampled answer reaches (docstrings,
    comments and ids such as `organisation` are not prose shown to users)."""
    found = []
    for path in sorted(Path(anpo.rules.__file__).parent.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and not re.fullmatch(r"[\w.]*", node.value)
                and british(node.value)
            ):
                found.append(f"{path.name}:{node.lineno}: {british(node.value)}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("name", [q.name for q in all_questions()])
def test_every_english_reason_is_american(fw: Framework, name: str) -> None:
    """Every question, every combination of its parameters, a sample of dates: the reasons put
    the rules' wording together with the pack's labels."""
    found: dict[str, str] = {}
    for where, text in english_reasons(fw, name):
        for word in british(text):
            found.setdefault(word, f"{where}: {text[:120]!r}")
    assert not found, found
