"""The work the framework defines: consultations and commitments, coordination cases, asset
protection, exercises, facilities and bookings. Importing it registers the pack importer with
`anpo db init`."""

from __future__ import annotations

from anpo.store.migrate import INIT_HOOKS
from anpo.work.importer import import_pack


def _import_hook(session: object) -> None:
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    import_pack(session)


if _import_hook not in INIT_HOOKS:
    INIT_HOOKS.append(_import_hook)
