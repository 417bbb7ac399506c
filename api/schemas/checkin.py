"""Request and response schemas of the passes / check-in routes."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

from api.schemas import AwareDateTime, Id, Input, Text

Nonce = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$",
                            description="chosen by the client, unique per operator; a repeat replays the outcome")]
ScannedText = Annotated[str, Meta(min_length=1, max_length=4096, pattern=r"^[^\x00]*$",
                                  description="exactly what the scanner typed")]
Direction = Literal["in", "out"]


class ScanIn(Input, kw_only=True):
    text: ScannedText
    conference_site_id: Id
    nonce: Nonce
    direction: Direction = "in"


class ManualIn(Input, kw_only=True):
    invitation_id: Id
    conference_site_id: Id
    nonce: Nonce
    direction: Direction = "in"


class WalkInIn(Input, kw_only=True):
    conference_site_id: Id
    nonce: Nonce
    full_name: Text(200, 1)
    rank: Text(100) = ""
    position: Text(300) = ""
    unit_id: Id | None = None


class OfflineScanIn(Input, kw_only=True):
    text: ScannedText
    nonce: Nonce
    scanned_at: AwareDateTime
    conference_site_id: Id
    direction: Direction = "in"
    kit_id: Id | None = None  # the kit this scan was decided with, when not the upload's


class OfflineUploadIn(Input, kw_only=True):
    scans: Annotated[list[OfflineScanIn], Meta(min_length=1, max_length=5000)]
    kit_id: Id | None = None  # the offline kit (GET …/checkin/offline-kit) the desk decided the scans with


class RelocationIn(Input, kw_only=True):
    invitation_id: Id
    conference_site_id: Id
    note: Text(500) = ""


class SiteStatusIn(Input, kw_only=True):
    readiness: Literal["pending", "ready"] | UnsetType = UNSET
    note: Text(500) | UnsetType = UNSET
    connection: Literal["unknown", "connected", "lost"] | UnsetType = UNSET


class DelegateBrief(Struct):
    full_name: str
    rank: str
    unit: str | None


class SiteBrief(Struct):
    conference_site_id: int
    name: str


class CheckInOut(Struct, kw_only=True):
    result: Literal["ok", "already_checked_in", "wrong_site", "revoked", "invalid", "not_open",
                    "conference_ended", "not_checked_in", "scanned_at_out_of_range"]
    message: str
    direction: Direction
    source: Literal["scan", "manual", "offline_upload"]
    at: datetime
    conference_site_id: int
    invitation_id: int | None
    delegate: DelegateBrief | None
    delegate_site: SiteBrief | None
    late: bool
    reentry: bool
    checked_in_at: datetime | None
    replayed: bool
    # scanned_at_out_of_range only: future | before_open | after_end | before_kit
    bound: Literal["future", "before_open", "after_end", "before_kit"] | None = None


class RecentScanOut(Struct, kw_only=True):
    id: int
    nonce: str
    user_id: int
    result: str
    direction: Direction
    source: str
    at: datetime  # when it happened (an offline scan: the desk's time, never later than the upload)
    recorded_at: datetime  # when the server recorded it
    outcome: CheckInOut  # what the desk was answered


class RecentScansOut(Struct):
    items: list[RecentScanOut]


class PointRequestOut(Struct, kw_only=True):
    id: int
    agenda_item_id: int
    agenda_item_title: str
    invitation_id: int
    delegate_name: str
    rank: str
    kind: Literal["ordinary", "point_of_order"]
    topic: str
    requested_minutes: int | None
    requested_at: datetime
    live_status: Literal["pending", "queued", "speaking", "spoken", "declined", "withdrawn", "removed"]
    position: int | None  # queued: the place among the waiting speakers of its list
    decline_reason: str | None
    resolved_at: datetime | None
    entry_id: int | None


class PointRequestsOut(Struct):
    items: list[PointRequestOut]


class OfflineResultOut(CheckInOut, kw_only=True):
    nonce: str


class OfflineUploadOut(Struct):
    upload_id: int
    received: int
    replayed: int
    summary: dict[str, int]
    results: list[OfflineResultOut]


class KitConference(Struct):
    id: int
    title: str
    status: str
    starts_at: datetime
    ends_at: datetime
    checkin_opens_at: datetime
    timezone: str


class KitSite(Struct):
    conference_site_id: int
    site_id: int
    name: str
    role: str
    mine: bool


class KitSeat(Struct):
    invitation_id: int
    conference_site_id: int
    pass_version: int
    full_name: str
    rank: str
    unit: str
    role: str
    walk_in: bool
    present: bool


class KitRevoked(Struct):
    invitation_id: int
    conference_site_id: int
    status: str


class OfflineKitOut(Struct):
    format: int
    kit_id: int
    issued_at: datetime
    generated_at: datetime
    conference: KitConference
    keys: dict[str, str]
    sites: list[KitSite]
    roster: list[KitSeat]
    revoked: list[KitRevoked]


class RosterAbsence(Struct):
    reason: Literal["leave", "duty", "illness", "other"]
    note: str
    set_at: datetime
    superseded: bool  # the delegate checked in after it was recorded: it no longer counts


class RosterEntryOut(Struct):
    invitation_id: int
    conference_site_id: int
    site_name: str
    full_name: str
    rank: str
    position: str
    unit: str | None
    role: str
    status: str
    walk_in: bool
    present: bool
    late: bool
    first_in_at: datetime | None
    last_in_at: datetime | None
    last_out_at: datetime | None
    absence: RosterAbsence | None = None  # reported absent with a reason (PUT …/invitations/{id}/absence)


class RosterPage(Struct):
    items: list[RosterEntryOut]
    total: int
    limit: int
    offset: int
    next: str | None = None  # the cursor of the next page (give it as `after`); null on the last page


class SiteAttendanceOut(Struct):
    conference_site_id: int
    site_id: int
    present: int
    expected: int
    late: int
    walk_ins: int
    absent: int  # reported absent with a reason and not checked in since
    missing: int  # expected - present - absent (not below 0)


class AttendanceTotals(Struct):
    present: int
    expected: int
    late: int
    walk_ins: int
    absent: int  # reported absent with a reason and not checked in since
    missing: int  # expected - present - absent (not below 0)


class AttendanceOut(Struct):
    sites: list[SiteAttendanceOut]
    totals: AttendanceTotals
    total: int  # the conference's points (`sites` may be a page of them)


class SiteStatusOut(Struct):
    conference_site_id: int
    site_id: int
    readiness: str
    ready_note: str
    ready_at: datetime | None
    ready_by_id: int | None
    connection: str
    connection_at: datetime | None
    connection_by_id: int | None


class RelocationOut(Struct):
    id: int
    invitation_id: int
    from_conference_site_id: int
    to_conference_site_id: int
    by_user_id: int | None
    at: datetime
    note: str


class PassOut(Struct):
    invitation_id: int
    conference_id: int
    conference_site_id: int
    pass_version: int
    token: str
    personal_link: str | None  # organizers and the delegate only
    qr_png: str
    qr_svg: str
    print_page: str
