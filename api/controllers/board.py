"""The wall board's reads (points grouped by unit, check-ins over time) and display links (JSON)."""
from __future__ import annotations

from typing import Any

from litestar import Request, get, post

from api.params import ConferenceId, PathId
from api.displays import after_revoke, display_url
from api.schemas import local
from api.schemas.board import (AttendanceSeriesOut, BoardGroupOut, BoardLayoutOut, DisplayLinkIn, DisplayLinkList,
                               DisplayLinkOut)
from domain.access import Principal
from domain.displays import board, service as displays
from domain.displays.service import DisplayLinkView
from domain.uow import UnitOfWork

TAGS = ["wall board"]


def _out(request: Request[Any, Any, Any], v: DisplayLinkView) -> DisplayLinkOut:
    tz = v.timezone
    return DisplayLinkOut(v.id, v.conference_id, v.label, local(v.created_at, tz) or v.created_at, v.created_by,
                          local(v.revoked_at, tz), display_url(request, v.token) if v.token else None, v.token)


@get("/api/conferences/{conference_id:int}/board", operation_id="boardLayout", tags=TAGS,
     description="The conference's bridge points grouped by unit for the wall board: the shallowest level of the "
                 "unit tree that splits them, each group's conference_site_ids. Points without a unit are in no "
                 "group. Counts and states come from the live view.")
async def board_layout(conference_id: ConferenceId, uow: UnitOfWork, principal: Principal) -> BoardLayoutOut:
    layout = await board.board_layout(uow, principal, conference_id)
    return BoardLayoutOut(layout.conference_id, layout.points, layout.level,
                          [BoardGroupOut(g.key, g.unit_id, g.name, g.sites) for g in layout.groups])


@get("/api/conferences/{conference_id:int}/attendance/series", operation_id="attendanceSeries", tags=TAGS,
     description="First check-ins per minute (bucket_seconds), in all and per group of the board's layout: "
                 "`times` are the buckets' starts in seconds since the epoch (UTC), contiguous from the first "
                 "check-in to the last (to now while the conference is live), at most a day.")
async def attendance_series(conference_id: ConferenceId, uow: UnitOfWork, principal: Principal) -> AttendanceSeriesOut:
    s = await board.attendance_series(uow, principal, conference_id)
    return AttendanceSeriesOut(s.conference_id, s.bucket_seconds, s.times, s.total, s.groups)


@get("/api/conferences/{conference_id:int}/display-links", operation_id="listDisplayLinks", tags=TAGS,
     description="Display links of the conference, newest first (organizers). A link opens the wall board on a "
                 "screen nobody signs in to.")
async def list_display_links(request: Request[Any, Any, Any], conference_id: ConferenceId, uow: UnitOfWork,
                             principal: Principal) -> DisplayLinkList:
    found = await displays.list_links(uow, request.app.state.keyring, principal, conference_id)
    return DisplayLinkList([_out(request, v) for v in found.links])


@post("/api/conferences/{conference_id:int}/display-links", operation_id="createDisplayLink", tags=TAGS,
      status_code=201, description="A new display link for one screen (organizers); `url` is what the screen opens.")
async def create_display_link(request: Request[Any, Any, Any], conference_id: ConferenceId, data: DisplayLinkIn,
                              uow: UnitOfWork, principal: Principal) -> DisplayLinkOut:
    v = await displays.create_link(uow, request.app.state.keyring, principal, conference_id, data.label)
    return _out(request, v)


@post("/api/conferences/{conference_id:int}/display-links/{link_id:int}/revoke", operation_id="revokeDisplayLink",
      tags=TAGS, status_code=200,
      description="Revoke a display link (organizers): its board is closed with 4401 and cannot reconnect.")
async def revoke_display_link(request: Request[Any, Any, Any], conference_id: ConferenceId, link_id: PathId,
                              uow: UnitOfWork, principal: Principal) -> DisplayLinkOut:
    v = await displays.revoke_link(uow, request.app.state.keyring, principal, conference_id, link_id)
    await after_revoke(request)
    return _out(request, v)


ROUTES: list[Any] = [board_layout, attendance_series, list_display_links, create_display_link, revoke_display_link]
