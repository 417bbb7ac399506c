"""Pass sheets: every active pass of a conference (or of one bridge point) at once, as one PDF of badge-size cards
ready to print and cut, or as a ZIP of one PNG card per delegate; and the counts behind the Passes tab.

A card is ISO/IEC 7810 ID-1 (85.6 × 54 mm, the size of the usual PVC badge holders), ten to an A4 sheet (2 × 5)
with cut marks in the margins. Each card carries the delegate's signed pass (the same QR as the single-pass
endpoints), full name, rank, position, unit, bridge point and the conference's title, in DejaVu Sans (embedded, so
Vietnamese diacritics print wherever the file is opened). Only active invitations (invited, confirmed) get a card.
The drawing runs in a worker thread, so the server keeps answering while a sheet is built.
"""
from __future__ import annotations

import asyncio
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, lru_cache
from itertools import groupby
from pathlib import Path
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Principal, visible_conference
from domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from domain.i18n import gettext
from domain.models import (ACTIVE_INVITATION, BridgeSite, Conference, ConferenceSite, Delegate, Invitation,
                      InvitationStatus, Role, SiteRole, Unit)
from domain.invitations.passes import Keyring, encode_pass, qr_modules
from domain.text import fold, like_pattern
from domain.uow import UnitOfWork
from domain.common import audit

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONTS = {"regular": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"}
MAX_PASSES = 5_000  # one file; a bigger conference is printed point by point
MM = 72 / 25.4  # PDF points per millimetre
CARD_W, CARD_H = 85.6, 54.0  # mm: ISO/IEC 7810 ID-1
COLS, ROWS = 2, 5  # cards on an A4 sheet
PAGE_W, PAGE_H = 210.0, 297.0
PNG_DPI = 200
BAND = (15, 42, 68)  # the app's header colour


@dataclass(frozen=True)
class Card:
    """What is printed on one pass."""
    invitation_id: int
    conference_site_id: int
    full_name: str
    rank: str
    position: str
    unit: str
    site_code: str
    site_name: str
    token: str


@dataclass(frozen=True)
class PassFile:
    filename: str
    media_type: str
    content: bytes
    count: int


@dataclass(frozen=True)
class PointPasses:
    conference_site_id: int
    code: str
    name: str
    role: SiteRole
    active: int
    revoked: int


@dataclass(frozen=True)
class RevokedPass:
    invitation_id: int
    full_name: str
    rank: str
    site_name: str
    status: InvitationStatus
    changed_at: datetime


@dataclass
class PassesOverview:
    conference: Conference
    points: list[PointPasses]
    points_total: int
    limit: int
    offset: int
    active_total: int
    revoked_total: int
    reissued: int  # active passes printed again at least once: every earlier print of them is void
    revoked: list[RevokedPass] = field(default_factory=list)
    max_passes: int = MAX_PASSES


def require_pass_printer(p: Principal) -> None:
    """Sheets of passes: organizers (any point) and operators (their own points); nobody else."""
    if not (p.is_staff or p.role is Role.operator):
        raise Forbidden("this role may not print passes", code="forbidden_role")


def _my_points(p: Principal, conference_id: int) -> Any:
    cond = ConferenceSite.conference_id == conference_id
    return cond if p.is_staff else cond & ConferenceSite.site_id.in_(p.site_ids)


REVOKED_STATUSES = tuple(st for st in InvitationStatus if st not in ACTIVE_INVITATION)


def _my_invitations(p: Principal, conference_id: int) -> Any:
    """The conference's invitations at the caller's points (all of them for organizers: no join needed)."""
    cond = Invitation.conference_id == conference_id
    if p.is_staff:
        return cond
    return cond & Invitation.conference_site_id.in_(select(ConferenceSite.id).where(_my_points(p, conference_id)))


async def _points(s: AsyncSession, p: Principal, conference_id: int,
                  conference_site_id: int | None) -> dict[int, tuple[str, str]]:
    """conference site id → (site code, site name) of the points the caller may print, host first."""
    stmt = (select(ConferenceSite.id, BridgeSite.code, BridgeSite.name)
            .join(BridgeSite, BridgeSite.id == ConferenceSite.site_id)
            .where(_my_points(p, conference_id)).order_by(ConferenceSite.role, BridgeSite.code))
    if conference_site_id is not None:
        stmt = stmt.where(ConferenceSite.id == conference_site_id)
    rows = {cs: (code, name) for cs, code, name in (await s.execute(stmt)).all()}
    if conference_site_id is not None and not rows:
        raise NotFound(f"conference site {conference_site_id} not found", code="conference_site_not_found",
                       field="conference_site_id")
    return rows


async def _cards(uow: UnitOfWork, p: Principal, ring: Keyring, conference_id: int,
                 conference_site_id: int | None) -> tuple[Conference, list[Card], str]:
    require_pass_printer(p)
    async with uow:
        s = uow.session
        conf = await visible_conference(s, p, conference_id)
        points = await _points(s, p, conference_id, conference_site_id)
        active = (_my_invitations(p, conference_id), Invitation.status.in_(ACTIVE_INVITATION),
                  *([Invitation.conference_site_id == conference_site_id] if conference_site_id is not None else []))
        count = (await s.execute(select(func.count()).select_from(Invitation).where(*active))).scalar_one()
        if count > MAX_PASSES:
            raise InvalidInput(f"{count} passes are more than {MAX_PASSES} in one file: choose one bridge point",
                               code="too_many_passes", field="conference_site_id", count=count, limit=MAX_PASSES)
        if count == 0:
            raise Conflict("there is no active pass to print here", code="no_active_passes",
                           field="conference_site_id")
        rows = (await s.execute(
            select(Invitation.id, Invitation.conference_site_id, Invitation.pass_version, Delegate.full_name,
                   Delegate.rank, Delegate.position, Unit.name)
            .join(Delegate, Delegate.id == Invitation.delegate_id)
            .outerjoin(Unit, Unit.id == Delegate.unit_id).where(*active))).all()
    order = {cs: i for i, cs in enumerate(points)}
    cards = [Card(inv, cs, _nfc(name), _nfc(rank), _nfc(position), _nfc(unit), points[cs][0], _nfc(points[cs][1]),
                  encode_pass(ring, conf.id, inv, cs, version))
             for inv, cs, version, name, rank, position, unit in rows]
    cards.sort(key=lambda c: (order[c.conference_site_id], fold(c.full_name), c.invitation_id))
    code = points[conference_site_id][0] if conference_site_id is not None else ""
    return conf, cards, code


def _nfc(text: str | None) -> str:
    """Composed characters: one glyph per Vietnamese letter in the fonts' basic layout."""
    return unicodedata.normalize("NFC", text or "")


async def _record(uow: UnitOfWork, p: Principal, conf: Conference, conference_site_id: int | None, what: str,
                  count: int) -> None:
    async with uow:
        site_id = None
        if conference_site_id is not None:
            site_id = (await uow.session.get(ConferenceSite, conference_site_id)).site_id  # type: ignore[union-attr]
        audit(uow.session, p, "passes.exported", conference_id=conf.id, site_id=site_id, source="manual",
              format=what, count=count, conference_site_id=conference_site_id)
        await uow.commit()


def _filename(conf: Conference, code: str, ext: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", code).strip("-")
    return f"passes-{conf.id}{'-' + safe if safe else ''}.{ext}"


async def pass_sheet_pdf(uow: UnitOfWork, p: Principal, ring: Keyring, conference_id: int,
                         conference_site_id: int | None = None) -> PassFile:
    """The active passes of the conference (or of one point) as A4 sheets of ten cut-out cards."""
    conf, cards, code = await _cards(uow, p, ring, conference_id, conference_site_id)
    labels = _labels()
    content = await asyncio.to_thread(render_pdf, _nfc(conf.title), cards, labels)
    await _record(uow, p, conf, conference_site_id, "pdf", len(cards))
    return PassFile(_filename(conf, code, "pdf"), "application/pdf", content, len(cards))


async def pass_sheet_zip(uow: UnitOfWork, p: Principal, ring: Keyring, conference_id: int,
                         conference_site_id: int | None = None) -> PassFile:
    """The active passes as a ZIP of PNG cards, `<point code>/<name>-<invitation id>.png`."""
    conf, cards, code = await _cards(uow, p, ring, conference_id, conference_site_id)
    labels = _labels()
    content = await asyncio.to_thread(render_zip, _nfc(conf.title), cards, labels)
    await _record(uow, p, conf, conference_site_id, "zip", len(cards))
    return PassFile(_filename(conf, code, "zip"), "application/zip", content, len(cards))


async def passes_overview(uow: UnitOfWork, p: Principal, conference_id: int, *, q: str | None = None,
                          limit: int = 50, offset: int = 0, revoked_limit: int = 100) -> PassesOverview:
    """Active and revoked passes per point (the caller's points only for an operator), and the revoked ones.

    At 100,000 invitations every query here either reads one page of points or walks the conference's
    invitations once (the totals; the revoked ones by status)."""
    require_pass_printer(p)
    async with uow:
        s = uow.session
        conf = await visible_conference(s, p, conference_id)
        mine = _my_invitations(p, conference_id)
        active_total = revoked_total = reissued = 0
        for status, n, again in (await s.execute(
                select(Invitation.status, func.count(), func.sum(case((Invitation.pass_version > 1, 1), else_=0)))
                .where(mine).group_by(Invitation.status))).all():
            if status in ACTIVE_INVITATION:
                active_total += n
                reissued += int(again or 0)
            else:
                revoked_total += n
        points_q = (select(ConferenceSite.id, BridgeSite.code, BridgeSite.name, ConferenceSite.role)
                    .join(BridgeSite, BridgeSite.id == ConferenceSite.site_id).where(_my_points(p, conference_id)))
        if q and q.strip():
            points_q = points_q.where(BridgeSite.search.like(like_pattern(q), escape="\\"))
        points_total = (await s.execute(select(func.count()).select_from(points_q.subquery()))).scalar_one()
        rows = (await s.execute(points_q.order_by(ConferenceSite.role, BridgeSite.code)
                                .limit(limit).offset(offset))).all()
        counts: dict[int, list[int]] = {cs: [0, 0] for cs, *_ in rows}
        if counts:  # only the points on this page
            for cs, status, n in (await s.execute(
                    select(Invitation.conference_site_id, Invitation.status, func.count())
                    .where(Invitation.conference_site_id.in_(list(counts)))
                    .group_by(Invitation.conference_site_id, Invitation.status))).all():
                counts[cs][0 if status in ACTIVE_INVITATION else 1] += n
        points = [PointPasses(cs, code, name, role, *counts[cs]) for cs, code, name, role in rows]
        revoked = (await s.execute(
            select(Invitation.id, Delegate.full_name, Delegate.rank, BridgeSite.name, Invitation.status,
                   Invitation.updated_at)
            .join(Delegate, Delegate.id == Invitation.delegate_id)
            .join(ConferenceSite, ConferenceSite.id == Invitation.conference_site_id)
            .join(BridgeSite, BridgeSite.id == ConferenceSite.site_id)
            .where(mine, Invitation.status.in_(REVOKED_STATUSES))
            .order_by(Invitation.updated_at.desc(), Invitation.id.desc()).limit(revoked_limit))).all()
    return PassesOverview(conf, points, points_total, limit, offset, active_total, revoked_total, reissued,
                          [RevokedPass(*r) for r in revoked])


# --- drawing -------------------------------------------------------------------------------------------------

def _labels() -> dict[str, str]:
    """The words printed on a card, in the caller's language (taken before the drawing thread starts)."""
    return {"point": gettext("Bridge point"), "pass": gettext("Delegate pass"), "no": gettext("No.")}


def font_path(kind: str) -> Path:
    path = FONT_DIR / FONTS[kind]
    if not path.exists():
        raise RuntimeError(f"{path} is missing: install Debian's fonts-dejavu-core (make browser does)")
    return path


@cache
def _pdf_fonts() -> tuple[str, str]:
    from reportlab import rl_config
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    rl_config.useA85 = 0  # binary (zlib) streams: ASCII85 on top costs time and a quarter more bytes

    pdfmetrics.registerFont(TTFont("BP-DejaVuSans", str(font_path("regular"))))
    pdfmetrics.registerFont(TTFont("BP-DejaVuSans-Bold", str(font_path("bold"))))
    return "BP-DejaVuSans", "BP-DejaVuSans-Bold"


def _fit(text: str, width: float, max_lines: int, measure: Any) -> list[str]:
    """Words wrapped to `width`; the last line kept ends with … when the text does not fit."""
    words, lines, line = text.split(), [], ""
    for word in words:
        candidate = f"{line} {word}" if line else word
        if measure(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = word
        while measure(line) > width and len(line) > 1:  # one word longer than the line: cut it
            cut = len(line) - 1
            while cut > 1 and measure(line[:cut]) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and measure(last + "…") > width:
            last = last[:-1].rstrip()
        lines = lines[:max_lines - 1] + [last + "…"]
    return lines


@dataclass(frozen=True)
class _Line:
    text: str
    bold: bool
    size: float  # points
    grey: bool = False


def _card_lines(card: Card, labels: dict[str, str], width_mm: float, measure: Any) -> tuple[list[_Line], list[_Line]]:
    """The right-hand column of a card (top block and bottom block), wrapped to the column's width."""
    def block(text: str, bold: bool, size: float, lines: int, grey: bool = False) -> list[_Line]:
        if not text.strip():
            return []
        width = width_mm * MM
        return [_Line(t, bold, size, grey) for t in _fit(text, width, lines, lambda s: measure(s, bold, size))]

    top = (block(card.full_name, True, 10, 2) + block(card.rank, False, 7.5, 1) + block(card.position, False, 6.8, 3)
           + block(card.unit, False, 6.8, 2, grey=True))
    named = fold(card.site_name).startswith(fold(labels["point"]))  # «Điểm cầu Quân khu 3» says it already
    bottom = ([] if named else block(labels["point"], False, 6, 1, grey=True)) + block(card.site_name, True, 7, 2)
    return top, bottom


LEADING = 1.22
PAD = 3.0  # mm inside a card
BAND_H = 9.0  # mm: the conference's title across the top
QR_X, QR_GAP = 3.6, 3.4  # mm: from the card's left edge and below the band (a quiet zone of 4+ modules)
QR_SIZE = 29.0  # mm, the modules without the quiet zone (the white card around them is the quiet zone)
TEXT_X = QR_X + QR_SIZE + 3.5  # mm: the right-hand column


def render_pdf(title: str, cards: list[Card], labels: dict[str, str]) -> bytes:
    """A4 sheets of ID-1 cards, 2 × 5 per page, cut marks in the margins; text embedded as DejaVu Sans."""
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas

    regular, bold = _pdf_fonts()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(PAGE_W * MM, PAGE_H * MM), pageCompression=1)
    c.setTitle(f"{labels['pass']} – {title}")
    c.setAuthor("bridgepoint")
    c.setCreator("bridgepoint")

    def measure(text: str, is_bold: bool, size: float) -> float:
        return stringWidth(text, bold if is_bold else regular, size)

    title_lines = _fit(title, (CARD_W - 2 * PAD) * MM, 2, lambda s: measure(s, True, 6.5))
    left = (PAGE_W - COLS * CARD_W) / 2
    top = (PAGE_H + ROWS * CARD_H) / 2  # mm from the bottom of the page
    per_page = COLS * ROWS
    for start in range(0, len(cards), per_page):
        _cut_marks(c, left, top)
        for i, card in enumerate(cards[start:start + per_page]):
            x = left + (i % COLS) * CARD_W
            y = top - (i // COLS + 1) * CARD_H  # the card's bottom edge, mm
            _draw_card(c, card, labels, title_lines, x, y, regular, bold, measure)
        c.showPage()
    c.save()
    return buf.getvalue()


def _cut_marks(c: Any, left: float, top: float) -> None:
    """Short lines in the margins on every cut, and a hairline round each card (grey, for scissors)."""
    c.setLineWidth(0.4)
    c.setStrokeGray(0)
    bottom, right, mark, gap = top - ROWS * CARD_H, left + COLS * CARD_W, 6.0, 1.5
    for col in range(COLS + 1):
        x = (left + col * CARD_W) * MM
        c.line(x, (top + gap) * MM, x, (top + gap + mark) * MM)
        c.line(x, (bottom - gap) * MM, x, (bottom - gap - mark) * MM)
    for row in range(ROWS + 1):
        y = (top - row * CARD_H) * MM
        c.line((left - gap) * MM, y, (left - gap - mark) * MM, y)
        c.line((right + gap) * MM, y, (right + gap + mark) * MM, y)
    c.setLineWidth(0.2)
    c.setStrokeGray(0.75)
    c.setDash(1, 2)
    for col in range(COLS + 1):
        c.line((left + col * CARD_W) * MM, bottom * MM, (left + col * CARD_W) * MM, top * MM)
    for row in range(ROWS + 1):
        c.line(left * MM, (top - row * CARD_H) * MM, right * MM, (top - row * CARD_H) * MM)
    c.setDash()


def _draw_card(c: Any, card: Card, labels: dict[str, str], title_lines: list[str], x: float, y: float,
               regular: str, bold: str, measure: Any) -> None:
    # the band with the conference's title
    c.setFillColorRGB(*(v / 255 for v in BAND))
    c.rect(x * MM, (y + CARD_H - BAND_H) * MM, CARD_W * MM, BAND_H * MM, stroke=0, fill=1)
    c.setFillGray(1)
    c.setFont(bold, 6.5)
    ty = y + CARD_H - BAND_H / 2 + (len(title_lines) - 1) * 1.4 - 0.8
    for line in title_lines:
        c.drawString((x + PAD) * MM, ty * MM, line)
        ty -= 2.8
    # the QR code: one rectangle per run of dark modules in a row (overlapping a hair, so no seam shows between
    # rows), written as PDF operators at once
    # (reportlab's path object formats each number on its own: ten times slower for 400 rectangles a card)
    c.setFillGray(0)
    modules = qr_modules(card.token)
    m = QR_SIZE / len(modules) * MM
    qx, qy = (x + QR_X) * MM, (y + CARD_H - BAND_H - QR_GAP) * MM  # top-left corner of the modules
    ops = []
    for r, row in enumerate(modules):
        col, top = 0, qy - (r + 1) * m
        for dark, run in groupby(row):
            n = len(list(run))
            if dark:
                ops.append(f"{qx + col * m:.2f} {top - 0.05:.2f} {n * m + 0.05:.2f} {m + 0.1:.2f} re")
            col += n
    c._code.append("\n".join(ops) + "\nf")  # reportlab has no public call for raw path operators
    c.setFont(regular, 6)
    c.setFillGray(0.35)
    c.drawCentredString((x + QR_X + QR_SIZE / 2) * MM, (y + 2.2) * MM, f"{labels['no']} {card.invitation_id}")
    # the right-hand column: who, then at the bottom the bridge point
    width = CARD_W - TEXT_X - PAD
    top_lines, bottom_lines = _card_lines(card, labels, width, measure)
    ty = y + CARD_H - BAND_H - 2.5
    for line in top_lines:
        ty -= line.size * LEADING / MM
        _text(c, line, (x + TEXT_X) * MM, ty * MM, regular, bold)
    by = y + PAD - 0.8 + sum(line.size * LEADING / MM for line in bottom_lines)
    for line in bottom_lines:
        by -= line.size * LEADING / MM
        _text(c, line, (x + TEXT_X) * MM, (by + 0.8) * MM, regular, bold)


def _text(c: Any, line: _Line, x: float, y: float, regular: str, bold: str) -> None:
    c.setFont(bold if line.bold else regular, line.size)
    c.setFillGray(0.35 if line.grey else 0)
    c.drawString(x, y, line.text)


# --- PNG cards ------------------------------------------------------------------------------------------------

def _px(mm: float) -> int:
    return round(mm * PNG_DPI / 25.4)


class _Glyphs:
    """One font at one size with each letter drawn once: FreeType renders a glyph in ~0.1 ms, and a card has
    some 300 of them, so every letter is kept as a mask and pasted (kerning is not applied, as on the PDF)."""

    def __init__(self, is_bold: bool, size_pt: float) -> None:
        from PIL import ImageFont

        self.font = ImageFont.truetype(str(font_path("bold" if is_bold else "regular")),
                                       round(size_pt * PNG_DPI / 72), layout_engine=ImageFont.Layout.BASIC)
        self.ascent = self.font.getmetrics()[0]
        self._cache: dict[str, tuple[float, int, int, Any]] = {}

    def _glyph(self, ch: str) -> tuple[float, int, int, Any]:
        g = self._cache.get(ch)
        if g is None:
            from PIL import Image, ImageDraw

            left, top, right, bottom = self.font.getbbox(ch)
            mask = None
            if right > left and bottom > top:
                mask = Image.new("L", (right - left, bottom - top), 0)
                ImageDraw.Draw(mask).text((-left, -top), ch, font=self.font, fill=255)
            g = self._cache[ch] = (float(self.font.getlength(ch)), left, top, mask)
        return g

    def width(self, text: str) -> float:
        """In pixels."""
        return sum(self._glyph(ch)[0] for ch in text)

    def draw(self, img: Any, x: float, baseline: float, text: str, fill: int) -> None:
        y = round(baseline) - self.ascent
        for ch in text:
            advance, left, top, mask = self._glyph(ch)
            if mask is not None:
                img.paste(fill, (round(x) + left, y + top), mask)
            x += advance


@cache
def _glyphs(is_bold: bool, size_pt: float) -> _Glyphs:
    return _Glyphs(is_bold, size_pt)


def _png_measure(text: str, is_bold: bool, size: float) -> float:
    """Width in PDF points of `text` as drawn in the PNG (so both wrap alike)."""
    return _glyphs(is_bold, size).width(text) * 72 / PNG_DPI


@lru_cache(maxsize=8)
def _png_blank(title: str) -> Any:
    """A white card with the band and the conference's title (the same on every card of a file)."""
    from PIL import Image, ImageDraw

    img = Image.new("L", (_px(CARD_W), _px(CARD_H)), 255)
    ImageDraw.Draw(img).rectangle((0, 0, img.width, _px(BAND_H)), fill=round(sum(BAND) / 3))
    title_lines = _fit(title, (CARD_W - 2 * PAD) * MM, 2, lambda s: _png_measure(s, True, 6.5))
    step = _px(2.8)
    baseline = _px(BAND_H) / 2 - (len(title_lines) - 1) * step / 2 + _px(0.9)
    for line in title_lines:
        _glyphs(True, 6.5).draw(img, _px(PAD), baseline, line, 255)
        baseline += step
    return img


def _line_px(line: _Line) -> int:
    return round(line.size * LEADING * PNG_DPI / 72)


def render_png(title: str, card: Card, labels: dict[str, str]) -> bytes:
    """One card as a 200-dpi greyscale PNG, laid out like the printed one."""
    from PIL import Image

    img = _png_blank(title).copy()
    modules = qr_modules(card.token)
    n = len(modules)
    qr = Image.new("1", (n, n), 1)
    qr.putdata([0 if dark else 1 for row in modules for dark in row])
    size = (_px(QR_SIZE) // n) * n  # whole pixels per module: crisp for any scanner
    img.paste(qr.resize((size, size), Image.NEAREST), (_px(QR_X), _px(BAND_H + QR_GAP)))
    number = f"{labels['no']} {card.invitation_id}"
    small = _glyphs(False, 6)
    small.draw(img, _px(QR_X) + (size - small.width(number)) / 2, img.height - _px(1.6), number, 90)
    top_lines, bottom_lines = _card_lines(card, labels, CARD_W - TEXT_X - PAD, _png_measure)
    x, y = _px(TEXT_X), _px(BAND_H + 2.5)
    for line in top_lines:
        y += _line_px(line)
        _glyphs(line.bold, line.size).draw(img, x, y, line.text, 90 if line.grey else 0)
    y = img.height - _px(PAD) - sum(_line_px(line) for line in bottom_lines)
    for line in bottom_lines:
        y += _line_px(line)
        _glyphs(line.bold, line.size).draw(img, x, y, line.text, 90 if line.grey else 0)
    out = io.BytesIO()
    img.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def zip_name(card: Card) -> str:
    """`<point code>/<name>-<invitation id>.png`, the name without diacritics (any unzip tool reads it)."""
    code = re.sub(r"[^A-Za-z0-9._-]+", "-", card.site_code).strip("-") or "point"
    name = re.sub(r"[^A-Za-z0-9]+", "-", fold(card.full_name).title()).strip("-") or "delegate"
    return f"{code}/{name}-{card.invitation_id}.png"


def render_zip(title: str, cards: Iterable[Card], labels: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:  # PNGs are compressed already
        for card in cards:
            z.writestr(zip_name(card), render_png(title, card, labels))
    return buf.getvalue()
