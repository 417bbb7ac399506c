"""Database plumbing: declarative base, UTC datetime type, engine and session factory, and what a lost
database connection looks like (so that a restart of PostgreSQL is retried instead of failing requests)."""
from __future__ import annotations

import asyncio
import enum
import logging
import sqlite3
import threading
import time
import weakref
from collections import namedtuple
from datetime import datetime, timezone, tzinfo
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, DateTime, Enum, Executable, MetaData, Row, Select, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.selectable import TextualSelect
from sqlalchemy.types import TypeDecorator
from sqlalchemy.util import await_only

log = logging.getLogger("bridgepoint.db")
RETRY_OPTION = "bridgepoint_retry_seconds"  # an engine's execution option: how long to retry a lost database
DEFAULT_RETRY_SECONDS = 5.0

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes, always stored as UTC (naive UTC on SQLite)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; bridgepoint stores timezone-aware times only")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def enum_type(cls: type[enum.Enum], name: str) -> Enum:
    """An enum stored as its values in a short string column (no native database enum to migrate)."""
    return Enum(cls, name=name, native_enum=False, validate_strings=True, length=16,
                values_callable=lambda e: [m.value for m in e])


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def local_iso(dt: datetime | None, zone: tzinfo) -> str | None:
    """A stored (UTC) time as ISO 8601 in a conference's zone."""
    return dt.astimezone(zone).isoformat() if dt is not None else None


class CompiledStatement:
    """A hot statement compiled once for a dialect and run straight on the driver, with the column types' own
    bind and result processors. SQLAlchemy's per-execution bookkeeping (and, on aiosqlite, a thread hop for each
    of cursor, execute, fetch and close) is most of what a small statement costs otherwise."""

    def __init__(self, stmt: Executable, dialect: Dialect) -> None:
        self.asyncpg = dialect.driver == "asyncpg"
        compiled = stmt.compile(dialect=dialect)
        self.sql = compiled.string
        binds = [compiled.binds[name] for name in compiled.positiontup or ()]
        self.params = [(b.key, b.effective_value, b.type.dialect_impl(dialect).bind_processor(dialect))
                       for b in binds]
        columns = list(stmt.selected_columns) if isinstance(stmt, (Select, TextualSelect)) else []
        self.row = namedtuple("Row", [col.key for col in columns]) if columns else None  # type: ignore[misc]
        self.results = [col.type.dialect_impl(dialect).result_processor(dialect, None) for col in columns]

    def args(self, values: dict[str, Any]) -> list[Any]:
        out = []
        for key, default, process in self.params:
            value = values[key] if key in values else default
            out.append(process(value) if process else value)
        return out

    def shape(self, fetched: Any) -> list[Any]:
        if self.row is None:
            return list(fetched)
        return [self.row(*(p(v) if p else v for v, p in zip(raw, self.results))) for raw in fetched]

    def rows(self, c: Connection, values: dict[str, Any]) -> list[Any]:
        """Run on a synchronous connection (the SQLite writer thread), or an asyncpg one inside a greenlet."""
        args = self.args(values)
        if self.asyncpg:  # autocommit: past SQLAlchemy's adapter, which would BEGIN first
            driver = c.connection.dbapi_connection.driver_connection  # type: ignore[union-attr]
            fetched = await_only(driver.fetch(self.sql, *args))
        else:
            cursor = c.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                cursor.execute(self.sql, args)
                fetched = cursor.fetchall()
            finally:
                cursor.close()
        return self.shape(fetched)


_statements: dict[tuple[Executable, str], CompiledStatement] = {}


def compiled_statement(stmt: Executable, dialect: Dialect) -> CompiledStatement:
    key = (stmt, dialect.name)
    return _statements.get(key) or _statements.setdefault(key, CompiledStatement(stmt, dialect))


async def core_rows(session: AsyncSession, stmt: Executable) -> Sequence[Row[Any]]:
    """A column read run on the session's connection (its transaction), without the ORM's per-row loading: for
    reads of thousands of rows (every point of a national conference), where the ORM's bookkeeping cost more than
    the query."""
    return (await (await session.connection()).execute(stmt)).all()


