"""Who is asking: a user of one party (or none), with a clearance level and roles."""

from __future__ import annotations

from dataclasses import dataclass

from anpo.security.markings import PUBLIC_LEVEL

ROLES = (
    "viewer",
    "policy_officer",
    "logistics_officer",
    "coordinator",
    "exercise_controller",
    "administrator",
)


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: str
    party: str | None
    clearance: str
    roles: frozenset[str] = frozenset()
    system: bool = False  # trusted local tooling; still audited

    def has_role(self, role: str) -> bool:
        return role in self.roles


ANONYMOUS = Principal("anonymous", None, PUBLIC_LEVEL, frozenset())


def system_principal(party: str | None = None, clearance: str = "top_secret") -> Principal:
    """The principal of trusted local tooling (imports, `anpo demo`): audited under its own name."""
    return Principal("system", party, clearance, frozenset(ROLES), system=True)
