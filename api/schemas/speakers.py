"""Request and response schemas of the list of speakers (shapes documented in docs/speakers.md)."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

from api.schemas import Id, Input, Text

SpeakKind = Literal["ordinary", "point_of_order"]
RequestStatus = Literal["pending", "accepted", "declined", "withdrawn"]
AllottedMinutes = Annotated[int, Meta(ge=0, le=240, description="0 means no time limit")]
RequestedMinutes = Annotated[int, Meta(ge=1, le=240)]
Topic = Text(300)


class CurrentItemIn(Input, kw_only=True):
    agenda_item_id: Id | None


class SpeakerAdd(Input, kw_only=True):
    invitation_id: Id
    agenda_item_id: Id | None = None
    kind: SpeakKind = "ordinary"
    topic: Topic = ""
    allotted_minutes: AllottedMinutes | None = None


class SpeakerUpdate(Input, kw_only=True):
    topic: Topic | UnsetType = UNSET
    allotted_minutes: AllottedMinutes | None | UnsetType = UNSET


class ReorderIn(Input, kw_only=True):
    entry_ids: Annotated[list[Id], Meta(max_length=1000)]
    version: Annotated[int, Meta(ge=1, le=2_147_483_647)]
    agenda_item_id: Id | None = None


class FloorRequestIn(Input, kw_only=True):
    invitation_id: Id | None = None
    agenda_item_id: Id | None = None
    kind: SpeakKind = "ordinary"
    topic: Topic = ""
    requested_minutes: RequestedMinutes | None = None


class AcceptIn(Input, kw_only=True):
    allotted_minutes: AllottedMinutes | None = None


class DeclineIn(Input, kw_only=True):
    reason: Text(500, 1)


class AgendaItemRef(Struct):
    id: int
    position: int
    kind: str
    title: str
    planned_start: datetime | None
    duration_minutes: int
    speaking_minutes: int
    presenter_invitation_id: int | None
    since: datetime | None


class Person(Struct, kw_only=True):
    invitation_id: int
    delegate_id: int
    delegate_name: str
    rank: str
    delegate_position: str
    unit_name: str
    conference_site_id: int
    site_id: int
    site_code: str
    site_name: str


class SpeakerOut(Person, kw_only=True):
    id: int
    kind: str
    source: str
    topic: str
    requested_minutes: int | None
    allotted_minutes: int
    status: str
    position: int | None
    started_at: datetime | None
    ended_at: datetime | None
    paused: bool
    paused_at: datetime | None
    paused_seconds: int
    elapsed_seconds: int
    allotted_seconds: int | None
    remaining_seconds: int | None


class SpeakersOut(Struct):
    conference_id: int
    agenda_item_id: int | None
    agenda_item: AgendaItemRef | None
    version: int
    closed: bool
    default_minutes: int | None
    current: SpeakerOut | None
    waiting: list[SpeakerOut]
    finished: list[SpeakerOut]
    pending_requests: int
    server_time: datetime


class FloorRequestOut(Person, kw_only=True):
    id: int
    agenda_item_id: int
    agenda_item_title: str
    kind: str
    topic: str
    requested_minutes: int | None
    status: str
    requested_at: datetime
    requested_by_id: int | None
    resolved_at: datetime | None
    resolved_by_id: int | None
    decline_reason: str
    entry_id: int | None


class FloorRequestPage(Struct):
    items: list[FloorRequestOut]
    total: int
    limit: int
    offset: int


class PauseOut(Struct):
    started_at: datetime
    ended_at: datetime | None
    seconds: int


class SpeechOut(SpeakerOut, kw_only=True):
    agenda_item_id: int
    agenda_item_title: str
    overtime_seconds: int
    pauses: list[PauseOut]


class SpeechPage(Struct):
    items: list[SpeechOut]
    total: int
    limit: int
    offset: int


class SpeakingTime(Struct, kw_only=True):
    site_id: int
    site_code: str
    site_name: str
    speeches: int
    seconds: int


class DelegateSpeakingTime(SpeakingTime, kw_only=True):
    invitation_id: int
    delegate_id: int
    delegate_name: str
    rank: str
    unit_name: str


class SpeakingTotals(Struct):
    conference_id: int
    speeches: int
    seconds: int
    delegates: list[DelegateSpeakingTime]
    sites: list[SpeakingTime]