async def fetch_rows(engine: AsyncEngine, stmt: Executable, values: dict[str, Any]) -> list[Any]:
    """A read in one trip to the driver (aiosqlite or asyncpg) outside any transaction: for the small statements
    every request runs. On a SQLite file it runs on a connection of `SqliteReaders`; else on a pooled one."""
    compiled = compiled_statement(stmt, engine.dialect)
    args = compiled.args(values)
    readers = _readers.get(engine.sync_engine)
    if readers is not None:
        return compiled.shape(await readers.fetch(compiled.sql, args))
    async with engine.connect() as c:
        driver = (await c.get_raw_connection()).driver_connection
        if compiled.asyncpg:
            fetched = await driver.fetch(compiled.sql, *args)  # type: ignore[union-attr]
        else:
            fetched = await driver.execute_fetchall(compiled.sql, args)  # type: ignore[union-attr]
    return compiled.shape(fetched)


class SqliteReaders:
    """Reads of `fetch_rows` on one SQLite file, outside any transaction (autocommit: each statement reads the
    newest committed data in WAL mode, and no transaction is ever left open).

    A read runs right here, on the calling thread, on a connection of its own: the statements that come this way
    are lookups of a row or two by a unique index (the token or session of every request), tens of microseconds,
    far less than the hop to a driver thread and back that the engine's pool took (three of them with its
    checkout and the rollback it runs on every return; under load those hops cost half the request's CPU). Such a
    connection never waits for a lock (`timeout=0`): when SQLite says busy — it rarely does to a reader in WAL
    mode — or another thread is using it, the read goes to an aiosqlite connection, which may wait."""

    def __init__(self, database: str, keep: int = 32) -> None:
        self.database, self.keep = database, keep
        self._here: sqlite3.Connection | None = None
        self._here_lock = threading.Lock()
        self._idle: list[Any] = []

    async def fetch(self, sql: str, args: list[Any]) -> list[Any]:
        rows = self._read_here(sql, args)
        return rows if rows is not None else await self._read_in_thread(sql, args)

    def _read_here(self, sql: str, args: list[Any]) -> list[Any] | None:
        if not self._here_lock.acquire(blocking=False):
            return None
        try:
            if self._here is None:
                self._here = sqlite3.connect(self.database, timeout=0, isolation_level=None,
                                             check_same_thread=False)  # used under the lock, by one at a time
            return self._here.execute(sql, args).fetchall()
        except sqlite3.OperationalError as e:
            if "locked" in str(e) or "busy" in str(e):
                return None
            raise
        finally:
            self._here_lock.release()

    async def _read_in_thread(self, sql: str, args: list[Any]) -> list[Any]:
        conn = self._idle.pop() if self._idle else await self._open()
        try:
            rows = await conn.execute_fetchall(sql, args)
        except BaseException:
            conn.stop()  # a cancelled or failed read: this connection is not handed out again
            raise
        if len(self._idle) < self.keep:
            self._idle.append(conn)
        else:
            conn.stop()
        return list(rows)

    async def _open(self) -> Any:
        import aiosqlite  # the SQLite driver: only where SQLite is used

        conn = await aiosqlite.connect(self.database, isolation_level=None, timeout=30)
        await conn.execute("PRAGMA busy_timeout=30000")
        return conn

    def close(self) -> None:
        """Close the kept connections (a driver thread ends once it has finished what it was doing)."""
        with self._here_lock:
            if self._here is not None:
                self._here.close()
                self._here = None
        while self._idle:
            self._idle.pop().stop()


_readers: weakref.WeakKeyDictionary[Any, SqliteReaders] = weakref.WeakKeyDictionary()


def make_engine(url: str, *, retry_seconds: float = DEFAULT_RETRY_SECONDS, **kwargs: object) -> AsyncEngine:
    """On PostgreSQL, pooled connections are pinged before use, connecting is retried for `retry_seconds` while
    the server restarts, and work that runs through `checkin_store.run_transaction` is retried as long."""
    if ":memory:" not in url:  # idle connections kept: fewer means reconnecting under load (on SQLite each one is
        kwargs.setdefault("pool_size", 20)  # a thread, opened with its pragmas, for every overflow connection)
        kwargs.setdefault("max_overflow", 10)
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        database = engine.url.database
        if database and database != ":memory:" and not engine.url.query:
            readers = _readers[engine.sync_engine] = SqliteReaders(database)
            event.listen(engine.sync_engine, "engine_disposed", lambda _engine: readers.close())
        return engine
    options = {**kwargs.pop("execution_options", {}), RETRY_OPTION: retry_seconds}  # type: ignore[dict-item]
    engine = create_async_engine(url, pool_pre_ping=True, execution_options=options, **kwargs)
    event.listen(engine.sync_engine, "do_connect", _connect_retrying(retry_seconds))
    event.listen(engine.sync_engine, "handle_error", _broken_connection)
    if engine.dialect.driver == "asyncpg":
        engine.dialect.do_ping = _ping  # type: ignore[method-assign]
    return engine


