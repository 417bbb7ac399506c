"""Office files for the import tests: workbooks and CSV files as offices make them, and the bad ones."""
from __future__ import annotations

import codecs
import io
import struct
import zipfile
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from sqlalchemy import func, select

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx(rows: Iterable[Sequence[Any]], *, merges: Sequence[str] = (), title: str = "Danh sách",
         second_sheet: Iterable[Sequence[Any]] | None = None) -> bytes:
    """A workbook through openpyxl (as Excel would save it: shared strings, styles)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    for rng in merges:
        sheet.merge_cells(rng)
    if second_sheet is not None:
        other = book.create_sheet("Tổng hợp")
        for row in second_sheet:
            other.append(list(row))
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def csv_bytes(rows: Iterable[Sequence[Any]], *, encoding: str = "utf-8", delimiter: str = ",",
              bom: bool = False) -> bytes:
    lines = []
    for row in rows:
        cells = []
        for v in row:
            text = "" if v is None else str(v)
            if any(ch in text for ch in (delimiter, '"', "\n")):
                text = '"' + text.replace('"', '""') + '"'
            cells.append(text)
        lines.append(delimiter.join(cells))
    text = "\r\n".join(lines) + "\r\n"
    data = text.encode(encoding)
    if bom:
        data = {"utf-8": codecs.BOM_UTF8, "utf-16-le": codecs.BOM_UTF16_LE}[encoding] + data
    return data


def unicode_text(rows: Iterable[Sequence[Any]]) -> bytes:
    """Excel's «Unicode Text»: UTF-16 little-endian with a BOM, tab-separated."""
    return csv_bytes(rows, encoding="utf-16-le", delimiter="\t", bom=True)


_SKELETON = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
        '+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
        'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/></Types>'),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
        'main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet '
        'name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'),
}
_SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
               'spreadsheetml/2006/main"><sheetData>')
_SHEET_TAIL = "</sheetData></worksheet>"


def raw_xlsx(sheet_rows: Iterable[str], *, extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal workbook written by hand: `sheet_rows` are <row> elements, streamed into the archive (a million
    rows take seconds, not the minutes of a spreadsheet library)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in _SKELETON.items():
            z.writestr(name, text)
        with z.open("xl/worksheets/sheet1.xml", "w") as f:
            f.write(_SHEET_HEAD.encode())
            chunk: list[str] = []
            for row in sheet_rows:
                chunk.append(row)
                if len(chunk) >= 10_000:
                    f.write("".join(chunk).encode())
                    chunk = []
            f.write("".join(chunk).encode())
            f.write(_SHEET_TAIL.encode())
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


@cache
def million_rows() -> bytes:
    """A sheet of 1,000,001 rows (the header and a million names), made once per test session."""
    return raw_xlsx(inline_row(n, "Họ và tên" if n == 1 else "Nguyễn Văn An") for n in range(1, 1_000_002))


def inline_row(n: int, *values: str) -> str:
    cells = "".join(f'<c r="{chr(65 + i)}{n}" t="inlineStr"><is><t>{v}</t></is></c>' for i, v in enumerate(values))
    return f'<row r="{n}">{cells}</row>'


def zip_bomb() -> bytes:
    """A workbook whose sheet inflates from a hundred kilobytes to 100 MB of blanks."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, text in _SKELETON.items():
            z.writestr(name, text)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(_SHEET_HEAD.encode())
            block = b" " * (1 << 20)
            for _ in range(100):
                f.write(block)
            f.write(_SHEET_TAIL.encode())
    return buf.getvalue()


def lying_zip() -> bytes:
    """A workbook whose central directory claims a tiny sheet that is in fact 20 MB: the reader must stop at the
    declared size (and notice), never inflate what it was not told about."""
    real = raw_xlsx([inline_row(1, "Họ và tên"), *(inline_row(n, "x" * 200) for n in range(2, 100_000))])
    return _patch_size(real, "xl/worksheets/sheet1.xml", 1000)


def huge_declared() -> bytes:
    """A workbook whose directory claims a 3 GB sheet (refused on its word, before anything is inflated)."""
    return _patch_size(raw_xlsx([inline_row(1, "Họ và tên"), inline_row(2, "An")]), "xl/worksheets/sheet1.xml",
                       3_000_000_000)


def _patch_size(data: bytes, name: str, size: int) -> bytes:
    """Rewrite the uncompressed size of `name` in the central directory (and its local header)."""
    out = bytearray(data)
    raw = name.encode()
    pos = out.find(b"PK\x01\x02")
    while pos >= 0:
        n_len, e_len, c_len = struct.unpack("<HHH", out[pos + 28:pos + 34])
        if bytes(out[pos + 46:pos + 46 + n_len]) == raw:
            out[pos + 24:pos + 28] = struct.pack("<I", min(size, 0xFFFFFFFE))
            local = struct.unpack("<I", out[pos + 42:pos + 46])[0]
            out[local + 22:local + 26] = struct.pack("<I", min(size, 0xFFFFFFFE))
        pos = out.find(b"PK\x01\x02", pos + 46 + n_len + e_len + c_len)
    return bytes(out)


PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 40
XLS = bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 4000


def docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


async def upload(api: Any, kind: str, content: bytes, name: str = "list.xlsx", *, who: str = "org",
                 dry_run: bool = True, expect: int | None = 200, headers: dict[str, str] | None = None,
                 **fields: Any) -> Any:
    data = {"dry_run": "true" if dry_run else "false", **{k: str(v) for k, v in fields.items()}}
    r = await api.client.post(f"/api/imports/{kind}", files={"file": (name, content)}, data=data,
                              headers={**(api.as_(who) if who else {}), **(headers or {})})
    if expect is not None:
        assert r.status_code == expect, r.text[:2000]
    return r.json() if r.headers.get("content-type", "").startswith(("application/json", "application/problem"))\
        else r


async def count(api: Any, model: type) -> int:
    async with api.sessionmaker() as s:
        return (await s.execute(select(func.count()).select_from(model))).scalar_one()
