"""Engines and sessions. SQLite (WAL) is the embedded default; PostgreSQL is chosen by URL.

`ANPO_DATABASE_URL` selects the database, e.g. `postgresql+psycopg://postgres@127.0.0.1:5432/anpo`;
without it anpo uses `anpo.sqlite3` in `ANPO_DATA_DIR` (default: the current directory).
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections import namedtuple
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Insert, MetaData, Select, create_engine, event
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from anpo.store.checkpoint import BACKSTOP_PAGES, Checkpointer

# Stable constraint names so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# Connections kept open per engine: a web server runs up to 40 requests at once (AnyIO's thread
# limit), and a connection closed on return (QueuePool's overflow) is a new login to PostgreSQL.
POOL_SIZE = 20
MAX_OVERFLOW = 20
READ_ONLY = "anpo_read_only"  # the execution option that marks `read_only` engines
# PostgreSQL's SQLSTATEs of a write that met another: serialization failure, deadlock, lock not
# available; SQLite's messages for its write lock held past the busy timeout (a database's, a table's)
BUSY_STATES = frozenset({"40001", "40P01", "55P03"})
BUSY_MESSAGES = ("database is locked", "database table is locked")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# Dates bound as raw sqlite3 parameters (the ledger's executemany) are stored as ISO strings, as
# SQLAlchemy's Date stores them. sqlite3 did this by default until Python 3.12 deprecated its default
# adapters; registering the same adapter explicitly keeps it, and converts in C rather than in a
# Python loop over every row.
sqlite3.register_adapter(dt.date, dt.date.isoformat)


def database_url() -> str:
    url = os.environ.get("ANPO_DATABASE_URL")
    if url:
        return url
    data_dir = Path(os.environ.get("ANPO_DATA_DIR", "."))
    return f"sqlite:///{data_dir / 'anpo.sqlite3'}"


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """An engine with the settings anpo relies on: WAL, foreign keys and a busy timeout on SQLite."""
    url = url or database_url()
    if "poolclass" not in kwargs and url not in ("sqlite://", "sqlite:///:memory:"):
        kwargs = {"pool_size": POOL_SIZE, "max_overflow": MAX_OVERFLOW, **kwargs}
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        if engine.url.database not in (None, "", ":memory:"):
            checkpointer = Checkpointer(engine.url.database)
            event.listen(engine, "commit", checkpointer.committed)
            event.listen(engine, "engine_disposed", checkpointer.close)
        # pysqlite's own transaction handling defers BEGIN; we issue BEGIN IMMEDIATE ourselves so
        # writers queue on the lock instead of failing on upgrade (see _sqlite_begin).
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # let SQLAlchemy's "begin" event emit BEGIN
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")  # the rest: anpo.store.checkpoint
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    # straight to the driver: the statement needs none of SQLAlchemy's execution machinery (which
    # cost a read-only request as much as its query); sqlite3's commit() and rollback() end the
    # transaction whichever way it began
    conn.connection.dbapi_connection.execute(
        "BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE"
    )


def is_busy(exc: BaseException) -> bool:
    """Whether a database error means "busy, try again": SQLite's lock waited past its timeout, or a
    PostgreSQL conflict (`BUSY_STATES`) that the writer's own retries, if any, did not get past. Only
    the driver's errors count (SQLAlchemy's DBAPIError, or sqlite3's own, which a failed `BEGIN
    IMMEDIATE` raises unwrapped from `_sqlite_begin`); any other exception is not "busy"."""
    if not isinstance(exc, DBAPIError | sqlite3.Error):
        return False
    orig = getattr(exc, "orig", None) or exc
    if getattr(orig, "sqlstate", None) in BUSY_STATES:
        return True
    text = str(orig)
    return any(message in text for message in BUSY_MESSAGES)


def read_only(engine: Engine) -> Engine:
    """`engine` for transactions that only read (write in ordinary ones: on SQLite a write here
    would fail rather than wait for the lock). On SQLite they begin DEFERRED: a snapshot that takes
    no write lock, so reads run beside each other and beside a writer. On PostgreSQL each statement
    runs in autocommit: for reads the isolation of its default READ COMMITTED (each statement sees
    what was committed when it started), without the round trips of BEGIN and COMMIT."""
    if is_sqlite(engine):
        return engine.execution_options(**{READ_ONLY: True})
    return engine.execution_options(isolation_level="AUTOCOMMIT", **{READ_ONLY: True})


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work commits together at the end, or not at all."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


class Prepared:
    """A Core statement compiled once per dialect and driver and run straight on the driver's
    cursor, for the few statements made on every request (the session look-up, a page of orders,
    the ledger's look-ups, the audit entry), where SQLAlchemy's work per execution (its cache
    look-up, execution context and result processing) cost as much as the database's. A SELECT's
    rows are named tuples of what the driver returns: on SQLite a DATE is its ISO text and a
    BOOLEAN 0 or 1 (SQLAlchemy would convert both)."""

    def __init__(self, statement: Select[Any] | Insert) -> None:
        self.statement = statement
        columns: Any = statement.selected_columns if isinstance(statement, Select) else []
        self.row: Any = namedtuple("Row", [c.key or f"c{i}" for i, c in enumerate(columns)])  # type: ignore[misc]
        self._plans: dict[str, tuple[str, tuple[str, ...] | None, dict[str, Any]]] = {}

    def rows(self, bind: Connection | Session, params: Mapping[str, Any]) -> list[Any]:
        """A SELECT's rows."""
        make = self.row._make
        return [make(r) for r in self._execute(bind, params, fetch=True)]

    def tuples(self, bind: Connection | Session, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """A SELECT's rows as the driver's own tuples, without names: for a read of many rows,
        where naming each cost as much as the rest of the reading."""
        return self._execute(bind, params, fetch=True)

    def run(self, bind: Connection | Session, params: Mapping[str, Any]) -> None:
        """Run a statement that returns no rows."""
        self._execute(bind, params, fetch=False)

    def bound(self, conn: Connection, params: Mapping[str, Any]) -> tuple[str, Any]:
        """The statement's SQL for `conn`'s driver, and its arguments as that driver takes them."""
        dialect = conn.dialect
        key = f"{dialect.name}+{dialect.driver}"  # drivers differ in how parameters are written
        plan = self._plans.get(key)
        if plan is None:
            compiled = self.statement.compile(dialect=dialect)
            sql = str(compiled)
            if "POSTCOMPILE" in sql:  # expanding IN lists and the like need SQLAlchemy
                raise ValueError("a Prepared statement cannot have parameters rendered at execution")
            order = tuple(compiled.positiontup or ()) if compiled.positional else None
            plan = self._plans[key] = (sql, order, dict(compiled.params))
        sql, order, defaults = plan
        values = {**defaults, **params}
        return sql, [values[k] for k in order] if order is not None else values

    def _execute(self, bind: Connection | Session, params: Mapping[str, Any], fetch: bool) -> list[Any]:
        conn = _connection(bind)
        sql, args = self.bound(conn, params)
        raw: Any = conn.connection.dbapi_connection
        dbapi = conn.dialect.loaded_dbapi
        # try/except rather than `driver_errors`: a generator's context costs a microsecond or two,
        # and this runs for every look-up of every request
        try:
            cursor = raw.cursor()
            try:
                cursor.execute(sql, args)
                return cursor.fetchall() if fetch else []
            finally:
                with suppress(dbapi.Error):  # a cursor of a connection just lost
                    cursor.close()
        except dbapi.Error as exc:
            raise _as_sqlalchemy_error(conn, exc, sql, args) from exc


Statements = Sequence[tuple[str, Sequence[Sequence[Any]]]]  # SQL for the driver, and its rows of arguments


def rows_together(
    bind: Connection | Session, queries: Sequence[tuple[Prepared, Mapping[str, Any]]], writes: Statements = ()
) -> list[list[Any]]:
    """The rows of SELECTs that do not depend on one another's results (`Prepared.rows` of each),
    after `writes`, statements that return nothing (each run with `executemany` over its rows).
    PostgreSQL gets all of them in one pipeline: one round trip to the server rather than one
    each, and the server still runs them one after the other, in order, stopping at the first
    error. SQLite, in the same process, runs them one by one, straight on the driver too."""
    conn = _connection(bind)
    raw: Any = conn.connection.dbapi_connection
    if conn.dialect.name != "postgresql":
        for sql, rows in writes:
            try:
                raw.executemany(sql, rows)
            except conn.dialect.loaded_dbapi.Error as exc:
                raise _as_sqlalchemy_error(conn, exc, sql, rows) from exc
        return [prepared.rows(conn, params) for prepared, params in queries]
    statements = [prepared.bound(conn, params) for prepared, params in queries]
    cursors = []
    with driver_errors(conn, "; ".join(sql for sql, _ in [*writes, *statements])):
        with raw.pipeline(), raw.cursor() as writer:
            for sql, rows in writes:
                if len(rows) == 1:
                    writer.execute(sql, rows[0])
                else:
                    writer.executemany(sql, rows)
            for sql, args in statements:
                cursor = raw.cursor()
                cursor.execute(sql, args)
                cursors.append(cursor)
        # Read once the block has synced: a fetch inside it would sync, and its end sync again.
        found = [cursor.fetchall() for cursor in cursors]
    for cursor in cursors:
        cursor.close()
    return [[prepared.row._make(r) for r in rows] for (prepared, _), rows in zip(queries, found, strict=True)]


def _connection(bind: Connection | Session) -> Connection:
    return bind if isinstance(bind, Connection) else bind.connection()


@contextmanager
def driver_errors(conn: Connection, sql: str, args: Any = None) -> Iterator[None]:
    """Raise the driver's errors as SQLAlchemy raises them (DBAPIError, the connection invalidated
    if it was lost), for statements run straight on the driver: callers handle one kind, and a
    serialization failure is retried like any other."""
    try:
        yield
    except conn.dialect.loaded_dbapi.Error as exc:
        raise _as_sqlalchemy_error(conn, exc, sql, args) from exc


def _as_sqlalchemy_error(conn: Connection, exc: Any, sql: str, args: Any) -> StatementError:
    """A driver's error as SQLAlchemy raises it (a DBAPIError), the connection invalidated if the
    error lost it."""
    lost = conn.dialect.is_disconnect(exc, conn.connection.dbapi_connection, None)
    if lost:
        conn.invalidate(exc)
    error: StatementError = DBAPIError.instance(
        sql, args, exc, conn.dialect.loaded_dbapi.Error, connection_invalidated=lost, dialect=conn.dialect
    )
    return error
