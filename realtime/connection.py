"""One screen's socket: its task writes what its outbox holds, a second task reads its heartbeats.

Nothing here holds a database session: heartbeats touch the database only when a point's state changes.
"""
from __future__ import annotations

import asyncio
import logging

from litestar import WebSocket
from litestar.exceptions import WebSocketDisconnect

from domain.access import Principal
from domain.errors import DomainError

from .hub import Room, Subscriber
from .outbox import Outbox
from .protocol import CLOSE_TOO_SLOW, decode_client, error
from .service import Realtime

log = logging.getLogger("bridgepoint.realtime")


class LiveConnection:
    def __init__(self, socket: WebSocket, realtime: Realtime, principal: Principal, conference_id: int,
                 heartbeat_sites: dict[str, int]) -> None:
        self.socket, self.realtime, self.principal = socket, realtime, principal
        self.conference_id, self.heartbeat_sites = conference_id, heartbeat_sites
        self.outbox = Outbox(realtime.queue_limit, on_overflow=lambda: self.kick(CLOSE_TOO_SLOW, "too slow"))
        self._closing: tuple[int, str] | None = None
        self._task: asyncio.Task[None] | None = None

    def kick(self, code: int, reason: str) -> None:
        """Stop writing (even in the middle of a blocked send) and close with `code`."""
        if self._closing is None and self._task is not None:
            self._closing = (code, reason)
            self._task.cancel()

    async def serve(self, room: Room, since: int | None) -> None:
        self._task = asyncio.current_task()
        sub = Subscriber(self.principal, self.outbox, self.kick)
        room.join(sub, since)
        reader = asyncio.create_task(self._read())
        try:
            while (text := await self.outbox.get()) is not None:
                await self.socket.send_text(text)
        except asyncio.CancelledError:
            if self._closing is None:
                raise
            self._task.uncancel()
        except (WebSocketDisconnect, OSError):
            self._closing = self._closing or (0, "")
        finally:
            reader.cancel()
            self.realtime.hub.leave(room, sub)
        code, reason = self._closing or (CLOSE_TOO_SLOW, "too slow")
        if code:
            try:
                await self.socket.close(code, reason)
            except (WebSocketDisconnect, OSError, RuntimeError):
                pass

    async def _read(self) -> None:
        try:
            await self._read_messages()
        except (WebSocketDisconnect, OSError):
            pass
        finally:
            self.kick(0, "")  # the screen went away: stop writing to it

    async def _read_messages(self) -> None:
        while True:
            message = await self.socket.receive()
            if message["type"] == "websocket.disconnect":
                return
            msg = decode_client(message.get("text") or message.get("bytes") or b"")
            if msg is None:
                self.outbox.put(error("malformed", "send JSON such as {\"type\": \"heartbeat\"}"))
            elif msg.type == "heartbeat":
                await self._heartbeat(msg.site)
            else:
                self.outbox.put(error("unknown_type", f"unknown message type {msg.type!r}"))

    async def _heartbeat(self, site: str | None) -> None:
        sites = self.heartbeat_sites
        cs_id = sites.get(site) if site is not None else (next(iter(sites.values())) if len(sites) == 1 else None)
        if cs_id is None:
            self.outbox.put(error("not_your_site", "heartbeats are for your own bridge point; name it in `site`"))
            return
        try:
            await self.realtime.heartbeat(self.principal, self.conference_id, cs_id)
        except DomainError as e:
            self.outbox.put(error(e.code, e.message))
        except Exception:
            log.exception("heartbeat of conference site %s", cs_id)
