"""The one access decision, used by the pages, the API, the CLI and exports alike.

Read: the clearance dominates the record's level and the user's party is in its releasability
(public records: anyone). Write: read, plus one of the roles the action requires.
"""

from __future__ import annotations

from anpo.framework.model import Text
from anpo.security.markings import Levels, Marking
from anpo.security.principal import Principal

# action -> roles allowed to perform it; each feature registers its own actions.
ACTION_ROLES: dict[str, frozenset[str]] = {"read": frozenset()}


def register_action(action: str, *roles: str) -> None:
    ACTION_ROLES[action] = frozenset(roles) | {"administrator"}


class AccessDenied(Exception):
    """Raised on a denied access; the message never says whether the record exists."""

    def __init__(self, action: str) -> None:
        self.action = action
        self.text = Text("権限がありません", "not permitted")
        super().__init__(f"{action}: not permitted")


def can_read(levels: Levels, principal: Principal, marking: Marking) -> bool:
    """Fails closed: a clearance or level the pack does not define denies (except for `system`)."""
    if principal.system or marking.is_public:
        return True
    if principal.party is None or principal.party not in marking.releasable_to:
        return False
    try:
        return levels.dominates(principal.clearance, marking.level)
    except ValueError:
        return False


def can(levels: Levels, principal: Principal, action: str, marking: Marking) -> bool:
    if not can_read(levels, principal, marking):
        return False
    if action == "read" or principal.system:
        return True
    roles = ACTION_ROLES.get(action)
    if roles is None:
        raise KeyError(f"unregistered action {action!r}")
    return bool(roles & principal.roles)


def require(levels: Levels, principal: Principal, action: str, marking: Marking) -> None:
    if not can(levels, principal, action, marking):
        raise AccessDenied(action)
