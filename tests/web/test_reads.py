"""`anpo.web.auth.read`: the bounded JSON reads (the order list, one order, balances) run with their
session look-up on one read-only connection and without a worker thread — on SQLite inline on the
event loop, on PostgreSQL through SQLAlchemy's asyncio layer and asyncpg — and give back what they
hold when the app stops; a read that fails does not spoil the next one, nor does a connection the
database closed."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import make_url, text
from web_helpers import login

from anpo.framework.framework import Framework
from anpo.ledger.commands import parse
from anpo.ledger.engine import Ledger
from anpo.security.principal import system_principal
from anpo.web import auth, routes_acsa

READS = ("/api/acsa/orders", "/api/acsa/balances")


@pytest.mark.parametrize("path", READS)
def test_bounded_reads_run_without_a_worker_thread(web: Any, monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    seen: list[bool] = []

    def on_the_loop() -> bool:
        try:
            asyncio.get_running_loop()  # a worker thread of the pool has no running loop
        except RuntimeError:
            return False
        return True

    for name in ("orders_data", "balances_data"):
        real = getattr(routes_acsa, name)
        monkeypatch.setattr(routes_acsa, name, lambda *a, real=real, **k: seen.append(on_the_loop()) or real(*a, **k))
    assert web("sato").get(path).status_code == 200
    assert seen == [True]


def test_reads_are_given_back_when_the_app_stops(app: Any, engine: Any) -> None:
    with TestClient(app) as client:
        assert login(client, "sato").status_code == 303
        assert client.get("/api/acsa/orders").status_code == 200
        held = app.state.loop_reads if engine.dialect.name == "sqlite" else app.state.async_reads
        assert held and all(held.values())
        if engine.dialect.name == "postgresql":
            assert [e.dialect.driver for _, e in held.values()] == ["asyncpg"]
    assert not getattr(app.state, "loop_reads", None) and not app.state.async_reads
    if engine.dialect.name == "sqlite":
        assert engine.pool.checkedout() == 0


def test_a_failed_read_does_not_spoil_the_next(web: Any, engine: Any) -> None:
    client = web("sato")
    assert client.get("/api/acsa/orders").json()["orders"] == []
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE acsa_orders RENAME TO acsa_orders_away"))
    failed = client.get("/api/acsa/orders")
    assert failed.status_code == 500 and "Traceback" not in failed.text and set(failed.json()["error"]) == {"ja", "en"}
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE acsa_orders_away RENAME TO acsa_orders"))
    assert client.get("/api/acsa/orders").status_code == 200


def test_a_read_survives_the_database_closing_its_connections(web: Any, engine: Any, fw: Framework) -> None:
    """Pooled PostgreSQL connections are not tested before each use (that is a round trip per
    request): when the server has closed them, as a restart does, the read runs again on a new one,
    for the same user, rather than fail or answer as to a visitor."""
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no server to close a connection")
    line = {"category": "fuel", "item": "jp8", "unit": "l", "quantity": "10", "unit_price": "1", "currency": "USD"}
    placed = {"kind": "order", "id": "o1", "on": "2024-06-01", "provider": "usa", "context": "joint_training"}
    placed |= {"requesting_unit": "u", "method": "reimbursement", "lines": [line], "marking_level": "secret"}
    placed |= {"releasable_to": ["jpn", "usa"]}
    assert Ledger(engine, fw).submit(system_principal(), [parse(placed)])[0]["code"] == "ok"
    client = web("sato")
    for _ in range(3):  # the read pool holds connections
        assert [o["id"] for o in client.get("/api/acsa/orders").json()["orders"]] == ["o1"]
    with engine.connect() as conn:
        closed = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar()
    assert closed
    assert [o["id"] for o in client.get("/api/acsa/orders").json()["orders"]] == ["o1"]
    assert client.get("/api/me").json()["user"] == "sato"


def test_postgresql_reads_go_through_asyncpg_unless_the_url_has_driver_options() -> None:
    plain = make_url("postgresql+psycopg://anpo@db.example:5432/anpo")
    assert auth._async_url(plain).drivername == "postgresql+asyncpg"
    assert auth._async_url(plain).render_as_string(hide_password=False).endswith("@db.example:5432/anpo")
    tuned = make_url("postgresql+psycopg://anpo@db.example/anpo?sslmode=require")
    assert auth._async_url(tuned) == tuned  # asyncpg names its options differently
