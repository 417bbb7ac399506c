"""Schemas of the wall board's reads and of display links."""
from __future__ import annotations

from datetime import datetime

from msgspec import Meta, Struct
from typing import Annotated

from api.schemas import NoNul


class BoardGroupOut(Struct):
    key: str
    unit_id: int | None
    name: str
    sites: list[int]  # conference_site_ids


class BoardLayoutOut(Struct):
    conference_id: int
    points: int
    level: int
    groups: list[BoardGroupOut]


class AttendanceSeriesOut(Struct):
    conference_id: int
    bucket_seconds: int
    times: list[int]
    total: list[int]
    groups: dict[str, list[int]]


class DisplayLinkIn(Struct, forbid_unknown_fields=True):
    label: Annotated[str, Meta(max_length=500, pattern=NoNul, description="where the screen is, e.g. “Projector, hall A”")]


class DisplayLinkOut(Struct):
    id: int
    conference_id: int
    label: str
    created_at: datetime
    created_by: str | None
    revoked_at: datetime | None
    url: str | None  # the board's address for the screen; null once revoked
    token: str | None


class DisplayLinkList(Struct):
    items: list[DisplayLinkOut]
