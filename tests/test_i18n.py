"""Every message exists in Japanese and English with the same placeholders."""

from __future__ import annotations

import string

from anpo.i18n.catalog import MESSAGES


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_has_both_languages_and_matching_placeholders() -> None:
    for key, (ja, en) in MESSAGES.items():
        assert ja.strip() and en.strip(), key
        assert placeholders(ja) == placeholders(en), key
