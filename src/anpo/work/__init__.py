"""The work the framework defines: consultations and commitments, coordination cases, asset
protection, exercises, facilities and bookings. Importing it registers the pack importer with
`anpo db init`, which keeps the database's pack records in step with the pack."""

from __future__ import annotations

from anpo.store.migrate import INIT_HOOKS
from anpo.work.importer import ImportReport, import_pack


def _import_hook(session: object) -> ImportReport:
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    return import_pack(session)


if _import_hook not in INIT_HOOKS:
    INIT_HOOKS.append(_import_hook)
