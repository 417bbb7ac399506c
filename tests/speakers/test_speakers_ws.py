"""A screen at a remote bridge point follows the chair's list of speakers over the websocket, change by change."""
from __future__ import annotations

from typing import Any

from tests.support.speakers import make_stage
from tests.support.realtime import Screen, ws_url  # noqa: F401 - ws_url is a fixture


def _order(speakers: dict[str, Any]) -> tuple[Any, ...]:
    current = speakers["current"]
    return (speakers["version"], current and (current["id"], current["status"]),
            tuple(e["id"] for e in speakers["waiting"]), speakers["pending_requests"])


async def test_the_operator_screen_at_qk3_sees_each_speakers_change_in_order(api, ws_url):  # noqa: F811
    stage = await make_stage(api)
    screen = await Screen.open(ws_url, stage.w.conference, api.tokens["op"])
    try:
        snapshot = await screen.recv()
        assert snapshot["type"] == "snapshot"
        assert [e["delegate_name"] for e in snapshot["speakers"]["waiting"]] == ["Lê Huy Vịnh"]
        b = stage.base
        request = await api.post(f"{b}/requests", {"invitation_id": stage.inv["ngoc"], "topic": "Chuyển đổi số"},
                                 who="op")
        steps = [("POST", f"{b}/requests/{request['id']}/accept", None),
                 ("POST", f"{b}/entries", {"invitation_id": stage.inv["tan"], "kind": "point_of_order"}),
                 ("POST", f"{b}/next", None), ("POST", f"{b}/pause", None), ("POST", f"{b}/resume", None),
                 ("POST", f"{b}/next", None), ("POST", f"{b}/next", None), ("POST", f"{b}/end", None)]
        expected = [_order(await api.get(b))]
        for method, path, body in steps:
            await api.call(method, path, "chair", 201 if path.endswith("/entries") else 200, json=body)
            expected.append(_order(await api.get(b)))
        frames = [await screen.until(lambda f: f["type"] == "speakers") for _ in expected]
        assert [_order(f["speakers"]) for f in frames] == expected
        assert [f["seq"] for f in frames] == sorted({f["seq"] for f in frames})
        last = frames[-1]["speakers"]
        assert last["current"] is None and [e["delegate_name"] for e in last["finished"]] == [
            "Phùng Sĩ Tấn", "Lê Huy Vịnh", "Nguyễn Quang Ngọc"]
    finally:
        await screen.close()
