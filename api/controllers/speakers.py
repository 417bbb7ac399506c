"""Lists of speakers and floor requests (HTTP). Every change answers with the list's new state."""
from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, delete, get, patch, post, put

from api.schemas.speakers import (AcceptIn, CurrentItemIn, DeclineIn, FloorRequestIn, FloorRequestOut,
                                  FloorRequestPage, ReorderIn, RequestStatus, SpeakerAdd, SpeakersOut,
                                  SpeakerUpdate, SpeakingTotals, SpeechPage)
from domain.access import Principal
from domain.speakers.models import SpeakerKind
from domain.speakers import requests as floor_requests, history as speaker_history
from domain.speakers import service as speakers
from domain.uow import UnitOfWork
from api.params import ConferenceId, EntryId, ItemQuery, Limit, Offset, QueryId, RequestId



def _state(state: dict[str, Any]) -> SpeakersOut:
    return msgspec.convert(state, SpeakersOut)


def _request(view: dict[str, Any]) -> FloorRequestOut:
    return msgspec.convert(view, FloorRequestOut)


class SpeakersController(Controller):
    path = "/api/conferences/{conference_id:int}/speakers"
    tags = ["speakers"]

    @get("/", operation_id="getSpeakers",
         description="The list of speakers of the item that has the floor (or of `agenda_item_id`): the current "
                     "speaker with the clock, the waiting in order, the last finished. Everyone who sees the "
                     "conference sees this.")
    async def state(self, conference_id: ConferenceId, uow: UnitOfWork, principal: Principal,
                    agenda_item_id: ItemQuery = None) -> SpeakersOut:
        return _state(await speakers.get_state(uow, principal, conference_id, agenda_item_id=agenda_item_id))

    @put("/current-item", operation_id="setCurrentAgendaItem",
         description="Give the floor to an agenda item (its list opens, its presenter is queued) or to none. "
                     "Refused while a speech is in progress.")
    async def current_item(self, conference_id: ConferenceId, data: CurrentItemIn, uow: UnitOfWork,
                           principal: Principal) -> SpeakersOut:
        return _state(await speakers.set_current_item(uow, principal, conference_id, data.agenda_item_id))

    @post("/entries", operation_id="addSpeaker",
          description="The chair puts a delegate on a list (also on a closed one). A point of order goes before "
                      "the first ordinary speaker, anyone else at the end.")
    async def add(self, conference_id: ConferenceId, data: SpeakerAdd, uow: UnitOfWork,
                  principal: Principal) -> SpeakersOut:
        return _state(await speakers.add_speaker(
            uow, principal, conference_id, invitation_id=data.invitation_id, kind=SpeakerKind(data.kind),
            topic=data.topic, allotted_minutes=data.allotted_minutes, agenda_item_id=data.agenda_item_id))

    @patch("/entries/{entry_id:int}", operation_id="updateSpeaker",
           description="Change a speaker's topic or own speaking time (`null`: the item's default).")
    async def update(self, conference_id: ConferenceId, entry_id: EntryId, data: SpeakerUpdate, uow: UnitOfWork,
                     principal: Principal) -> SpeakersOut:
        return _state(await speakers.update_speaker(uow, principal, conference_id, entry_id, data.fields()))

    @delete("/entries/{entry_id:int}", operation_id="removeSpeaker", status_code=200,
            description="Take a waiting speaker off the list.")
    async def remove(self, conference_id: ConferenceId, entry_id: EntryId, uow: UnitOfWork,
                     principal: Principal) -> SpeakersOut:
        return _state(await speakers.remove_speaker(uow, principal, conference_id, entry_id))

    @post("/entries/{entry_id:int}/start", operation_id="startSpeaker", status_code=200,
          description="This waiting speaker speaks now; whoever was speaking is finished. Conference must be live.")
    async def start(self, conference_id: ConferenceId, entry_id: EntryId, uow: UnitOfWork,
                    principal: Principal) -> SpeakersOut:
        return _state(await speakers.start_speaker(uow, principal, conference_id, entry_id))

    @post("/next", operation_id="startNextSpeaker", status_code=200,
          description="The first waiting speaker speaks now; whoever was speaking is finished.")
    async def next_(self, conference_id: ConferenceId, uow: UnitOfWork, principal: Principal) -> SpeakersOut:
        return _state(await speakers.start_next(uow, principal, conference_id))

    @post("/pause", operation_id="pauseSpeaker", status_code=200, description="Stop the speaker's clock.")
    async def pause(self, conference_id: ConferenceId, uow: UnitOfWork, principal: Principal) -> SpeakersOut:
        return _state(await speakers.pause(uow, principal, conference_id))

    @post("/resume", operation_id="resumeSpeaker", status_code=200, description="Run the speaker's clock again.")
    async def resume(self, conference_id: ConferenceId, uow: UnitOfWork, principal: Principal) -> SpeakersOut:
        return _state(await speakers.resume(uow, principal, conference_id))

    @post("/end", operation_id="endSpeech", status_code=200,
          description="The current speaker is finished (allowed after the conference ended, to close a speech).")
    async def end(self, conference_id: ConferenceId, uow: UnitOfWork, principal: Principal) -> SpeakersOut:
        return _state(await speakers.end_speech(uow, principal, conference_id))

    @post("/readd-last", operation_id="readdLastSpeaker", status_code=200,
          description="Put the speaker who finished last back at the top of the list.")
    async def readd_last(self, conference_id: ConferenceId, uow: UnitOfWork, principal: Principal,
                         agenda_item_id: ItemQuery = None) -> SpeakersOut:
        return _state(await speakers.readd_last(uow, principal, conference_id, agenda_item_id=agenda_item_id))

    @post("/reorder", operation_id="reorderSpeakers", status_code=200,
          description="Send every waiting entry id in the new order with the list's `version`; a stale version "
                      "is refused with 409 `stale_version`, a wrong set of ids with 422 `incomplete_order`.")
    async def reorder(self, conference_id: ConferenceId, data: ReorderIn, uow: UnitOfWork,
                      principal: Principal) -> SpeakersOut:
        return _state(await speakers.reorder(uow, principal, conference_id, data.entry_ids, data.version,
                                             agenda_item_id=data.agenda_item_id))

    @post("/close", operation_id="closeSpeakerList", status_code=200,
          description="Refuse new floor requests on the list.")
    async def close(self, conference_id: ConferenceId, uow: UnitOfWork, principal: Principal,
                    agenda_item_id: ItemQuery = None) -> SpeakersOut:
        return _state(await speakers.set_closed(uow, principal, conference_id, True, agenda_item_id=agenda_item_id))

    @post("/reopen", operation_id="reopenSpeakerList", status_code=200, description="Accept floor requests again.")
    async def reopen(self, conference_id: ConferenceId, uow: UnitOfWork, principal: Principal,
                     agenda_item_id: ItemQuery = None) -> SpeakersOut:
        return _state(await speakers.set_closed(uow, principal, conference_id, False, agenda_item_id=agenda_item_id))

    @get("/history", operation_id="speechHistory",
         description="Every speech in the order it began: actual start, end, pauses, spoken and overtime seconds.")
    async def history(self, conference_id: ConferenceId, uow: UnitOfWork, principal: Principal,
                      agenda_item_id: ItemQuery = None, limit: Limit = 100, offset: Offset = 0) -> SpeechPage:
        page = await speaker_history.history(uow, principal, conference_id, agenda_item_id=agenda_item_id,
                                             limit=limit, offset=offset)
        return msgspec.convert({"items": page.items, "total": page.total, "limit": page.limit,
                                "offset": page.offset}, SpeechPage)

    @get("/totals", operation_id="speakingTotals",
         description="Finished speeches counted and timed per delegate and per bridge site, longest first.")
    async def totals(self, conference_id: ConferenceId, uow: UnitOfWork, principal: Principal) -> SpeakingTotals:
        return msgspec.convert(await speaker_history.totals(uow, principal, conference_id), SpeakingTotals)


