"""Conclusion notices: published after the conference to every participating site, e-mailed through the
outbox, acknowledged by each site's operator, followed up by the organizer."""
from __future__ import annotations

import base64
import hashlib

import pytest

from tests.support.factories import make_world
from tests.support.mail import mail, no_background_sender, parse_ics  # noqa: F401 - fixtures

pytestmark = pytest.mark.usefixtures("no_background_sender")

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40
NOTICE = {"title": "Thông báo kết luận của Thứ trưởng",
          "body": "1. Các cơ quan, đơn vị tiếp thu đầy đủ ý kiến chỉ đạo.\n2. Báo cáo kết quả trước ngày 30/12."}


async def ended_world(api):
    w = await make_world(api)
    await api.patch(f"/api/sites/{w.hq}", {"contact": "Văn phòng BQP, vanphong@test.bqp.vn, 069.555.111"})
    await api.patch(f"/api/sites/{w.qk3}", {"contact": "truc.ban@qk3.test.bqp.vn"})
    for action in ("schedule", "start", "end"):
        await api.post(f"/api/conferences/{w.conference}/{action}", expect=200)
    await api.user("op", "operator", sites=[w.qk3])
    await api.user("op_hq", "operator", sites=[w.hq])
    return w


async def publish(api, w, **extra):
    return await api.post(f"/api/conferences/{w.conference}/notices", {**NOTICE, **extra})


async def test_notices_wait_until_the_conference_has_ended(api):
    w = await make_world(api)
    r = await api.call("POST", f"/api/conferences/{w.conference}/notices", json=NOTICE)
    assert r.status_code == 409 and r.json()["code"] == "conference_not_ended"


async def test_a_notice_goes_to_every_site_by_mail_and_the_organizer_sees_who_acknowledged(api, mail):
    w = await ended_world(api)
    notice = await publish(api, w, attachment={"filename": "Kết luận hội nghị.pdf", "content_type": "application/pdf",
                                               "content": base64.b64encode(PDF).decode()})
    assert notice["attachment"] == {"filename": "Kết luận hội nghị.pdf", "content_type": "application/pdf",
                                    "size": len(PDF), "sha256": hashlib.sha256(PDF).hexdigest()}
    assert [(r["site_code"], r["acknowledged_at"], r["mail"]) for r in notice["receipts"]] == [
        ("DC-QK3", None, {"pending": 1}), ("HQ", None, {"pending": 1})]

    assert await mail.worker.drain() == 2
    [to_qk3] = mail.smtp.to("truc.ban@qk3.test.bqp.vn")
    assert to_qk3["Subject"] == "Thông báo kết luận: Hội nghị tổng kết công tác văn phòng năm 2026"
    assert "Báo cáo kết quả trước ngày 30/12" in to_qk3.get_body(("plain",)).get_content()
    [pdf] = list(to_qk3.iter_attachments())
    assert pdf.get_filename() == "Kết luận hội nghị.pdf" and pdf.get_content() == PDF
    assert len(mail.smtp.to("vanphong@test.bqp.vn")) == 1

    ack = await api.post(f"/api/conferences/{w.conference}/notices/{notice['id']}/receipts/{w.cs_qk3}/acknowledge",
                         {"note": "Đã nhận, đã phổ biến"}, who="op", expect=200)
    assert ack["acknowledged_at"] is not None and ack["note"] == "Đã nhận, đã phổ biến"
    seen = await api.get(f"/api/conferences/{w.conference}/notices/{notice['id']}")
    assert seen["acknowledged"] == 1
    assert {r["site_code"]: (r["acknowledged_at"] is not None, r["mail"]) for r in seen["receipts"]} == {
        "DC-QK3": (True, {"sent": 1}), "HQ": (False, {"sent": 1})}


