"""The bus on Redis, for several workers and hosts.

Each conference has one stream: a Lua script takes the next seq (INCR) and appends the frame under the stream
id `<seq>-1` in the same atomic step, so every worker reads the same frames in the same order, and MAXLEN bounds
the history that resuming screens replay from. Change marks are sets drained atomically by the one worker that
holds the leader lease; heartbeat deadlines live in a sorted set, so any worker can receive a heartbeat and the
leader alone declares points lost.

Every command is bounded by `timeout` (socket and connect timeouts, no retries inside redis-py): a Redis that
hangs fails fast here, and the caller (the background publisher, the tick, a heartbeat) reports it to the
worker's `BusHealth` instead of waiting. The stream readers block in XREAD on a connection pool of their own.
"""
from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from .bus import Listener, Member
from .health import BusHealth
from .protocol import Frame, encode, now_iso, seq_origin

log = logging.getLogger("bridgepoint.realtime")

PUBLISH = """
redis.call('SET', KEYS[1], ARGV[3], 'NX')
local seq = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[2], string.format('%d-1', seq), 'f', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return seq
"""
DRAIN = """
local ids = redis.call('SMEMBERS', KEYS[1])
redis.call('DEL', KEYS[1])
local out = {}
for _, id in ipairs(ids) do
  local key = ARGV[1] .. id .. ':marks'
  table.insert(out, id)
  table.insert(out, redis.call('SMEMBERS', key))
  redis.call('DEL', key)
end
return out
"""
LEAD = """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if not holder then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0
"""
HEARTBEAT = """
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
local before = redis.call('HGET', KEYS[3], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], 'connected')
return before
"""
EXPIRE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local out = {}
for _, m in ipairs(due) do
  redis.call('ZREM', KEYS[1], m)
  redis.call('HSET', KEYS[3], m, 'lost')
  table.insert(out, m)
  table.insert(out, redis.call('HGET', KEYS[2], m) or '')
end
return out
"""
ARM = """
for i = 3, #ARGV do
  if redis.call('HSETNX', KEYS[2], ARGV[i], 'connected') == 1 then
    redis.call('ZADD', KEYS[1], ARGV[1] + ARGV[2], ARGV[i])
  end
