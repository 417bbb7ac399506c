"""Every e-mail, calendar text and personal page a delegate reads is in the delegate's language (Vietnamese by
default, or English); a notice to a bridge point in the language of its operators; and rendering one person's
language never leaks into the next message or request."""
from __future__ import annotations

import asyncio
import os
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text, update

from domain import i18n
from domain.mail import messages as mailer
from domain.db import make_engine
from domain.invitations.links import link_token
from domain.migrate import alembic_config, upgrade
from domain.models import Invitation, User
from domain.mail.models import MailKind
from domain.mail.worker import notice_locales
from domain.conferences import agenda_view
from tests.conftest import fresh_postgres_database
from tests.support.factories import T0, iso, make_world
from tests.support.mail import mail, parse_ics, set_emails  # noqa: F401 - fixture

TITLE = "Hội nghị tổng kết công tác văn phòng năm 2026"
VIETNAMESE = ("Kính gửi", "Điểm cầu:", "Vai trò:", "Chương trình", "Thẻ dự", "đồng chí", "thứ Sáu")
ENGLISH = ("Dear ", "Bridge point:", "Role:", "Agenda:", "Conference pass", "Friday")


def calendar_part(msg):
    [part] = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    return parse_ics(part.get_content().encode())


def body(msg, kind: str) -> str:
    return msg.get_body((kind,)).get_content()


async def scheduled_world(api, english: str = "vinh"):
    """The small world, scheduled, with e-mail addresses; `english` reads English, the other Vietnamese."""
    w = await make_world(api)
    await api.post(f"/api/conferences/{w.conference}/agenda", {"kind": "opening", "title": "Khai mạc",
                                                               "duration_minutes": 10})
    await api.post(f"/api/conferences/{w.conference}/schedule", expect=200)
    emails = await set_emails(api, w)
    out = await api.patch(f"/api/delegates/{w.delegates[english]}", {"locale": "en"})
    assert out["locale"] == "en"
    return w, emails


async def personal_link(api, invitation_id: int) -> str:
    async with api.sessionmaker() as s:
        return link_token(api.app.state.keyring, await s.get(Invitation, invitation_id))


# ---- the delegate's language on the API ----

async def test_a_delegate_is_vietnamese_unless_told_and_the_language_is_checked(api):
    created = await api.post("/api/delegates", {"full_name": "Trần Văn An"})
    assert created["locale"] == "vi"
    english = await api.post("/api/delegates", {"full_name": "John Smith", "locale": "en"})
    assert english["locale"] == "en"
    for bad in ("fr", "", "EN", 1, None):
        r = await api.call("PATCH", f"/api/delegates/{created['id']}", json={"locale": bad})
        assert r.status_code == 400 and r.json()["field"] == "locale", (bad, r.text)
    r = await api.call("POST", "/api/delegates", json={"full_name": "Nobody", "locale": "de"})
    assert r.status_code == 400 and r.json()["field"] == "locale"
    assert (await api.get(f"/api/delegates/{created['id']}"))["locale"] == "vi"
    assert (await api.get("/api/delegates", params={"q": "Nobody"}))["total"] == 0


# ---- invitations, updates and cancellations ----

