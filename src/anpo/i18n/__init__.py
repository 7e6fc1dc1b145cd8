"""Messages and labels in Japanese and English.

Every user-facing string is looked up here by key; `tests/test_i18n.py` checks that each key has
both languages and that the placeholders agree.
"""

from __future__ import annotations

from typing import Any

from anpo.framework.model import Text
from anpo.i18n.catalog import MESSAGES

LANGS = ("ja", "en")


def msg(key: str, /, **params: Any) -> Text:
    """The message `key` in both languages, with `params` filled in; a `Text` parameter (a label)
    is filled in with its own text in each language."""
    ja, en = MESSAGES[key]
    return Text(ja.format(**_in(params, "ja")), en.format(**_in(params, "en")))


def _in(params: dict[str, Any], lang: str) -> dict[str, Any]:
    return {k: v.get(lang) if isinstance(v, Text) else v for k, v in params.items()}


def t(key: str, lang: str, /, **params: Any) -> str:
    return msg(key, **params).get(lang)


def in_sentence(ent_id: str, label: Text, *, common: bool = False, article: bool = False) -> Text:
    """An entity's name as it reads inside a sentence: the catalog's `in_sentence.ID` where that
    differs from its label ("is operated by the United States", not "by United States of
    America"), else the label. The label of a common noun (`common`: a category, a context, a
    situation) starts in lower case in English ("provision of weapons", not "of Weapons"), unless
    its first word is an acronym ("UN peacekeeping"). A countable one (`article`: a situation)
    takes the indefinite article ("in an armed attack situation", not "in armed attack
    situation"); a catalog form is used as written, so one without an article names a situation
    read as a mass noun ("including peacetime"). Japanese has no articles and is unchanged.
    Labels shown on their own are unchanged."""
    key = f"in_sentence.{ent_id}"
    if key in MESSAGES:
        return msg(key)
    if not common:
        return label
    en = _lowered(label.en)
    if article:
        en = f"{'an' if en[:1] in 'aeiou' else 'a'} {en}"
    return Text(label.ja, en)


def _lowered(en: str) -> str:
    """`en` with its first letter in lower case, unless its first word is an acronym (UN, U.S.)."""
    rest = en.split(" ", 1)[0][1:]
    return en[:1].lower() + en[1:] if rest == rest.lower() else en


def term(prefix: str, code: str) -> Text:
    """A code in words: the catalog's `PREFIX.CODE` (a currency, an ageing bucket), else the code as
    it is. For pages and text output; JSON keeps the codes."""
    key = f"{prefix}.{code}"
    return msg(key) if key in MESSAGES else Text(code, code)
