"""A ledger writer for the crash and concurrency tests: submits the demo workload of the given
seeds in small batches and prints `ACK <id> <code>` for every command once its batch committed.

usage: python writer.py URL BATCH SEED [SEED ...]
"""

from __future__ import annotations

import sys

from anpo.framework.pack import default_framework
from anpo.ledger.demo import Demo, interleave
from anpo.ledger.engine import Ledger
from anpo.security.principal import system_principal
from anpo.store.db import make_engine

ORDERS = 40


def main() -> None:
    url, batch, seeds = sys.argv[1], int(sys.argv[2]), [int(s) for s in sys.argv[3:]]
    fw = default_framework()
    cmds = interleave([lc for seed in seeds for lc in Demo(fw, seed, "w").lifecycles(ORDERS)])
    ledger = Ledger(make_engine(url), fw)
    principal = system_principal()
    out = sys.stdout
    for i in range(0, len(cmds), batch):
        for r in ledger.submit(principal, cmds[i : i + batch]):
            out.write(f"ACK {r['id']} {r['code']}\n")
        out.flush()
    out.write("DONE\n")
    out.flush()


if __name__ == "__main__":
    main()
