"""The site agent against a real server process: it makes its point connected, prints the live state, and
after the server restarts it reconnects by itself and carries on."""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from realtime.agent import render
from realtime.state import LiveState
from tests.conftest import Api, reset_schema
from tests.support.factories import make_world
from tests.support.realtime import healthy, serve_process, start_conference, user_token


async def _read_until(stream: asyncio.StreamReader, text: str, timeout: float = 20.0) -> str:
    seen = ""
    async with asyncio.timeout(timeout):
        while text not in seen:
            line = await stream.readline()
            if not line:
                raise AssertionError(f"agent stopped before printing {text!r}:\n{seen}")
            seen += line.decode()
    return seen


def test_render_shows_every_point_its_link_and_attendance() -> None:
    state = LiveState(5, {"conference": {"title": "Hội nghị", "status": "live"}, "agenda_item": None,
                          "sites": [{"conference_site_id": 1, "code": "HQ", "name": "Hội trường", "role": "host",
                                     "connection": "connected", "present": 3, "expected": 4},
                                    {"conference_site_id": 2, "code": "DC-QK3", "name": "Quân khu 3",
                                     "role": "remote", "connection": "lost", "present": 0, "expected": 20}],
                          "totals": {"present": 3, "expected": 24, "late": 0, "walk_ins": 0},
                          "speakers": {"current": None, "waiting": []}})
    lines = render(state, "DC-QK3").splitlines()
    assert lines[0] == "Hội nghị · live · seq 5 · this point: DC-QK3"
    assert "Present 3/24" in lines[1]
    assert lines[2].startswith("  HQ") and "connected" in lines[2] and "3/4" in lines[2]
    assert lines[3].startswith("* DC-QK3") and "lost" in lines[3]


@pytest.mark.slow
async def test_the_agent_keeps_its_point_connected_and_reconnects_after_a_server_restart(tmp_path: Path) -> None:
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'agent.db'}"
    await reset_schema(db_url)
    env = {**os.environ, "BRIDGEPOINT_DATABASE_URL": db_url, "BRIDGEPOINT_DATA_DIR": str(tmp_path)}
    env.pop("BRIDGEPOINT_REDIS_URL", None)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = serve_process(sock, env)
    agent = None
    try:
        await healthy(base)
        org = await user_token(db_url, "org", "organizer")
        async with httpx.AsyncClient(base_url=base) as client:
            api = Api(client, tokens={"org": org})
            w = await make_world(api)
            await start_conference(api, w.conference)
            operator = await user_token(db_url, "op", "operator", (w.qk3,))
            agent = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "api.cli", "site-agent", "--server", base, "--site", "DC-QK3",
                "--token", operator, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
            assert agent.stdout is not None
            shown = await _read_until(agent.stdout, "Điểm cầu Quân khu 3")
            assert "Hội nghị tổng kết công tác văn phòng năm 2026 · live · seq" in shown
            await _read_until(agent.stdout, "* DC-QK3       connected")  # its heartbeat, as the server saw it

            server.send_signal(signal.SIGTERM)
            server.wait(timeout=20)
            await _read_until(agent.stdout, "reconnecting")
            server = serve_process(sock, env)
            await healthy(base)
            await api.patch(f"/api/conferences/{w.conference}", {"title": "Hội nghị sau khi khởi động lại"})
            await _read_until(agent.stdout, "Hội nghị sau khi khởi động lại · live")
    finally:
        if agent is not None and agent.returncode is None:
            agent.send_signal(signal.SIGINT)
            await asyncio.wait_for(agent.wait(), 10)
        server.terminate()
        server.wait(timeout=20)
        sock.close()
