"""A few records' history in the audit log, one entry an hour from T0 (UTC), for the tests that
read it (`tests/security/test_audit_read.py`, `tests/web/test_web_audit.py`). Each entry's detail
is `{"step": i}`, its place in the list."""

from __future__ import annotations

import datetime as dt
from typing import Any

from anpo.security.audit import record
from anpo.security.markings import PUBLIC, Marking
from anpo.security.principal import Principal
from anpo.store.db import session_factory, transaction

SATO = Principal("sato", "jpn", "secret", frozenset({"coordinator"}))
SMITH = Principal("smith", "usa", "secret", frozenset({"coordinator"}))
BOTH = Marking("secret", frozenset({"jpn", "usa"}))
JPN_ONLY = Marking("confidential", frozenset({"jpn"}))
ABOVE = Marking("top_secret", frozenset({"jpn", "usa"}))
T0 = dt.datetime(2024, 6, 10, 9, 0, tzinfo=dt.UTC)
STEPS = (
    (SATO, "work.case.open", "case", "c1", BOTH, "ok"),  # 09:00
    (SMITH, "work.case.post", "case", "c1", BOTH, "ok"),  # 10:00
    (SATO, "work.case.open", "case", "c2", JPN_ONLY, "ok"),  # 11:00
    (SMITH, "read", "case", "c2", JPN_ONLY, "denied"),  # 12:00
    (SATO, "work.case.open", "case", "c3", ABOVE, "ok"),  # 13:00
    (SMITH, "login", "user", "smith", PUBLIC, "denied"),  # 14:00
    (SMITH, "login", "user", "smith", PUBLIC, "ok"),  # 15:00
    (SATO, "work.determination.write", "case", "c1", BOTH, "ok"),  # 16:00
)


def write_history(engine: Any) -> None:
    with transaction(session_factory(engine)) as s:
        for i, (who, action, kind, ident, marking, outcome) in enumerate(STEPS):
            at = T0 + dt.timedelta(hours=i)
            record(s, who, action, kind, ident, marking, outcome=outcome, detail={"step": i}, at=at)