class FloorRequestController(Controller):
    path = "/api/conferences/{conference_id:int}/speakers/requests"
    tags = ["speakers"]

    @post("/", operation_id="requestFloor",
          description="Ask the floor for a delegate: an operator for delegates at their own sites, a delegate "
                      "(personal link) for themself. A closed list refuses with 409 `list_closed`.")
    async def create(self, conference_id: ConferenceId, data: FloorRequestIn, uow: UnitOfWork,
                     principal: Principal) -> FloorRequestOut:
        return _request(await floor_requests.request_floor(
            uow, principal, conference_id, invitation_id=data.invitation_id, agenda_item_id=data.agenda_item_id,
            kind=SpeakerKind(data.kind), topic=data.topic, requested_minutes=data.requested_minutes))

    @get("/", operation_id="listFloorRequests",
         description="Chair and organizers see every request, an operator those of their sites, a delegate "
                     "their own.")
    async def list_(self, conference_id: ConferenceId, uow: UnitOfWork, principal: Principal,
                    status: RequestStatus | None = None, agenda_item_id: QueryId = None, limit: Limit = 100,
                    offset: Offset = 0) -> FloorRequestPage:
        page = await floor_requests.list_requests(uow, principal, conference_id, status=status,
                                                  agenda_item_id=agenda_item_id, limit=limit, offset=offset)
        return msgspec.convert({"items": page.items, "total": page.total, "limit": page.limit,
                                "offset": page.offset}, FloorRequestPage)

    @post("/{request_id:int}/accept", operation_id="acceptFloorRequest", status_code=200,
          description="Queue the requester; `allotted_minutes` overrides the item's default speaking time.")
    async def accept(self, conference_id: ConferenceId, request_id: RequestId, uow: UnitOfWork,
                     principal: Principal, data: AcceptIn | None = None) -> FloorRequestOut:
        return _request(await floor_requests.accept(uow, principal, conference_id, request_id,
                                                    allotted_minutes=data.allotted_minutes if data else None))

    @post("/{request_id:int}/decline", operation_id="declineFloorRequest", status_code=200,
          description="Decline with a reason the requesting site sees.")
    async def decline(self, conference_id: ConferenceId, request_id: RequestId, data: DeclineIn, uow: UnitOfWork,
                      principal: Principal) -> FloorRequestOut:
        return _request(await floor_requests.decline(uow, principal, conference_id, request_id, data.reason))

    @post("/{request_id:int}/withdraw", operation_id="withdrawFloorRequest", status_code=200,
          description="The requester takes a pending request back.")
    async def withdraw(self, conference_id: ConferenceId, request_id: RequestId, uow: UnitOfWork,
                       principal: Principal) -> FloorRequestOut:
        return _request(await floor_requests.withdraw(uow, principal, conference_id, request_id))


ROUTES: list[Any] = [SpeakersController, FloorRequestController]