async def test_one_send_writes_each_invitation_in_its_delegates_language(api, mail):
    w, emails = await scheduled_world(api, english="vinh")
    assert (await api.post(f"/api/conferences/{w.conference}/send-invitations", expect=202))["queued"] == 2
    assert await mail.worker.drain() == 2

    [en] = mail.smtp.to(emails["vinh"])
    assert en["Subject"] == f"Invitation: {TITLE}, 08:00 on Friday, December 18, 2026"
    assert en["Content-Language"] == "en"
    plain, html = body(en, "plain"), body(en, "html")
    assert plain.startswith("Dear Thượng tướng Lê Huy Vịnh,")
    for expected in ("You are respectfully invited to attend the conference below.",
                     "Time: Friday, December 18, 2026, 08:00–11:30 (Asia/Ho_Chi_Minh)",
                     "Bridge point: Hội trường Bộ Quốc phòng, 7 Nguyễn Tri Phương", "Role: Delegate",
                     "Agenda:\n08:00–08:10  Khai mạc", "Personal page: ", "Conference pass: the QR code",
                     "The attached invite.ics adds the conference to your calendar"):
        assert expected in plain, expected
    assert '<html lang="en">' in html and "Personal agenda page" in html and "Subscribe to the calendar" in html
    assert ">Agenda</h2>" in html and "QR code of the conference pass" in html
    for vietnamese in VIETNAMESE:
        assert vietnamese not in plain and vietnamese not in html, vietnamese
    [png] = [p for p in en.walk() if p.get_content_type() == "image/png"]
    assert png.get_filename() == "conference-pass.png"
    event = calendar_part(en).event(f"conference-{w.conference}@bridgepoint")
    assert str(event["SUMMARY"]) == TITLE
    description = str(event["DESCRIPTION"])
    assert "Role: Delegate" in description and "Agenda:\n08:00–08:10  Khai mạc" in description
    assert "Vai trò" not in description and "Chương trình" not in description

    [vi] = mail.smtp.to(emails["ngoc"])
    assert vi["Subject"] == f"Giấy mời: {TITLE}, 08:00 thứ Sáu 18/12/2026"
    assert vi["Content-Language"] == "vi"
    plain, html = body(vi, "plain"), body(vi, "html")
    assert plain.startswith("Kính gửi Thượng tướng Nguyễn Quang Ngọc,")
    for expected in ("Trân trọng kính mời đồng chí dự hội nghị dưới đây.",
                     "Thời gian: thứ Sáu 18/12/2026, 08:00–11:30 (Asia/Ho_Chi_Minh)",
                     "Điểm cầu: Điểm cầu Quân khu 3, Hải Phòng", "Vai trò: Đại biểu",
                     "Điểm cầu chính: Hội trường Bộ Quốc phòng", "Chương trình:\n08:00–08:10  Khai mạc",
                     "Thẻ dự hội nghị: mã QR trong thư"):
        assert expected in plain, expected
    assert '<html lang="vi">' in html and "Trang chương trình cá nhân" in html
    for english in ENGLISH:
        assert english not in plain and english not in html, english
    description = str(calendar_part(vi).event(f"conference-{w.conference}@bridgepoint")["DESCRIPTION"])
    assert "Vai trò: Đại biểu" in description and "Role:" not in description


async def test_updates_and_cancellations_follow_each_delegates_language(api, mail):
    w, emails = await scheduled_world(api, english="ngoc")
    await api.post(f"/api/conferences/{w.conference}/send-invitations", expect=202)
    await mail.worker.drain()
    await api.patch(f"/api/conferences/{w.conference}", {"starts_at": iso(T0 + timedelta(hours=1)),
                                                         "ends_at": iso(T0 + timedelta(hours=4))})
    assert await mail.worker.drain() == 2
    en, vi = mail.smtp.to(emails["ngoc"])[-1], mail.smtp.to(emails["vinh"])[-1]
    assert en["Subject"] == f"Change: {TITLE}, 09:00 on Friday, December 18, 2026"
    assert "The time of the conference has changed. The latest details are below." in body(en, "plain")
    assert vi["Subject"] == f"Thay đổi: {TITLE}, 09:00 thứ Sáu 18/12/2026"
    assert "Thời gian hội nghị đã thay đổi. Dưới đây là thông tin mới nhất." in body(vi, "plain")

    await api.post(f"/api/conferences/{w.conference}/cancel", expect=200)
    assert await mail.worker.drain() == 2
    en, vi = mail.smtp.to(emails["ngoc"])[-1], mail.smtp.to(emails["vinh"])[-1]
    assert en["Subject"] == f"Conference cancelled: {TITLE}"
    assert "The conference has been cancelled." in body(en, "plain")
    assert "removes the conference from your calendar" in body(en, "plain")
    assert vi["Subject"] == f"Huỷ hội nghị: {TITLE}" and "Hội nghị đã bị huỷ." in body(vi, "plain")


