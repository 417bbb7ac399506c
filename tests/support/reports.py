"""A small world for the report tests: make_world's conference (HQ host hall + Military Region 3 point) with more
delegates, check-ins, an absence (when the desk's table exists), outages, finished speeches, invitation e-mails in
every state and a conclusion notice acknowledged by one point; users of every role."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from domain.checkin.models import Absence, AbsenceReason, Presence
from domain.mail.models import ConclusionNotice, MailKind, MailStatus, NoticeReceipt, OutboxMessage
from domain.models import Conference, ConferenceStatus, Invitation
from domain.point_links.models import SiteOutage
from domain.speakers.models import EntrySource, SpeakerEntry, SpeakerList, SpeechPause
from tests.support.factories import T0, World, make_world

ABSENCES = True

# key, full name, point ("hq"/"qk3"), what happens
PEOPLE = [
    ("khoi", "Đỗ Minh Khôi", "hq", "missing"),
    ("hang", "Trần Thị Hằng", "qk3", "absent"),
    ("duc", "Phạm Văn Đức", "qk3", "late"),
    ("tuan", "Hoàng Anh Tuấn", "qk3", "missing"),
    ("walkin", "Vũ Thị Ngọc Ánh", "qk3", "walk_in"),
]


@dataclass
class ReportWorld:
    w: World
    inv: dict[str, int] = field(default_factory=dict)
    notice: int = 0

    @property
    def c(self) -> str:
        return f"/api/conferences/{self.w.conference}"

    @property
    def page(self) -> str:
        return f"/conferences/{self.w.conference}/reports"


async def make_report_world(api: Any) -> ReportWorld:
    w = await make_world(api)  # vinh (HQ) present on time, ngoc (QK3) present on time below
    rw = ReportWorld(w, dict(w.invitations))
    for key, name, point, _what in PEOPLE:
        d = (await api.post("/api/delegates", {"full_name": name, "rank": "Đại tá", "position": "Chánh Văn phòng",
                                               "unit_id": w.unit, "email": f"{key}@bqp.vn"}))["id"]
        rw.inv[key] = (await api.post(f"{rw.c}/invitations", {
            "delegate_id": d, "conference_site_id": w.cs_hq if point == "hq" else w.cs_qk3}))["id"]
    item = (await api.post(f"{rw.c}/agenda", {"kind": "discussion", "title": "Tham luận của Quân khu 3"}))["id"]
    await api.user("chair", "chair")
    await api.user("op", "operator", sites=[w.qk3])
    await api.user("op_out", "operator", sites=[w.other_site])
    await api.user("viewer", "viewer")
    await api.patch(f"/api/conferences/{w.conference}", {"manager_ids": [await api.user_id("chair")]})
    async with api.sessionmaker() as s:
        conf = await s.get(Conference, w.conference)
        conf.status = ConferenceStatus.ended
        (await s.get(Invitation, rw.inv["walkin"])).walk_in = True  # type: ignore[union-attr]
        for key, late in (("vinh", False), ("ngoc", False), ("duc", True), ("walkin", False)):
            at = T0 + timedelta(minutes=20 if late else -10)
            s.add(Presence(invitation_id=rw.inv[key], conference_id=w.conference, present=True, late=late,
                           first_in_at=at, last_in_at=at, source="scan"))
        s.add(Absence(invitation_id=rw.inv["hang"], conference_id=w.conference, reason=AbsenceReason.illness,
                      note="Nằm viện", set_at=T0))
        s.add_all([SiteOutage(conference_id=w.conference, conference_site_id=w.cs_qk3, started_at=T0 + timedelta(minutes=30),
                              ended_at=T0 + timedelta(minutes=32, seconds=30)),
                   SiteOutage(conference_id=w.conference, conference_site_id=w.cs_qk3, started_at=T0 + timedelta(hours=1),
                              ended_at=T0 + timedelta(hours=1, minutes=1)),
                   SiteOutage(conference_id=w.conference, conference_site_id=w.cs_hq, started_at=T0 + timedelta(hours=2),
                              ended_at=T0 + timedelta(hours=2, seconds=20))])
        lst = SpeakerList(conference_id=w.conference, agenda_item_id=item)
        s.add(lst)
        await s.flush()
        ngoc = SpeakerEntry(list_id=lst.id, invitation_id=rw.inv["ngoc"], source=EntrySource.chair,
                            started_at=T0 + timedelta(minutes=40), ended_at=T0 + timedelta(minutes=47))
        vinh = SpeakerEntry(list_id=lst.id, invitation_id=rw.inv["vinh"], source=EntrySource.chair,
                            started_at=T0 + timedelta(minutes=50), ended_at=T0 + timedelta(minutes=53))
        s.add_all([ngoc, vinh])
        await s.flush()
        s.add(SpeechPause(entry_id=ngoc.id, started_at=T0 + timedelta(minutes=42), ended_at=T0 + timedelta(minutes=43)))
        for n, (key, status) in enumerate((("vinh", MailStatus.sent), ("ngoc", MailStatus.sent),
                                           ("khoi", MailStatus.failed), ("hang", MailStatus.pending),
                                           ("duc", MailStatus.failed), ("duc", MailStatus.sent))):
            s.add(OutboxMessage(idempotency_key=f"t:{n}", kind=MailKind.invitation, recipient=f"{key}@bqp.vn",
                                conference_id=w.conference, invitation_id=rw.inv[key], status=status,
                                last_error="550 Mailbox unavailable" if status is MailStatus.failed else ""))
        notice = ConclusionNotice(conference_id=w.conference, title="Kết luận của Thứ trưởng", body="…",
                                  published_at=T0 + timedelta(hours=4))
        s.add(notice)
        await s.flush()
        rw.notice = notice.id
        op_id = await api.user_id("op")
        s.add_all([NoticeReceipt(notice_id=notice.id, conference_site_id=w.cs_qk3, acknowledged_at=T0 + timedelta(hours=5),
                                 acknowledged_by_id=op_id, note="Đã nhận, sẽ triển khai"),
                   NoticeReceipt(notice_id=notice.id, conference_site_id=w.cs_hq)])
        await s.commit()
    return rw
