"""Frames are written to idle sockets without a task: a coroutine runs in the caller until it first waits, then a
task finishes it exactly as if it had run in that task from the start."""
from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest

from realtime.eager import run_eagerly


async def test_a_coroutine_that_never_waits_finishes_in_the_caller() -> None:
    done = []

    async def write() -> None:
        done.append("written")

    assert run_eagerly(write()) is None
    assert done == ["written"]  # before the loop ran anything else


async def test_a_coroutine_that_waits_is_finished_by_a_task_with_its_result() -> None:
    gate: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    steps = []

    async def write() -> str:
        steps.append("before")
        got = await gate
        steps.append(got)
        await asyncio.sleep(0)  # a bare yield to the loop, as asyncio.sleep(0) does
        steps.append("after")
        return "result"

    rest = run_eagerly(write())
    assert rest is not None and steps == ["before"]
    task = asyncio.ensure_future(rest)
    await asyncio.sleep(0)
    assert not task.done()
    gate.set_result("woken")
    assert await task == "result"
    assert steps == ["before", "woken", "after"]


async def test_cancelling_the_task_cancels_the_coroutine_where_it_waits() -> None:
    gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    seen = []

    async def write() -> None:
        try:
            await gate
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise
        finally:
            seen.append("cleaned up")

    rest = run_eagerly(write())
    assert rest is not None
    task = asyncio.ensure_future(rest)
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert seen == ["cancelled", "cleaned up"] and gate.cancelled()


async def test_errors_reach_the_caller_before_the_first_wait_and_the_task_after_it() -> None:
    async def broken_at_once() -> None:
        raise ConnectionResetError("gone")

    with pytest.raises(ConnectionResetError):
        run_eagerly(broken_at_once())

    gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def broken_later() -> None:
        await gate
        raise ConnectionResetError("gone later")

    rest = run_eagerly(broken_later())
    assert rest is not None
    task = asyncio.ensure_future(rest)
    gate.set_result(None)
    with pytest.raises(ConnectionResetError, match="gone later"):
        await task


async def test_an_exception_thrown_in_is_handled_by_the_coroutine() -> None:
    gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def write() -> str:
        try:
            await gate
        except asyncio.CancelledError:
            return "recovered"  # the coroutine decides what a cancellation means
        return "finished"

    rest = run_eagerly(write())
    assert rest is not None
    task = asyncio.ensure_future(rest)
    await asyncio.sleep(0)
    task.cancel()
    assert await task == "recovered"


async def test_dropping_the_rest_closes_the_coroutine() -> None:
    gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    seen = []

    async def write() -> None:
        try:
            await gate
        finally:
            seen.append("closed")

    rest = run_eagerly(write())
    assert rest is not None
    rest.close()  # the rest is never run: the started coroutine must not be left hanging
    assert seen == ["closed"]


async def test_a_rest_dropped_unawaited_warns_of_nothing(recwarn: Any) -> None:
    gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def write() -> None:
        await gate

    rest = run_eagerly(write())
    task = asyncio.ensure_future(rest)  # type: ignore[arg-type]
    task.cancel()  # before the task ever ran (a screen kicked at once): the rest is never awaited
    await asyncio.gather(task, return_exceptions=True)
    del rest, task
    gc.collect()
    assert not [w for w in recwarn if "never awaited" in str(w.message)]