async def test_the_language_is_the_delegates_when_the_mail_is_sent(api, mail):
    """Queued in Vietnamese times, sent after the delegate switched to English: English (as with the address)."""
    w, emails = await scheduled_world(api, english="vinh")
    await api.post(f"/api/conferences/{w.conference}/send-invitations", expect=202)
    await api.patch(f"/api/delegates/{w.delegates['ngoc']}", {"locale": "en"})
    await mail.worker.drain()
    assert mail.smtp.to(emails["ngoc"])[0]["Subject"].startswith("Invitation: ")


# ---- conclusion notices ----

async def test_a_notice_goes_to_a_point_in_its_operators_language_and_to_a_chair_in_the_chairs(api, mail):
    w, emails = await scheduled_world(api, english="vinh")
    await api.patch(f"/api/sites/{w.hq}", {"contact": "vanphong@test.bqp.vn"})
    await api.patch(f"/api/sites/{w.qk3}", {"contact": "truc.ban@qk3.test.bqp.vn"})
    await api.patch(f"/api/conferences/{w.conference}/sites/{w.cs_hq}", {"chair_delegate_id": w.delegates["vinh"]})
    for action in ("start", "end"):
        await api.post(f"/api/conferences/{w.conference}/{action}", expect=200)
    await api.user("op_qk3", "operator", sites=[w.qk3])
    await api.user("op_hq", "operator", sites=[w.hq])
    async with api.sessionmaker() as s:
        await s.execute(update(User).where(User.username == "op_qk3").values(locale="en"))
        await s.commit()
    await mail.worker.drain()  # the invitations are not what this test reads
    mail.smtp.received.clear()
    await api.post(f"/api/conferences/{w.conference}/notices", {"title": "Kết luận", "body": "Nội dung kết luận."})
    assert await mail.worker.drain() == 3

    [qk3] = mail.smtp.to("truc.ban@qk3.test.bqp.vn")  # its operator chose English
    assert qk3["Subject"] == f"Conclusions: {TITLE}"
    plain = body(qk3, "plain")
    assert plain.startswith("Dear Điểm cầu Quân khu 3,")
    assert f"The office announces the conclusions of the conference «{TITLE}» (Friday, December 18, 2026)." in plain
    assert "acknowledge receipt of this notice" in plain and "Nội dung kết luận." in plain
    assert '<html lang="en">' in body(qk3, "html")

    [hq] = mail.smtp.to("vanphong@test.bqp.vn")  # its operator chose nothing: Vietnamese
    assert hq["Subject"] == f"Thông báo kết luận: {TITLE}"
    assert f"Văn phòng thông báo kết luận của hội nghị «{TITLE}» (thứ Sáu 18/12/2026)." in body(hq, "plain")

    [chair] = mail.smtp.to(emails["vinh"])  # the host hall's chair reads English, the hall itself Vietnamese
    assert chair["Subject"] == f"Conclusions: {TITLE}"


async def test_a_points_language_is_what_most_of_its_operators_chose_and_vietnamese_on_a_tie(api):
    w = await make_world(api)
    for name, locale in (("a", "en"), ("b", "vi"), ("c", "en"), ("d", None)):
        await api.user(f"op_{name}", "operator", sites=[w.qk3])
        async with api.sessionmaker() as s:
            await s.execute(update(User).where(User.username == f"op_{name}").values(locale=locale))
            await s.commit()
    await api.user("op_hq_en", "operator", sites=[w.hq])
    await api.user("op_hq_vi", "operator", sites=[w.hq])
    async with api.sessionmaker() as s:
        await s.execute(update(User).where(User.username == "op_hq_en").values(locale="en"))
        await s.execute(update(User).where(User.username == "op_hq_vi").values(locale="vi"))
        await s.commit()
        sites, chairs = await notice_locales(s, {w.cs_qk3, w.cs_hq})
    assert sites == {w.cs_qk3: "en", w.cs_hq: "vi"} and chairs == {}


# ---- calendars ----

