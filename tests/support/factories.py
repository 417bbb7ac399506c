"""Building blocks for tests: a small world of units, sites, delegates and a conference, made through the API."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

T0 = datetime(2026, 12, 18, 1, 0, tzinfo=timezone.utc)  # 08:00 in Hà Nội


def iso(dt: datetime) -> str:
    return dt.isoformat()


@dataclass
class World:
    unit: int
    hq: int
    qk3: int
    other_site: int
    conference: int
    cs_hq: int
    cs_qk3: int
    delegates: dict[str, int] = field(default_factory=dict)
    invitations: dict[str, int] = field(default_factory=dict)


async def make_world(api: Any) -> World:
    """HQ host hall + Military Region 3 point in one conference, with one delegate at each."""
    unit = (await api.post("/api/units", {"code": "BQP", "name": "Bộ Quốc phòng"}))["id"]
    qk3u = (await api.post("/api/units", {"code": "QK3", "name": "Quân khu 3", "parent_id": unit}))["id"]
    hq = (await api.post("/api/sites", {"code": "HQ", "name": "Hội trường Bộ Quốc phòng", "unit_id": unit,
                                        "capacity": 200, "address": "7 Nguyễn Tri Phương, Ba Đình, Hà Nội"}))["id"]
    qk3 = (await api.post("/api/sites", {"code": "DC-QK3", "name": "Điểm cầu Quân khu 3", "unit_id": qk3u,
                                         "capacity": 60, "address": "Hải Phòng"}))["id"]
    other = (await api.post("/api/sites", {"code": "DC-HQ2", "name": "Điểm cầu Hải quân", "capacity": 40}))["id"]
    conf = (await api.post("/api/conferences", {
        "title": "Hội nghị tổng kết công tác văn phòng năm 2026", "starts_at": iso(T0),
        "ends_at": iso(T0 + timedelta(hours=3, minutes=30)), "host_site_id": hq}))["id"]
    cs_hq = (await api.get(f"/api/conferences/{conf}/sites"))["items"][0]["id"]
    cs_qk3 = (await api.post(f"/api/conferences/{conf}/sites", {"site_id": qk3, "expected_attendance": 20}))["id"]
    w = World(unit, hq, qk3, other, conf, cs_hq, cs_qk3)
    for key, name, u, cs in (("vinh", "Lê Huy Vịnh", unit, cs_hq), ("ngoc", "Nguyễn Quang Ngọc", qk3u, cs_qk3)):
        w.delegates[key] = (await api.post("/api/delegates", {"full_name": name, "unit_id": u,
                                                              "rank": "Thượng tướng"}))["id"]
        w.invitations[key] = (await api.post(f"/api/conferences/{conf}/invitations", {
            "delegate_id": w.delegates[key], "conference_site_id": cs}))["id"]
    return w
