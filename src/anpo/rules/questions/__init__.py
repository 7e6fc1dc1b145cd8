"""Every question module; importing this package registers them all."""

from anpo.rules.questions import (
    acsa,
    asset_protection,
    consult,
    coordination,
    guidelines,
    rear_support,
    situation,
    treaty,
)

__all__ = [
    "acsa",
    "asset_protection",
    "consult",
    "coordination",
    "guidelines",
    "rear_support",
    "situation",
    "treaty",
]
