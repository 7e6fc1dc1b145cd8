"""Markings from the pack, their combination and banners, and the access decision's rule."""

from __future__ import annotations

import pytest

from anpo.framework.framework import Framework
from anpo.security.access import AccessDenied, can, can_read, register_action, require
from anpo.security.markings import PUBLIC, Levels, Marking
from anpo.security.principal import ANONYMOUS, Principal


def test_levels_come_from_the_pack_with_public_at_the_bottom(fw: Framework) -> None:
    levels = Levels(fw)
    assert levels.order == ["public", "confidential", "secret", "top_secret"]
    assert levels.banner(PUBLIC).ja == "公開" and levels.banner(PUBLIC).en == "PUBLIC"


def test_combining_takes_the_highest_level_and_common_releasability(fw: Framework) -> None:
    levels = Levels(fw)
    combined = levels.combine(
        [Marking("confidential", frozenset({"jpn", "usa"})), Marking("secret", frozenset({"jpn"})), PUBLIC]
    )
    assert combined == Marking("secret", frozenset({"jpn"}))
    assert levels.banner(combined).en == "SECRET//REL TO JPN"
    assert levels.banner(combined).ja == "極秘//JPN限り"
    both = levels.banner(Marking("confidential", frozenset({"usa", "jpn"})))
    assert both.en == "CONFIDENTIAL//REL TO USA, JPN" and both.ja == "秘//USA, JPN限り"


def test_read_needs_clearance_and_releasability(fw: Framework) -> None:
    levels = Levels(fw)
    rec = Marking("secret", frozenset({"jpn"}))
    assert can_read(levels, Principal("a", "jpn", "secret"), rec)
    assert can_read(levels, Principal("a", "jpn", "top_secret"), rec)
    assert not can_read(levels, Principal("a", "jpn", "confidential"), rec)
    assert not can_read(levels, Principal("a", "usa", "top_secret"), rec)
    assert not can_read(levels, Principal("a", None, "top_secret"), rec)
    assert not can_read(levels, ANONYMOUS, rec) and can_read(levels, ANONYMOUS, PUBLIC)
    # fails closed on what the pack does not define
    assert not can_read(levels, Principal("a", "jpn", "cosmic"), rec)
    assert not can_read(levels, Principal("a", "jpn", "top_secret"), Marking("cosmic", frozenset({"jpn"})))


def test_writes_need_a_role(fw: Framework) -> None:
    levels = Levels(fw)
    register_action("test.security.write", "coordinator")
    rec = Marking("confidential", frozenset({"usa"}))
    assert can(levels, Principal("a", "usa", "secret", frozenset({"coordinator"})), "test.security.write", rec)
    assert can(levels, Principal("a", "usa", "secret", frozenset({"administrator"})), "test.security.write", rec)
    with pytest.raises(AccessDenied) as denied:
        require(levels, Principal("a", "usa", "secret", frozenset({"viewer"})), "test.security.write", rec)
    assert denied.value.text.en == "not permitted" and denied.value.text.ja


def test_a_marking_as_json_carries_both_banners(fw: Framework) -> None:
    levels = Levels(fw)
    assert levels.describe(levels.combine([])) == {
        "level": "public",
        "releasable_to": [],
        "banner_en": "PUBLIC",
        "banner_ja": "公開",
    }
    combined = levels.combine(
        [Marking("confidential", frozenset({"usa", "jpn"})), Marking("secret", frozenset({"usa"}))]
    )
    assert levels.describe(combined) == {
        "level": "secret",
        "releasable_to": ["usa"],
        "banner_en": "SECRET//REL TO USA",
        "banner_ja": "極秘//USA限り",
    }
