"""A room re-read from the database after its bus came back keeps the frames that arrived during the read: the
live view's tick does not mark their points again, so a newer frame dropped there would leave screens stale."""
from __future__ import annotations

from realtime.hub import Room
from realtime.protocol import ATTENDANCE, Frame


def _body(present: int) -> dict:
    return {"conference": {"id": 1}, "agenda_item": None, "speakers": None,
            "sites": [{"conference_site_id": 7, "present": present}, {"conference_site_id": 8, "present": 0}],
            "totals": {"present": present}}


def _counts(seq: int, present: int) -> Frame:
    return Frame(ATTENDANCE, seq, "2026-12-18T01:00:00Z",
                 {"sites": [{"conference_site_id": 7, "present": present}], "totals": {"present": present}})


def test_frames_that_arrived_during_the_read_are_applied_again_on_top_of_it() -> None:
    room = Room(1, history_size=100, extras={})
    room.start(10, _body(1))
    room.on_frame(_counts(11, 2))
    seq = room.seq  # the re-read begins here …
    room.on_frame(_counts(12, 5))  # … a frame read by a later tick arrives meanwhile …
    room.refresh(seq, _body(3))  # … and the database answer read before that tick comes back
    assert room.state is not None and room.state.seq == 12
    assert room.state.sites[7]["present"] == 5 and room.state.totals == {"present": 5}
    assert room.state.sites[8]["present"] == 0


def test_without_frames_during_the_read_the_read_is_the_state() -> None:
    room = Room(1, history_size=100, extras={})
    room.start(10, _body(1))
    room.on_frame(_counts(11, 2))
    room.refresh(room.seq, _body(4))
    assert room.state is not None and room.state.seq == 11 and room.state.sites[7]["present"] == 4