async def test_an_operator_acknowledges_only_for_their_own_site(api):
    w = await ended_world(api)
    notice = await publish(api, w)
    base = f"/api/conferences/{w.conference}/notices/{notice['id']}"
    r = await api.call("POST", f"{base}/receipts/{w.cs_hq}/acknowledge", who="op")
    assert r.status_code == 404 and r.json()["code"] == "receipt_not_found"
    r = await api.call("POST", f"{base}/receipts/{w.cs_qk3}/acknowledge")
    assert r.status_code == 403 and r.json()["code"] == "not_site_operator"  # organizers follow up, sites confirm
    seen = await api.get(base, who="op")
    assert [r["site_code"] for r in seen["receipts"]] == ["DC-QK3"]


async def test_acknowledging_twice_keeps_the_first_time(api):
    w = await ended_world(api)
    notice = await publish(api, w)
    url = f"/api/conferences/{w.conference}/notices/{notice['id']}/receipts/{w.cs_hq}/acknowledge"
    first = await api.post(url, None, who="op_hq", expect=200)
    again = await api.post(url, {"note": "lần hai"}, who="op_hq", expect=200)
    assert again["acknowledged_at"] == first["acknowledged_at"] and again["note"] == ""


async def test_the_attachment_downloads_unchanged_with_its_vietnamese_name(api):
    w = await ended_world(api)
    notice = await publish(api, w, attachment={"filename": "Kết luận.pdf", "content_type": "application/pdf",
                                               "content": base64.b64encode(PDF).decode()})
    r = await api.call("GET", f"/api/conferences/{w.conference}/notices/{notice['id']}/attachment", who="op",
                       expect=200)
    assert r.content == PDF and r.headers["content-type"] == "application/pdf"
    assert "filename*=UTF-8''K%E1%BA%BFt%20lu%E1%BA%ADn.pdf" in r.headers["content-disposition"]
    plain = await publish(api, w)
    r = await api.call("GET", f"/api/conferences/{w.conference}/notices/{plain['id']}/attachment")
    assert r.status_code == 404 and r.json()["code"] == "attachment_not_found"


async def test_bad_attachments_are_refused_with_the_field_named(api):
    w = await ended_world(api)
    url = f"/api/conferences/{w.conference}/notices"
    r = await api.call("POST", url, json={**NOTICE, "attachment": {"filename": "../../etc/passwd",
                                                                     "content": base64.b64encode(b"x").decode()}})
    assert r.status_code == 422 and r.json()["field"] == "attachment.filename"
    assert r.json()["code"] == "invalid_filename"
    r = await api.call("POST", url, json={**NOTICE, "attachment": {"filename": "a.pdf", "content": "not base64!"}})
    assert r.status_code == 400 and r.json()["field"] == "attachment.content"
    r = await api.call("POST", url, json={**NOTICE, "body": "   "})
    assert r.status_code == 422 and r.json()["field"] == "body"


async def test_the_site_feed_and_inbox_list_the_notice_until_and_after_it_is_acknowledged(api):
    w = await ended_world(api)
    notice = await publish(api, w)
    inbox = await api.get(f"/api/sites/{w.qk3}/notices", who="op")
    assert [(n["notice_id"], n["acknowledged_at"]) for n in inbox] == [(notice["id"], None)]
    r = await api.call("GET", f"/api/sites/{w.qk3}/calendar.ics", who="op", expect=200)
    entry = parse_ics(r.content).event(f"notice-{notice['id']}@bridgepoint")
    assert str(entry["TRANSP"]) == "TRANSPARENT" and "Chưa xác nhận" in str(entry["DESCRIPTION"])
    assert "Báo cáo kết quả trước ngày 30/12" in str(entry["DESCRIPTION"])
    await api.post(f"/api/conferences/{w.conference}/notices/{notice['id']}/receipts/{w.cs_qk3}/acknowledge",
                   None, who="op", expect=200)
    r = await api.call("GET", f"/api/sites/{w.qk3}/calendar.ics", who="op", expect=200)
    assert "Đã xác nhận" in str(parse_ics(r.content).event(f"notice-{notice['id']}@bridgepoint")["DESCRIPTION"])
    assert (await api.get(f"/api/sites/{w.qk3}/notices", who="op"))[0]["acknowledged_at"] is not None
