"""The check-in hot path's SQL, built once, and where it runs.

Statements are module constants with bind parameters. On PostgreSQL a check-in's transaction runs on a
connection of the engine (`run_sync`). On SQLite it runs in one thread that owns a connection to the database
file: SQLite has one writer at a time anyway, a whole transaction there costs one thread hop instead of one per
statement and never meets SQLite's busy-wait backoff (sleeps of up to 100 ms), scans that queue up share one
commit, and the statements, compiled once, go straight to the DB-API cursor.

On PostgreSQL the usual scan (a first entry, or an outcome that changes no presence: already checked in, wrong
site, revoked …) takes two statements on a connection in autocommit, each compiled once and sent straight to
asyncpg (its prepared-statement cache): `LOAD`, then `RECORD_SCAN`, which stores the scan, the presence and the
audit entry in one statement — atomic by itself, so no BEGIN or COMMIT round trip. LOAD read in its own
statement sees what a READ COMMITTED transaction's first statement would, and every write is guarded as in the
transaction (ON CONFLICT): a twin nonce stores nothing (replayed), and a desk that loses the race for a first
entry makes the statement fail, so nothing of it stays, and the scan goes the general way (`run_transaction`).
Re-entries, check-outs and walk-ins always go that way. Measured in bench/checkin.py: see README.
"""
from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from queue import SimpleQueue
from typing import Any, TypeVar

from sqlalchemy import (Boolean, Connection, Executable, Integer, Table, TextClause, and_, bindparam, create_engine,
                        event, select, text, update)
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.db import compiled_statement, is_disconnect, retry_seconds
from domain.errors import Unavailable

from domain.models import AuditEntry, BridgeSite, Conference, ConferenceSite, Delegate, Invitation, Unit
from domain.checkin.models import Presence, Scan
from domain.uow import UnitOfWork

T = TypeVar("T")
log = logging.getLogger("bridgepoint.db")
RETRY_AFTER_SECONDS = 1
CONF, INV, DELEGATE, UNIT, SITE = (Conference.__table__, Invitation.__table__, Delegate.__table__,
                                   Unit.__table__, BridgeSite.__table__)
PRESENCE, SCANS, AUDIT = Presence.__table__, Scan.__table__, AuditEntry.__table__
DESK, HOME = ConferenceSite.__table__.alias("desk"), ConferenceSite.__table__.alias("home")

LOAD = (
    select(CONF.c.status, CONF.c.starts_at, CONF.c.ends_at, CONF.c.started_at,
           CONF.c.ended_at, CONF.c.timezone,
           DESK.c.site_id.label("scan_site_id"), INV.c.id.label("inv_id"),
           INV.c.conference_site_id.label("home_cs_id"), HOME.c.site_id.label("home_site_id"),
           INV.c.status.label("inv_status"), INV.c.pass_version, DELEGATE.c.full_name, DELEGATE.c.rank,
           UNIT.c.name.label("unit_name"), SITE.c.name.label("home_site_name"), PRESENCE.c.present,
           PRESENCE.c.late, PRESENCE.c.first_in_at, PRESENCE.c.last_in_at, SCANS.c.outcome.label("prior"))
    .select_from(CONF)
    .outerjoin(DESK, and_(DESK.c.id == bindparam("cs_id"), DESK.c.conference_id == CONF.c.id))
    .outerjoin(INV, and_(INV.c.id == bindparam("inv_id"), INV.c.conference_id == CONF.c.id))
    .outerjoin(DELEGATE, DELEGATE.c.id == INV.c.delegate_id)
    .outerjoin(UNIT, UNIT.c.id == DELEGATE.c.unit_id)
    .outerjoin(HOME, HOME.c.id == INV.c.conference_site_id)
    .outerjoin(SITE, SITE.c.id == HOME.c.site_id)
    .outerjoin(PRESENCE, PRESENCE.c.invitation_id == INV.c.id)
    .outerjoin(SCANS, and_(SCANS.c.user_id == bindparam("user_id"), SCANS.c.nonce == bindparam("nonce"),
                           SCANS.c.conference_id == CONF.c.id))
    .where(CONF.c.id == bindparam("conference_id")))


