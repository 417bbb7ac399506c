"""Run a coroutine at once, in the caller, and hand it to a task only if it has to wait.

Writing a frame to an idle socket never waits: Litestar's and uvicorn's send only wait while the transport's
buffer is full. So the hub writes each frame to every screen in one loop, with no task switch and no future per
screen, and only a screen whose socket is backed up continues in a task of its own (Python 3.12's eager tasks
do the same; this service runs on 3.11).
"""
from __future__ import annotations

import types
from collections.abc import Coroutine, Generator
from typing import Any, TypeVar

T = TypeVar("T")


def run_eagerly(coro: Coroutine[Any, Any, T]) -> Coroutine[Any, Any, T] | None:
    """Step `coro` until it first has to wait. None if it finished without waiting (its result is dropped);
    otherwise a coroutine that finishes it, to be awaited or wrapped in a task. What `coro` raises before its
    first wait is raised here."""
    try:
        blocked_on = coro.send(None)
    except StopIteration:
        return None
    return _finish(coro, blocked_on)


async def _finish(coro: Coroutine[Any, Any, T], blocked_on: Any) -> T:
    return await _resume(coro, blocked_on)


@types.coroutine
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
