"""How the app is served: `serve_app` freezes what start-up made, and the guard's marking of JSON
responses (from the values of the body's "marking" keys) finds exactly the markings a walk over the
document finds, whatever the strings in it say."""

from __future__ import annotations

import gc
import json
from collections.abc import Callable
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st
from starlette.requests import Request

from anpo.framework.framework import Framework
from anpo.security.markings import PUBLIC, Marking
from anpo.startup import YOUNG_THRESHOLD
from anpo.web import guard
from anpo.web.app import create_app, serve_app

LEVELS = ("public", "confidential", "secret", "top_secret")
markings = st.fixed_dictionaries(
    {
        "level": st.sampled_from(LEVELS),
        "releasable_to": st.lists(st.sampled_from(("jpn", "usa")))
        | st.sampled_from(("jpn", "usa", "jpn,usa", ""))
        | st.none()  # odd values: no marking at all, never mistaken for an empty list
        | st.integers(),
    }
)
# text that looks like a marking, or ends in the characters a marking key follows: inside a string
# it is text, never a marking
LOOKALIKES = (
    '{"marking": {"level": "top_secret", "releasable_to": []}}',
    ',"marking":{"level":"top_secret","releasable_to":["jpn"]}',
    "\\",
    '"',
    "{",
    ",",
    "marking",
    'x"marking',
    'x,"marking',
)
texts = st.text(max_size=5) | st.sampled_from(LOOKALIKES)
documents = st.recursive(
    st.none() | st.integers() | texts | markings,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(("marking", "orders", "id", "x", *LOOKALIKES)), inner, max_size=4)
    ),
    max_leaves=25,
)
# as json.dumps writes it by default, and compact and unescaped as the app's JSON responses are
dumps = st.sampled_from(
    [
        lambda d: json.dumps(d),
        lambda d: json.dumps(d, ensure_ascii=False, separators=(",", ":")),
        lambda d: json.dumps(d, ensure_ascii=False, indent=1),
    ]
)


def test_serve_app_freezes_what_start_up_made() -> None:
    try:
        app = serve_app()
        assert gc.get_freeze_count() > 10_000 and app.title == "anpo"
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    finally:
        gc.unfreeze()


def _request(app: Any) -> Request:
    return Request({"type": "http", "app": app, "state": {}, "headers": [], "method": "GET", "path": "/"})


@settings(max_examples=500, deadline=None)
@given(document=documents, dump=dumps)
@example(
    document=[{"marking": {"level": "secret", "releasable_to": None}}, {"marking": {"level": "secret"}}],
    dump=json.dumps,
)
@example(document={"x": LOOKALIKES[0], "marking": {"level": "secret", "releasable_to": ["jpn"]}}, dump=json.dumps)
@example(document={'x"marking': {"level": "top_secret", "releasable_to": []}}, dump=json.dumps)
def test_marking_found_in_the_body_equals_a_walk_over_the_document(
    fw: Framework, document: Any, dump: Callable[[Any], str]
) -> None:
    app = create_app(fw)
    parsed, walked = _request(app), _request(app)
    guard._mark_from_json(parsed, dump(document).encode())
    guard.mark_from_data(walked, document)
    assert guard.marking_of(parsed) == guard.marking_of(walked)
    if '"level"' not in dump(document):
        assert guard.marking_of(parsed) == PUBLIC
    assert isinstance(guard.marking_of(parsed), Marking)