end
return 0
"""
KEEP_SECONDS = 3 * 24 * 3600
LEASE_MS = 3000
BLOCK_MS = 5000
RECHECK_BLOCK_MS = 50


def _member(m: Member) -> str:
    return f"{m[0]}:{m[1]}"


def _unmember(s: str) -> Member:
    conference_id, site_id = s.split(":")
    return int(conference_id), int(site_id)


class RedisBus:
    shared = True  # other workers see what is published here: events go through a background publisher

    def __init__(self, url: str, prefix: str = "bp", history_size: int = 1000, timeout: float = 0.5) -> None:
        self.redis: Redis = Redis.from_url(url, decode_responses=True, socket_timeout=timeout,
                                           socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0))
        self.streams: Redis = Redis.from_url(url, decode_responses=True, socket_timeout=BLOCK_MS / 1000 + timeout,
                                             socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0))
        self.health: BusHealth | None = None  # told when reading the streams fails or works again
        self._closed = False
        self.prefix, self.history_size = prefix, history_size
        self._me = secrets.token_hex(8)
        self._scripts = {name: self.redis.register_script(src) for name, src in
                         (("publish", PUBLISH), ("drain", DRAIN), ("lead", LEAD), ("heartbeat", HEARTBEAT),
                          ("expire", EXPIRE), ("arm", ARM))}
        self._listeners: dict[int, list[Listener]] = defaultdict(list)
        self._readers: dict[int, asyncio.Task[None]] = {}
        p = prefix
        self._deadline, self._seen, self._state = f"{p}:presence:deadline", f"{p}:presence:seen", f"{p}:presence:state"

    def _key(self, conference_id: int, what: str) -> str:
        return f"{self.prefix}:c:{conference_id}:{what}"

    async def publish(self, conference_id: int, kind: str, body: dict[str, Any]) -> None:
        payload = encode({"type": kind, "at": now_iso(), "body": body})
        await self._scripts["publish"](keys=[self._key(conference_id, "seq"), self._key(conference_id, "log")],
                                       args=[payload, self.history_size, seq_origin(), KEEP_SECONDS])

    @staticmethod
    def _frame(entry_id: str, fields: dict[str, str]) -> Frame:
        data = json.loads(fields["f"])
        return Frame(data["type"], int(entry_id.split("-")[0]), data["at"], data["body"])

    async def attach(self, conference_id: int, listener: Listener) -> list[Frame]:
        self._listeners[conference_id].append(listener)
        entries = await self.redis.xrevrange(self._key(conference_id, "log"), count=self.history_size)
        if conference_id not in self._readers:
            last = entries[0][0] if entries else "0-0"
            self._readers[conference_id] = asyncio.create_task(self._read(conference_id, last))
        return [self._frame(i, f) for i, f in reversed(entries)]

    async def _read(self, conference_id: int, last: str) -> None:
        key = self._key(conference_id, "log")
        block = BLOCK_MS
        while True:
            try:
                answer = await self.streams.xread({key: last}, block=block, count=500)
            except RedisError as e:
                if self._closed:  # the worker stops: its connections went first
                    return
                if self.health is None:
                    log.exception("reading the frames of conference %s from Redis; retrying", conference_id)
                else:
                    self.health.failed("stream", e)
                await asyncio.sleep(1.0)
                block = RECHECK_BLOCK_MS  # so that Redis, once back, answers at once and we know it
                continue
            block = BLOCK_MS
            if self.health is not None:
                self.health.ok("stream")
            for _, entries in answer or ():
                for entry_id, fields in entries:
                    last = entry_id
                    frame = self._frame(entry_id, fields)
                    for listener in list(self._listeners.get(conference_id, ())):
                        listener(frame)

    async def detach(self, conference_id: int, listener: Listener) -> None:
        listeners = self._listeners.get(conference_id, [])
        if listener in listeners:
            listeners.remove(listener)
        if not listeners:
            self._listeners.pop(conference_id, None)
            reader = self._readers.pop(conference_id, None)
            if reader is not None:
                reader.cancel()

    async def mark(self, conference_id: int, marks: Iterable[str]) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.sadd(self._key(conference_id, "marks"), *marks)
            pipe.sadd(f"{self.prefix}:marked", conference_id)
            await pipe.execute()

    async def drain(self) -> dict[int, set[str]]:
        flat = await self._scripts["drain"](keys=[f"{self.prefix}:marked"], args=[f"{self.prefix}:c:"])
        return {int(flat[i]): set(flat[i + 1]) for i in range(0, len(flat), 2)}

    async def lead(self) -> bool:
        return bool(await self._scripts["lead"](keys=[f"{self.prefix}:leader"], args=[self._me, LEASE_MS]))

    async def heartbeat(self, member: Member, now: float, timeout: float) -> str | None:
        return await self._scripts["heartbeat"](keys=[self._deadline, self._seen, self._state],
                                                args=[_member(member), repr(now), repr(now + timeout)])

    async def forget(self, member: Member) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zrem(self._deadline, _member(member))
            pipe.hdel(self._seen, _member(member))
            pipe.hdel(self._state, _member(member))
            await pipe.execute()

    async def expire(self, now: float) -> list[tuple[Member, float | None]]:
        flat = await self._scripts["expire"](keys=[self._deadline, self._seen, self._state], args=[repr(now)])
        return [(_unmember(flat[i]), float(flat[i + 1]) if flat[i + 1] else None) for i in range(0, len(flat), 2)]

    async def arm(self, members: Iterable[Member], now: float, timeout: float) -> None:
        names = [_member(m) for m in members]
        if names:
            await self._scripts["arm"](keys=[self._deadline, self._state], args=[repr(now), repr(timeout), *names])

    async def close(self) -> None:
        self._closed = True
        for reader in self._readers.values():
            reader.cancel()
        self._readers.clear()
        self._listeners.clear()
        await self.redis.aclose()
        await self.streams.aclose()
