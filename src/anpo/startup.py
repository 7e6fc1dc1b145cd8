"""What a long-running anpo process does once it has started (`anpo serve`, `anpo demo`)."""

from __future__ import annotations

import gc

# Allocations between young collections (CPython's default is 700). A batch of ledger commands
# allocates tens of thousands of short-lived objects; at the default every 70,000 allocations set
# off a collection of the middle generation and, often enough, a full one over everything the
# process keeps (a generated workload, open sessions): a fifth of a batched submission's time
# (bench/ledger-rounds.md, stop 12). A young collection took 0.26 ms on average there at this size.
YOUNG_THRESHOLD = 10_000


def settle() -> None:
    """Move everything made so far (modules, the framework pack, engines, the app) out of the cyclic
    garbage collector's reach (`gc.freeze`). None of it ever becomes garbage, yet every full
    collection would walk all of it: in a server that holds up requests for tens of milliseconds,
    and in a batch of ledger commands it cost a tenth of the time (bench/ledger-rounds.md, stop 11). Then collect
    the young generation less often (`YOUNG_THRESHOLD`)."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