def _insert(table: Table, conflict: str = "", returning: str = "") -> TextClause:
    """INSERT [… ON CONFLICT DO NOTHING RETURNING], the same SQL on PostgreSQL and SQLite. Written as text
    because SQLAlchemy 2.0 never caches the dialects' on-conflict inserts (it would compile one per scan)."""
    columns = [c.name for c in table.c if not c.primary_key or c.name == conflict]
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"
    if conflict:
        sql += f" ON CONFLICT ({conflict}) DO NOTHING RETURNING {returning}"
    return text(sql).bindparams(*(bindparam(c, type_=table.c[c].type) for c in columns))


RECORD = _insert(SCANS, "user_id, nonce", "id")
REPLAY = select(SCANS.c.conference_id, SCANS.c.outcome).where(
    SCANS.c.user_id == bindparam("user_id"), SCANS.c.nonce == bindparam("nonce"))
FIRST_ENTRY = _insert(PRESENCE, "invitation_id", "invitation_id")
_mine = PRESENCE.c.invitation_id == bindparam("inv")
LEAVE = (update(PRESENCE).where(_mine, PRESENCE.c.present.is_(True))
         .values(present=False, last_out_at=bindparam("when")).returning(PRESENCE.c.invitation_id))
REENTER = (update(PRESENCE).where(_mine, PRESENCE.c.present.is_(False))
           .values(present=True, last_in_at=bindparam("when")).returning(PRESENCE.c.invitation_id))
AUDIT_ENTRY = _insert(AUDIT)
RACED = "bridgepoint: another desk recorded this first entry first"


def _record_scan() -> TextClause:
    """The scan (unless its nonce is taken), the presence of a first entry (when `first_entry`, and only if the
    scan was stored) and the audit entry, in one statement. If the presence was there already (another desk
    won), the statement casts RACED to an integer: it fails, and nothing of it is kept. Bind parameters are
    the columns prefixed s_ (scan), p_ (presence), a_ (audit)."""
    binds = [bindparam("first_entry", type_=Boolean)]

    def cols(table: Table, prefix: str) -> tuple[str, str]:
        columns = [c for c in table.c if c.name != "id"]
        binds.extend(bindparam(prefix + c.name, type_=c.type) for c in columns)
        return ", ".join(c.name for c in columns), ", ".join(f":{prefix}{c.name}" for c in columns)

    (s_cols, s_vals), (p_cols, p_vals), (a_cols, a_vals) = cols(SCANS, "s_"), cols(PRESENCE, "p_"), cols(AUDIT, "a_")
    return text(f"""WITH s AS (INSERT INTO {SCANS.name} ({s_cols}) VALUES ({s_vals})
                       ON CONFLICT (user_id, nonce) DO NOTHING RETURNING id),
    p AS (INSERT INTO {PRESENCE.name} ({p_cols}) SELECT {p_vals} WHERE :first_entry AND EXISTS (SELECT FROM s)
          ON CONFLICT (invitation_id) DO NOTHING RETURNING invitation_id),
    a AS (INSERT INTO {AUDIT.name} ({a_cols}) SELECT {a_vals}
          WHERE EXISTS (SELECT FROM s) AND (NOT :first_entry OR EXISTS (SELECT FROM p)) RETURNING id)
SELECT EXISTS (SELECT FROM s) AS recorded,
       CAST((SELECT '{RACED} ' || s.id FROM s WHERE :first_entry AND NOT EXISTS (SELECT FROM p)) AS INTEGER)
           AS raced""").bindparams(*binds).columns(recorded=Boolean, raced=Integer)


RECORD_SCAN = _record_scan()


