"""Ordering rules and the clock, on the domain: pure rules first, then the services with a fixed clock."""
from __future__ import annotations

from datetime import timedelta, timezone

import pytest

from domain.errors import Conflict, InvalidInput
from domain.models import AgendaItem
from domain.speakers.models import SpeakerEntry, SpeakerKind, SpeechPause
from domain.speakers import service as svc
from domain.speakers.view import check_new_order, insert_index, speech_times, status_of
from tests.support.factories import T0
from tests.support.speakers import ORGANIZER, make_stage, uow, waiting_names

O, P = SpeakerKind.ordinary, SpeakerKind.point_of_order


# ---- pure rules ----
def test_ordinary_speaker_joins_at_the_end():
    assert insert_index([P, O, O], O) == 3
    assert insert_index([], O) == 0


def test_point_of_order_goes_before_the_first_ordinary_speaker_after_earlier_points_of_order():
    assert insert_index([O, O], P) == 0
    assert insert_index([P, O, O], P) == 1
    assert insert_index([P, P], P) == 2
    assert insert_index([], P) == 0


@pytest.mark.parametrize("proposed", [[1, 2], [1, 2, 3, 3], [1, 2, 3, 4], [3, 2, 2]])
def test_reorder_must_name_every_waiting_entry_exactly_once(proposed):
    with pytest.raises(InvalidInput) as err:
        check_new_order([1, 2, 3], proposed)
    assert err.value.code == "incomplete_order" and err.value.field == "entry_ids"


def test_reorder_accepts_any_permutation():
    check_new_order([1, 2, 3], [3, 1, 2])


def _speech(started: int | None, ended: int | None = None, pauses: tuple[tuple[int, int | None], ...] = (),
            allotted: int | None = None) -> SpeakerEntry:
    at = lambda s: None if s is None else T0 + timedelta(seconds=s)  # noqa: E731
    return SpeakerEntry(started_at=at(started), ended_at=at(ended), allotted_minutes=allotted,
                        pauses=[SpeechPause(started_at=at(a), ended_at=at(b)) for a, b in pauses])


ITEM = AgendaItem(speaking_minutes=5)


def test_status_is_derived_from_the_timestamps():
    assert status_of(_speech(None)) == "waiting"
    assert status_of(_speech(0)) == "speaking"
    assert status_of(_speech(0, pauses=((10, 20),))) == "speaking"
    assert status_of(_speech(0, pauses=((10, None),))) == "paused"
    assert status_of(_speech(0, 100, pauses=((10, 20),))) == "finished"


def test_clock_counts_speaking_time_without_pauses():
    times = speech_times(_speech(0, pauses=((60, 90),)), ITEM, timezone.utc, T0 + timedelta(seconds=200))
    assert times["elapsed_seconds"] == 170 and times["paused_seconds"] == 30
    assert times["allotted_seconds"] == 300 and times["remaining_seconds"] == 130 and not times["paused"]


def test_clock_stands_still_while_paused_and_goes_negative_in_overtime():
    paused = _speech(0, pauses=((100, None),))
    at_150 = speech_times(paused, ITEM, timezone.utc, T0 + timedelta(seconds=150))
    at_900 = speech_times(paused, ITEM, timezone.utc, T0 + timedelta(seconds=900))
    assert at_150["remaining_seconds"] == at_900["remaining_seconds"] == 200 and at_900["paused"]
    over = speech_times(_speech(0, allotted=1), ITEM, timezone.utc, T0 + timedelta(seconds=75))
    assert over["allotted_seconds"] == 60 and over["remaining_seconds"] == -15


def test_zero_minutes_means_no_limit():
    times = speech_times(_speech(0, allotted=0), ITEM, timezone.utc, T0 + timedelta(seconds=75))
    assert times["allotted_seconds"] is None and times["remaining_seconds"] is None


# ---- the same rules through the services ----
async def _add(api, stage, key, kind=O):
    return await svc.add_speaker(uow(api), ORGANIZER, stage.w.conference, invitation_id=stage.inv[key], kind=kind)


