"""Invitations by e-mail over real SMTP: the message, its QR pass and .ics, and the follow-ups that keep
delegates' calendars right (updates, cancellations), all queued in the transaction of their cause."""
from __future__ import annotations

import email
import email.policy
import io
from datetime import timedelta

import zxingcpp
from PIL import Image

from api.controllers.mail import mail_context
from domain.mail.transport import DirectoryTransport
from domain.mail.worker import OutboxWorker
from domain.invitations.passes import decode_pass
from tests.support.factories import T0, iso, make_world
from tests.support.mail import mail, parse_ics, set_emails  # noqa: F401 - fixture

ICS_PART = "text/calendar"


async def scheduled_world(api):
    w = await make_world(api)
    await api.post(f"/api/conferences/{w.conference}/agenda", {"kind": "opening", "title": "Khai mạc",
                                                               "duration_minutes": 10})
    await api.post(f"/api/conferences/{w.conference}/schedule", expect=200)
    return w, await set_emails(api, w)


def calendar_part(msg):
    parts = [p for p in msg.walk() if p.get_content_type() == ICS_PART]
    assert len(parts) == 1
    return parts[0]


async def outbox(api, **query):
    return await api.get("/api/outbox", params=query)


async def test_invitation_is_multipart_with_agenda_inline_qr_pass_link_and_an_ics_request(api, mail):
    w, emails = await scheduled_world(api)
    report = await api.post(f"/api/conferences/{w.conference}/send-invitations", expect=202)
    assert report == {"queued": 2, "already_invited": 0, "without_email": []}
    assert await mail.worker.drain() == 2
    [msg] = mail.smtp.to(emails["ngoc"])
    assert msg["Subject"] == "Giấy mời: Hội nghị tổng kết công tác văn phòng năm 2026, 08:00 thứ Sáu 18/12/2026"
    assert msg.get_content_type() == "multipart/mixed"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",))
    assert "Điểm cầu Quân khu 3" in text and "08:00–08:10  Khai mạc" in text and "/agenda" in text
    [png] = [p for p in msg.walk() if p.get_content_type() == "image/png"]
    assert f'src="cid:{png["Content-ID"].strip("<>")}"' in html.get_content()
    [qr] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.get_content())))
    claims = decode_pass(api.app.state.keyring, qr.text)
    assert (claims.conference_id, claims.invitation_id) == (w.conference, w.invitations["ngoc"])

    ics = calendar_part(msg)
    assert ics.get_param("method") == "REQUEST" and ics.get_filename() == "invite.ics"
    cal = parse_ics(ics.get_content().encode())
    assert str(cal.ical["METHOD"]) == "REQUEST" and cal.vcal.method.value == "REQUEST"
    event = cal.event(f"conference-{w.conference}@bridgepoint")
    assert str(event["ATTENDEE"]) == f"mailto:{emails['ngoc']}" and event["ATTENDEE"].params["RSVP"] == "TRUE"
    assert str(event["ORGANIZER"]) == "mailto:bridgepoint@localhost"
    assert str(event["LOCATION"]) == "Điểm cầu Quân khu 3, Hải Phòng" and "/p/" in str(event["URL"])


async def test_inviting_again_queues_nothing_new_and_names_delegates_without_email(api, mail):
    w, _ = await scheduled_world(api)
    await api.patch(f"/api/delegates/{w.delegates['vinh']}", {"email": ""})
    first = await api.post(f"/api/conferences/{w.conference}/send-invitations", expect=202)
    again = await api.post(f"/api/conferences/{w.conference}/send-invitations", expect=202)
    assert first == {"queued": 1, "already_invited": 0, "without_email": [w.invitations["vinh"]]}
    assert again == {"queued": 0, "already_invited": 1, "without_email": [w.invitations["vinh"]]}
    await mail.worker.drain()
    assert len(mail.smtp.received) == 1