class Raced(Exception):
    """RECORD_SCAN found the presence of its first entry taken: nothing was stored; run the transaction."""


def load_now(c: Connection, conference_id: int, cs_id: int, inv_id: int | None, user_id: int | None,
             nonce: str) -> Any:
    """`load` as a statement of its own on a connection in autocommit (PostgreSQL: straight to asyncpg)."""
    found = compiled_statement(LOAD, c.dialect).rows(c, {"conference_id": conference_id, "cs_id": cs_id,
                                                         "inv_id": inv_id, "user_id": user_id, "nonce": nonce})
    return found[0] if found else None


def record_scan(c: Connection, scan: dict[str, Any], presence: dict[str, Any] | None,
                audit: dict[str, Any]) -> bool:
    """RECORD_SCAN on a connection in autocommit: False when a twin request's scan holds the nonce (nothing
    stored); `Raced` when another desk stored this first entry first (nothing stored)."""
    values = {"first_entry": presence is not None,
              **{"s_" + k: v for k, v in scan.items()}, **{"a_" + k: v for k, v in audit.items()},
              **{"p_" + c_.name: (presence or {}).get(c_.name) for c_ in PRESENCE.c}}
    try:
        row = compiled_statement(RECORD_SCAN, c.dialect).rows(c, values)[0]
    except Exception as e:
        if RACED in str(e):
            raise Raced from e
        raise
    return bool(row.recorded)


def load(c: Connection, conference_id: int, cs_id: int, inv_id: int | None, user_id: int | None,
         nonce: str) -> Any:
    """The row checkin_rules decides on (attributes named as in LOAD), or None: no such conference."""
    found = _rows(c, LOAD, {"conference_id": conference_id, "cs_id": cs_id, "inv_id": inv_id,
                            "user_id": user_id, "nonce": nonce})
    return found[0] if found else None


def record(c: Connection, scan: dict[str, Any]) -> bool:
    """Store the scan under its (operator, nonce); False when a twin request with that nonce stored one first."""
    return bool(_rows(c, RECORD, scan))


def replay(c: Connection, user_id: int | None, nonce: str) -> Any:
    return _rows(c, REPLAY, {"user_id": user_id, "nonce": nonce})[0]


def first_entry(c: Connection, presence: dict[str, Any]) -> bool:
    return bool(_rows(c, FIRST_ENTRY, presence))


def reenter(c: Connection, inv_id: int, at: datetime) -> bool:
    return bool(_rows(c, REENTER, {"inv": inv_id, "when": at}))


def leave(c: Connection, inv_id: int, at: datetime) -> bool:
    return bool(_rows(c, LEAVE, {"inv": inv_id, "when": at}))


def write_audit(c: Connection, entry: dict[str, Any]) -> None:
    _rows(c, AUDIT_ENTRY, entry)


def _rows(c: Connection, stmt: Executable, values: dict[str, Any]) -> list[Any]:
    if c.dialect.name != "sqlite":  # inside the transaction SQLAlchemy began: through SQLAlchemy
        result = c.execute(stmt, values)
        return result.all() if result.returns_rows else []
    return compiled_statement(stmt, c.dialect).rows(c, values)


