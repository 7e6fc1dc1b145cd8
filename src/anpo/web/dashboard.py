"""The dashboard: what needs the logged-in user's action, gathered from every registered source.

A feature adds its items with `register_dashboard_source(fn)`, where `fn(request, principal)`
returns `DashboardItem`s the principal may read and act on (sources must apply the access check
themselves, as every read does). Sources are called in registration order; one that fails is
skipped, so a broken feature never takes the dashboard down.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from anpo.framework.model import Text
from anpo.security.markings import PUBLIC, Marking
from anpo.security.principal import Principal

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DashboardItem:
    kind: str  # e.g. "acsa.order.sign", "work.commitment.due"
    title: Text
    href: str
    due: dt.date | None = None
    marking: Marking = PUBLIC
    detail: dict[str, Any] = field(default_factory=dict)

    def as_json(self, today: dt.date) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "title": self.title.as_json(),
            "href": self.href,
            "due": self.due.isoformat() if self.due else None,
            "overdue": bool(self.due and self.due < today),
            "marking": {"level": self.marking.level, "releasable_to": sorted(self.marking.releasable_to)},
            **({"detail": self.detail} if self.detail else {}),
        }


DashboardSource = Callable[[Request, Principal], list[DashboardItem]]
SOURCES: list[DashboardSource] = []


def register_dashboard_source(fn: DashboardSource) -> DashboardSource:
    """Add a source of dashboard items (usable as a decorator); registering twice is a no-op."""
    if fn not in SOURCES:
        SOURCES.append(fn)
    return fn


def items_for(request: Request, principal: Principal) -> list[DashboardItem]:
    items: list[DashboardItem] = []
    for source in SOURCES:
        try:
            items.extend(source(request, principal))
        except Exception:  # a failing feature must not take the dashboard down
            log.exception("dashboard source %s failed", getattr(source, "__name__", source))
    return sorted(items, key=lambda i: (i.due is None, i.due or dt.date.max, i.kind))


@register_dashboard_source
def locked_accounts(request: Request, principal: Principal) -> list[DashboardItem]:
    """Administrators: accounts locked by repeated failed logins."""
    if "administrator" not in principal.roles:
        return []
    import time

    from anpo.security.accounts import list_users
    from anpo.store.db import session_factory, transaction
    from anpo.web.auth import read_engine

    with transaction(session_factory(read_engine(request))) as session:  # a read: no write lock
        locked = [u.id for u in list_users(session) if u.locked_until > time.time()]
    return [
        DashboardItem(
            "accounts.locked",
            Text(f"ユーザー「{u}」がログイン失敗でロックされています", f"user '{u}' is locked after failed logins"),
            "/admin/users",
        )
        for u in locked
    ]
