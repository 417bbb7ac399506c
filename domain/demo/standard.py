"""Demo data: the year-end office-work conference linking the ministry's hall with 48 bridge points.

Everything is keyed by a natural code (unit and site codes, delegate e-mails, usernames, the
conference title), so loading twice inserts nothing the second time.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, NamedTuple

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import InstrumentedAttribute

from domain.models import (DEFAULT_TZ, AgendaItem, AgendaKind, BridgeSite, Conference, ConferenceKind,
                     ConferenceSite, ConferenceStatus, Delegate, Invitation, InvitationRole,
                     InvitationStatus, Role, SiteRole, Unit, User, Visibility, conference_managers,
                     conference_site_operators, user_sites)
from domain.users.service import hash_password
from domain.text import fold, search_text

SEED = 2024
LOCAL = timezone(timedelta(hours=7))
MAIL_DOMAIN = "bqp.vn"
DELEGATES_PER_SITE = 20
HQ = "HQ"

TITLE = "Hội nghị tổng kết công tác văn phòng năm 2026"
DESCRIPTION = (
    "Hội nghị trực tuyến kết hợp trực tiếp, từ điểm cầu chính tại Hội trường Bộ Quốc phòng kết nối "
    "48 điểm cầu trong toàn quân. Đánh giá kết quả công tác văn phòng năm 2026 (kết quả đạt được, "
    "hạn chế, nguyên nhân, kiến nghị), triển khai phương hướng, nhiệm vụ năm 2027.")
START, END = time(8, 0), time(11, 30)


class U(NamedTuple):
    code: str
    name: str
    parent: str | None
    kind: str = ""
    tier: int = 0
    address: str = ""


UNITS = [
    U("BQP", "Bộ Quốc phòng", None),
    U("VPBQP", "Văn phòng Quân ủy Trung ương – Văn phòng Bộ Quốc phòng", "BQP"),
    U("BTTM", "Bộ Tổng Tham mưu", "BQP", "staff", 1, "Hoàng Diệu, Ba Đình, Hà Nội"),
    U("TCCT", "Tổng cục Chính trị", "BQP", "politics", 1, "Lý Nam Đế, Hoàn Kiếm, Hà Nội"),
    U("TCHC", "Tổng cục Hậu cần", "BQP", "department", 1, "Lê Trọng Tấn, Thanh Xuân, Hà Nội"),
    U("TCKT", "Tổng cục Kỹ thuật", "BQP", "department", 1, "Lý Nam Đế, Hoàn Kiếm, Hà Nội"),
    U("TCCNQP", "Tổng cục Công nghiệp quốc phòng", "BQP", "department", 1, "Trần Phú, Ba Đình, Hà Nội"),
    U("TC2", "Tổng cục II", "BQP", "directorate", 1, "Dịch Vọng, Cầu Giấy, Hà Nội"),
    U("QK1", "Quân khu 1", "BQP", "command", 1, "Phan Đình Phùng, Thái Nguyên"),
    U("QK2", "Quân khu 2", "BQP", "command", 1, "Việt Trì, Phú Thọ"),
    U("QK3", "Quân khu 3", "BQP", "command", 1, "Hồng Bàng, Hải Phòng"),
    U("QK4", "Quân khu 4", "BQP", "command", 1, "Trường Vinh, Nghệ An"),
    U("QK5", "Quân khu 5", "BQP", "command", 1, "Hòa Cường, Đà Nẵng"),
    U("QK7", "Quân khu 7", "BQP", "command", 1, "Tân Sơn Hòa, Thành phố Hồ Chí Minh"),
    U("QK9", "Quân khu 9", "BQP", "command", 1, "Ninh Kiều, Cần Thơ"),
    U("BTLTD", "Bộ Tư lệnh Thủ đô Hà Nội", "BQP", "command", 1, "Thanh Xuân, Hà Nội"),
    U("QD12", "Quân đoàn 12", "BQP", "command", 2, "Tam Điệp, Ninh Bình"),
    U("QD34", "Quân đoàn 34", "BQP", "command", 2, "Pleiku, Gia Lai"),
    U("PKKQ", "Quân chủng Phòng không – Không quân", "BQP", "command", 1, "Trường Chinh, Đống Đa, Hà Nội"),
    U("QCHQ", "Quân chủng Hải quân", "BQP", "command", 1, "Kiến An, Hải Phòng"),
    U("BDBP", "Bộ đội Biên phòng", "BQP", "command", 1, "4 Đinh Công Tráng, Hoàn Kiếm, Hà Nội"),
    U("CSB", "Cảnh sát biển Việt Nam", "BQP", "command", 2, "Long Biên, Hà Nội"),
    U("BTL86", "Bộ Tư lệnh 86", "BQP", "command", 2, "Cầu Giấy, Hà Nội"),
    U("BTLBV", "Bộ Tư lệnh Bảo vệ Lăng Chủ tịch Hồ Chí Minh", "BQP", "command", 2, "Ba Đình, Hà Nội"),
    U("BCPB", "Binh chủng Pháo binh", "BQP", "command", 2, "Hà Đông, Hà Nội"),
    U("BCTTG", "Binh chủng Tăng thiết giáp", "BQP", "command", 2, "Thanh Xuân, Hà Nội"),
    U("BCCB", "Binh chủng Công binh", "BQP", "command", 2, "Hoàn Kiếm, Hà Nội"),
    U("BCTTLL", "Binh chủng Thông tin liên lạc", "BQP", "command", 2, "Lý Nam Đế, Hoàn Kiếm, Hà Nội"),
    U("BCHH", "Binh chủng Hóa học", "BQP", "command", 2, "Cầu Giấy, Hà Nội"),
    U("BCDC", "Binh chủng Đặc công", "BQP", "command", 2, "Hoàng Mai, Hà Nội"),
    U("HVQP", "Học viện Quốc phòng", "BQP", "academy", 1, "93 Hoàng Quốc Việt, Cầu Giấy, Hà Nội"),
    U("HVLQ", "Học viện Lục quân", "BQP", "academy", 2, "160 Phan Đình Phùng, Đà Lạt, Lâm Đồng"),
    U("HVCT", "Học viện Chính trị", "BQP", "academy", 2, "124 Ngô Quyền, Hà Đông, Hà Nội"),
    U("HVHC", "Học viện Hậu cần", "TCHC", "academy", 2, "Ngọc Thụy, Long Biên, Hà Nội"),
    U("HVKTQS", "Học viện Kỹ thuật quân sự", "BQP", "academy", 2, "236 Hoàng Quốc Việt, Bắc Từ Liêm, Hà Nội"),
    U("HVQY", "Học viện Quân y", "BQP", "academy", 2, "160 Phùng Hưng, Hà Đông, Hà Nội"),
    U("HVKHQS", "Học viện Khoa học quân sự", "BQP", "academy", 2, "Định Công, Hoàng Mai, Hà Nội"),
    U("HVBP", "Học viện Biên phòng", "BDBP", "academy", 2, "Sơn Lộc, Sơn Tây, Hà Nội"),
    U("HVHQ", "Học viện Hải quân", "QCHQ", "academy", 2, "30 Trần Phú, Nha Trang, Khánh Hòa"),
    U("HVPKKQ", "Học viện Phòng không – Không quân", "PKKQ", "academy", 2, "Kim Sơn, Sơn Tây, Hà Nội"),
    U("TSQLQ1", "Trường Sĩ quan Lục quân 1", "BQP", "school", 2, "Cổ Đông, Sơn Tây, Hà Nội"),
    U("TSQLQ2", "Trường Sĩ quan Lục quân 2", "BQP", "school", 2, "Tam Phước, Biên Hòa, Đồng Nai"),
    U("TSQCT", "Trường Sĩ quan Chính trị", "BQP", "school", 2, "Thị Cầu, Bắc Ninh"),
    U("BV108", "Bệnh viện Trung ương Quân đội 108", "BQP", "hospital", 3, "1 Trần Hưng Đạo, Hai Bà Trưng, Hà Nội"),
    U("BV175", "Bệnh viện Quân y 175", "BQP", "hospital", 3, "786 Nguyễn Kiệm, Gò Vấp, Thành phố Hồ Chí Minh"),
    U("VKHCNQS", "Viện Khoa học và Công nghệ quân sự", "BQP", "institute", 3, "17 Hoàng Sâm, Cầu Giấy, Hà Nội"),
    U("VIETTEL", "Tập đoàn Công nghiệp – Viễn thông Quân đội", "BQP", "enterprise", 3,
      "Lô D26, Khu đô thị mới Cầu Giấy, Hà Nội"),
    U("TCSG", "Tổng công ty Tân Cảng Sài Gòn", "QCHQ", "enterprise", 3,
      "722 Điện Biên Phủ, Bình Thạnh, Thành phố Hồ Chí Minh"),
    U("BD15", "Binh đoàn 15", "BQP", "command", 3, "Pleiku, Gia Lai"),
    U("BD18", "Binh đoàn 18", "BQP", "command", 3, "Tây Hồ, Hà Nội"),
    U("CTC", "Cục Tác chiến", "BTTM"),
    U("CQH", "Cục Quân huấn", "BTTM"),
    U("CQL", "Cục Quân lực", "BTTM"),
    U("CTH", "Cục Tuyên huấn", "TCCT"),
    U("CCB", "Cục Cán bộ", "TCCT"),
    U("QK3-BTM", "Bộ Tham mưu Quân khu 3", "QK3"),
    U("QK3-CCT", "Cục Chính trị Quân khu 3", "QK3"),
    U("QK3-BCHQS-HP", "Bộ Chỉ huy Quân sự thành phố Hải Phòng", "QK3"),
]

HQ_SITE = dict(code=HQ, name="Hội trường Bộ Quốc phòng (điểm cầu chính)", unit="BQP",
               address="7 Nguyễn Tri Phương, Ba Đình, Hà Nội", capacity=300)

LEADERS = {
    "command": ("Tư lệnh {u}", "Chính ủy {u}", "Phó Tư lệnh {u}", "Phó Chính ủy {u}", "Tham mưu trưởng {u}"),
    "department": ("Chủ nhiệm {u}", "Chính ủy {u}", "Phó Chủ nhiệm {u}", "Phó Chủ nhiệm {u}",
                   "Tham mưu trưởng {u}"),
    "directorate": ("Tổng cục trưởng {u}", "Chính ủy {u}", "Phó Tổng cục trưởng {u}",
                    "Phó Tổng cục trưởng {u}", "Tham mưu trưởng {u}"),
    "staff": ("Phó Tổng Tham mưu trưởng", "Phó Tổng Tham mưu trưởng", "Cục trưởng Cục Tác chiến",
              "Cục trưởng Cục Quân huấn", "Cục trưởng Cục Quân lực"),
    "politics": ("Phó Chủ nhiệm {u}", "Phó Chủ nhiệm {u}", "Cục trưởng Cục Tuyên huấn",
                 "Cục trưởng Cục Cán bộ", "Cục trưởng Cục Tổ chức"),
    "academy": ("Giám đốc {u}", "Chính ủy {u}", "Phó Giám đốc {u}", "Phó Chính ủy {u}", "Phó Giám đốc {u}"),
    "hospital": ("Giám đốc {u}", "Chính ủy {u}", "Phó Giám đốc {u}", "Phó Chính ủy {u}", "Phó Giám đốc {u}"),
    "school": ("Hiệu trưởng {u}", "Chính ủy {u}", "Phó Hiệu trưởng {u}", "Phó Chính ủy {u}",
               "Phó Hiệu trưởng {u}"),
    "institute": ("Viện trưởng {u}", "Chính ủy {u}", "Phó Viện trưởng {u}", "Phó Chính ủy {u}",
                  "Phó Viện trưởng {u}"),
    "enterprise": ("Chủ tịch {u}", "Tổng Giám đốc {u}", "Phó Tổng Giám đốc {u}", "Phó Tổng Giám đốc {u}",
                   "Phó Tổng Giám đốc {u}"),
}
LEADER_RANKS = {
    1: ("Trung tướng", "Trung tướng", "Thiếu tướng", "Thiếu tướng", "Thiếu tướng"),
    2: ("Thiếu tướng", "Thiếu tướng", "Thiếu tướng", "Đại tá", "Đại tá"),
    3: ("Thiếu tướng", "Đại tá", "Đại tá", "Đại tá", "Đại tá"),
}
OFFICE = (("Chánh Văn phòng {u}", ("Đại tá",)), ("Phó Chánh Văn phòng {u}", ("Đại tá", "Thượng tá")))
STAFF = [
    ("Trưởng phòng Tác chiến", ("Đại tá", "Thượng tá")),
    ("Trưởng phòng Quân lực", ("Đại tá", "Thượng tá")),
    ("Trưởng phòng Tuyên huấn", ("Đại tá", "Thượng tá")),
    ("Trưởng phòng Cán bộ", ("Đại tá", "Thượng tá")),
    ("Trưởng phòng Tổ chức", ("Đại tá", "Thượng tá")),
    ("Trưởng phòng Hành chính", ("Thượng tá", "Đại tá")),
    ("Trưởng phòng Tổng hợp", ("Thượng tá", "Đại tá")),
    ("Trưởng phòng Thông tin", ("Thượng tá", "Đại tá")),
    ("Trưởng ban Cơ yếu", ("Thượng tá", "Trung tá")),
    ("Trưởng ban Văn thư – Lưu trữ", ("Thượng tá", "Trung tá")),
    ("Trưởng ban Công nghệ thông tin", ("Thượng tá", "Trung tá")),
    ("Trưởng ban Thư ký", ("Thượng tá", "Trung tá")),
    ("Trợ lý Tổng hợp", ("Trung tá", "Thiếu tá")),
    ("Trợ lý Hành chính", ("Trung tá", "Thiếu tá")),
    ("Trợ lý Văn thư", ("Thiếu tá", "Trung tá")),
    ("Trợ lý Lưu trữ", ("Thiếu tá", "Trung tá")),
    ("Trợ lý Cơ yếu", ("Trung tá", "Thiếu tá")),
    ("Trợ lý Công nghệ thông tin", ("Thiếu tá", "Trung tá")),
    ("Trợ lý Thư ký", ("Thiếu tá", "Trung tá")),
]
RANKS = ("Đại tướng", "Thượng tướng", "Trung tướng", "Thiếu tướng", "Đại tá", "Thượng tá", "Trung tá", "Thiếu tá")

FAMILY = [("Nguyễn", 30), ("Trần", 10), ("Lê", 9), ("Phạm", 7), ("Hoàng", 5), ("Vũ", 4), ("Phan", 4),
          ("Võ", 3), ("Đặng", 3), ("Bùi", 3), ("Đỗ", 3), ("Hồ", 2), ("Ngô", 2), ("Dương", 2), ("Đinh", 2),
          ("Trịnh", 2), ("Đào", 1), ("Lương", 1), ("Mai", 1), ("Tạ", 1), ("Cao", 1), ("Hà", 1),
          ("Phùng", 1), ("Kiều", 1), ("Lý", 1), ("Quách", 1), ("Tô", 1), ("Đoàn", 1), ("Lâm", 1)]
MIDDLE = ["Văn", "Văn", "Hữu", "Đức", "Quang", "Minh", "Xuân", "Thanh", "Ngọc", "Công", "Đình", "Mạnh",
          "Trọng", "Viết", "Huy", "Tiến", "Thế", "Duy", "Sĩ", "Hồng", "Bá", "Anh", "Đăng", "Quốc"]
GIVEN = ["Hùng", "Dũng", "Tuấn", "Thắng", "Cường", "Hải", "Nam", "Sơn", "Long", "Phong", "Quân", "Trung",
         "Hiếu", "Đạt", "Đông", "Đức", "Thành", "Tâm", "Vinh", "Bình", "Khánh", "Toàn", "Hưng", "Lâm",
         "Tùng", "Hòa", "Chiến", "Kiên", "Nghĩa", "Định", "Dương", "Hoàng", "Quyết", "Thịnh", "Việt",
         "Lực", "Khải", "Huấn", "Lượng", "Đoàn", "Điệp", "Tài", "Phúc", "Thái", "Hậu", "Trường"]
GIVEN_F = ["Hằng", "Hương", "Lan", "Hạnh", "Thảo", "Nga", "Yến", "Huyền", "Trang", "Dung", "Thủy", "Đào"]
PHONE_PREFIXES = ["091", "098", "097", "096", "086", "088", "090", "093", "035", "038", "083", "094"]

NAMED = [
    ("giang", "Phan Văn Giang", "Đại tướng", "Bộ trưởng Bộ Quốc phòng", "BQP", HQ),
    ("vinh", "Lê Huy Vịnh", "Thượng tướng", "Thứ trưởng Bộ Quốc phòng", "BQP", HQ),
    ("tan", "Phùng Sĩ Tấn", "Thượng tướng", "Phó Tổng Tham mưu trưởng Quân đội nhân dân Việt Nam", "BTTM", HQ),
    ("tuyen", "Nguyễn Viết Tuyên", "Thiếu tướng", "Chánh Văn phòng Bộ Quốc phòng", "VPBQP", HQ),
    ("ngoc", "Nguyễn Quang Ngọc", "Trung tướng", "Tư lệnh Quân khu 3", "QK3", "DC-QK3"),
]
HQ_STAFF = [("Phó Chánh Văn phòng Bộ Quốc phòng", ("Thiếu tướng",)),
            ("Phó Chánh Văn phòng Bộ Quốc phòng", ("Đại tá",))]
CHAIR_KEY, HOST_ATTENDANCE = "vinh", 120
CONFIRMED_KEYS = {"vinh", "tan", "tuyen", "ngoc"}

AGENDA = [
    (AgendaKind.opening, "Khai mạc, giới thiệu đại biểu", 10, 5, None,
     "Tuyên bố lý do, giới thiệu đại biểu tại điểm cầu chính và các điểm cầu."),
    (AgendaKind.report, "Báo cáo tổng kết công tác văn phòng năm 2026, phương hướng nhiệm vụ năm 2027", 30, 10,
     "tuyen", "Kết quả đạt được, hạn chế, nguyên nhân và kiến nghị, đề xuất."),
    (AgendaKind.discussion, "Tham luận của Quân khu 3: đẩy mạnh chuyển đổi số trong công tác văn phòng",
     20, 10, "DC-QK3", ""),
    (AgendaKind.discussion, "Tham luận của Quân chủng Hải quân: công tác văn phòng ở đơn vị đóng quân "
     "phân tán trên biển, đảo", 20, 10, "DC-QCHQ", ""),
    (AgendaKind.discussion, "Tham luận của Học viện Quốc phòng: quản lý văn bản điện tử và chữ ký số",
     20, 10, "DC-HVQP", ""),
    (AgendaKind.break_, "Giải lao", 15, 5, None, ""),
    (AgendaKind.discussion, "Tham luận của Bộ Tổng Tham mưu: siết chặt công tác bảo mật, "
     "không để lộ lọt thông tin", 20, 10, "DC-BTTM", ""),
    (AgendaKind.discussion, "Tham luận của Bộ đội Biên phòng: giao ban trực tuyến tới đồn, trạm biên phòng",
     20, 10, "DC-BDBP", ""),
    (AgendaKind.speech, "Phát biểu chỉ đạo của Thủ trưởng Bộ Quốc phòng", 35, 10, "vinh", ""),
    (AgendaKind.conclusion, "Kết luận hội nghị, bế mạc", 20, 5, "vinh",
     "Văn phòng Bộ Quốc phòng tiếp thu, hoàn chỉnh báo cáo và thông báo kết luận tới các cơ quan, đơn vị."),
]


class Login(NamedTuple):
    username: str
    password: str
    role: Role
    display_name: str
    delegate_key: str | None = None
    site: str | None = None


LOGINS = [
    Login("admin", "admin-demo-2026", Role.admin, "Quản trị hệ thống"),
    Login("vanphong", "vanphong-demo-2026", Role.organizer, "Văn phòng Bộ Quốc phòng"),
    Login("chutri", "chutri-demo-2026", Role.chair, "Thượng tướng Lê Huy Vịnh", delegate_key=CHAIR_KEY),
    Login("thuky", "thuky-demo-2026", Role.chair, "Thư ký hội nghị – Văn phòng Bộ Quốc phòng"),
    Login("vanhanh.qk3", "vanhanh.qk3-demo-2026", Role.operator, "Kỹ thuật viên điểm cầu Quân khu 3", site="DC-QK3"),
    Login("vanhanh.hq", "vanhanh.hq-demo-2026", Role.operator, "Kỹ thuật viên điểm cầu chính", site=HQ),
    Login("manhinh", "manhinh-demo-2026", Role.viewer, "Màn hình hội trường"),
]
MANAGERS = ("chutri", "thuky")


@dataclass
class DemoInfo:
    conference_id: int
    logins: list[tuple[str, str, str]]
    created: bool
    extra: dict[str, tuple[int, bool]] = field(default_factory=dict)  # title → (id, created now)


@dataclass
class Person:
    full_name: str
    rank: str
    position: str
    unit: str
    site: str
    email: str
    phone: str
    key: str = ""
    role: InvitationRole = InvitationRole.delegate
    status: InvitationStatus = InvitationStatus.invited


def site_code(unit: U) -> str:
    return f"DC-{unit.code}"


def site_units() -> list[U]:
    return [u for u in UNITS if u.address]


class Roster:
    """Deterministic delegates: the named leaders plus generated officers, 20 per bridge site."""

    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.taken: set[str] = set()
        self.reserved = {name for _, name, *_ in NAMED}
        self.people: list[Person] = []

    def email(self, full_name: str) -> str:
        *head, given = fold(full_name).split()
        stem = given + "".join(w[0] for w in head)
        n, local = 1, stem
        while local in self.taken:
            n += 1
            local = f"{stem}{n}"
        self.taken.add(local)
        return f"{local}@{MAIL_DOMAIN}"

    def phone(self) -> str:
        d = f"{self.rng.randrange(10 ** 7):07d}"
        return f"{self.rng.choice(PHONE_PREFIXES)}{d[0]} {d[1:4]} {d[4:]}"

    def name(self, female: bool = False) -> str:
        while True:
            family = self.rng.choices([f for f, _ in FAMILY], [w for _, w in FAMILY])[0]
            if female:
                name = f"{family} Thị {self.rng.choice(GIVEN_F)}"
            else:
                middle, given = self.rng.choice(MIDDLE), self.rng.choice(GIVEN)
                name = f"{family} {middle} {given}"
                if middle == given:
                    continue
            if name not in self.reserved:
                return name

    def add(self, full_name: str, rank: str, position: str, unit: str, site: str, key: str = "") -> None:
        self.people.append(Person(full_name, rank, position, unit, site, self.email(full_name),
                                  self.phone(), key))

    def officer(self, title: str, ranks: tuple[str, ...], unit: U | str, site: str, key: str = "") -> None:
        code, uname = (unit.code, unit.name) if isinstance(unit, U) else (unit, "")
        female = title.startswith("Trợ lý") and self.rng.random() < 0.25
        self.add(self.name(female), self.rng.choice(ranks), title.format(u=uname).strip(), code, site, key)

    def build(self) -> list[Person]:
        for key, name, rank, position, unit, site in NAMED:
            if site == HQ:
                self.add(name, rank, position, unit, site, key)
        staff = self.rng.sample(STAFF, DELEGATES_PER_SITE - len(self.people) - len(HQ_STAFF))
        for title, ranks in HQ_STAFF + sorted(staff, key=STAFF.index):
            self.officer(title, ranks, "VPBQP", HQ)
        for unit in site_units():
            self.site(unit)
        self.assign_roles()
        return self.people

    def site(self, unit: U) -> None:
        code = site_code(unit)
        leaders = zip(LEADERS[unit.kind], LEADER_RANKS[unit.tier])
        named = [n for n in NAMED if n[5] == code]
        for i, (title, rank) in enumerate(leaders):
            if i == 0 and named:
                key, name, rank, position, unit_code, _ = named[0]
                self.add(name, rank, position, unit_code, code, key)
            else:
                self.officer(title, (rank,), unit, code)
        for i, (title, ranks) in enumerate(OFFICE):
            self.officer(title, ranks, unit, code, office_key(code) if i == 0 else "")
        count = DELEGATES_PER_SITE - len(LEADERS[unit.kind]) - len(OFFICE)
        for title, ranks in sorted(self.rng.sample(STAFF, count), key=STAFF.index):
            self.officer(title, ranks, unit, code)

    def assign_roles(self) -> None:
        presenters = {presenter_key(spec) for *_, spec, _ in AGENDA if spec}
        for p in self.people:
            if p.key in presenters:
                p.role = InvitationRole.presenter
            r = self.rng.random()
            p.status = (InvitationStatus.declined if r < 0.03 else
                        InvitationStatus.confirmed if r < 0.73 else InvitationStatus.invited)
        for chair in site_chairs(self.people).values():
            chair.role = InvitationRole.chair
        for p in self.people:
            if p.role is not InvitationRole.delegate or p.key in CONFIRMED_KEYS:
                p.status = InvitationStatus.confirmed


def site_chairs(people: list[Person]) -> dict[str, Person]:
    chairs: dict[str, Person] = {}
    for p in people:
        best = chairs.get(p.site)
        if p.site == HQ:
            if p.key == CHAIR_KEY:
                chairs[HQ] = p
        elif best is None or RANKS.index(p.rank) < RANKS.index(best.rank):
            chairs[p.site] = p
    return chairs


def presenter_key(spec: str) -> str:
    """A named leader's key, or a bridge site's code standing for its chief of office."""
    return spec if spec in {n[0] for n in NAMED} else office_key(spec)


def office_key(site: str) -> str:
    return f"{site}/office"


def start_day(today: date) -> date:
    day = today + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def at(day: date, t: time) -> datetime:
    return datetime.combine(day, t, LOCAL).astimezone(timezone.utc)


async def _ids(s: AsyncSession, col: InstrumentedAttribute[Any], keys: list[Any]) -> dict[Any, int]:
    model = col.class_
    rows = await s.execute(select(col, model.id).where(col.in_(keys)))
    return {k: i for k, i in rows.all()}


async def _insert(s: AsyncSession, col: InstrumentedAttribute[Any], rows: list[dict[str, Any]]) -> dict[Any, int]:
    if not rows:
        return {}
    result = await s.execute(insert(col.class_).returning(col, col.class_.id), rows)
    return {k: i for k, i in result.all()}


async def _ensure(s: AsyncSession, col: InstrumentedAttribute[Any], rows: list[dict[str, Any]]) -> dict[Any, int]:
    found = await _ids(s, col, [r[col.key] for r in rows])
    found.update(await _insert(s, col, [r for r in rows if r[col.key] not in found]))
    return found


async def _link(s: AsyncSession, table: Table, rows: list[dict[str, int]]) -> None:
    if rows:
        await s.execute(table.insert(), rows)


def _depth(unit: U, by_code: dict[str, U]) -> int:
    return 0 if unit.parent is None else 1 + _depth(by_code[unit.parent], by_code)


async def ensure_units(s: AsyncSession) -> dict[str, int]:
    by_code = {u.code: u for u in UNITS}
    ids: dict[str, int] = {}
    for level in range(max(_depth(u, by_code) for u in UNITS) + 1):
        rows = [dict(code=u.code, name=u.name, parent_id=ids.get(u.parent) if u.parent else None,
                     search=search_text(u.name, u.code))
                for u in UNITS if _depth(u, by_code) == level]
        ids.update(await _ensure(s, Unit.code, rows))
    return ids


def site_rows(unit_ids: dict[str, int]) -> list[dict[str, Any]]:
    rng = random.Random(SEED)
    specs = [HQ_SITE] + [dict(code=site_code(u), name=f"Điểm cầu {u.name}", unit=u.code, address=u.address,
                              capacity=rng.randrange(30, 121, 5)) for u in site_units()]
    rows = []
    for spec in specs:
        code = spec["code"]
        rows.append(dict(
            code=code, name=spec["name"], unit_id=unit_ids[spec["unit"]], address=spec["address"],
            capacity=spec["capacity"], timezone=DEFAULT_TZ,
            video_endpoint=f"sip:{code.lower()}@vtc.{MAIL_DOMAIN}",
            contact=f"Sĩ quan trực ban điểm cầu – 069.{rng.randrange(500, 600)}.{rng.randrange(1000):03d}",
            active=True, search=search_text(spec["name"], code, spec["address"])))
    return rows


def keyed_delegates(people: list[Person], delegate_ids: dict[str, int]) -> dict[str, int]:
    return {p.key: delegate_ids[p.email] for p in people if p.key}


def delegate_rows(people: list[Person], unit_ids: dict[str, int]) -> list[dict[str, Any]]:
    return [dict(full_name=p.full_name, rank=p.rank, position=p.position, unit_id=unit_ids[p.unit],
                 email=p.email, phone=p.phone, search=search_text(p.full_name, p.email)) for p in people]


async def ensure_users(s: AsyncSession, by_key: dict[str, int], site_ids: dict[str, int]) -> dict[str, int]:
    ids = await _ids(s, User.username, [x.username for x in LOGINS])
    new = [x for x in LOGINS if x.username not in ids]
    ids.update(await _insert(s, User.username, [
        dict(username=x.username, display_name=x.display_name, password_hash=hash_password(x.password),
             role=x.role, active=True, delegate_id=by_key.get(x.delegate_key or ""))
        for x in new]))
    await _link(s, user_sites, [dict(user_id=ids[x.username], site_id=site_ids[x.site]) for x in new if x.site])
    return ids


@dataclass(frozen=True)
class ConferenceSpec:
    title: str
    description: str
    kind: ConferenceKind
    starts_at: datetime
    ends_at: datetime
    status: ConferenceStatus
    agenda: list[tuple[AgendaKind, str, int, int, str | None, str]]


def year_end_spec(now: datetime) -> ConferenceSpec:
    day = start_day(now.astimezone(LOCAL).date())
    return ConferenceSpec(TITLE, DESCRIPTION, ConferenceKind.hybrid, at(day, START), at(day, END),
                          ConferenceStatus.scheduled, AGENDA)


async def create_conference(s: AsyncSession, spec: ConferenceSpec, people: list[Person],
                            delegate_ids: dict[str, int], site_ids: dict[str, int], user_ids: dict[str, int]) -> int:
    chairs = site_chairs(people)
    keyed = keyed_delegates(people, delegate_ids)
    conf_id = (await s.execute(insert(Conference).returning(Conference.id), [dict(
        title=spec.title, description=spec.description, kind=spec.kind, starts_at=spec.starts_at,
        ends_at=spec.ends_at, timezone=DEFAULT_TZ, chair_delegate_id=delegate_ids[chairs[HQ].email],
        visibility=Visibility.internal, status=spec.status, search=search_text(spec.title))])).scalar_one()

    invited = {code: sum(p.site == code for p in people) for code in site_ids}
    cs_ids = await _insert(s, ConferenceSite.site_id, [dict(
        conference_id=conf_id, site_id=site_id, role=SiteRole.host if code == HQ else SiteRole.remote,
        chair_delegate_id=delegate_ids[chairs[code].email],
        expected_attendance=HOST_ATTENDANCE if code == HQ else invited[code])
        for code, site_id in site_ids.items()])
    cs_of = {code: cs_ids[site_id] for code, site_id in site_ids.items()}

    inv_ids = await _insert(s, Invitation.delegate_id, [dict(
        conference_id=conf_id, delegate_id=delegate_ids[p.email], conference_site_id=cs_of[p.site],
        role=p.role, status=p.status) for p in people])

    items, t = [], spec.starts_at
    for position, (kind, title, minutes, speaking, presenter, notes) in enumerate(spec.agenda, start=1):
        inv = inv_ids[keyed[presenter_key(presenter)]] if presenter else None
        items.append(dict(conference_id=conf_id, position=position, kind=kind, title=title,
                          presenter_invitation_id=inv, planned_start=t, duration_minutes=minutes,
                          speaking_minutes=speaking, notes=notes))
        t += timedelta(minutes=minutes)
    await s.execute(insert(AgendaItem), items)

    await _link(s, conference_managers, [dict(conference_id=conf_id, user_id=user_ids[u]) for u in MANAGERS])
    await _link(s, conference_site_operators, [
        dict(conference_site_id=cs_of[x.site], user_id=user_ids[x.username]) for x in LOGINS if x.site])
    return conf_id


async def ensure_conference(s: AsyncSession, spec: ConferenceSpec, people: list[Person],
                            delegate_ids: dict[str, int], site_ids: dict[str, int],
                            user_ids: dict[str, int]) -> tuple[int, bool]:
    """The conference with this title (created the first time only), and whether it was created now."""
    existing = (await s.execute(select(Conference.id).where(Conference.title == spec.title)
                                .order_by(Conference.id).limit(1))).scalar_one_or_none()
    if existing is not None:
        return existing, False
    return await create_conference(s, spec, people, delegate_ids, site_ids, user_ids), True


async def load_demo(sessionmaker: async_sessionmaker[AsyncSession],
                    extra: list[ConferenceSpec] | None = None) -> DemoInfo:
    """Load the demo units, bridge sites, delegates, users and conference (plus `extra` conferences);
    skip whatever exists."""
    people = Roster().build()
    now = datetime.now(timezone.utc)
    async with sessionmaker() as s, s.begin():
        unit_ids = await ensure_units(s)
        site_ids = await _ensure(s, BridgeSite.code, site_rows(unit_ids))
        delegate_ids = await _ensure(s, Delegate.email, delegate_rows(people, unit_ids))
        user_ids = await ensure_users(s, keyed_delegates(people, delegate_ids), site_ids)
        conf_id, created = await ensure_conference(s, year_end_spec(now), people, delegate_ids, site_ids, user_ids)
        extra_ids = {spec.title: await ensure_conference(s, spec, people, delegate_ids, site_ids, user_ids)
                     for spec in extra or []}
    return DemoInfo(conference_id=conf_id, logins=[(x.username, x.password, x.role.value) for x in LOGINS],
                    created=created, extra=extra_ids)