async def test_a_draft_conference_sends_no_invitations(api, mail):
    w = await make_world(api)
    r = await api.call("POST", f"/api/conferences/{w.conference}/send-invitations")
    assert r.status_code == 409 and r.json()["code"] == "conference_not_scheduled"


async def test_rescheduling_after_invitations_sends_updates_with_the_bumped_sequence(api, mail):
    w, emails = await scheduled_world(api)
    await api.post(f"/api/conferences/{w.conference}/send-invitations", expect=202)
    await mail.worker.drain()
    first = parse_ics(calendar_part(mail.smtp.to(emails["vinh"])[0]).get_content().encode())
    await api.patch(f"/api/conferences/{w.conference}", {"starts_at": iso(T0 + timedelta(hours=1)),
                                                         "ends_at": iso(T0 + timedelta(hours=4))})
    await api.patch(f"/api/conferences/{w.conference}", {"description": "Bổ sung tài liệu"})  # not a time change
    assert await mail.worker.drain() == 2
    update = mail.smtp.to(emails["vinh"])[1]
    assert update["Subject"].startswith("Thay đổi: ") and "09:00" in update["Subject"]
    assert "Thời gian hội nghị đã thay đổi" in update.get_body(("plain",)).get_content()
    cal = parse_ics(calendar_part(update).get_content().encode())
    uid = f"conference-{w.conference}@bridgepoint"
    assert str(cal.ical["METHOD"]) == "REQUEST"
    assert int(cal.event(uid)["SEQUENCE"]) > int(first.event(uid)["SEQUENCE"])
    assert cal.event(uid).decoded("DTSTART") == T0 + timedelta(hours=1)


async def test_cancelling_the_conference_sends_method_cancel_to_every_invited_delegate(api, mail):
    w, emails = await scheduled_world(api)
    await api.post(f"/api/conferences/{w.conference}/send-invitations", expect=202)
    await mail.worker.drain()
    await api.post(f"/api/conferences/{w.conference}/cancel", expect=200)
    assert await mail.worker.drain() == 2
    for address in emails.values():
        cancel = mail.smtp.to(address)[-1]
        assert cancel["Subject"].startswith("Huỷ hội nghị: ")
        assert not [p for p in cancel.walk() if p.get_content_type() == "image/png"]  # no pass for a cancelled day
        part = calendar_part(cancel)
        assert part.get_param("method") == "CANCEL"
        event = parse_ics(part.get_content().encode()).event(f"conference-{w.conference}@bridgepoint")
        assert str(event["STATUS"]) == "CANCELLED"


async def test_cancelling_one_invitation_tells_only_that_delegate(api, mail):
    w, emails = await scheduled_world(api)
    await api.post(f"/api/conferences/{w.conference}/send-invitations", expect=202)
    await mail.worker.drain()
    await api.patch(f"/api/conferences/{w.conference}/invitations/{w.invitations['vinh']}", {"status": "cancelled"})
    assert await mail.worker.drain() == 1
    [cancel] = mail.smtp.received[2:]
    assert cancel["X-Envelope-To"] == emails["vinh"] and cancel["Subject"].startswith("Huỷ giấy mời: ")
    assert calendar_part(cancel).get_param("method") == "CANCEL"


async def test_moving_a_delegate_to_another_site_sends_them_an_update(api, mail):
    w, emails = await scheduled_world(api)
    await api.post(f"/api/conferences/{w.conference}/send-invitations", expect=202)
    await mail.worker.drain()
    await api.patch(f"/api/conferences/{w.conference}/invitations/{w.invitations['ngoc']}",
                    {"conference_site_id": w.cs_hq})
    assert await mail.worker.drain() == 1
    [update] = mail.smtp.received[2:]
    assert update["X-Envelope-To"] == emails["ngoc"]
    event = parse_ics(calendar_part(update).get_content().encode()).event(f"conference-{w.conference}@bridgepoint")
    assert str(event["LOCATION"]).startswith("Hội trường Bộ Quốc phòng")


