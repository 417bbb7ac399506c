"""Test fixtures: every app-level test runs against SQLite and against a real PostgreSQL."""
from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import httpx
from sqlalchemy import text

import domain.models  # noqa: F401
from api.app import create_app
from api.settings import Settings
from domain.db import Base, make_engine, recreate_database, utcnow
from domain.models import ApiToken, BridgeSite, Role, User
from domain.users.service import hash_password, token_digest

PG_ENV = "BRIDGEPOINT_TEST_POSTGRES_URL"
IN_CI = os.environ.get("CI", "").lower() == "true"
PASSWORD = "correct-horse-42"
PASSWORD_HASH = hash_password(PASSWORD)


def service_url(env: str, what: str) -> str:
    """The URL of a throwaway server `make test` started; skipped without one, but never under CI=true."""
    url = os.environ.get(env)
    if not url:
        if IN_CI:
            pytest.fail(f"{env} is not set: under CI=true the {what} tests must run")
        pytest.skip(f"{what} not available ({env} unset); `make test` starts one")
    return url


def postgres_url() -> str:
    return service_url(PG_ENV, "PostgreSQL")


async def reset_schema(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        else:
            await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()


async def fresh_postgres_database(name: str) -> str:
    """A new, empty database on the test server (so concurrent test runs do not share one)."""
    return await recreate_database(postgres_url(), name)  # type: ignore[arg-type]


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
async def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    else:
        url = await fresh_postgres_database(f"bp_test_{os.getpid()}")
    await reset_schema(url)
    return url


async def wipe(engine: Any) -> None:
    if engine.dialect.name == "postgresql":
        async with engine.begin() as conn:
            names = ", ".join(t.name for t in Base.metadata.sorted_tables)
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return
    async with engine.connect() as conn:
        await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        await conn.commit()
        for table in reversed(Base.metadata.sorted_tables):
            await conn.execute(table.delete())
        await conn.commit()
        await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        await conn.commit()


@dataclass
class Api:
    """A test client plus helpers for making users and calling the API as them."""
    client: httpx.AsyncClient
    app: Any = None
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def sessionmaker(self) -> Any:
        return self.app.state.sessionmaker

    async def user(self, username: str, role: str, sites: list[int] | None = None,
                   delegate_id: int | None = None) -> dict[str, str]:
        """Create a user with a ready token; returns the Authorization header."""
        async with self.sessionmaker() as s:
            user = User(username=username, display_name=username, password_hash=PASSWORD_HASH, role=Role(role),
                        delegate_id=delegate_id, search=username)
            user.sites = [await s.get(BridgeSite, i) for i in sites or []]
            s.add(user)
            await s.flush()
            token = secrets.token_urlsafe(24)
            s.add(ApiToken(token_hash=token_digest(token), user_id=user.id, expires_at=utcnow() + timedelta(hours=1)))
            await s.commit()
        self.tokens[username] = token
        return {"Authorization": f"Bearer {token}"}

    async def user_id(self, username: str) -> int:
        async with self.sessionmaker() as s:
            from sqlalchemy import select
            return (await s.execute(select(User.id).where(User.username == username))).scalar_one()

    def as_(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    async def call(self, method: str, url: str, who: str | None = "org", expect: int | None = None,
                   **kw: Any) -> Any:
        headers = self.as_(who) if who else {}
        r = await self.client.request(method, url, headers=headers, **kw)
        if expect is not None:
            assert r.status_code == expect, f"{method} {url} as {who}: {r.status_code} {r.text}"
        return r

    async def post(self, url: str, json: Any = None, who: str | None = "org", expect: int | None = 201) -> Any:
        r = await self.call("POST", url, who, expect, json=json)
        return r.json() if r.content else None

    async def get(self, url: str, who: str | None = "org", expect: int | None = 200, **kw: Any) -> Any:
        r = await self.call("GET", url, who, expect, **kw)
        return r.json() if r.content else None

    async def patch(self, url: str, json: Any, who: str | None = "org", expect: int | None = 200) -> Any:
        r = await self.call("PATCH", url, who, expect, json=json)
        return r.json() if r.content else None


@pytest.fixture
async def api(db_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    """The app in this test's event loop, served through httpx's ASGI transport."""
    app = create_app(Settings(database_url=db_url, data_dir=tmp_path))
    for hook in app.on_startup:
        await hook(app)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            a = Api(client, app=app)
            await a.user("org", "organizer")
            yield a
    finally:
        for hook in app.on_shutdown:  # stop background tasks before the tables go
            await hook(app)
        engine = make_engine(db_url)
        await wipe(engine)
        await engine.dispose()


@pytest.fixture
def backend(db_url: str) -> str:
    return "postgres" if db_url.startswith("postgresql") else "sqlite"