async def test_a_delegates_feed_is_in_their_language_and_a_staff_feed_in_the_users(api):
    w, _ = await scheduled_world(api, english="ngoc")
    feed = (await api.get(f"/api/delegates/{w.delegates['ngoc']}/calendar-feed"))["url"]
    r = await api.client.get("/" + feed.split("://", 1)[1].split("/", 1)[1])
    description = str(parse_ics(r.content).event(f"conference-{w.conference}@bridgepoint")["DESCRIPTION"])
    assert "Bridge point: Điểm cầu Quân khu 3" in description and "Role: Delegate" in description
    assert "Host hall: Hội trường Bộ Quốc phòng" in description

    await api.user("op_qk3", "operator", sites=[w.qk3])
    [site_feed] = (await api.get("/api/me/calendar-feeds", who="op_qk3"))["items"]
    seen = {}
    for locale in ("en", None):  # the user's choice in the pages, else Vietnamese
        async with api.sessionmaker() as s:
            await s.execute(update(User).where(User.username == "op_qk3").values(locale=locale))
            await s.commit()
        r = await api.client.get("/" + site_feed["url"].split("://", 1)[1].split("/", 1)[1])
        seen[locale] = str(parse_ics(r.content).event(f"conference-{w.conference}@bridgepoint")["DESCRIPTION"])
    assert "Agenda:\n08:00–08:10  Khai mạc" in seen["en"] and "Host hall: " in seen["en"]
    assert "Chương trình:\n08:00–08:10  Khai mạc" in seen[None] and "Điểm cầu chính: " in seen[None]


# ---- the personal pages ----

async def test_the_personal_pages_speak_the_delegates_language_with_a_switch(api):
    w, _ = await scheduled_world(api, english="ngoc")
    token = await personal_link(api, w.invitations["ngoc"])

    page = await api.call("GET", f"/p/{token}/agenda", who=None, expect=200)
    html = page.text
    assert '<html lang="en">' in html and ">Agenda</h2>" in html and "Nguyễn Quang Ngọc" in html
    assert "Pass and calendar" in html and "Download the calendar file (.ics)" in html
    assert 'href="?lang=vi"' in html and ">Tiếng Việt</a>" in html
    assert "Friday, December 18, 2026, 08:00–11:30" in html and "Chương trình" not in html
    assert "style=" not in html and "<style" not in html  # the strict CSP allows no inline styles
    assert 'href="/static/css/personal.css"' in html

    switched = (await api.call("GET", f"/p/{token}/agenda", who=None, params={"lang": "vi"}, expect=200)).text
    assert '<html lang="vi">' in switched and ">Chương trình</h2>" in switched and "Thẻ dự và lịch" in switched
    assert "thứ Sáu 18/12/2026, 08:00–11:30" in switched and 'href="?lang=en"' in switched
    assert f"/p/{token}?lang=vi" in switched  # the chosen language follows to the pass page

    card = (await api.call("GET", f"/p/{token}", who=None, expect=200)).text
    assert '<html lang="en">' in card and "Delegate pass" in card and "Bridge point" in card
    assert "08:00 – 11:30 on Dec 18, 2026 (Asia/Ho_Chi_Minh)" in card and 'href="?lang=vi"' in card
    assert f'href="/p/{token}/agenda"' in card and "style=" not in card and "<style" not in card
    card_vi = (await api.call("GET", f"/p/{token}", who=None, params={"lang": "vi"}, expect=200)).text
    assert "Thẻ đại biểu" in card_vi and "08:00 – 11:30, ngày 18/12/2026" in card_vi
    assert f'href="/p/{token}/agenda?lang=vi"' in card_vi
    ignored = (await api.call("GET", f"/p/{token}", who=None, params={"lang": "fr"}, expect=200)).text
    assert '<html lang="en">' in ignored  # an unknown language: the delegate's

    vinh = await personal_link(api, w.invitations["vinh"])  # a Vietnamese delegate's page right after
    assert '<html lang="vi">' in (await api.call("GET", f"/p/{vinh}/agenda", who=None, expect=200)).text


