"""Run a coroutine at once, in the caller, and hand it to a task only if it has to wait.

Writing a frame to an idle socket never waits: Litestar's and uvicorn's send only wait while the transport's
buffer is full. So the hub writes each frame to every screen in one loop, with no task switch and no future per
screen, and only a screen whose socket is backed up continues in a task of its own (Python 3.12's eager tasks
do the same; this service runs on 3.11).
"""
from __future__ import annotations

from collections.abc import Awaitable, Coroutine, Generator
from typing import Any, TypeVar

T = TypeVar("T")


def run_eagerly(coro: Coroutine[Any, Any, T]) -> Rest[T] | None:
    """Step `coro` until it first has to wait. None if it finished without waiting (its result is dropped);
    otherwise the rest of it, to be awaited (or passed to `asyncio.ensure_future`). What `coro` raises before
    its first wait is raised here."""
    try:
        blocked_on = coro.send(None)
    except StopIteration:
        return None
    return Rest(coro, blocked_on)


class Rest(Awaitable[T]):
    """The rest of a started coroutine. Not a coroutine itself, so dropping it unawaited (a task cancelled
    before it ran) warns of nothing; the coroutine it holds is closed then, like any abandoned one."""

    __slots__ = ("_coro", "_blocked_on")

    def __init__(self, coro: Coroutine[Any, Any, T], blocked_on: Any) -> None:
        self._coro, self._blocked_on = coro, blocked_on

    def __await__(self) -> Generator[Any, Any, T]:
        return _resume(self._coro, self._blocked_on)

    def close(self) -> None:
        self._coro.close()


def _resume(coro: Coroutine[Any, Any, T], blocked_on: Any) -> Generator[Any, Any, T]:
    """Hand the future `coro` waits on to the task driving us, and go on with `coro` as that task would."""
    while True:
        try:
            sent = yield blocked_on
        except GeneratorExit:
            coro.close()
            raise
        except BaseException as exc:  # thrown in by the task (cancellation): it is for `coro`
            try:
                blocked_on = coro.throw(exc)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
        else:
            try:
                blocked_on = coro.send(sent)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
