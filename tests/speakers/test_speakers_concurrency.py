"""Two (or fifty) secretaries editing one list at once: versions make sure no update is lost."""
from __future__ import annotations

import asyncio
import random

from tests.support.speakers import Stage, make_stage

OTHERS = ("ngoc", "tan", "giang", "tuyen")


async def _full_list(api, stage: Stage) -> dict:
    for key in OTHERS:
        state = await api.post(f"{stage.base}/entries", {"invitation_id": stage.inv[key]}, who="chair")
    return state


def _reorder(api, stage: Stage, ids: list[int], version: int):
    return api.call("POST", f"{stage.base}/reorder", "chair", json={"entry_ids": ids, "version": version})


async def test_fifty_concurrent_reorders_of_one_version_have_exactly_one_winner(api):
    stage = await make_stage(api)
    before = await _full_list(api, stage)
    ids = [e["id"] for e in before["waiting"]]
    rng = random.Random(5)
    orders = [rng.sample(ids, len(ids)) for _ in range(50)]
    replies = await asyncio.gather(*(_reorder(api, stage, order, before["version"]) for order in orders))
    codes = [r.status_code for r in replies]
    assert codes.count(200) == 1 and codes.count(409) == 49, codes
    assert {r.json()["code"] for r in replies if r.status_code == 409} == {"stale_version"}
    after = await api.get(stage.base)
    assert [e["id"] for e in after["waiting"]] == orders[codes.index(200)]
    assert after["version"] == before["version"] + 1
    assert [e["position"] for e in after["waiting"]] == [1, 2, 3, 4, 5]


async def test_reorders_racing_with_new_speakers_and_a_start_lose_and_duplicate_nobody(api):
    stage = await make_stage(api)
    before = await _full_list(api, stage)
    ids = [e["id"] for e in before["waiting"]]
    extra = [(await api.post("/api/delegates", {"full_name": f"Đại biểu {n}"}))["id"] for n in range(3)]
    extra_inv = [(await api.post(f"{stage.conference}/invitations", {"delegate_id": d, "conference_site_id":
                                                                     stage.w.cs_qk3}))["id"] for d in extra]
    rng = random.Random(7)
    reorders = [_reorder(api, stage, rng.sample(ids, len(ids)), before["version"]) for _ in range(20)]
    adds = [api.call("POST", f"{stage.base}/entries", "chair", json={"invitation_id": i}) for i in extra_inv]
    start = api.call("POST", f"{stage.base}/next", "chair")
    replies = await asyncio.gather(*reorders, *adds, start)
    reorder_codes = [r.status_code for r in replies[:20]]
    assert all(r.status_code in (200, 201) for r in replies[20:]), [r.text for r in replies[20:]]
    assert reorder_codes.count(200) <= 1 and set(reorder_codes) <= {200, 409}
    after = await api.get(stage.base)
    waiting = [e["id"] for e in after["waiting"]]
    everyone = waiting + [after["current"]["id"]]
    assert len(everyone) == len(set(everyone)) == len(ids) + len(extra_inv)
    assert set(ids) <= set(everyone)
    assert [e["position"] for e in after["waiting"]] == list(range(1, len(waiting) + 1))
    assert after["version"] == before["version"] + reorder_codes.count(200) + len(adds) + 1