async def test_points_of_order_queue_before_ordinary_speakers_in_arrival_order(api):
    stage = await make_stage(api)
    await _add(api, stage, "ngoc")
    await _add(api, stage, "tan", P)
    state = await _add(api, stage, "giang", P)
    assert waiting_names(state) == ["Phùng Sĩ Tấn", "Phan Văn Giang", "Lê Huy Vịnh", "Nguyễn Quang Ngọc"]
    assert [e["position"] for e in state["waiting"]] == [1, 2, 3, 4]
    assert [e["kind"] for e in state["waiting"]] == ["point_of_order", "point_of_order", "ordinary", "ordinary"]


async def test_a_delegate_may_wait_once_as_ordinary_and_once_with_a_point_of_order(api):
    stage = await make_stage(api)
    await _add(api, stage, "ngoc")
    with pytest.raises(Conflict) as err:
        await _add(api, stage, "ngoc")
    assert err.value.code == "already_waiting"
    state = await _add(api, stage, "ngoc", P)
    assert waiting_names(state) == ["Nguyễn Quang Ngọc", "Lê Huy Vịnh", "Nguyễn Quang Ngọc"]


async def test_readd_last_puts_the_speaker_who_finished_last_at_the_top(api):
    stage = await make_stage(api)
    cid = stage.w.conference
    with pytest.raises(Conflict) as err:
        await svc.readd_last(uow(api), ORGANIZER, cid)
    assert err.value.code == "no_last_speaker"
    await _add(api, stage, "ngoc")
    await _add(api, stage, "tan")
    await svc.start_next(uow(api), ORGANIZER, cid, now=T0)               # Vịnh
    await svc.start_next(uow(api), ORGANIZER, cid, now=T0 + timedelta(minutes=4))  # Ngọc; Vịnh finished
    state = await svc.readd_last(uow(api), ORGANIZER, cid)
    assert waiting_names(state) == ["Lê Huy Vịnh", "Phùng Sĩ Tấn"]
    assert state["waiting"][0]["source"] == "readd" and state["waiting"][0]["topic"] == state["finished"][0]["topic"]
    with pytest.raises(Conflict) as err:
        await svc.readd_last(uow(api), ORGANIZER, cid)
    assert err.value.code == "already_waiting"


async def test_reorder_applies_the_full_order_and_refuses_a_stale_version(api):
    stage = await make_stage(api)
    cid = stage.w.conference
    await _add(api, stage, "ngoc")
    state = await _add(api, stage, "tan")
    ids = [e["id"] for e in state["waiting"]]
    new = await svc.reorder(uow(api), ORGANIZER, cid, ids[::-1], state["version"])
    assert waiting_names(new) == ["Phùng Sĩ Tấn", "Nguyễn Quang Ngọc", "Lê Huy Vịnh"]
    assert new["version"] == state["version"] + 1
    with pytest.raises(Conflict) as err:
        await svc.reorder(uow(api), ORGANIZER, cid, ids, state["version"])
    assert err.value.code == "stale_version" and err.value.extra["current_version"] == new["version"]
    with pytest.raises(InvalidInput):
        await svc.reorder(uow(api), ORGANIZER, cid, ids[:2], new["version"])
    unchanged = await svc.get_state(uow(api), ORGANIZER, cid)
    assert waiting_names(unchanged) == waiting_names(new) and unchanged["version"] == new["version"]


async def test_pauses_are_kept_and_left_out_of_the_spoken_time(api):
    stage = await make_stage(api)
    cid = stage.w.conference
    await svc.start_next(uow(api), ORGANIZER, cid, now=T0)
    await svc.pause(uow(api), ORGANIZER, cid, now=T0 + timedelta(seconds=60))
    paused = await svc.get_state(uow(api), ORGANIZER, cid, now=T0 + timedelta(seconds=80))
    assert paused["current"]["status"] == "paused" and paused["current"]["remaining_seconds"] == 240
    await svc.resume(uow(api), ORGANIZER, cid, now=T0 + timedelta(seconds=90))
    running = await svc.get_state(uow(api), ORGANIZER, cid, now=T0 + timedelta(seconds=100))
    assert running["current"]["elapsed_seconds"] == 70 and running["current"]["paused_seconds"] == 30
    ended = await svc.end_speech(uow(api), ORGANIZER, cid, now=T0 + timedelta(seconds=330))
    finished = ended["finished"][-1]
    assert ended["current"] is None and finished["status"] == "finished"
    assert finished["elapsed_seconds"] == 300 and finished["paused_seconds"] == 30
