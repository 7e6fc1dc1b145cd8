"""Every error of the JSON API has one shape, `{"error": {"ja", "en"}, "code", ...}`: a client
branches on `code`, never on the text. The framework's own errors (an unknown path, a method not
taken), a login needed, a CSRF refusal and the audit log's refusal had no `code`; the ledger's
unknown order neither. On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from web_helpers import csrf_of

from anpo.web.common import STATUS_CODES


def test_every_api_error_carries_a_code_and_both_languages(web: Any) -> None:
    anon, sato = web(), web("sato")
    token = {"X-CSRF-Token": csrf_of(sato)}
    cases: list[tuple[Any, str, str, Any, dict[str, str], int, str]] = [
        (anon, "GET", "/api/nowhere", None, {}, 404, "not_found"),
        (anon, "DELETE", "/api/ask/guidelines.in_force", None, {}, 405, "method_not_allowed"),
        (anon, "GET", "/api/ask/guidelines.in_force?on=bogus", None, {}, 400, "invalid"),
        (anon, "GET", "/api/compare?a=1999&b=2024", None, {}, 400, "invalid"),
        (anon, "GET", "/api/acsa/orders", None, {}, 401, "login_needed"),
        (anon, "GET", "/api/audit", None, {}, 401, "login_needed"),
        (sato, "GET", "/api/audit", None, {}, 403, "forbidden"),
        (sato, "POST", "/api/work/meetings", {"id": "m"}, {}, 403, "forbidden"),  # no CSRF token
        (sato, "GET", "/api/acsa/orders/nope", None, {}, 404, "not_found"),
        (sato, "GET", "/api/work/cases/nope", None, {}, 404, "not_found"),
        (sato, "POST", "/api/acsa/orders", {"bogus": 1}, token, 422, "unknown_field"),
        (sato, "GET", "/api/work/protection/report?year=abc", None, {}, 422, "invalid"),
    ]
    for client, method, path, body, headers, status, code in cases:
        response = client.request(method, path, json=body, headers=headers)
        assert response.status_code == status, (path, response.text)
        data = response.json()
        assert data.get("code") == code, (path, data)
        assert set(data["error"]) == {"ja", "en"} and all(data["error"].values()), (path, data)


def test_the_schema_documents_the_code(web: Any) -> None:
    schema = web().get("/openapi.json").json()
    error = schema["components"]["schemas"]["HTTPValidationError"]
    assert error["required"] == ["error", "code"] and "code" in error["properties"]
    assert set(STATUS_CODES) >= {400, 401, 403, 404, 405, 409, 413, 415, 422, 500, 503}
