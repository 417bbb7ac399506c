"""Alembic environment: runs migrations over the async engine bridgepoint uses."""
from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

import domain.models  # noqa: F401  (registers every table)
from domain.db import Base, made_on, make_engine

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True,
                      render_as_batch=connection.dialect.name == "sqlite",
                      include_object=made_on(connection.dialect.name))
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    async with engine.connect() as conn:
        await conn.run_sync(_configure)
    await engine.dispose()


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
    else:
        asyncio.run(_run_async())


run()
