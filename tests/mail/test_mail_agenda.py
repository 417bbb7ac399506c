"""The personal agenda: JSON through the API and the page behind the delegate's personal link."""
from __future__ import annotations

from domain.invitations.links import link_token
from domain.models import Invitation
from tests.support.factories import make_world


async def agenda_world(api):
    w = await make_world(api)
    await api.patch(f"/api/sites/{w.qk3}", {"video_endpoint": "sip:qk3@vtc.bqp.vn"})
    await api.post(f"/api/conferences/{w.conference}/agenda", {"kind": "opening", "title": "Khai mạc",
                                                               "duration_minutes": 10})
    await api.post(f"/api/conferences/{w.conference}/agenda", {
        "kind": "discussion", "title": "Tham luận của Quân khu 3", "duration_minutes": 15, "speaking_minutes": 7,
        "presenter_invitation_id": w.invitations["ngoc"]})
    return w


async def personal_link(api, invitation_id):
    async with api.sessionmaker() as s:
        return link_token(api.app.state.keyring, await s.get(Invitation, invitation_id))


async def test_personal_agenda_json_has_site_local_times_role_and_speaking_slot(api):
    w = await agenda_world(api)
    a = await api.get(f"/api/conferences/{w.conference}/invitations/{w.invitations['ngoc']}/agenda")
    assert a["conference"]["starts_at"] == "2026-12-18T08:00:00+07:00"
    assert a["site"] == {"site_id": w.qk3, "code": "DC-QK3", "name": "Điểm cầu Quân khu 3", "address": "Hải Phòng",
                         "video_endpoint": "sip:qk3@vtc.bqp.vn", "role": "remote"}
    assert a["host_site"]["code"] == "HQ"
    assert a["role"] == "delegate" and a["delegate"]["full_name"] == "Nguyễn Quang Ngọc"
    assert [x["starts_at"] for x in a["agenda"]] == ["2026-12-18T08:00:00+07:00", "2026-12-18T08:10:00+07:00"]
    assert [x["own"] for x in a["agenda"]] == [False, True]
    assert a["speaking_slots"] == [a["agenda"][1]] and a["speaking_slots"][0]["speaking_minutes"] == 7
    assert a["links"]["page"].endswith("/agenda") and a["links"]["webcal"].startswith("webcal://")


async def test_personal_links_are_shown_to_organizers_and_the_delegate_only(api):
    w = await agenda_world(api)
    await api.user("op", "operator", sites=[w.qk3])
    url = f"/api/conferences/{w.conference}/invitations/{w.invitations['ngoc']}/agenda"
    assert (await api.get(url, who="op"))["links"] is None
    token = await personal_link(api, w.invitations["ngoc"])
    r = await api.client.get(url, headers={"Authorization": f"Bearer {token}"})  # the link as a bearer token
    assert r.status_code == 200 and r.json()["links"]["page"].endswith(f"/p/{token}/agenda")


async def test_personal_agenda_page_opens_with_the_link_alone(api):
    w = await agenda_world(api)
    token = await personal_link(api, w.invitations["ngoc"])
    r = await api.client.get(f"/p/{token}/agenda")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    for expected in ("Hội nghị tổng kết công tác văn phòng năm 2026", "Nguyễn Quang Ngọc", "Điểm cầu Quân khu 3",
                     "Hải Phòng", "sip:qk3@vtc.bqp.vn", "08:00", "08:10–08:25", "Tham luận của Quân khu 3",
                     "phần phát biểu của đồng chí", f"/p/{token}", "webcal://"):
        assert expected in page, expected
    assert "Lê Huy Vịnh" not in page  # another delegate
    assert r.headers["cache-control"] == "private, no-store"


async def test_page_escapes_what_organizers_typed(api):
    w = await agenda_world(api)
    await api.patch(f"/api/conferences/{w.conference}", {"description": "<script>alert(1)</script>"})
    token = await personal_link(api, w.invitations["vinh"])
    page = (await api.client.get(f"/p/{token}/agenda")).text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


async def test_a_cancelled_or_forged_link_opens_nothing(api):
    w = await agenda_world(api)
    token = await personal_link(api, w.invitations["vinh"])
    await api.patch(f"/api/conferences/{w.conference}/invitations/{w.invitations['vinh']}", {"status": "cancelled"})
    r = await api.client.get(f"/p/{token}/agenda")
    # a page: the error is a page in the delegate's language, with the API's status and code
    assert r.status_code == 404 and r.headers["X-Error-Code"] == "invalid_link"
    assert r.headers["content-type"].startswith("text/html") and "Đường dẫn cá nhân này không còn hiệu lực" in r.text
    assert (await api.client.get("/p/not-a-token/agenda")).status_code == 404
