"""The English of the answers reads as English: a sentence starts with a capital letter, a common
noun's label inside a sentence is in lower case ("in joint training", not "in Joint training"), a
countable situation takes its article ("in an armed attack situation"), and a plural subject takes
a plural verb. The Japanese is not touched by any of it."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from anpo.framework.framework import Framework
from anpo.framework.model import Text
from anpo.i18n import in_sentence
from anpo.rules.core import all_questions, ask
from answer_sweep import english_reasons

# The kinds whose labels are common nouns: inside a sentence they start in lower case.
COMMON_KINDS = ("situation", "acsa_context", "category", "activity", "domain", "settlement_method")
# Abbreviations after which a full stop does not end a sentence ("U.S. forces", "Art. 10").
ABBREVIATIONS = frozenset({"Art.", "Arts.", "No.", "Nos.", "para.", "e.g.", "i.e.", "cf.", "p.", "pp.", "Vol."})


def _sentences(text: str) -> list[str]:
    """`text` cut at each full stop (or ! or ?) followed by a space, except after an abbreviation
    or initials (U.S., U.S.C.)."""
    out, start = [], 0
    for m in re.finditer(r"[.!?]\s+", text):
        word = text[: m.start() + 1].rsplit(" ", 1)[-1].lstrip("(\"'")
        if word in ABBREVIATIONS or re.fullmatch(r"(?:[A-Z]\.)+(?:[A-Z]+\.)?", word):
            continue
        out.append(text[start : m.start() + 1])
        start = m.end()
    out.append(text[start:])
    return [s for s in out if s.strip()]


def _common_labels(fw: Framework) -> list[str]:
    """The English labels of the common nouns, as shown on their own ("Joint training"), except
    those whose first word is an acronym ("UN peacekeeping ..."), which keep their capitals."""
    labels = set()
    for kind in COMMON_KINDS:
        for ent in fw.of_kind(kind):
            for en in (ent.label.en, *(n.label.en for n in ent.names)):
                first = en.split(" ", 1)[0]
                if first[1:] == first[1:].lower():
                    labels.add(en)
    return sorted(labels, key=len, reverse=True)


def _checks(fw: Framework) -> tuple[re.Pattern[str], re.Pattern[str]]:
    capitalised = re.compile(
        r"\b(?:a|an|in|of|including|not|the)\s+(" + "|".join(map(re.escape, _common_labels(fw))) + r")(?![\w-])"
    )
    # a countable situation inside a sentence, lower-cased but without its article
    situations = sorted(
        {
            in_sentence(e.id, e.label, common=True).en
            for e in fw.of_kind("situation")
            if in_sentence(e.id, e.label, common=True, article=True).en.startswith(("a ", "an "))
        },
        key=len,
        reverse=True,
    )
    bare = re.compile(r"\b(?:in|including|not|covers?|during)\s+(" + "|".join(map(re.escape, situations)) + r")\b")
    return capitalised, bare


def _problems(fw: Framework, en: str) -> list[str]:
    capitalised, bare = _checks(fw)
    out = [f"sentence starts in lower case: {s[:60]!r}" for s in _sentences(en) if not re.match(r"[\"'(]?[A-Z0-9§]", s)]
    out += [f"capitalised common noun: {m.group(0)!r}" for m in capitalised.finditer(en)]
    out += [f"situation without its article: {m.group(0)!r}" for m in bare.finditer(en)]
    return out


def test_the_checks_flag_what_they_should_and_spare_proper_nouns(fw: Framework) -> None:
    bad = (
        "the high seas (including EEZs) is within the rear area.",
        "Under the 2015 Guidelines the mechanism is used, including a Peacetime.",
        "They are engaged in Joint training.",
        "An attack in Space could lead to the invocation of Article 5.",
        "The SDF may provide food to U.S. forces in armed attack situation.",
        "ACSA covers food in situation in areas surrounding Japan.",
        "It was done. then it was not.",
    )
    for text in bad:
        assert _problems(fw, text), text
    good = (
        "On 1960-06-23 the Senkaku Islands were under the administration of the United States.",
        "Under U.S. Military Actions Act Art. 10, the SDF may provide food to U.S. forces in an armed attack situation.",
        "Under 10 U.S.C. §§2341–2350 U.S. forces may provide food under a cross-servicing agreement.",
        "ACSA Article 1.2 covers UN peacekeeping and international peace cooperation. SDF personnel may act.",
        "The 1997 Guidelines' coordination mechanism serves armed attacks against Japan, not a gray-zone situation.",
        "2023 2+2: attacks in space and Article 5: an attack in space is decided case by case.",
    )
    for text in good:
        assert _problems(fw, text) == [], text


@pytest.mark.parametrize("name", [q.name for q in all_questions()])
def test_every_english_reason_reads_as_english(fw: Framework, name: str) -> None:
    """Every question, every combination of its parameters, a sample of dates."""
    found: dict[str, str] = {}
    for where, text in english_reasons(fw, name):
        for problem in _problems(fw, text):
            found.setdefault(problem, f"{where}: {text[:120]!r}")
    assert not found, "\n".join(f"{p}\n    {where}" for p, where in list(found.items())[:20])


def _reason(fw: Framework, name: str, params: dict[str, str], on: str, index: int = 0) -> Text:
    r = ask(fw, name, params, dt.date.fromisoformat(on))["reasons"][index]
    return Text(r["ja"], r["en"])


def test_the_wording_of_the_cases_once_wrong(fw: Framework) -> None:
    peacetime = _reason(fw, "coordination.mechanism", {"situation": "peacetime"}, "2016-01-01")
    assert peacetime.en.endswith("from peacetime to contingencies, including peacetime.")
    assert "（「平時」を含む）" in peacetime.ja
    gray = _reason(fw, "coordination.mechanism", {"situation": "gray_zone"}, "2000-01-01")
    assert gray.en.endswith("not a gray-zone situation.") and "「グレーゾーン事態」" in gray.ja
    islands = _reason(fw, "treaty.article5_applies", {"place": "japan_main_islands"}, "1960-06-23")
    assert islands == Text(
        "1960-06-23時点で日本本土は日本国の施政下にありました。",
        "On 1960-06-23 the main islands of Japan were under the administration of Japan.",
    )
    cnmi = _reason(fw, "treaty.article5_applies", {"place": "northern_mariana_islands"}, "1990-01-01")
    assert "the Commonwealth of the Northern Mariana Islands was under" in cnmi.en
    space = _reason(fw, "treaty.article5_applies", {"domain": "space"}, "2023-01-12")
    assert "an attack in space could" in space.en and "「宇宙」における攻撃" in space.ja
    seas = _reason(fw, "rear_support.may_provide", {"area": "high_seas", "combat": "none"}, "2005-01-01")
    assert seas.en.startswith(
        "The high seas (including EEZs) and the airspace above, where no combat is taking place or expected"
        " during the activity, are within the rear area:"
    )
    assert seas.ja.startswith("公海（排他的経済水域を含む）及びその上空（現に戦闘行為が行われておらず")
    training = _reason(
        fw, "sdf.may_protect_assets", {"protected_party": "usa", "activity": "joint_training"}, "2020-01-01"
    )
    assert "in joint training (an activity" in training.en and "「共同訓練」" in training.ja
    relief = _reason(
        fw, "sdf.may_protect_assets", {"protected_party": "usa", "activity": "disaster_relief"}, "2020-01-01"
    )
    assert relief.en.startswith("Disaster relief is not an activity")  # a label starting a sentence keeps its capital
    acsa = {"provider": "jpn", "category": "food", "context": "surrounding_area_situation"}
    for on, phrase in (("2000-01-01", "in a situation in areas surrounding Japan"), ("2005-01-01", "in a situation")):
        assert phrase in _reason(fw, "acsa.may_provide", acsa, on).en
    attack = _reason(fw, "acsa.may_provide", {**acsa, "context": "armed_attack"}, "2005-01-01")
    assert "covers food in an armed attack situation." in attack.en and "「武力攻撃事態」" in attack.ja


def test_in_sentence_gives_a_countable_noun_its_article() -> None:
    situation = Text("武力攻撃事態", "Armed attack situation")
    assert in_sentence("armed_attack", situation, common=True, article=True) == Text(
        "武力攻撃事態", "an armed attack situation"
    )
    assert in_sentence("gray_zone", Text("グレーゾーン事態", "Gray-zone situation"), common=True, article=True).en == (
        "a gray-zone situation"
    )
    # a catalog form is used as written: peacetime takes no article
    assert in_sentence("peacetime", Text("平時", "Peacetime"), common=True, article=True) == Text("平時", "peacetime")
    assert in_sentence("armed_attack", situation, common=True).en == "armed attack situation"
