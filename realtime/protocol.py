"""The live-view protocol: frame types, close codes, encoding, and the messages a screen may send.

Every event frame is `{"type", "seq", "at", ...body}`: `seq` increases per conference, `at` is the server time
(UTC). docs/realtime.md has example frames.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import msgspec

SNAPSHOT, CONFERENCE, SITES, ATTENDANCE, SITE_STATUS, SPEAKERS = (
    "snapshot", "conference", "sites", "attendance", "site_status", "speakers")
ERROR = "error"
DEGRADED = "degraded"  # this worker cannot publish or receive live events for now: what the screen shows may be old
# Frames that only ever carry the newest value per bridge point: a pending one may absorb a newer one.
LATEST_VALUE_WINS = frozenset({ATTENDANCE, SITE_STATUS})

CLOSE_INTERNAL_ERROR = 1011     # a bug on the server (logged): reconnect with since
CLOSE_SERVICE_RESTART = 1012     # the server restarts, or this worker lost track of the frames: resume with since
CLOSE_TRY_AGAIN_LATER = 1013     # the live view cannot start now (its bus or the database is unreachable): retry soon
CLOSE_BAD_REQUEST = 4400         # malformed query (since not an integer)
CLOSE_UNAUTHENTICATED = 4401     # no token, or unknown / expired / revoked
CLOSE_NOT_FOUND = 4404           # no such conference, or the caller may not know it (or no longer may)
CLOSE_TOO_SLOW = 4408            # the screen did not read its frames fast enough: reconnect with since (resync)

_encoder = msgspec.json.Encoder()


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


def seq_origin() -> int:
    """Where a new conference's seq starts: microseconds since the epoch, so a restarted server (or a flushed
    Redis) never hands out a seq a screen has already seen; a stale `since` then forces a resync."""
    return time.time_ns() // 1000


@dataclass
class Frame:
    """One published event; `text` is encoded once and shared by every subscriber."""
    type: str
    seq: int
    at: str
    body: dict[str, Any]
    _text: str | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = encode({"type": self.type, "seq": self.seq, "at": self.at, **self.body})
        return self._text


def encode(message: dict[str, Any]) -> str:
    return _encoder.encode(message).decode()


def merge(older: Frame, newer: Frame) -> Frame:
    """A latest-value-wins frame absorbing a newer one of the same type: per point the newer entry wins."""
    sites = {s["conference_site_id"]: s for s in older.body.get("sites", [])}
    for s in newer.body.get("sites", []):
        sites[s["conference_site_id"]] = {**sites.get(s["conference_site_id"], {}), **s}
    return Frame(newer.type, newer.seq, newer.at, {**older.body, **newer.body, "sites": list(sites.values())})


def error(code: str, message: str) -> str:
    return encode({"type": ERROR, "code": code, "message": message})


def degraded(since: str) -> str:
    """No seq: it is about this worker's link to the others, not a change of the conference."""
    return encode({"type": DEGRADED, "degraded": True, "since": since, "at": now_iso()})


def recovered() -> str:
    """The worker's bus is back and the screen has been sent what it missed (the `resync` frames before this)."""
    return encode({"type": DEGRADED, "degraded": False, "at": now_iso()})


class ClientMessage(msgspec.Struct, forbid_unknown_fields=False):
    """What a screen sends: `{"type": "heartbeat", "conference_site_id": 2}` (the desk page) or
    `{"type": "heartbeat", "site": "DC-QK3"}` (the site agent: the bridge site code); both may be left out when
    the caller runs exactly one point of the conference."""
    type: str
    site: str | None = None
    conference_site_id: int | None = None


_decoder = msgspec.json.Decoder(ClientMessage)


def decode_client(text: str | bytes) -> ClientMessage | None:
    try:
        return _decoder.decode(text)
    except msgspec.DecodeError:
        return None