async def test_a_deputy_gets_the_invitation_and_the_original_delegate_a_cancellation(api, mail):
    w, emails = await scheduled_world(api)
    await api.post(f"/api/conferences/{w.conference}/send-invitations", expect=202)
    await mail.worker.drain()
    deputy = await api.post("/api/delegates", {"full_name": "Phùng Sĩ Tấn", "email": "tan@test.bqp.vn"})
    await api.post(f"/api/conferences/{w.conference}/invitations/{w.invitations['ngoc']}/substitute",
                   {"delegate_id": deputy["id"]})
    assert await mail.worker.drain() == 2
    assert mail.smtp.to(emails["ngoc"])[-1]["Subject"].startswith("Huỷ giấy mời: ")
    [invite] = mail.smtp.to("tan@test.bqp.vn")
    assert invite["Subject"].startswith("Giấy mời: ") and "Phùng Sĩ Tấn" in invite.get_body(("plain",)).get_content()


async def test_a_change_that_is_refused_queues_no_mail(api, mail):
    w, _ = await scheduled_world(api)
    await api.post(f"/api/conferences/{w.conference}/send-invitations", expect=202)
    await mail.worker.drain()
    await api.post("/api/conferences", {"title": "Giao ban", "starts_at": iso(T0 + timedelta(days=1)),
                                        "ends_at": iso(T0 + timedelta(days=1, hours=1)), "host_site_id": w.hq})
    r = await api.call("PATCH", f"/api/conferences/{w.conference}", json={
        "starts_at": iso(T0 + timedelta(days=1)), "ends_at": iso(T0 + timedelta(days=1, hours=2))})
    assert r.status_code == 409 and r.json()["code"] == "site_busy"
    page = await outbox(api, conference_id=w.conference)
    assert page["total"] == 2 and page["counts"]["sent"] == 2  # the two invitations, no update


async def test_a_refused_address_fails_for_good_and_is_retried_to_the_corrected_address(api, mail):
    w, emails = await scheduled_world(api)
    mail.smtp.refuse.add(emails["vinh"])
    await api.post(f"/api/conferences/{w.conference}/send-invitations", expect=202)
    await mail.worker.drain()
    [failed] = (await outbox(api, status="failed"))["items"]
    assert failed["recipient"] == emails["vinh"] and failed["attempts"] == 1 and failed["last_error"].startswith("550")
    await api.patch(f"/api/delegates/{w.delegates['vinh']}", {"email": "vinh.moi@test.bqp.vn"})
    retried = await api.post(f"/api/outbox/{failed['id']}/retry", expect=200)
    assert retried["status"] == "pending" and retried["recipient"] == "vinh.moi@test.bqp.vn"
    await mail.worker.drain()
    assert (await api.get(f"/api/outbox/{failed['id']}"))["status"] == "sent"
    assert len(mail.smtp.to("vinh.moi@test.bqp.vn")) == 1
    r = await api.call("POST", f"/api/outbox/{failed['id']}/retry")
    assert r.status_code == 409 and r.json()["code"] == "message_not_failed"


async def test_without_smtp_each_message_is_written_as_one_eml_file(api, mail, tmp_path):
    w, emails = await scheduled_world(api)
    folder = tmp_path / "outbox-files"
    worker = OutboxWorker(api.sessionmaker, DirectoryTransport(folder), mail_context(api.app.state),
                          clock=mail.clock)
    await api.post(f"/api/conferences/{w.conference}/send-invitations", expect=202)
    assert await worker.drain() == 2
    files = sorted(folder.glob("*.eml"))
    assert len(files) == 2 and not list(folder.glob("*.tmp"))
    recipients = {email.message_from_bytes(f.read_bytes(), policy=email.policy.default)["To"] for f in files}
    assert recipients == set(emails.values())
    assert api.app.state.settings.mail_dir == tmp_path / "outbox"  # BRIDGEPOINT_MAIL_DIR defaults under the data dir