class SqliteWriter:
    """One thread owning a synchronous connection to one SQLite database file. It runs the transactions handed
    to it; those that queued up while it was busy share one commit (group commit), and if any of them fails the
    group is rolled back and rerun one by one, so only the failing one fails."""

    def __init__(self, url: URL, max_group: int = 64) -> None:
        self._engine = create_engine(url.set(drivername="sqlite+pysqlite"))
        event.listen(self._engine, "connect", _sqlite_pragmas)
        self._jobs: SimpleQueue[_Job] = SimpleQueue()
        self._max_group = max_group
        self._conn: Connection | None = None  # used by the writer thread only
        threading.Thread(target=self._serve, name="bridgepoint-sqlite-writer", daemon=True).start()

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[T] = loop.create_future()
        self._jobs.put(_Job(fn, args, loop, done))
        return await done

    def _serve(self) -> None:
        while True:
            group = [self._jobs.get()]
            while len(group) < self._max_group and not self._jobs.empty():
                group.append(self._jobs.get())
            self._run(group)

    def _run(self, group: list[_Job]) -> None:
        try:
            if self._conn is None or self._conn.closed or self._conn.invalidated:
                self._conn = self._engine.connect()
            with self._conn.begin():
                results = [job.fn(self._conn, *job.args) for job in group]
        except Exception as exc:
            if self._conn is not None and self._conn.invalidated:
                self._conn = None  # a broken connection: the next transaction opens a new one
            if len(group) > 1:
                for job in group:
                    self._run([job])
            else:
                group[0].settle(exc, failed=True)
            return
        for job, result in zip(group, results):
            job.settle(result)


@dataclass(frozen=True)
class _Job:
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    loop: asyncio.AbstractEventLoop
    done: asyncio.Future[Any]

    def settle(self, value: Any, failed: bool = False) -> None:
        try:
            self.loop.call_soon_threadsafe(self._settle, value, failed)
        except RuntimeError:
            pass  # the caller's event loop is gone (a stopped server or test): nobody waits for the answer

    def _settle(self, value: Any, failed: bool) -> None:
        if not self.done.done():
            self.done.set_exception(value) if failed else self.done.set_result(value)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=30000"):
        cur.execute(f"PRAGMA {pragma}")
    cur.close()


_writers: dict[str, SqliteWriter] = {}


async def run_transaction(uow: UnitOfWork, fn: Callable[..., T], *args: Any) -> T:
    """Run `fn(connection, *args)` as one committed transaction: in the SQLite writer thread, or on a
    connection of the unit of work's engine. The unit of work's own commit then only publishes its events."""
    url = uow.engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        key = url.render_as_string(hide_password=False)
        writer = _writers.get(key) or _writers.setdefault(key, SqliteWriter(url))
        return await writer.run(fn, *args)
    return await _retrying(uow.engine, fn, *args)


def statements_apart(uow: UnitOfWork) -> bool:
    """Whether `run_statements` is the way here (PostgreSQL); on SQLite the writer thread is."""
    return uow.engine.dialect.driver == "asyncpg"


async def run_statements(uow: UnitOfWork, fn: Callable[..., T], *args: Any) -> T:
    """Run `fn(connection, *args)` on a connection of the engine in autocommit (no transaction: each statement
    commits by itself), retried like `run_transaction` while the connection is lost."""
    return await _retrying(uow.engine, fn, *args, begin=False)


async def _retrying(engine: AsyncEngine, fn: Callable[..., T], *args: Any, begin: bool = True) -> T:
    """Run the transaction again while the database connection is lost (a restart, a terminated backend), for
    up to the engine's retry seconds; then `Unavailable` (503). Safe because the transaction is all or nothing
    and a check-in is recorded under its nonce: if a lost COMMIT did commit, the next attempt replays it."""
    deadline, delay = time.monotonic() + retry_seconds(engine), 0.05
    while True:
        try:
            if begin:
                async with engine.begin() as conn:
                    return await conn.run_sync(fn, *args)
            async with engine.connect() as conn:
                try:
                    return await conn.run_sync(fn, *args)
                except Exception as e:
                    if is_disconnect(e):  # asyncpg's own error, unseen by the pool: never hand it out again
                        await conn.invalidate()
                    raise
        except Exception as e:
            if not is_disconnect(e):
                raise
            if time.monotonic() + delay > deadline:
                log.warning("database unreachable, giving up after retrying: %s", _first_line(e))
                raise Unavailable("the database cannot be reached right now; send the same request again",
                                  retry_after=RETRY_AFTER_SECONDS) from e
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.5)


def _first_line(e: BaseException) -> str:
    return f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
