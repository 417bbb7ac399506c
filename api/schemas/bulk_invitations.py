"""Schemas of inviting many delegates in one call, and the converter of its per-delegate report."""
from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct

from api.schemas import Id, Input, InvRole
from domain.invitations.bulk import BulkReport

MAX_BULK = 5000


class BulkInviteIn(Input, kw_only=True):
    """Exactly one source: `delegate_ids`, `unit_id` (+ `include_subunits`), or `roster: true` with the point's
    `conference_site_id`. `conference_site_id` is otherwise the point every delegate is invited at; without it
    each goes to the point of their unit (or of its nearest ancestor with a point in the conference)."""
    delegate_ids: Annotated[list[Id], Meta(max_length=MAX_BULK)] | None = None
    unit_id: Id | None = None
    include_subunits: bool = True
    roster: bool = False
    conference_site_id: Id | None = None
    role: InvRole = "delegate"


class ConflictingConferenceOut(Struct):
    id: int
    title: str


class BulkItemOut(Struct):
    delegate_id: int
    result: str  # invited | already_invited | busy | no_point_for_unit | not_found
    full_name: str
    invitation_id: int | None
    conference_site_id: int | None
    code: str | None = None  # busy: delegate_busy
    conflicting_conference: ConflictingConferenceOut | None = None


class BulkInviteOut(Struct):
    conference_id: int
    counts: dict[str, int]
    items: list[BulkItemOut]


def bulk_invite_out(r: BulkReport) -> BulkInviteOut:
    return BulkInviteOut(r.conference.id, r.counts, [
        BulkItemOut(i.delegate_id, i.result, i.full_name, i.invitation_id, i.conference_site_id,
                    "delegate_busy" if i.result == "busy" else None,
                    ConflictingConferenceOut(**i.conflicting_conference) if i.conflicting_conference else None)
        for i in r.items])
