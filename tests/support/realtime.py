"""Shared pieces of the live-view tests: the app served by a real uvicorn on loopback, screens that keep their
own copy of the live state, and a comparison with what the database holds."""
from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

import pytest
import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from domain import live
from domain.db import make_engine, make_sessionmaker, utcnow
from domain.models import ApiToken, BridgeSite, Role, User
from domain.users.service import token_digest
from realtime.state import LiveState
from tests.conftest import PASSWORD_HASH

_nonce = itertools.count(1)


@pytest.fixture
async def ws_url(api: Any) -> AsyncIterator[str]:
    """The test's app (already started by the `api` fixture) served over real sockets."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(api.app, lifespan="off", log_level="warning",
                                           ws_per_message_deflate=False))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield f"ws://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task


class Screen:
    """A websocket client that applies every frame to its own LiveState, as a browser screen would."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.state = LiveState()
        self.frames: list[dict[str, Any]] = []

    @classmethod
    async def open(cls, base: str, conference_id: int, token: str, since: int | None = None,
                   **kw: Any) -> "Screen":
        query = f"?token={token}" + (f"&since={since}" if since is not None else "")
        return cls(await connect(f"{base}/ws/conferences/{conference_id}{query}", **kw))

    async def recv(self, timeout: float = 15.0) -> dict[str, Any]:
        frame = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
        self.frames.append(frame)
        self.state.apply(frame)
        return frame

    async def until(self, done: Callable[[dict[str, Any]], bool], timeout: float = 15.0) -> dict[str, Any]:
        """Receive until a frame satisfies `done`; that frame."""
        async with asyncio.timeout(timeout):
            while True:
                frame = await self.recv(timeout)
                if done(frame):
                    return frame

    async def settled(self, holds: Callable[["LiveState"], bool], timeout: float = 15.0) -> None:
        """Receive until the screen's reconstructed state satisfies `holds` (at once if it already does)."""
        async with asyncio.timeout(timeout):
            while not holds(self.state):
                await self.recv(timeout)

    async def quiet(self, seconds: float = 0.3) -> list[dict[str, Any]]:
        """Every frame that arrives within `seconds`."""
        got = []
        try:
            while True:
                got.append(await self.recv(seconds))
        except TimeoutError:
            return got

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def close(self) -> None:
        await self.ws.close()


async def close_code(base: str, conference_id: int, token: str | None, **query: str) -> int | None:
    """Connect and return the close code the server answers with (None: it sent a frame instead)."""
    params = "&".join([*([f"token={token}"] if token else []), *(f"{k}={v}" for k, v in query.items())])
    async with connect(f"{base}/ws/conferences/{conference_id}?{params}") as ws:
        try:
            await asyncio.wait_for(ws.recv(), 5)
        except ConnectionClosed:
            return ws.close_code
        return None


def comparable(body: dict[str, Any]) -> dict[str, Any]:
    """A live state without what changes by merely reading it again (the speakers clock)."""
    speakers = dict(body.get("speakers") or {})
    speakers.pop("server_time", None)
    return {"conference": body["conference"], "agenda_item": body["agenda_item"],
            "sites": {s["conference_site_id"]: s for s in body["sites"]}, "totals": body["totals"],
            "speakers": speakers}


async def database_view(api: Any, conference_id: int) -> dict[str, Any]:
    async with api.sessionmaker() as session:
        body = await live.snapshot(session, conference_id)
    assert body is not None
    return comparable(body)


async def check_in(api: Any, conference_id: int, invitation_id: int, conference_site_id: int,
                   direction: str = "in") -> None:
    out = await api.post(f"/api/conferences/{conference_id}/checkin/manual", {
        "invitation_id": invitation_id, "conference_site_id": conference_site_id,
        "nonce": f"n{next(_nonce)}", "direction": direction}, expect=200)
    assert out["result"] == "ok", out


async def start_conference(api: Any, conference_id: int) -> None:
    await api.post(f"/api/conferences/{conference_id}/schedule", expect=200)
    await api.post(f"/api/conferences/{conference_id}/start", expect=200)


def serve_process(sock: socket.socket, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """A server process on an already bound loopback socket (a restarted one keeps the same port)."""
    return subprocess.Popen([sys.executable, "-m", "uvicorn", "api.asgi:app", "--fd", str(sock.fileno()),
                             "--ws-per-message-deflate", "false", "--log-level", "warning"],
                            pass_fds=[sock.fileno()], env=env, cwd=Path(__file__).resolve().parents[2])


async def healthy(base: str, timeout: float = 30) -> None:
    """Up and answering /health (a server process starts slowly on a busy machine: give it `timeout`)."""
    async with httpx.AsyncClient(base_url=base) as client, asyncio.timeout(timeout):
        while True:
            try:
                if (await client.get("/health")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)


async def user_token(db_url: str, username: str, role: str, site_ids: tuple[int, ...] = ()) -> str:
    """A user with a fresh API token, written straight into the database a server process uses."""
    engine = make_engine(db_url)
    token = secrets.token_urlsafe(24)
    async with make_sessionmaker(engine)() as s:
        user = User(username=username, display_name=username, password_hash=PASSWORD_HASH, role=Role(role))
        user.sites = [await s.get(BridgeSite, i) for i in site_ids]
        s.add(user)
        await s.flush()
        s.add(ApiToken(token_hash=token_digest(token), user_id=user.id, expires_at=utcnow() + timedelta(hours=1)))
        await s.commit()
    await engine.dispose()
    return token
