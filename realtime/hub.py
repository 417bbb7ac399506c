"""The subscribers of this worker, one room per conference.

A room keeps the conference's live state (built once from the database, then kept current by applying every
frame) and the recent frames, so a connecting screen costs no database read: it gets the state as a snapshot,
or the frames it missed. Frames reach the room in seq order from the bus and are handed to every subscriber
without awaiting: written at once to an idle socket, queued in the screen's outbox while its socket is backed
up, so one slow screen never delays the others.

When the worker's bus fails (Realtime's BusHealth), every screen is told with a `degraded` frame, and so is
every screen that joins meanwhile; when it is back, each room re-reads its state from the database and sends
its screens what differs from what they show (frames marked `resync`, then a `degraded: false` frame), so what
they missed is made up without reconnecting and without a snapshot of every point. Frames that never
came (a gap in the seq) are made up the same way; a Redis that came back empty starts its seq from a new origin,
and that jump is covered by the re-read the recovery began.
"""
from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from domain.access import Principal
from domain.db import is_disconnect

from .bus import Bus
from .health import BUS_ERRORS
from .protocol import (CLOSE_NOT_FOUND, CLOSE_SERVICE_RESTART, CONFERENCE, LATEST_VALUE_WINS, SITES, SNAPSHOT,
                       Frame, degraded, encode, now_iso, recovered)
from .state import LiveState

log = logging.getLogger("bridgepoint.realtime")

LoadSnapshot = Callable[[int], Awaitable[dict[str, Any] | None]]
MayView = Callable[[Principal, int], Awaitable[bool]]


class ConferenceGone(Exception):
    """The conference does not exist (any more)."""


NEW_ORIGIN_JUMP = 1_000_000  # a seq this far ahead is a new origin (microseconds since the epoch), not a trim
RECOVERY_SECONDS = 30.0  # how long after the bus came back a new origin is taken as that recovery's


class LiveUnavailable(Exception):
    """The room could not be opened because the bus or the database cannot be reached now: try again soon."""


class Subscriber(Protocol):
    """One screen: who it is, how many frames may wait for its socket, and how to reach and close it."""
    principal: Principal
    token: str  # what it authenticated with, checked again now and then
    queue_limit: int

    def deliver(self, item: Frame | str) -> bool:
        """Write or queue a frame (or a ready text) without awaiting; False once the screen is being closed."""

    def kick(self, code: int, reason: str) -> None:
        """Close the screen's socket with a close code."""


