"""Migrations build exactly the schema the models describe, on SQLite and on PostgreSQL."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

import domain.models  # noqa: F401
from domain.db import Base, made_on, make_engine
from domain.migrate import upgrade
from tests.conftest import fresh_postgres_database


@pytest.fixture(params=["sqlite", "postgres"])
async def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'migrate.db'}"
    return await fresh_postgres_database(f"bp_migrate_{os.getpid()}")


def _diff(connection) -> list:  # type: ignore[no-untyped-def]
    ctx = MigrationContext.configure(connection, opts={"compare_type": True,
                                                       "include_object": made_on(connection.dialect.name)})
    return compare_metadata(ctx, Base.metadata)


async def test_migrations_match_the_models(empty_db: str):
    await asyncio.to_thread(upgrade, empty_db)
    engine = make_engine(empty_db)
    async with engine.connect() as conn:
        diff = await conn.run_sync(_diff)
        version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
    await engine.dispose()
    assert diff == [], diff
    assert version


async def test_demo_loads_once_and_is_idempotent(empty_db: str, tmp_path: Path):
    from datetime import datetime, timezone

    from domain.demo import live as demo_live
    from domain.checkin.attendance import attendance
    from domain.db import make_sessionmaker
    from domain.demo.standard import load_demo
    from domain.invitations.passes import Keyring
    from domain.speakers.view import speakers_state

    await asyncio.to_thread(upgrade, empty_db)
    engine = make_engine(empty_db)
    sessionmaker, ring, now = make_sessionmaker(engine), Keyring.load_or_create(tmp_path / "keys"), \
        datetime.now(timezone.utc)
    try:
        first = await load_demo(sessionmaker, extra=[demo_live.live_spec(now)])
        live_id, created = first.extra[demo_live.TITLE]
        activity = await demo_live.animate(sessionmaker, ring, live_id, now)
        second = await load_demo(sessionmaker, extra=[demo_live.live_spec(now)])
        again = await demo_live.animate(sessionmaker, ring, live_id, now)
        async with engine.connect() as conn:
            sites = (await conn.execute(text("SELECT count(*) FROM bridge_sites"))).scalar_one()
            remote = (await conn.execute(text(
                f"SELECT count(*) FROM conference_sites WHERE role = 'remote' AND conference_id = {first.conference_id}"
            ))).scalar_one()
            delegates = (await conn.execute(text("SELECT count(*) FROM delegates"))).scalar_one()
        async with sessionmaker() as s:
            present = (await attendance(s, live_id)).present
            speakers = await speakers_state(s, live_id)
    finally:
        await engine.dispose()
    assert first.created and created and not second.created and not second.extra[demo_live.TITLE][1]
    assert first.conference_id == second.conference_id
    assert sites == 49 and remote == 48 and delegates >= 900
    assert {role for _, _, role in first.logins} == {"admin", "organizer", "chair", "operator", "viewer"}
    assert activity.checked_in == again.checked_in == present > 400
    assert speakers["current"] is not None and len(speakers["waiting"]) >= 3


def test_cli_upgrades_loads_demo_and_prints_logins(tmp_path: Path):
    env = {"BRIDGEPOINT_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    exe = Path(sys.executable).parent / "bridgepoint"
    out = subprocess.run([str(exe), "demo"], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "vanphong" in out.stdout and "/api/conferences/" in out.stdout
    again = subprocess.run([str(exe), "demo"], env=env, capture_output=True, text=True, timeout=120)
    assert "already present" in again.stdout
    secret = {**env, "BRIDGEPOINT_NEW_PASSWORD": "lantern-orchard-basalt"}  # never on the command line
    made = subprocess.run([str(exe), "users", "create", "khach", "--role", "viewer"],
                          env=secret, capture_output=True, text=True, timeout=60)
    assert made.returncode == 0 and "created viewer khach" in made.stdout
    dup = subprocess.run([str(exe), "users", "create", "khach", "--role", "viewer"],
                         env=secret, capture_output=True, text=True, timeout=60)
    assert dup.returncode == 1 and "duplicate_username" in dup.stderr


async def test_migration_0013_gives_existing_invitations_their_names_and_keeps_them(empty_db: str):
    """Down to 0012 (the column and its triggers go) and up again: the invitations already there get their
    delegate's search name, and the triggers keep it from then on."""
    from datetime import datetime, timezone

    from alembic import command

    from domain.demo.scale import load_scale
    from domain.migrate import alembic_config

    await asyncio.to_thread(upgrade, empty_db)
    engine = make_engine(empty_db)
    try:
        info = await load_scale(engine, 5, 40, datetime(2026, 12, 1, tzinfo=timezone.utc))
        await engine.dispose()
        await asyncio.to_thread(command.downgrade, alembic_config(empty_db), "0012")
        async with engine.connect() as conn:
            columns = await conn.run_sync(lambda c: [col["name"] for col in inspect(c).get_columns("invitations")])
        assert "search" not in columns
        await asyncio.to_thread(upgrade, empty_db)
        same = ("SELECT count(*) FROM invitations i JOIN delegates d ON d.id = i.delegate_id "
                "WHERE i.search = d.search AND i.search <> ''")
        async with engine.begin() as conn:
            total = (await conn.execute(text("SELECT count(*) FROM invitations WHERE conference_id = :c"),
                                        {"c": info.conference_id})).scalar_one()
            assert total > 0 and (await conn.execute(text(same))).scalar_one() == total
            one = (await conn.execute(text("SELECT delegate_id FROM invitations LIMIT 1"))).scalar_one()
            await conn.execute(text("UPDATE delegates SET search = 'renamed person' WHERE id = :d"), {"d": one})
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT search FROM invitations WHERE delegate_id = :d"), {"d": one})
                    ).scalar_one() == "renamed person"
            assert (await conn.execute(text(same))).scalar_one() == total
    finally:
        await engine.dispose()