async def test_a_dead_personal_link_is_an_error_page_in_the_readers_language(api):
    w, _ = await scheduled_world(api, english="ngoc")
    token = await personal_link(api, w.invitations["ngoc"])
    await api.patch(f"/api/conferences/{w.conference}/invitations/{w.invitations['ngoc']}", {"status": "cancelled"})
    r = await api.client.get(f"/p/{token}")
    assert r.status_code == 404 and r.headers["X-Error-Code"] == "invalid_link"
    assert "Đường dẫn cá nhân này không còn hiệu lực" in r.text
    r = await api.client.get(f"/p/{token}", headers={"Accept-Language": "en"})
    assert r.status_code == 404 and "This personal link is not valid" in r.text


# ---- no leak ----

async def test_rendering_in_a_delegates_language_gives_the_caller_its_own_back(api):
    w, _ = await scheduled_world(api, english="vinh")
    ctx = agenda_view.MailContext(api.app.state.keyring, "https://bp.test", "bridgepoint <bp@test.bqp.vn>")
    async with api.sessionmaker() as s:
        agendas = await agenda_view.load(s, [w.invitations["vinh"], w.invitations["ngoc"]], ctx)
    en, vi = agendas[w.invitations["vinh"]], agendas[w.invitations["ngoc"]]
    for caller in ("vi", "en"):
        i18n.set_locale(caller)
        letter = mailer.invitation_email(en, MailKind.invitation, "", ctx=ctx, recipient="a@test.bqp.vn",
                                       message_id="<m1@test>", now=T0)
        assert letter["Subject"].startswith("Invitation: ") and i18n.current_locale() == caller
        letter = mailer.invitation_email(vi, MailKind.invitation, "", ctx=ctx, recipient="b@test.bqp.vn",
                                       message_id="<m2@test>", now=T0)
        assert letter["Subject"].startswith("Giấy mời: ") and i18n.current_locale() == caller
        assert '<html lang="en">' in mailer.agenda_page(vi, "en") and i18n.current_locale() == caller
        with pytest.raises(RuntimeError), mailer.in_locale("en"):
            raise RuntimeError("a failed rendering")
        assert i18n.current_locale() == caller
    i18n.set_locale("vi")
    # and over HTTP: an English page, then a request that asks nothing gets Vietnamese
    token = await personal_link(api, w.invitations["vinh"])
    await api.call("GET", f"/p/{token}/agenda", who=None, expect=200)
    r = await api.client.get("/p/forged-link/agenda")
    assert r.status_code == 404 and "Đường dẫn cá nhân này không còn hiệu lực" in r.text
    assert i18n.current_locale() == "vi"


# ---- migration 0006 ----

@pytest.fixture(params=["sqlite", "postgres"])
async def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'locale.db'}"
    return await fresh_postgres_database(f"bp_locale_{os.getpid()}")


async def _columns(url: str) -> tuple[set[str], list[tuple]]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: {col["name"] for col in inspect(c).get_columns("delegates")})
            rows = (await conn.execute(text("SELECT * FROM delegates ORDER BY id"))).all()
            return names, [(r._mapping["full_name"], r._mapping.get("locale")) for r in rows]
    finally:
        await engine.dispose()


async def test_migration_0006_adds_the_language_as_vietnamese_and_goes_back(empty_db: str):
    await asyncio.to_thread(upgrade, empty_db, "0005")
    engine = make_engine(empty_db)
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO delegates (full_name, rank, position, email, phone, feed_version, "
                                "search, created_at) VALUES ('Lê Huy Vịnh', '', '', '', '', 1, 'le huy vinh', "
                                "CURRENT_TIMESTAMP)"))
    await engine.dispose()
    await asyncio.to_thread(upgrade, empty_db, "0006")
    names, rows = await _columns(empty_db)
    assert "locale" in names and rows == [("Lê Huy Vịnh", "vi")]
    await asyncio.to_thread(command.downgrade, alembic_config(empty_db), "0005")
    names, rows = await _columns(empty_db)
    assert "locale" not in names and rows == [("Lê Huy Vịnh", None)]
    await asyncio.to_thread(upgrade, empty_db, "0006")
    assert (await _columns(empty_db))[1] == [("Lê Huy Vịnh", "vi")]