class Room:
    def __init__(self, conference_id: int, history_size: int, extras: dict[str, Any],
                 degraded_since: Callable[[], str | None] = lambda: None) -> None:
        self.conference_id = conference_id
        self.degraded_since = degraded_since
        self.history: deque[Frame] = deque(maxlen=history_size)
        self.subscribers: set[Subscriber] = set()
        self.state: LiveState | None = None
        self.ready = asyncio.Event()
        self.failed: BaseException | None = None
        self._early: list[Frame] = []
        self._extras = extras
        self._snapshots: dict[bool, str] = {}
        self.on_access_change: Callable[[Room], None] | None = None
        self.on_gap: Callable[[Room, Frame], bool] | None = None  # True: take the frame, the state is seen to
        self.refreshing_since: float | None = None  # monotonic time a re-read from the database was last begun
        self.refreshed_seq: int | None = None  # the room's seq when it last took a re-read: the changes it sent
        # then have no seq, so a screen resuming from that seq or before may have missed them
        self.synced: weakref.WeakSet[Subscriber] = weakref.WeakSet()  # screens that started from this room's state

    @property
    def seq(self) -> int:
        return self.state.seq if self.state is not None else 0

    def start(self, seq: int, body: dict[str, Any]) -> None:
        """The state read from the database after frames up to `seq` were published; later ones follow."""
        self.state = LiveState(seq, body)
        early, self._early = self._early, []
        for frame in early:
            self._apply(frame)
        self.ready.set()

    def on_frame(self, frame: Frame) -> None:
        if self.history and frame.seq <= self.history[-1].seq:
            return
        if self.history and frame.seq > self.history[-1].seq + 1 and self.on_gap is not None:
            if not self.on_gap(self, frame):  # frames were lost on the way (Redis trimmed or lost them)
                return
        self.history.append(frame)  # whole: a re-read applies it again on top of what it read, a resuming
        if self.state is None:      # screen gets it from here
            self._early.append(frame)
            return
        news = self._news(frame) if frame.type in LATEST_VALUE_WINS else frame
        self._apply(frame)
        for sub in list(self.subscribers):
            if not sub.deliver(news if news is not frame and sub in self.synced else frame):
                self.subscribers.discard(sub)
        if frame.type in (CONFERENCE, SITES) and self.on_access_change is not None:
            self.on_access_change(self)

    def _news(self, frame: Frame) -> Frame:
        """The frame without the points whose entry the room's state already holds as it is — for the screens
        that started from this room's state (`synced`), which hold exactly that; the others get the whole frame.
        After a re-read, the frames of the marks collected while the bus was down repeat what it just sent."""
        assert self.state is not None
        sites, known = frame.body.get("sites") or [], self.state.sites
        news = [entry for entry in sites if (held := known.get(entry["conference_site_id"])) is None
                or any(held.get(k) != v for k, v in entry.items())]
        if len(news) == len(sites):
            return frame
        return Frame(frame.type, frame.seq, frame.at, {**frame.body, "sites": news})

    def _apply(self, frame: Frame) -> None:
        assert self.state is not None
        if frame.seq > self.state.seq:
            self.state.apply({"type": frame.type, "seq": frame.seq, **frame.body})
            self._snapshots.clear()

    def snapshot(self, resync: bool) -> str:
        text = self._snapshots.get(resync)
        if text is None:
            assert self.state is not None
            text = self._snapshots[resync] = encode({"type": SNAPSHOT, "seq": self.state.seq, "at": now_iso(),
                                                     "resync": resync, "degraded": self.degraded_since() is not None,
                                                     **self.state.body(), **self._extras})
        return text

    def bus_changed(self) -> None:
        """The worker's bus failed or came back: cached snapshots say otherwise now. While it is down, every
        screen is told."""
        self._snapshots.clear()
        since = self.degraded_since()
        if since is not None:
            self.deliver(degraded(since))

    def refresh(self, seq: int, body: dict[str, Any]) -> None:
        """The state read from the database after the bus came back, begun when the room was at `seq`: every
        screen starts over from it. The frames that arrived during the read are applied again on top, as at
        start: one that is newer than the read must not be lost (its points are not marked again), and one that
        is older is set right by the frame of the change that made it old."""
        during = [frame for frame in self.history if frame.seq > seq]
        shown, self.state = self.state, LiveState(seq, body)
        for frame in during:
            self._apply(frame)
        self._snapshots.clear()
        self.refreshed_seq = self.state.seq
        if shown is None:
            self.deliver(self.snapshot(resync=True))
            return
        # A screen that started from this room's snapshot shows `shown` (or will, once its outbox is written): it
        # gets what differs. One that resumed here with `since` started from what another room (another worker,
        # or this conference's room before it closed) showed, which may differ: it gets the snapshot.
        at = now_iso()
        changes = [encode({**change, "at": at, "resync": True}) for change in shown.changes_to(self.state)]
        if self.degraded_since() is None:
            changes.append(recovered())
        for sub in list(self.subscribers):
            if sub in self.synced:
                ok = all([sub.deliver(text) for text in changes])
            else:
                ok = sub.deliver(self.snapshot(resync=True))
                self.synced.add(sub)
            if not ok:
                self.subscribers.discard(sub)

    def deliver(self, text: str) -> None:
        for sub in list(self.subscribers):
            if not sub.deliver(text):
                self.subscribers.discard(sub)

    def join(self, sub: Subscriber, since: int | None) -> None:
        """Queue what the screen missed (or a snapshot when that is no longer in the history, or more than its
        outbox holds) and subscribe it, with no await in between."""
        if since is None:
            sub.deliver(self.snapshot(resync=False))
            self.synced.add(sub)
        elif self.refreshed_seq is not None and since <= self.refreshed_seq:
            sub.deliver(self.snapshot(resync=True))
            self.synced.add(sub)
        elif since == self.seq:
            pass
        elif self.history and self.history[0].seq <= since + 1 and 0 < self.seq - since <= sub.queue_limit:
            for frame in self.history:
                if frame.seq > since:
                    sub.deliver(frame)
        else:
            sub.deliver(self.snapshot(resync=True))
            self.synced.add(sub)
        since_degraded = self.degraded_since()
        if since_degraded is not None:
            sub.deliver(degraded(since_degraded))
        self.subscribers.add(sub)


