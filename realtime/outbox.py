"""A subscriber's bounded queue of frames not yet written to its socket."""
from __future__ import annotations

from collections import deque
from collections.abc import Callable

from .protocol import LATEST_VALUE_WINS, Frame, merge


class Outbox:
    """Frames wait here while the socket is busy. Attendance and presence frames are latest-value-wins: a
    pending one absorbs the newer one (moved to the back, so seq order holds), so a slow screen gets the newest
    counts rather than a backlog. Anything else that does not fit overflows the box and the screen is dropped."""

    __slots__ = ("limit", "overflowed", "on_overflow", "_items")

    def __init__(self, limit: int, on_overflow: Callable[[], None] | None = None) -> None:
        self.limit = limit
        self.overflowed = False
        self.on_overflow = on_overflow
        self._items: deque[Frame | str] = deque()

    def __len__(self) -> int:
        return len(self._items)

    def put(self, item: Frame | str) -> bool:
        """Queue a frame (or a ready text); False once the box has overflowed."""
        if self.overflowed:
            return False
        if not (isinstance(item, Frame) and item.type in LATEST_VALUE_WINS and self._absorb(item)):
            self._items.append(item)
        if len(self._items) > self.limit:
            self.overflowed = True
            self._items.clear()
            if self.on_overflow is not None:
                self.on_overflow()
        return not self.overflowed

    def _absorb(self, frame: Frame) -> bool:
        # Only across other latest-value-wins frames: they commute, a structural frame (sites) does not.
        for i in range(len(self._items) - 1, -1, -1):
            pending = self._items[i]
            if not isinstance(pending, Frame) or pending.type not in LATEST_VALUE_WINS:
                return False
            if pending.type == frame.type:
                del self._items[i]
                self._items.append(merge(pending, frame))
                return True
        return False

    def pop(self) -> str | None:
        """The next text to send; None when the box is empty or has overflowed."""
        if self.overflowed or not self._items:
            return None
        item = self._items.popleft()
        return item.text if isinstance(item, Frame) else item
