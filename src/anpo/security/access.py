"""The one access decision, used by the pages, the API, the CLI and exports alike.

Read: the clearance dominates the record's level and the user's party is in its releasability
(public records: anyone). Write: read, plus one of the roles the action requires.
`read_condition` states the read rule as SQL, so that lists filter (and paginate) in the
database; it agrees with `can_read` on every marking, and callers still pass each row through
`can_read`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, literal, or_, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Integer

from anpo.framework.model import Text
from anpo.security.markings import PUBLIC_LEVEL, Levels, Marking
from anpo.security.principal import Principal

# action -> roles allowed to perform it; each feature registers its own actions.
ACTION_ROLES: dict[str, frozenset[str]] = {"read": frozenset()}


def register_action(action: str, *roles: str) -> None:
    ACTION_ROLES[action] = frozenset(roles) | {"administrator"}


class AccessDenied(Exception):
    """Raised on a denied access; the message never says whether the record exists. `text` may name
    why (a caller's own marking above their clearance): only what the caller told or may know."""

    def __init__(self, action: str, text: Text | None = None) -> None:
        self.action = action
        self.text = text or Text("権限がありません", "not permitted")
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


def read_condition(
    levels: Levels, principal: Principal, level: ColumnElement[str], releasable_to: ColumnElement[str]
) -> ColumnElement[bool]:
    """`can_read` as a SQL condition on a table's marking columns: its level, and its releasability
    stored as `Marking.releasability_column` (party ids joined by commas). Fails closed as
    `can_read` does; the party is matched exactly (case and all), as an element of the list."""
    if principal.system:
        return true()
    public = level == PUBLIC_LEVEL
    party = principal.party
    if not party or "," in party or principal.clearance not in levels.order:
        return public
    rank = levels.rank(principal.clearance)
    dominated = [lv for lv in levels.order if levels.rank(lv) <= rank]
    listed = _Position(literal(f",{party},"), literal(",") + releasable_to + literal(",")) > 0
    # `=` per level rather than IN: plain parameters, which a cached statement reuses as they are
    return or_(public, and_(or_(*(level == lv for lv in dominated)), listed))


class _Position(FunctionElement[int]):
    """Where `needle` first occurs in `haystack`, from 1 (0: nowhere); case-sensitive everywhere."""

    type = Integer()
    inherit_cache = True

    def __init__(self, needle: ColumnElement[str], haystack: ColumnElement[str]) -> None:
        super().__init__(needle, haystack)


@compiles(_Position)
def _position_sql(element: _Position, compiler: Any, **kw: Any) -> str:
    needle, haystack = (compiler.process(c, **kw) for c in element.clauses)
    return f"POSITION({needle} IN {haystack})"


@compiles(_Position, "sqlite")
def _position_sqlite(element: _Position, compiler: Any, **kw: Any) -> str:
    needle, haystack = (compiler.process(c, **kw) for c in element.clauses)
    return f"instr({haystack}, {needle})"


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
