"""One screen's socket: frames are written to it as they come, its heartbeats are read in the ASGI task.

A frame for an idle socket is written at once by whoever hands it out (the hub's loop over its subscribers):
no task switch and no future per screen. Only while the socket is backed up does a writer task exist; frames
then wait in the screen's bounded outbox (latest-value-wins for counts) and the screen is closed with 4408 when
that overflows. Nothing here holds a database session: heartbeats touch the database only when a point's state
changes.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from litestar import WebSocket
from litestar.exceptions import WebSocketDisconnect

from domain.access import Principal
from domain.errors import DomainError

from .eager import Rest, run_eagerly
from .hub import Room
from .outbox import Outbox
from .protocol import CLOSE_INTERNAL_ERROR, CLOSE_TOO_SLOW, Frame, decode_client, error
from .service import Realtime

log = logging.getLogger("bridgepoint.realtime")

_GONE = (WebSocketDisconnect, OSError)  # the screen went away (uvicorn's ClientDisconnected is an OSError)


class LiveConnection:
    """A subscriber of a room: `principal`, `token`, `queue_limit`, `deliver()` and `kick()` are what the hub
    uses."""

    def __init__(self, socket: WebSocket, realtime: Realtime, principal: Principal, token: str,
                 conference_id: int, heartbeat_sites: dict[str, int]) -> None:
        self.socket, self.realtime, self.principal, self.token = socket, realtime, principal, token
        self.conference_id, self.heartbeat_sites = conference_id, heartbeat_sites
        self._heartbeat_ids = frozenset(heartbeat_sites.values())
        self.queue_limit = realtime.queue_limit
        self.outbox = Outbox(self.queue_limit, on_overflow=lambda: self.kick(CLOSE_TOO_SLOW, "too slow"))
        self._closing: tuple[int, str] | None = None
        self._task: asyncio.Task[Any] | None = None    # the ASGI task, reading heartbeats
        self._writer: asyncio.Task[None] | None = None  # only while the socket is backed up

    def deliver(self, item: Frame | str) -> bool:
        """Write a frame now if nothing is waiting to be written, else queue it. False once the screen is being
        closed (it overflowed, went away or may no longer see the conference)."""
        if self._closing is not None:
            return False
        if self._writer is not None:
            return self.outbox.put(item)
        self._write_now(item.text if isinstance(item, Frame) else item)
        return self._closing is None

    def _send(self, text: str) -> Coroutine[Any, Any, None]:
        return self.socket.send({"type": "websocket.send", "bytes": None, "text": text})

    def _write_now(self, text: str) -> None:
        try:
            rest = run_eagerly(self._send(text))
        except Exception as e:
            self._write_failed(e)
        else:
            if rest is not None:  # the transport is full: finish this frame and what follows in a task
                self._writer = asyncio.get_running_loop().create_task(self._drain(rest))

    async def _drain(self, first: Rest[None]) -> None:
        try:
            await first
            while (text := self.outbox.pop()) is not None:
                await self._send(text)
        except asyncio.CancelledError:
            pass  # kicked: the ASGI task closes the socket
        except Exception as e:
            self._write_failed(e)
        finally:
            self._writer = None

    def _write_failed(self, e: Exception) -> None:
        if isinstance(e, _GONE):
            self.kick(0, "")  # the screen went away
        else:
            log.error("writing to a live-view socket", exc_info=e)
            self.kick(CLOSE_INTERNAL_ERROR, "internal error")

    def kick(self, code: int, reason: str) -> None:
        """Stop writing (even in the middle of a blocked send) and close with `code` (0: it is gone already)."""
        if self._closing is None:
            self._closing = (code, reason)
            if self._writer is not None:
                self._writer.cancel()
            if self._task is not None:
                self._task.cancel()

    async def serve(self, room: Room, since: int | None) -> None:
        self._task = asyncio.current_task()
        try:
            room.join(self, since)
            await self._read_messages()
        except asyncio.CancelledError:
            if self._closing is None:
                raise
            self._task.uncancel()  # type: ignore[union-attr]
        except _GONE:
            pass
        finally:
            self._closing = self._closing or (0, "")
            self.realtime.hub.leave(room, self)
            if self._writer is not None:  # a send still waiting for a socket that is going away
                self._writer.cancel()
        code, reason = self._closing
        if code:
            try:
                await self.socket.close(code, reason)
            except (*_GONE, RuntimeError):
                pass

    async def _read_messages(self) -> None:
        while True:
            message = await self.socket.receive()
            if message["type"] == "websocket.disconnect":
                return
            msg = decode_client(message.get("text") or message.get("bytes") or b"")
            if msg is None:
                self.deliver(error("malformed", "send JSON such as {\"type\": \"heartbeat\"}"))
            elif msg.type == "heartbeat":
                await self._heartbeat(msg.site, msg.conference_site_id)
            else:
                self.deliver(error("unknown_type", f"unknown message type {msg.type!r}"))

    async def _heartbeat(self, site: str | None, conference_site_id: int | None = None) -> None:
        """For the point named by its conference site id (the desk page) or its bridge site code (the site agent),
        or the caller's only point; only a point the caller runs (heartbeat_sites: operators their own, organizers
        any)."""
        sites = self.heartbeat_sites
        if conference_site_id is not None:
            cs_id = conference_site_id if conference_site_id in self._heartbeat_ids else None
        elif site is not None:
            cs_id = sites.get(site)
        else:
            cs_id = next(iter(sites.values())) if len(sites) == 1 else None
        if cs_id is None:
            self.deliver(error("not_your_site", "heartbeats are for your own bridge point; name it in "
                                                "`conference_site_id` or `site`"))
            return
        try:
            await self.realtime.heartbeat(self.principal, self.conference_id, cs_id)
        except DomainError as e:
            self.deliver(error(e.code, e.message))
        except Exception:
            log.exception("heartbeat of conference site %s", cs_id)