def _ping(dbapi_connection) -> bool:  # type: ignore[no-untyped-def]
    """The pool's pre-ping in one round trip (`;`) instead of SQLAlchemy's BEGIN, `;`, ROLLBACK, which is there
    for pgbouncer's transaction mode (not a set-up bridgepoint supports: docs/deploy.md). An error is translated
    as SQLAlchemy's own ping does, so a dead connection is replaced."""
    try:
        await_only(dbapi_connection.driver_connection.fetchrow(";"))
    except Exception as error:
        dbapi_connection._handle_exception(error)
    return True


def _connect_retrying(seconds: float):  # type: ignore[no-untyped-def]
    """Connecting while the server restarts (refused, "starting up", "shutting down") is tried again for up to
    `seconds`: a pooled connection that the pre-ping found dead is replaced without the request noticing."""
    def connect(dialect, _record, cargs, cparams):  # type: ignore[no-untyped-def]
        deadline, delay = time.monotonic() + seconds, 0.05
        while True:
            try:
                return dialect.connect(*cargs, **cparams)
            except Exception as e:
                if not is_disconnect(e) or time.monotonic() + delay > deadline:
                    raise
                await_only(asyncio.sleep(delay))  # runs in SQLAlchemy's greenlet: the event loop goes on
                delay = min(delay * 2, 0.5)
    return connect


def _broken_connection(context):  # type: ignore[no-untyped-def]
    """asyncpg's "another operation is in progress" after a connection broke mid-statement, and the like: the
    connection is discarded (and the pool's older ones are checked), never handed out again."""
    if not context.is_disconnect and is_disconnect(context.original_exception):
        context.is_disconnect = True


_LOST = ("connection is closed", "connection was closed", "another operation",
         "terminating connection", "the database system is", "server closed the connection", "connection refused",
         "connection reset", "connection does not exist")


class LoopFailures:
    """How a background loop (the live tick, the mail sender) logs a failed pass: a lost database — a restart —
    as one warning line per `every` seconds without a traceback; anything else with its traceback."""

    def __init__(self, logger: logging.Logger, what: str, every: float = 10.0) -> None:
        self.logger, self.what, self.every = logger, what, every
        self._warned = float("-inf")

    def failed(self, e: Exception) -> None:
        if not is_disconnect(e):
            self.logger.exception("%s failed; retrying", self.what)
        elif time.monotonic() - self._warned > self.every:
            self._warned = time.monotonic()
            self.logger.warning("%s: the database is unreachable (%s); retrying", self.what, type(e).__name__)


def is_disconnect(exc: BaseException) -> bool:
    """Whether `exc` (or what caused it) means the database connection was lost or could not be made: the
    server restarted, terminated the backend or refuses connections for now. Such a failed transaction was
    rolled back by the server, or (lost during COMMIT) its outcome is unknown to the client."""
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if getattr(e, "connection_invalidated", False):
            return True
        if isinstance(e, ConnectionError):  # refused or reset while connecting
            return True
        name = type(e).__name__
        if name in ("ConnectionDoesNotExistError", "CannotConnectNowError", "AdminShutdownError",
                    "CrashShutdownError", "ConnectionFailureError", "ClientCannotConnectError",
                    "PostgresConnectionError", "ConnectionRejectionError"):
            return True
        if name in ("InterfaceError", "InternalClientError", "OperationalError", "DBAPIError", "Error") and \
                any(words in str(e).lower() for words in _LOST):
            return True
        e = getattr(e, "orig", None) or e.__cause__ or e.__context__
    return False


def retry_seconds(engine: AsyncEngine) -> float:
    """How long work on `engine` retries a lost connection (0 on SQLite)."""
    return float(engine.get_execution_options().get(RETRY_OPTION, 0.0))


async def recreate_database(server_url: str, name: str) -> str:
    """Drop and create database `name` on the PostgreSQL server of `server_url`; the URL of the new one.
    For throwaway databases of tests and benchmarks."""
    url = make_url(server_url)
    admin = make_engine(url.set(database="postgres").render_as_string(hide_password=False),
                        isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def made_on(dialect: str) -> Any:
    """An `include_object` for Alembic's comparisons: leaves out what the models create only on other databases
    (an index with `.ddl_if(dialect=…)`, e.g. PostgreSQL's trigram index of the invitations' names)."""
    def include(obj: Any, _name: Any, _type: Any, _reflected: Any, _compare_to: Any) -> bool:
        only = getattr(obj, "_ddl_if", None)
        return only is None or only.dialect is None or only.dialect == dialect
    return include
