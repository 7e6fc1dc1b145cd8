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


def test_a_common_nouns_label_starts_in_lower_case_inside_an_english_sentence() -> None:
    from anpo.framework.model import Text
    from anpo.i18n import in_sentence

    assert in_sentence("weapons", Text("武器", "Weapons"), common=True) == Text("武器", "weapons")
    assert in_sentence("gray_zone", Text("グレーゾーン事態", "Gray-zone situation"), common=True).en == (
        "gray-zone situation"
    )
    # an acronym keeps its capitals; a proper noun is not `common` and keeps its own form
    assert in_sentence("un_peacekeeping", Text("国連", "UN peacekeeping"), common=True).en == "UN peacekeeping"
    assert in_sentence("x", Text("米国", "U.S. forces"), common=True).en == "U.S. forces"
    assert in_sentence("jpn", Text("日本国", "Japan")).en == "Japan"
    assert in_sentence("usa", Text("アメリカ合衆国", "United States of America")).en == "the United States"
