"""Accounts and postings: every step posts entries that sum to zero per commodity.

Accounts are `party:kind[:detail]`. Debits are positive. Obligations are held in the commodity
they are owed in: money for reimbursement and equal-value exchange, the item itself (a quantity)
for replacement in kind.

| leg | accounts (debit / credit) | posted by |
| --- | --- | --- |
| commitment | recipient `commitments:to_receive` / provider `commitments:to_provide` | binding signature (+), delivery, cancel (-) |
| delivery | recipient `awaiting_receipt` / provider `provided` | delivery |
| receipt | recipient `received` / recipient `awaiting_receipt` | receipt confirmed |
| obligation | provider `receivable:AGREEMENT` / recipient `payable:AGREEMENT` | delivery |
| settlement | recipient `payable:AGREEMENT` / provider `receivable:AGREEMENT` | settlement |
| payment | provider `settled_in:METHOD` / recipient `settled_out:METHOD` | settlement |
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

LEGS = ("commitment", "delivery", "receipt", "obligation", "settlement", "payment")


class Posting(NamedTuple):
    txn: str
    order_id: str
    obligation_id: str | None
    on: dt.date
    leg: str
    account: str
    commodity: str
    amount: int  # E4, debit positive
    marking_level: str
    releasable_to: str


def to_receive(party: str) -> str:
    return f"{party}:commitments:to_receive"


def to_provide(party: str) -> str:
    return f"{party}:commitments:to_provide"


def awaiting_receipt(party: str) -> str:
    return f"{party}:awaiting_receipt"


def received(party: str) -> str:
    return f"{party}:received"


def provided(party: str) -> str:
    return f"{party}:provided"


def receivable(party: str, agreement: str) -> str:
    return f"{party}:receivable:{agreement}"


def payable(party: str, agreement: str) -> str:
    return f"{party}:payable:{agreement}"


def settled_in(party: str, method: str) -> str:
    return f"{party}:settled_in:{method}"


def settled_out(party: str, method: str) -> str:
    return f"{party}:settled_out:{method}"
