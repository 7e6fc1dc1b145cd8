"""Accounts and postings: every step posts pairs of entries, one account debited and one credited
with the same amount of the same commodity, so that every step sums to zero per commodity.

Accounts are `party:kind[:detail]`. Debits are positive (an account's balance is its debits less
its credits); a posting row holds both entries of a pair. Obligations are held in the commodity
they are owed in: money for reimbursement and equal-value exchange, the item itself (a quantity)
for replacement in kind.

| leg | accounts (debit / credit) | posted by |
| --- | --- | --- |
| commitment | recipient `commitments:to_receive` / provider `commitments:to_provide` | binding signature; delivery and cancel post it the other way round |
| delivery | recipient `awaiting_receipt` / provider `provided` | delivery |
| receipt | recipient `received` / recipient `awaiting_receipt` | receipt confirmed |
| obligation | provider `receivable:AGREEMENT` / recipient `payable:AGREEMENT` | delivery |
| settlement | recipient `payable:AGREEMENT` / provider `receivable:AGREEMENT` | settlement |
| payment | provider `settled_in:METHOD` / recipient `settled_out:METHOD` | settlement |
"""

from __future__ import annotations

from collections.abc import Callable

from anpo.framework.model import Text

LEGS = ("commitment", "delivery", "receipt", "obligation", "settlement", "payment")

# The kinds of account, in both languages, for the pages (`account_label`); the accounts' ids,
# in exports and the JSON, stay as they are.
ACCOUNT_KINDS: dict[str, Text] = {
    "commitments:to_receive": Text("受入約定", "commitments to receive"),
    "commitments:to_provide": Text("提供約定", "commitments to provide"),
    "awaiting_receipt": Text("受領確認待ち", "awaiting receipt"),
    "received": Text("受領済み", "received"),
    "provided": Text("提供済み", "provided"),
    "receivable": Text("債権", "receivable"),
    "payable": Text("債務", "payable"),
    "settled_in": Text("決済受入", "settled in"),
    "settled_out": Text("決済払出", "settled out"),
}


def account_label(account: str, name: Callable[[str], Text]) -> Text:
    """An account (`party:kind[:detail]`) in words: its party, kind and detail (an agreement or a
    settlement method), each as `name` gives it; a part it does not know is shown as it is."""
    party, _, rest = account.partition(":")
    kind, detail = rest, ""
    if rest not in ACCOUNT_KINDS:
        kind, _, detail = rest.partition(":")
    words = ACCOUNT_KINDS.get(kind) or Text(kind, kind)
    parts = [name(party), words, *([name(detail)] if detail else [])]
    return Text(" / ".join(x.ja for x in parts), " / ".join(x.en for x in parts))


# A posting, as the row written to acsa_postings: (txn, order_id, obligation_id, on_date (ISO text,
# as `anpo.ledger.engine` binds every date it writes), leg, debit, credit, commodity, amount (E4,
# > 0: `debit` gains it, `credit` loses it), marking_level, releasable_to). One row holds both
# entries of a leg, as a TigerBeetle transfer does: a transaction balances by construction, and the
# ledger writes half the rows it would with one row per entry. A plain tuple: one is built for
# every posting, and a tuple display costs a fifth of a NamedTuple's constructor.
Posting = tuple[str, str, str | None, str, str, str, str, str, int, str, str]


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
