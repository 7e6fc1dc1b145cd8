"""The ACSA ledger (issue 4): orders, signatures, deliveries, receipts and settlements as
double-entry postings, idempotent by client-chosen ids, on SQLite and PostgreSQL."""

from __future__ import annotations
