"""The migrations build the schema the code declares: Alembic's comparison of a migrated database
with the tables of every module finds nothing to add, drop or alter, on both backends. (A table,
column or index declared in code but not migrated, or the reverse, fails here rather than at the
first write that needs it.)"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import anpo.ledger.tables
import anpo.security.accounts
import anpo.security.audit
import anpo.work.tables  # noqa: F401  (each module declares its tables on Base.metadata)
from anpo.store.db import Base


def test_the_migrated_schema_is_the_declared_one(engine: Any) -> None:
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert differences == []
