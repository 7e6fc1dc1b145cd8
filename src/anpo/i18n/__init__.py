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


def in_sentence(ent_id: str, label: Text) -> Text:
    """An entity's name as it reads inside a sentence: the catalog's `in_sentence.ID` where that
    differs from its label ("is operated by the United States", not "by United States of
    America"), else the label. Labels shown on their own are unchanged."""
    key = f"in_sentence.{ent_id}"
    return msg(key) if key in MESSAGES else label
