"""`bridgepoint site-agent`: a bridge point without a browser keeps its presence alive and shows the live state.

It sends a heartbeat every few seconds, applies every frame to its own copy of the live state and prints it;
when the link drops it reconnects with a growing, jittered delay and resumes with `since`, so it misses nothing.
"""
from __future__ import annotations

import asyncio
import json
import random
import sys
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, TextIO

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from domain.point_links.presence import HEARTBEAT_INTERVAL

from .protocol import CLOSE_NOT_FOUND, CLOSE_UNAUTHENTICATED, ERROR
from .state import LiveState

FATAL = {CLOSE_UNAUTHENTICATED: "the token was refused", CLOSE_NOT_FOUND: "no such conference for this token"}
MAX_DELAY = 30.0


@dataclass(frozen=True)
class AgentConfig:
    server: str           # http(s):// or ws(s):// base URL of the bridgepoint server
    site: str             # the bridge site code this agent keeps alive
    token: str
    conference_id: int | None = None
    heartbeat_seconds: float = HEARTBEAT_INTERVAL.total_seconds()


def _http_base(server: str) -> str:
    return server.rstrip("/").replace("ws://", "http://", 1).replace("wss://", "https://", 1)


def ws_url(cfg: AgentConfig, conference_id: int, since: int | None) -> str:
    base = _http_base(cfg.server).replace("http://", "ws://", 1).replace("https://", "wss://", 1)
    return f"{base}/ws/conferences/{conference_id}" + (f"?since={since}" if since is not None else "")


def _get_json(cfg: AgentConfig, path: str, **query: Any) -> Any:
    url = f"{_http_base(cfg.server)}{path}?{urllib.parse.urlencode(query)}"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {cfg.token}"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the configured server
        return json.load(response)


def find_conference(cfg: AgentConfig) -> int:
    """The live (else the next scheduled) conference this bridge site takes part in."""
    sites = _get_json(cfg, "/api/sites", q=cfg.site, limit=50)["items"]
    site = next((s for s in sites if s["code"] == cfg.site), None)
    if site is None:
        raise SystemExit(f"site-agent: no bridge site with code {cfg.site!r}")
    for status in ("live", "scheduled"):
        found = _get_json(cfg, "/api/conferences", site_id=site["id"], status=status, limit=1)["items"]
        if found:
            return int(found[0]["id"])
    raise SystemExit(f"site-agent: {cfg.site} takes part in no live or scheduled conference; use --conference")


def render(state: LiveState, site: str) -> str:
    """The live state as a few lines of text: every point's link and attendance, the floor and who is next."""
    conf = state.conference or {}
    lines = [f"{conf.get('title', '?')} · {conf.get('status', '?')} · seq {state.seq} · this point: {site}"]
    if state.agenda_item:
        lines.append(f"Agenda: {state.agenda_item['position']}. {state.agenda_item['title']}")
    speakers = state.speakers or {}
    current = speakers.get("current")
    if current:
        lines.append(f"Speaking: {current['rank']} {current['delegate_name']} ({current['site_code']})")
    for entry in speakers.get("waiting", [])[:5]:
        lines.append(f"  next {entry['position']}. {entry['rank']} {entry['delegate_name']} ({entry['site_code']})")
    t = state.totals
    lines.append(f"Present {t.get('present', 0)}/{t.get('expected', 0)} · late {t.get('late', 0)}"
                 f" · walk-ins {t.get('walk_ins', 0)}")
    for s in sorted(state.sites.values(), key=lambda s: (s["role"] != "host", s["code"])):
        mark = "*" if s["code"] == site else " "
        lines.append(f"{mark} {s['code']:<12} {s['connection']:<10} {s['present']:>4}/{s['expected']:<4} {s['name']}")
    return "\n".join(lines)


class SiteAgent:
    def __init__(self, cfg: AgentConfig, out: TextIO = sys.stdout) -> None:
        self.cfg, self.out = cfg, out
        self.state = LiveState()
        self.since: int | None = None
        self._tty = out.isatty()

    async def run(self) -> int:
        conference_id = self.cfg.conference_id or await asyncio.to_thread(find_conference, self.cfg)
        delay = 1.0
        while True:
            try:
                async with connect(ws_url(self.cfg, conference_id, self.since),
                                   additional_headers={"Authorization": f"Bearer {self.cfg.token}"}) as ws:
                    delay = 1.0
                    await self._follow(ws)
            except ConnectionClosed as e:
                code = e.rcvd.code if e.rcvd else None
                if code in FATAL:
                    self._say(f"site-agent: {FATAL[code]} (close code {code})")
                    return 2
                self._say(f"site-agent: link closed ({code}); reconnecting in {delay:.0f} s")
            except (OSError, InvalidHandshake, TimeoutError) as e:
                self._say(f"site-agent: cannot reach {self.cfg.server} ({e}); retrying in {delay:.0f} s")
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, MAX_DELAY)

    async def _follow(self, ws: ClientConnection) -> None:
        beats = asyncio.create_task(self._beat(ws))
        try:
            async for message in ws:
                frame = json.loads(message)
                if frame.get("type") == ERROR:
                    self._say(f"site-agent: server says {frame['code']}: {frame['message']}")
                    continue
                self.state.apply(frame)
                self.since = self.state.seq
                self._show()
        finally:
            beats.cancel()

    async def _beat(self, ws: ClientConnection) -> None:
        while True:
            await ws.send(json.dumps({"type": "heartbeat", "site": self.cfg.site}))
            await asyncio.sleep(self.cfg.heartbeat_seconds)

    def _show(self) -> None:
        text = render(self.state, self.cfg.site)
        self.out.write(("\x1b[H\x1b[2J" if self._tty else "\n") + text + "\n")
        self.out.flush()

    def _say(self, line: str) -> None:
        print(line, file=sys.stderr, flush=True)


def main(server: str, site: str, token: str, conference_id: int | None) -> int:
    try:
        return asyncio.run(SiteAgent(AgentConfig(server, site, token, conference_id)).run())
    except KeyboardInterrupt:
        return 0
