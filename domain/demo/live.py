"""The live demo: today's online review of administrative reform, under way as the demo loads, so the
live view has something real to show — points checked in, delegates present, a speaker at the microphone."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.access import Principal
from domain.checkin.service import Desk, ScanRequest, check_in
from domain.demo.standard import HQ, ConferenceSpec
from domain.models import (AgendaKind, BridgeSite, Conference, ConferenceKind, ConferenceSite, ConferenceStatus,
                     Invitation, InvitationStatus, Readiness, Role, User)
from domain.invitations.passes import Keyring, encode_pass
from domain.checkin.site import mark_site
from domain.speakers.service import seed_demo_speakers
from domain.uow import UnitOfWork

TITLE = "Hội nghị trực tuyến sơ kết công tác cải cách hành chính và chuyển đổi số 6 tháng"
DESCRIPTION = ("Hội nghị trực tuyến từ điểm cầu Bộ Quốc phòng kết nối 48 điểm cầu trong toàn quân: sơ kết "
               "công tác cải cách hành chính, chuyển đổi số; chỉ tiêu 90% văn bản gửi, nhận điện tử, "
               "82,5% văn bản ký số.")
AGENDA = [
    (AgendaKind.opening, "Khai mạc, giới thiệu đại biểu", 10, 5, None, ""),
    (AgendaKind.report, "Báo cáo sơ kết công tác cải cách hành chính, chuyển đổi số 6 tháng", 25, 10, "tuyen", ""),
    (AgendaKind.discussion, "Tham luận của Quân khu 3: văn bản điện tử và chữ ký số tới cấp trung đoàn",
     15, 7, "DC-QK3", ""),
    (AgendaKind.discussion, "Tham luận của Học viện Quốc phòng: số hóa hồ sơ, tài liệu lưu trữ", 15, 7,
     "DC-HVQP", ""),
    (AgendaKind.discussion, "Tham luận của Quân chủng Hải quân: giao ban trực tuyến tới đơn vị biển, đảo",
     15, 7, "DC-QCHQ", ""),
    (AgendaKind.speech, "Phát biểu chỉ đạo của Thủ trưởng Bộ Quốc phòng", 25, 10, "vinh", ""),
    (AgendaKind.conclusion, "Kết luận hội nghị", 10, 5, "vinh", ""),
]
NOT_READY = ("DC-QK9", "DC-BTL86", "DC-HVHC")  # points still testing their link
PRESENT_SHARE = 0.8


def live_spec(now: datetime) -> ConferenceSpec:
    """Started 40 minutes ago (on a five-minute mark), so the first discussion contribution has the floor."""
    start = (now - timedelta(minutes=40)).replace(second=0, microsecond=0)
    start -= timedelta(minutes=start.minute % 5)
    return ConferenceSpec(TITLE, DESCRIPTION, ConferenceKind.online, start, start + timedelta(hours=3),
                          ConferenceStatus.live, AGENDA)


@dataclass
class LiveActivity:
    sites_ready: int
    checked_in: int


async def _organizer(s: AsyncSession) -> Principal:
    user = (await s.execute(select(User).where(User.role == Role.organizer).order_by(User.id).limit(1))
            ).scalar_one()
    return Principal(user_id=user.id, username=user.username, role=Role.organizer)


async def animate(sessionmaker: async_sessionmaker[AsyncSession], ring: Keyring, conference_id: int,
                  now: datetime) -> LiveActivity:
    """Site check-in at most points, delegates scanned in (fixed nonces: a second run changes nothing) and the
    floor given through the speaker service."""
    async with sessionmaker() as s:
        organizer = await _organizer(s)
        conf = await s.get(Conference, conference_id)
        assert conf is not None
        sites = (await s.execute(select(ConferenceSite.id, BridgeSite.code, ConferenceSite.readiness)
                                 .join(BridgeSite, BridgeSite.id == ConferenceSite.site_id)
                                 .where(ConferenceSite.conference_id == conference_id))).all()
        confirmed = (await s.execute(select(Invitation.id, Invitation.conference_site_id, Invitation.pass_version)
                                     .where(Invitation.conference_id == conference_id,
                                            Invitation.status == InvitationStatus.confirmed)
                                     .order_by(Invitation.id))).all()
    uow = UnitOfWork(sessionmaker)
    ready = 0
    for cs_id, code, readiness in sites:
        if code in NOT_READY:
            continue
        ready += 1
        if readiness is not Readiness.ready:
            await mark_site(uow, organizer, conference_id, cs_id, now=now, readiness=Readiness.ready,
                            note="Đã thử âm thanh, hình ảnh" if code != HQ else "Điểm cầu chính sẵn sàng")
    rng = random.Random(conference_id)
    desk = Desk(ring, timedelta(hours=2), now)
    span = (now - conf.starts_at).total_seconds() + 1800
    present = 0
    for inv_id, cs_id, version in confirmed:
        if rng.random() > PRESENT_SHARE:
            continue
        arrived = conf.starts_at - timedelta(minutes=30) + timedelta(seconds=rng.random() ** 3 * span)
        answer = await check_in(uow, organizer, desk, ScanRequest(
            conference_id=conference_id, conference_site_id=cs_id, nonce=f"demo-live-{inv_id}",
            text=encode_pass(ring, conference_id, inv_id, cs_id, version), scanned_at=arrived))
        present += answer["result"] in ("ok", "already_checked_in")
    await seed_demo_speakers(uow, conference_id, now=now)
    return LiveActivity(ready, present)
