"""The page script that adds the CSRF token to a posted form (`static/app.js`), in Chromium: a
form with a field named "method" (the ACSA order and settlement forms have one) once made it throw
(`form.method` is then the field, not the form's method), on every submission of such a form."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import new_page, serving  # this directory is on the path

pytestmark = pytest.mark.browser

FORM = """(method) => {
  const form = document.createElement("form");
  form.setAttribute("method", method);
  form.action = "/nowhere";
  const field = document.createElement("select");
  field.name = "method";
  field.add(new Option("reimbursement", "reimbursement"));
  form.appendChild(field);
  document.body.appendChild(form);
  form.dispatchEvent(new Event("submit", {bubbles: true, cancelable: true}));  // the handler, no navigation
  const token = form.querySelector('input[name="csrf_token"]');
  return token ? token.value : null;
}"""


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    where = tmp_path_factory.mktemp("csrf")
    with serving(f"sqlite:///{where / 'anpo.sqlite3'}", Path(where)) as url:
        yield url


def test_a_posted_form_with_a_method_field_gets_the_token_without_an_error(browser: Any, base: str) -> None:
    context, page, errors = new_page(browser)
    thrown: list[str] = []
    page.on("pageerror", lambda exc: thrown.append(str(exc)))
    try:
        page.goto(f"{base}/login")
        expected = page.locator('meta[name="csrf-token"]').get_attribute("content")
        assert expected
        assert page.evaluate(FORM, "post") == expected
        assert page.evaluate(FORM, "POST") == expected
        assert page.evaluate(FORM, "get") is None  # a GET form sends no token
        assert thrown == [] and errors == [], (thrown, errors)
    finally:
        context.close()
