"""Bad input to the accounts' pages and API gets a 4xx with the reason in both languages and stores
nothing. Runs on SQLite and PostgreSQL (the `web` fixture)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from web_helpers import PASSWORD, csrf_of, login

Web = Callable[..., TestClient]


def _users(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return {r[0] for r in conn.execute(text("SELECT id FROM users"))}


def _page_error(html: str) -> str:
    found = re.search(r'class="error"[^>]*>([^<]*)<', html)
    assert found, html
    return found.group(1)


def test_a_username_with_a_final_line_break_is_refused(web: Web, engine: Engine) -> None:
    """ "carol\\n" was created beside "carol" by the API (201) and the admin form (303)."""
    admin = web("admin")
    before = _users(engine)
    body = {"username": "carol\n", "password": PASSWORD, "clearance": "public"}
    refused = admin.post("/api/admin/users", json=body, headers={"X-CSRF-Token": csrf_of(admin)})
    assert refused.status_code == 400, refused.text
    assert "2-63" in refused.json()["error"]["en"] and "2〜63" in refused.json()["error"]["ja"]
    form = {"username": "dave\n", "password": PASSWORD, "party": "none", "clearance": "public"}
    page = admin.post("/admin/users?lang=ja", data={**form, "csrf_token": csrf_of(admin)}, follow_redirects=False)
    assert page.status_code == 400 and "2〜63" in _page_error(page.text)
    assert _users(engine) == before


def test_a_password_with_control_characters_is_refused(web: Web, engine: Engine) -> None:
    """A password of tabs, or with a NUL, made an account that could never log in through the
    login form."""
    admin = web("admin")
    before = _users(engine)
    body = {"username": "carol", "password": "\t" * 12, "clearance": "public"}
    refused = admin.post("/api/admin/users", json=body, headers={"X-CSRF-Token": csrf_of(admin)})
    assert refused.status_code == 400, refused.text
    assert "control characters" in refused.json()["error"]["en"] and "制御文字" in refused.json()["error"]["ja"]
    form = {"username": "dave", "password": PASSWORD + "\x01", "party": "none", "clearance": "public"}
    page = admin.post("/admin/users", data=form, headers={"X-CSRF-Token": csrf_of(admin)}, follow_redirects=False)
    assert page.status_code == 400 and "control characters" in _page_error(page.text)
    assert _users(engine) == before


def test_a_multipart_body_is_refused_unread_on_pages_and_the_api(web: Web, engine: Engine) -> None:
    """No page or endpoint takes multipart/form-data; the admin form read one (a NUL in it passed
    the guard's checks, bytes that are not UTF-8 were read as Latin-1). A 415 in the page's
    language, and nothing written."""
    admin = web("admin")
    before = _users(engine)
    headers = {"X-CSRF-Token": csrf_of(admin)}
    form = {"username": "dave", "password": PASSWORD, "party": "none", "clearance": "public"}
    files = {"note": ("note.txt", b"multipart")}
    page = admin.post("/admin/users?lang=ja", data=form, files=files, headers=headers, follow_redirects=False)
    assert page.status_code == 415 and "multipart/form-data の本文は受け付けません" in page.text
    api = admin.post("/api/admin/users", data=form, files=files, headers=headers)
    assert api.status_code == 415 and "JSON or application/x-www-form-urlencoded" in api.json()["error"]["en"]
    assert _users(engine) == before
    plain = admin.post("/admin/users", data=form, headers=headers, follow_redirects=False)
    assert plain.status_code in (200, 303) and _users(engine) != before  # the same form, urlencoded


@pytest.mark.parametrize(
    ("change", "en", "ja"),
    [
        ({"username": "d" * 64}, "2-63 characters", "2〜63文字"),
        ({"clearance": "c" * 33}, "clearance must be one of", "資格は"),
        ({"party": "atlantis-republic"}, "party must be jpn, usa or none", "所属は"),
    ],
)
def test_the_admin_form_says_which_value_is_wrong(
    web: Web, engine: Engine, change: dict[str, Any], en: str, ja: str
) -> None:
    """Values past NewUser's length limits got only "invalid input"; the form now gives the reason
    the API and the command line give."""
    admin = web("admin")
    before = _users(engine)
    form = {"username": "dave", "password": PASSWORD, "party": "none", "clearance": "public", **change}
    for lang, word in (("en", en), ("ja", ja)):
        page = admin.post(f"/admin/users?lang={lang}", data={**form, "csrf_token": csrf_of(admin)})
        assert page.status_code == 400 and word in _page_error(page.text), page.text
    assert _users(engine) == before


def test_a_refused_password_never_logs_in(web: Web) -> None:
    """The login form stays what it was for everything the checks above refuse: such input is a
    wrong password (401), not an error."""
    client = web()
    for password in ("\t" * 12, PASSWORD + "\n", "x" * 1_000_000):
        response = login(client, "sato", password)
        assert response.status_code == 401 and "wrong username or password" in response.text
    assert login(client, "sato\n").status_code == 303  # the form's name is trimmed, as before


def test_a_csrf_token_with_non_ascii_characters_is_refused_not_a_500(web: Web) -> None:
    """`hmac.compare_digest` raises on text with non-ASCII characters: a token `é` in the login
    form, or in the header, was a 500. It is a wrong token: a 403, as any other."""
    client = web()
    client.get("/login")
    form = {"username": "admin", "password": PASSWORD, "csrf_token": "é"}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 403
    header = client.post(
        "/login",
        data={"username": "admin", "password": PASSWORD},
        headers={"X-CSRF-Token": "é".encode()},
        follow_redirects=False,
    )
    assert header.status_code == 403
    assert login(client, "admin").status_code == 303  # the right token still logs in


def test_the_web_frameworks_own_errors_are_in_both_languages(web: Web) -> None:
    """An unknown path, a method a route does not take and a body that is not UTF-8 were answered
    with the framework's English text under the Japanese key too."""
    admin = web("admin")
    assert admin.get("/api/nowhere").json()["error"] == {"ja": "見つかりません", "en": "Not Found"}
    not_allowed = admin.delete("/api/health", headers={"X-CSRF-Token": csrf_of(admin)})
    assert not_allowed.status_code == 405 and not_allowed.json()["error"]["ja"] == "このメソッドは使えません"
    body = b'{"username": "\xff"}'
    headers = {"content-type": "application/json", "X-CSRF-Token": csrf_of(admin)}
    refused = admin.post("/api/admin/users", content=body, headers=headers)
    assert refused.status_code == 400
    assert "UTF-8" in refused.json()["error"]["ja"] and "cannot read the request body" in refused.json()["error"]["en"]


def test_a_request_body_past_the_limit_is_refused_with_a_413_however_it_is_sent(web: Web, engine: Engine) -> None:
    """A body had no bound: the guard (JSON and forms) and the routes (multipart, now refused
    unread) read it whole into memory. Past `MAX_BODY_BYTES` it is a 413 in both languages, whether its length is declared
    or it comes in chunks, and nothing is written."""
    from anpo.web.guard import MAX_BODY_BYTES

    admin = web("admin")
    before = _users(engine)
    headers = {"X-CSRF-Token": csrf_of(admin)}
    big = b'{"username": "carol", "password": "' + b"x" * MAX_BODY_BYTES + b'"}'

    def chunks(data: bytes) -> Any:
        for i in range(0, len(data), 65536):
            yield data[i : i + 65536]

    declared = admin.post("/api/admin/users", content=big, headers={**headers, "content-type": "application/json"})
    assert declared.status_code == 413, declared.text
    assert "4,194,304" in declared.json()["error"]["en"] and "大きすぎます" in declared.json()["error"]["ja"]
    chunked = admin.post(
        "/api/admin/users", content=chunks(big), headers={**headers, "content-type": "application/json"}
    )
    assert chunked.status_code == 413, chunked.text
    boundary = "b0undary"
    part = f'--{boundary}\r\nContent-Disposition: form-data; name="note"; filename="n.txt"\r\n\r\n'.encode()
    multipart = part + b"x" * MAX_BODY_BYTES + f"\r\n--{boundary}--\r\n".encode()
    form = admin.post(
        "/admin/users?lang=ja",
        content=chunks(multipart),
        headers={**headers, "content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert form.status_code == 415, form.text[:300]  # refused before a byte of it is read
    assert _users(engine) == before
    small = {"username": "carol", "password": PASSWORD, "clearance": "public"}
    assert admin.post("/api/admin/users", json=small, headers=headers).status_code == 201  # under it: as before
