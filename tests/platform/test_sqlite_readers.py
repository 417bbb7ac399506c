"""The per-request reads on a SQLite file (`fetch_rows` through `SqliteReaders`): the newest committed data, the
same rows whether read on the calling thread or on a driver thread, and never an open transaction."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, insert, select, text

from domain.db import SqliteReaders, _readers, fetch_rows, make_engine

meta = MetaData()
things = Table("things", meta, Column("id", Integer, primary_key=True), Column("name", String(20)))
BY_ID = select(things.c.id, things.c.name).where(things.c.id == bindparam("id"))


@pytest.fixture
async def engine(tmp_path: Path):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'r.db'}")
    async with engine.begin() as c:
        await c.run_sync(meta.create_all)
        await c.execute(insert(things).values(id=1, name="Nguyễn Văn An"))
    yield engine
    await engine.dispose()


async def test_a_read_sees_what_was_committed_just_before(engine) -> None:
    assert [tuple(r) for r in await fetch_rows(engine, BY_ID, {"id": 1})] == [(1, "Nguyễn Văn An")]
    async with engine.begin() as c:
        await c.execute(things.update().where(things.c.id == 1).values(name="Trần Thị Bình"))
        await c.execute(insert(things).values(id=2, name="Lê Văn Cường"))
    assert [r.name for r in await fetch_rows(engine, BY_ID, {"id": 1})] == ["Trần Thị Bình"]
    assert [r.name for r in await fetch_rows(engine, BY_ID, {"id": 2})] == ["Lê Văn Cường"]
    assert await fetch_rows(engine, BY_ID, {"id": 3}) == []


async def test_a_reader_busy_elsewhere_sends_the_read_to_a_driver_thread(engine) -> None:
    readers = _readers[engine.sync_engine]
    here = await fetch_rows(engine, BY_ID, {"id": 1})
    with readers._here_lock:  # another thread is using the connection of the calling thread
        assert readers._read_here("select 1", []) is None
        elsewhere = await fetch_rows(engine, BY_ID, {"id": 1})
    assert [tuple(r) for r in elsewhere] == [tuple(r) for r in here] == [(1, "Nguyễn Văn An")]
    assert len(readers._idle) == 1  # the driver thread's connection is kept for the next time


async def test_a_locked_database_is_read_on_a_driver_thread_that_waits(tmp_path: Path) -> None:
    """A reader that SQLite answers `database is locked` (here: a rollback journal, a writer holding the lock)
    does not fail the request: the read waits on a driver thread for the lock to go."""
    import asyncio
    import sqlite3

    path = tmp_path / "locked.db"
    setup = sqlite3.connect(path, isolation_level=None)
    setup.execute("create table things (id integer primary key, name text)")
    setup.execute("insert into things values (1, 'Phạm Thu')")
    setup.execute("begin exclusive")
    readers = SqliteReaders(str(path))
    try:
        assert readers._read_here("select name from things", []) is None
        pending = asyncio.ensure_future(readers.fetch("select name from things", []))
        await asyncio.sleep(0.2)
        assert not pending.done()  # waiting for the writer
        setup.execute("commit")
        assert await asyncio.wait_for(pending, 10) == [("Phạm Thu",)]
    finally:
        readers.close()
        setup.close()


async def test_no_transaction_stays_open_and_dispose_closes_the_readers(engine) -> None:
    readers = _readers[engine.sync_engine]
    await fetch_rows(engine, BY_ID, {"id": 1})
    assert readers._here is not None and not readers._here.in_transaction
    # a checkpoint that needs every reader gone can finish: nobody holds a read snapshot
    async with engine.connect() as c:
        busy, _, _ = (await c.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))).one()
    assert busy == 0
    await engine.dispose()
    assert readers._here is None and readers._idle == []
