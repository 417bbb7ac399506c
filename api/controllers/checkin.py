"""Check-in, site check-in, offline kit, attendance (HTTP); with the passes' routes, this feature's ROUTES."""
from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal, NamedTuple

import msgspec
from litestar import Controller, Request, Response, get, patch, post
from litestar.datastructures import State
from litestar.di import Provide

from api.auth import new_uow
from api.schemas.checkin import (AttendanceOut, CheckInOut, ManualIn, OfflineKitOut, OfflineUploadIn,
                                             OfflineUploadOut, PointRequestsOut, RecentScansOut, RelocationIn,
                                             RelocationOut,
                                             RosterPage, ScanIn, SiteStatusIn, SiteStatusOut, WalkInIn)
from api.params import After, ConferenceId, ConferenceSiteId, Limit, Offset, PickLimit, QueryId, Search
from domain.access import Principal
from domain.checkin.service import Desk, ScanRequest, WalkIn, check_in
from domain.checkin.rules import OK
from domain.db import utcnow
from domain.models import InvitationStatus, Readiness
from domain.checkin import roster as checkin_roster, offline
from domain.checkin import floor as desk_floor, relocations, site as site_checkin
from domain.uow import UnitOfWork



def provide_desk(state: State) -> Desk:
    """`state.clock` lets tests set the time; the server runs on the wall clock."""
    settings = state.settings
    return Desk(state.keyring, timedelta(minutes=settings.checkin_opens_minutes), state.get("clock", utcnow)(),
                clock_skew=timedelta(seconds=settings.offline_clock_skew_seconds),
                end_grace=timedelta(minutes=settings.offline_end_grace_minutes))


class DeskCall(NamedTuple):
    """Who stands at the check-in counter, with the desk and a unit of work: the scan routes' one dependency
    (Litestar resolves several dependencies of a handler in a task group, a cost the hot path can spare)."""
    uow: UnitOfWork
    principal: Principal
    desk: Desk


def provide_desk_call(request: Request[Principal, Any, Any]) -> DeskCall:
    return DeskCall(new_uow(request.app.state), request.user, provide_desk(request.app.state))


def _checked(outcome: dict[str, Any]) -> CheckInOut:
    return msgspec.convert(outcome, CheckInOut, strict=False)


