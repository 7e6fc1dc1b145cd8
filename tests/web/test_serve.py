"""How the app is served: `serve_app` freezes what start-up made, and the guard's marking of JSON
responses (found while parsing) finds exactly the markings a walk over the document finds."""

from __future__ import annotations

import gc
import json
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st
from starlette.requests import Request

from anpo.framework.framework import Framework
from anpo.security.markings import PUBLIC, Marking
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
documents = st.recursive(
    st.none() | st.integers() | st.text(max_size=5) | markings,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(("marking", "orders", "id", "x")), inner, max_size=4)
    ),
    max_leaves=25,
)


def test_serve_app_freezes_what_start_up_made() -> None:
    try:
        app = serve_app()
        assert gc.get_freeze_count() > 10_000 and app.title == "anpo"
    finally:
        gc.unfreeze()


def _request(app: Any) -> Request:
    return Request({"type": "http", "app": app, "state": {}, "headers": [], "method": "GET", "path": "/"})


@settings(max_examples=300, deadline=None)
@given(document=documents)
@example(document=[{"marking": {"level": "secret", "releasable_to": None}}, {"marking": {"level": "secret"}}])
def test_marking_found_while_parsing_equals_a_walk_over_the_document(fw: Framework, document: Any) -> None:
    app = create_app(fw)
    parsed, walked = _request(app), _request(app)
    guard._mark_from_json(parsed, json.dumps(document).encode())
    guard.mark_from_data(walked, document)
    assert guard.marking_of(parsed) == guard.marking_of(walked)
    if '"level"' not in json.dumps(document):
        assert guard.marking_of(parsed) == PUBLIC
    assert isinstance(guard.marking_of(parsed), Marking)
