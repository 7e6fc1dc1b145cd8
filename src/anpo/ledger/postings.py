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

LEGS = ("commitment", "delivery", "receipt", "obligation", "settlement", "payment")


# A posting, as the row written to acsa_postings: (txn, order_id, obligation_id, on_date, leg,
# account, commodity, amount (E4, debit positive), marking_level, releasable_to). A plain tuple: one
# is built for every posting, and a tuple display costs a fifth of a NamedTuple's constructor.
Posting = tuple[str, str, str | None, dt.date, str, str, str, int, str, str]


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
