"""What the workers share: the ordered frames of each conference with a bounded history, the marks of what
changed since the last tick, who leads the ticks, and the heartbeat deadlines of the bridge points.

MemoryBus serves one process; RedisBus (realtime/redis_bus.py) lets several workers and hosts share it all.
"""
from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from .protocol import Frame, now_iso, seq_origin

Listener = Callable[[Frame], None]
Member = tuple[int, int]  # (conference id, conference site id)
CONNECTED, LOST = "connected", "lost"


class Bus(Protocol):
    async def publish(self, conference_id: int, kind: str, body: dict[str, Any]) -> None:
        """Give the frame the conference's next seq and deliver it to every attached listener, in seq order."""

    async def attach(self, conference_id: int, listener: Listener) -> list[Frame]:
        """The recent frames (oldest first); every later frame goes to `listener`."""

    async def detach(self, conference_id: int, listener: Listener) -> None: ...

    async def mark(self, conference_id: int, marks: Iterable[str]) -> None:
        """Note what changed; the leader's next tick reads it from the database once."""

    async def drain(self) -> dict[int, set[str]]:
        """Take every mark noted since the last drain."""

    async def lead(self) -> bool:
        """True if this worker runs the ticks now (exactly one worker does)."""

    async def heartbeat(self, member: Member, now: float, timeout: float) -> str | None:
        """Push the point's deadline to now + timeout; the state it had before (None: never seen)."""

    async def forget(self, member: Member) -> None:
        """Drop what is known of the point, so its next heartbeat counts as a reconnection."""

    async def expire(self, now: float) -> list[tuple[Member, float | None]]:
        """Points whose deadline passed (with their last heartbeat); they are `lost` from now on."""

    async def arm(self, members: Iterable[Member], now: float, timeout: float) -> None:
        """Give points recorded as connected a deadline, unless they already have a state."""

    async def close(self) -> None: ...


class MemoryBus:
    def __init__(self, history_size: int = 1000) -> None:
        self._seq: dict[int, int] = {}
        self._history: dict[int, deque[Frame]] = defaultdict(lambda: deque(maxlen=history_size))
        self._listeners: dict[int, list[Listener]] = defaultdict(list)
        self._marks: dict[int, set[str]] = defaultdict(set)
        self._deadline: dict[Member, float] = {}
        self._seen: dict[Member, float] = {}
        self._state: dict[Member, str] = {}

    async def publish(self, conference_id: int, kind: str, body: dict[str, Any]) -> None:
        seq = self._seq[conference_id] = self._seq.get(conference_id, seq_origin()) + 1
        frame = Frame(kind, seq, now_iso(), body)
        self._history[conference_id].append(frame)
        for listener in list(self._listeners.get(conference_id, ())):
            listener(frame)

    async def attach(self, conference_id: int, listener: Listener) -> list[Frame]:
        self._listeners[conference_id].append(listener)
        return list(self._history.get(conference_id, ()))

    async def detach(self, conference_id: int, listener: Listener) -> None:
        listeners = self._listeners.get(conference_id, [])
        if listener in listeners:
            listeners.remove(listener)
        if not listeners:
            self._listeners.pop(conference_id, None)

    async def mark(self, conference_id: int, marks: Iterable[str]) -> None:
        self._marks[conference_id].update(marks)

    async def drain(self) -> dict[int, set[str]]:
        marks, self._marks = dict(self._marks), defaultdict(set)
        return marks

    async def lead(self) -> bool:
        return True

    async def heartbeat(self, member: Member, now: float, timeout: float) -> str | None:
        self._deadline[member], self._seen[member] = now + timeout, now
        before, self._state[member] = self._state.get(member), CONNECTED
        return before

    async def forget(self, member: Member) -> None:
        for known in (self._deadline, self._seen, self._state):
            known.pop(member, None)

    async def expire(self, now: float) -> list[tuple[Member, float | None]]:
        due = [m for m, deadline in self._deadline.items() if deadline <= now]
        for member in due:
            del self._deadline[member]
            self._state[member] = LOST
        return [(m, self._seen.get(m)) for m in due]

    async def arm(self, members: Iterable[Member], now: float, timeout: float) -> None:
        for member in members:
            if member not in self._state:
                self._state[member], self._deadline[member] = CONNECTED, now + timeout

    async def close(self) -> None:
        self._listeners.clear()