class CheckinController(Controller):
    path = "/api/conferences/{conference_id:int}/checkin"
    tags = ["check-in"]
    dependencies = {"desk": Provide(provide_desk, sync_to_thread=False),
                    "call": Provide(provide_desk_call, sync_to_thread=False)}

    @post("/scan", operation_id="checkInScan", status_code=200,
          description="A scanned pass at the operator's bridge point. The outcome is a stable code in `result` "
                      "(a refused scan is still 200): ok, already_checked_in, wrong_site, revoked, invalid, "
                      "not_open, conference_ended; for direction=out also not_checked_in. A repeated nonce "
                      "replays the first outcome.")
    async def scan(self, conference_id: ConferenceId, data: ScanIn, call: DeskCall) -> CheckInOut:
        return _checked(await check_in(*call, ScanRequest(
            conference_id, data.conference_site_id, data.nonce, data.direction, text=data.text)))

    @post("/manual", operation_id="checkInManual", status_code=200,
          description="Check a delegate in or out picked from the roster (a forgotten pass); same outcomes.")
    async def manual(self, conference_id: ConferenceId, data: ManualIn, call: DeskCall) -> CheckInOut:
        return _checked(await check_in(*call, ScanRequest(
            conference_id, data.conference_site_id, data.nonce, data.direction, invitation_id=data.invitation_id,
            source="manual")))

    @post("/walk-ins", operation_id="registerWalkIn",
          description="Register a delegate at the door: a new delegate and a walk-in invitation at the "
                      "operator's site, checked in at once (201). A closed window is 200 with its result code.")
    async def walk_in(self, conference_id: ConferenceId, data: WalkInIn, call: DeskCall) -> Response[CheckInOut]:
        outcome = await check_in(*call, ScanRequest(
            conference_id, data.conference_site_id, data.nonce, source="manual",
            walk_in=WalkIn(data.full_name, data.rank, data.position, data.unit_id)))
        return Response(_checked(outcome), status_code=201 if outcome["result"] == OK else 200)

    @post("/offline", operation_id="uploadOfflineScans", status_code=200,
          description="Scans made while the link was down, with their original times and nonces, and the "
                      "offline kit they were decided with. Applied in time order, each idempotent by nonce; the "
                      "answer lists every scan's outcome. A time in the future (beyond the allowed clock skew), "
                      "before check-in opened, after the end plus the grace period, or before the kit was "
                      "issued is scanned_at_out_of_range, with the bound it broke.")
    async def upload(self, conference_id: ConferenceId, data: OfflineUploadIn, uow: UnitOfWork,
                     principal: Principal, desk: Desk) -> OfflineUploadOut:
        scans = [offline.OfflineScan(s.text, s.nonce, s.scanned_at, s.conference_site_id, s.direction, s.kit_id)
                 for s in data.scans]
        uploaded = await offline.upload(uow, principal, desk, conference_id, scans, kit_id=data.kit_id)
        return msgspec.convert(uploaded, OfflineUploadOut, strict=False)

    @get("/offline-kit", operation_id="offlineKit",
         description="What a desk needs to verify passes without the server: public keys by key id, the roster "
                     "of the caller's sites with current pass versions, and their revoked passes; with "
                     "`conference_site_id`, those of that one point (the desk's). Each kit is recorded (kit_id, "
                     "issued_at); upload the scans decided with it under its kit_id.")
    async def kit(self, conference_id: ConferenceId, uow: UnitOfWork, principal: Principal, desk: Desk,
                  conference_site_id: QueryId = None) -> OfflineKitOut:
        return msgspec.convert(await offline.offline_kit(uow, principal, desk.ring, conference_id, now=desk.now,
                                                         opens_before=desk.opens_before,
                                                         conference_site_id=conference_site_id),
                               OfflineKitOut, strict=False)

    @get("/roster", operation_id="checkInRoster",
         description="The desk's roster with presence, by name; `q` searches names without regard to case or "
                     "diacritics. Page with `offset`, or with `after` set to the `next` of the page before.")
    async def roster(self, conference_id: ConferenceId, uow: UnitOfWork, principal: Principal, q: Search = None,
                     conference_site_id: QueryId = None,
                     status: Literal["invited", "confirmed", "declined", "substituted", "cancelled"] | None = None,
                     present: bool | None = None, limit: Limit = 50, offset: Offset = 0,
                     after: After = None) -> RosterPage:
        page = await checkin_roster.roster(uow, principal, conference_id, q=q,
                                           conference_site_id=conference_site_id,
                                           status=InvitationStatus(status) if status else None,
                                           present=present, limit=limit, offset=offset, after=after)
        return msgspec.convert({"items": page.items, "total": page.total, "limit": page.limit, "offset": page.offset,
                                "next": page.next}, RosterPage, strict=False)

    @post("/relocations", operation_id="relocateDelegate",
          description="Organizers: let a delegate attend at another bridge point; recorded and audited. The "
                      "delegate's pass stays valid and the next scan at the new point is ok.")
    async def relocate(self, conference_id: ConferenceId, data: RelocationIn, uow: UnitOfWork,
                       principal: Principal, desk: Desk) -> RelocationOut:
        moved = await relocations.relocate(uow, principal, conference_id, data.invitation_id,
                                           data.conference_site_id, data.note, desk.now)
        return RelocationOut(moved.id, moved.invitation_id, moved.from_conference_site_id,
                             moved.to_conference_site_id, moved.by_user_id, moved.at, moved.note)

    @get("/sites/{conference_site_id:int}/scans", operation_id="recentScans",
         description="The newest scans at one bridge point (every desk there, scanned, picked, walk-in or "
                     "uploaded), newest first, each with the outcome the desk was answered.")
    async def recent(self, conference_id: ConferenceId, conference_site_id: ConferenceSiteId, uow: UnitOfWork,
                     principal: Principal, limit: PickLimit = 20) -> RecentScansOut:
        items = await checkin_roster.recent_scans(uow, principal, conference_id, conference_site_id, limit=limit)
        return msgspec.convert({"items": items}, RecentScansOut, strict=False)

    @get("/sites/{conference_site_id:int}/floor-requests", operation_id="pointFloorRequests",
         description="The newest floor requests for delegates of one bridge point, newest first, each with its "
                     "live state: pending, queued (with its position on the list), speaking, spoken, declined "
                     "(with the reason), withdrawn, or removed. Re-read it when a speakers frame arrives.")
    async def floor_requests(self, conference_id: ConferenceId, conference_site_id: ConferenceSiteId,
                             uow: UnitOfWork, principal: Principal, limit: PickLimit = 50) -> PointRequestsOut:
        items = await desk_floor.point_requests(uow, principal, conference_id, conference_site_id, limit=limit)
        return msgspec.convert({"items": items}, PointRequestsOut, strict=False)

    @patch("/sites/{conference_site_id:int}", operation_id="checkInSite",
           description="Site check-in: the operator reports the point ready (audio/video test passed, with a "
                       "note) and/or connected; who and when are recorded.")
    async def site(self, conference_id: ConferenceId, conference_site_id: ConferenceSiteId, data: SiteStatusIn,
                   uow: UnitOfWork, principal: Principal, desk: Desk) -> SiteStatusOut:
        fields = data.fields()
        cs = await site_checkin.mark_site(
            uow, principal, conference_id, conference_site_id, now=desk.now,
            readiness=Readiness(fields["readiness"]) if "readiness" in fields else None,
            note=fields.get("note"), connected=fields.get("connection") == "connected")
        return SiteStatusOut(cs.id, cs.site_id, cs.readiness.value, cs.ready_note, cs.ready_at, cs.ready_by_id,
                             cs.connection.value, cs.connection_at, cs.connection_by_id)


@get("/api/conferences/{conference_id:int}/attendance", operation_id="attendance", tags=["check-in"],
     description="Present / expected / late / walk-ins / absent / missing per bridge point (a page of the points, "
                 "by point id: `limit`, `offset`; `total` is the number of points) and in total over every point "
                 "(counts only).")
async def attendance(conference_id: ConferenceId, uow: UnitOfWork, principal: Principal,
                     limit: Limit = 500, offset: Offset = 0) -> AttendanceOut:
    counts = await checkin_roster.attendance_of(uow, principal, conference_id, limit=limit, offset=offset)
    return msgspec.convert(counts.to_dict(), AttendanceOut)


ROUTES: list[Any] = [CheckinController, attendance]
