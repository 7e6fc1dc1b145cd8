"""What a long-running anpo process does once it has started (`anpo serve`, `anpo demo`)."""

from __future__ import annotations

import gc


def settle() -> None:
    """Move everything made so far (modules, the framework pack, engines, the app) out of the cyclic
    garbage collector's reach (`gc.freeze`). None of it ever becomes garbage, yet every full
    collection would walk all of it: in a server that holds up requests for tens of milliseconds,
    and in a batch of ledger commands it cost a tenth of the time (bench/README.md)."""
    gc.collect()
    gc.freeze()
