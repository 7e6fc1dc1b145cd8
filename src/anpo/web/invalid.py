"""A request the validator refuses, said in both languages: which field, and why."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from anpo.framework.model import Text
from anpo.i18n import msg

# pydantic's error types, as the catalog's reasons ("http.invalid.*") and the `ctx` key of the limit
REASONS: dict[str, tuple[str, str | None]] = {
    "int_parsing": ("whole_number", None),
    "int_type": ("whole_number", None),
    "int_from_float": ("whole_number", None),
    "int_parsing_size": ("number_too_long", None),
    "float_parsing": ("number", None),
    "float_type": ("number", None),
    "decimal_parsing": ("number", None),
    "decimal_type": ("number", None),
    "finite_number": ("number", None),
    "bool_parsing": ("boolean", None),
    "bool_type": ("boolean", None),
    "greater_than_equal": ("at_least", "ge"),
    "greater_than": ("more_than", "gt"),
    "less_than_equal": ("at_most", "le"),
    "less_than": ("less_than", "lt"),
    "string_too_short": ("chars_at_least", "min_length"),
    "string_too_long": ("chars_at_most", "max_length"),
    "too_short": ("items_at_least", "min_length"),
    "too_long": ("items_at_most", "max_length"),
    "missing": ("missing", None),
    "literal_error": ("one_of", "expected"),
    "enum": ("one_of", "expected"),
    "date_parsing": ("date", None),
    "date_type": ("date", None),
    "date_from_datetime_parsing": ("date", None),
    "date_from_datetime_inexact": ("date", None),
    "datetime_parsing": ("datetime", None),
    "datetime_type": ("datetime", None),
    "datetime_from_date_parsing": ("datetime", None),
    "string_type": ("text", None),
    "list_type": ("list", None),
    "dict_type": ("object", None),
    "model_type": ("object", None),
    "model_attributes_type": ("object", None),
    "json_invalid": ("json", None),
    "string_pattern_mismatch": ("pattern", "pattern"),
    "extra_forbidden": ("extra", None),
}
LOCATIONS = ("query", "path", "body", "header", "cookie")
MAX_PROBLEMS = 10  # a 1,000-line order with every line wrong is not answered with 1,000 reasons


def invalid_request(errors: Sequence[Any]) -> Text:
    """A refused request's reasons in both languages, one per field: "year: must be a whole number",
    "limit: must be at least 1", "password: at least 12 characters" (never the value sent: it may be
    a password). The field is named as the request names it (`lines.0.quantity` in a JSON body)."""
    seen: list[tuple[str, Text]] = []
    for e in errors:
        loc = [str(p) for p in e.get("loc", ())]
        field = ".".join(loc[1:] if len(loc) > 1 and loc[0] in LOCATIONS else loc) or "body"
        key, limit = REASONS.get(e.get("type", ""), ("other", None))
        ctx = e.get("ctx") or {}
        if key == "other":
            reason = msg("http.invalid.other", detail=str(e.get("msg", ""))[:200])
        elif key == "pattern":
            reason = msg("http.invalid.pattern", pattern=str(ctx.get("pattern", ""))[:100])
        elif key == "one_of":
            allowed = str(ctx.get("expected", "")).replace(" or ", ", ")  # pydantic's "'a', 'b' or 'c'"
            reason = msg("http.invalid.one_of", allowed=allowed)
        elif limit is not None and limit in ctx:
            reason = msg(f"http.invalid.{key}", limit=ctx[limit])
        elif limit is not None:
            reason = msg("http.invalid.other", detail=str(e.get("msg", ""))[:200])
        else:
            reason = msg(f"http.invalid.{key}")
        if (field, reason) not in seen:
            seen.append((field, reason))
    shown = [Text(f"{field}: {reason.ja}", f"{field}: {reason.en}") for field, reason in seen[:MAX_PROBLEMS]]
    if len(seen) > MAX_PROBLEMS:
        shown.append(msg("http.invalid.more", count=len(seen) - MAX_PROBLEMS))
    return msg(
        "http.invalid_request",
        problems=Text("；".join(p.ja for p in shown), "; ".join(p.en for p in shown)),
    )