class Hub:
    def __init__(self, bus: Bus, load: LoadSnapshot, may_view: MayView, *, history_size: int = 1000,
                 idle_seconds: float = 30.0, extras: dict[str, Any] | None = None) -> None:
        self.bus, self._load, self._may_view = bus, load, may_view
        self.history_size, self.idle_seconds = history_size, idle_seconds
        self.extras = extras or {}
        self.rooms: dict[int, Room] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self.degraded_since: str | None = None  # set while the worker's bus is failing
        self.recovered_at: float | None = None  # monotonic time the worker's bus last came back

    async def room(self, conference_id: int) -> Room:
        room = self.rooms.get(conference_id)
        if room is None:
            room = self.rooms[conference_id] = Room(conference_id, self.history_size, self.extras,
                                                    lambda: self.degraded_since)
            room.on_access_change = self._recheck_soon
            room.on_gap = self._gap
            self._spawn(self._open(room))
        await room.ready.wait()
        if room.failed is not None:
            if isinstance(room.failed, BUS_ERRORS) or is_disconnect(room.failed):
                raise LiveUnavailable(conference_id) from room.failed
            raise ConferenceGone(conference_id) from room.failed
        return room

    async def _open(self, room: Room) -> None:
        try:
            recent = await self.bus.attach(room.conference_id, room.on_frame)
            for frame in recent:
                room.on_frame(frame)
            seq = recent[-1].seq if recent else 0
            body = await self._load(room.conference_id)
            if body is None:
                raise ConferenceGone(room.conference_id)
            room.start(seq, body)
        except BaseException as e:  # every waiter must wake up, whatever went wrong
            room.failed = e
            room.ready.set()
            await self._close(room)
            if isinstance(e, BUS_ERRORS) or is_disconnect(e):
                if self.degraded_since is None:  # else the bus's loss was logged already
                    log.warning("cannot open the live view of conference %s for now: %s", room.conference_id,
                                type(e).__name__)
            elif not isinstance(e, (ConferenceGone, asyncio.CancelledError)):
                log.exception("cannot open the live view of conference %s", room.conference_id)

    def leave(self, room: Room, sub: Subscriber) -> None:
        room.subscribers.discard(sub)
        room.synced.discard(sub)
        if not room.subscribers:
            asyncio.get_running_loop().call_later(self.idle_seconds, self._close_if_idle, room)

    def _close_if_idle(self, room: Room) -> None:
        if not room.subscribers and self.rooms.get(room.conference_id) is room:
            self._spawn(self._close(room))

    async def _close(self, room: Room) -> None:
        if self.rooms.get(room.conference_id) is room:
            del self.rooms[room.conference_id]
        await self.bus.detach(room.conference_id, room.on_frame)

    def _recheck_soon(self, room: Room) -> None:
        self._spawn(self._recheck(room))

    async def _recheck(self, room: Room) -> None:
        """The conference or its sites changed: drop screens whose caller may no longer see it."""
        verdicts: dict[Principal, bool] = {}
        for sub in list(room.subscribers):
            if sub.principal not in verdicts:
                verdicts[sub.principal] = await self._may_view(sub.principal, room.conference_id)
            if not verdicts[sub.principal]:
                room.subscribers.discard(sub)
                sub.kick(CLOSE_NOT_FOUND, "this conference is no longer visible to you")

    def bus_changed(self, degraded_since: str | None) -> None:
        """The worker's bus failed (`degraded_since`: when) or came back (None: every room resyncs)."""
        self.degraded_since = degraded_since
        if degraded_since is None:
            self.recovered_at = time.monotonic()
        for room in list(self.rooms.values()):
            room.bus_changed()
            if degraded_since is None and room.state is not None:
                self._refresh_soon(room)

    def _refresh_soon(self, room: Room) -> None:
        room.refreshing_since = time.monotonic()
        self._spawn(self._refresh(room))

    def _gap(self, room: Room, frame: Frame) -> bool:
        """Frames between the room's last one and `frame` never came. The screens keep their sockets: the frame is
        taken and the room re-reads its state from the database and resyncs them in place. While the worker's bus
        is still degraded, the re-read it begins when the bus is back covers the gap; and when Redis came back
        empty (a restart: its seq starts again from a new origin, far ahead) and the room began a re-read after
        this worker saw it come back, that re-read covers whatever was lost: a second one is not needed."""
        if room.state is None:  # still opening: start over
            self._reset(room)
            return False
        new_origin = frame.seq - room.history[-1].seq > NEW_ORIGIN_JUMP
        recovered = self.recovered_at
        covered = self.degraded_since is not None or (  # still degraded: the re-read at recovery covers it
            new_origin and recovered is not None and room.refreshing_since is not None
            and room.refreshing_since >= recovered and time.monotonic() - recovered < RECOVERY_SECONDS)
        if not covered:
            log.info("live view of conference %s: frames %s to %s never came; re-reading it",
                     room.conference_id, room.history[-1].seq + 1, frame.seq - 1)
            self._refresh_soon(room)
        return True

    async def _refresh(self, room: Room) -> None:
        seq, begun = room.seq, room.refreshing_since
        try:
            body = await self._load(room.conference_id)
        except Exception as e:
            log.warning("re-reading the live view of conference %s after the bus came back: %s; its screens "
                        "reconnect", room.conference_id, type(e).__name__)
            body = None
        if self.rooms.get(room.conference_id) is not room or room.refreshing_since != begun:
            return  # closed meanwhile, or a later re-read was begun: that one counts
        if body is None:  # gone, or the database is unreachable too: the screens reconnect and start over
            self._reset(room)
        else:
            room.refresh(seq, body)

    def _reset(self, room: Room) -> None:
        """The room missed frames: every screen reconnects and resumes from a fresh room."""
        subscribers, room.subscribers = room.subscribers, set()
        for sub in subscribers:
            sub.kick(CLOSE_SERVICE_RESTART, "live view restarted; resume with since")
        self._spawn(self._close(room))

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for room in list(self.rooms.values()):
            await self._close(room)
