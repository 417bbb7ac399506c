"""Reading an office file into rows, safely: XLSX (python-calamine) and CSV (UTF-8 with or without BOM, UTF-16 as
Excel's "Unicode text").

Everything here is bounded before it is trusted: the upload's size, the ZIP's entries and their declared and real
uncompressed sizes (a ZIP bomb is refused before a byte of it is inflated into memory), the sheet's extent (rows,
columns, cells: counted by streaming its XML, so a million rows or one cell at XFD1048576 never reaches the
spreadsheet reader), and the CSV's rows (read one at a time, stopped at the limit). Formulas are refused: the value
an office sees is whatever Excel last computed, and bridgepoint would import something nobody typed.

Problems with the file as a whole raise `InvalidInput` with `field="file"` and a stable code; nothing is imported.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, BinaryIO
from xml.etree import ElementTree

from domain.errors import InvalidInput


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 32 * 1024 * 1024  # the upload
    max_uncompressed: int = 400 * 1024 * 1024  # every entry of an XLSX, inflated
    max_ratio: int = 200  # inflated / compressed for an entry above 4 MiB
    max_entries: int = 2000
    max_rows: int = 200_000  # data rows (the header and a few title rows come on top)
    max_columns: int = 200
    max_cell_chars: int = 5000


LIMITS = Limits()
HEADER_ROOM = 50  # rows above the data a sheet may have: title, date, blank lines, the header


def problem(code: str, message: str, **params: Any) -> InvalidInput:
    return InvalidInput(message, code=code, field="file", **params)


@dataclass
class Table:
    """The rows of the first sheet (or of the CSV), each `(row number as the office sees it, [cell, ...])`,
    column 0 being `first_column` (0 = A). `merged`: merged ranges (first row, first col, last row, last col),
    0-based and absolute."""
    format: str  # "xlsx" | "csv"
    sheet: str
    rows: Iterator[tuple[int, list[Any]]]
    first_column: int = 0
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    encoding: str = ""


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def _column_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")


def cell_text(value: Any) -> str:
    """A cell as text: NFC, white space (tabs, line breaks, no-break spaces) collapsed, controls removed; whole
    numbers without «.0»; dates as ISO."""
    if type(value) is str:
        if value.isascii() and value.isprintable() and "  " not in value and value == value.strip():
            return value  # the common case, without the work
    elif value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    text = value if isinstance(value, str) else str(value)
    if not text:
        return ""
    text = _CONTROL.sub("", unicodedata.normalize("NFC", text))
    return _SPACE.sub(" ", text).strip()


# ---- what kind of file ----
def _size(stream: BinaryIO) -> int:
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def open_table(stream: BinaryIO, filename: str = "", limits: Limits = LIMITS) -> Table:
    """The rows of an uploaded XLSX or CSV file. `stream` must be seekable (a spooled upload, a file)."""
    size = _size(stream)
    if size == 0:
        raise problem("import_empty", "the file is empty")
    if size > limits.max_bytes:
        raise problem("import_too_large", f"the file has {size} bytes; at most {limits.max_bytes} are accepted",
                      limit_mb=limits.max_bytes // (1024 * 1024))
    head = stream.read(8192)
    stream.seek(0)
    if head.startswith(b"PK\x03\x04"):
        return _xlsx(stream, limits)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise problem("import_old_excel", "an Excel 97-2003 workbook (.xls) or a password-protected one: save it as "
                                          "an Excel Workbook (.xlsx) without a password, or as CSV UTF-8")
    if head.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"PK\x05\x06", b"\x1f\x8b", b"Rar!",
                        b"7z\xbc\xaf", b"{\\rtf")):
        raise problem("import_not_spreadsheet", "this is not a spreadsheet (XLSX or CSV)")
    return _csv(stream, head, limits)


# ---- XLSX ----
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")
_CELL_REF = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\s[^>]*?\br=\"([A-Z]{1,3})([0-9]{1,7})\"")
_LAST_CELL = re.compile(rb"\br=\"([A-Z]{1,3}[0-9]{1,7})\"")


def _check_zip(archive: zipfile.ZipFile, limits: Limits) -> None:
    entries = archive.infolist()
    if len(entries) > limits.max_entries:
        raise problem("import_zip_bomb", f"the archive has {len(entries)} entries")
    total = 0
    for info in entries:
        total += info.file_size
        if info.flag_bits & 0x1:
            raise problem("import_not_spreadsheet", "the workbook is encrypted")
        if info.file_size > 4 * 1024 * 1024 and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise problem("import_zip_bomb", f"{info.filename} inflates {info.file_size // max(info.compress_size, 1)}"
                                             " times: refused as a ZIP bomb")
    if total > limits.max_uncompressed:
        raise problem("import_zip_bomb", f"the workbook inflates to {total} bytes: refused as a ZIP bomb")


def _read_small(archive: zipfile.ZipFile, name: str, cap: int = 4 * 1024 * 1024) -> bytes:
    with archive.open(name) as f:
        data = f.read(cap + 1)
    if len(data) > cap:
        raise problem("import_zip_bomb", f"{name} is too large")
    return data


def _first_sheet(archive: zipfile.ZipFile) -> tuple[str, str]:
    """(name, path in the archive) of the workbook's first sheet."""
    try:
        book = ElementTree.fromstring(_read_small(archive, "xl/workbook.xml"))
        rels = ElementTree.fromstring(_read_small(archive, "xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        raise problem("import_not_spreadsheet", "not an Excel workbook (xl/workbook.xml is missing or broken)") from None
    sheet = book.find(f"{_NS_MAIN}sheets/{_NS_MAIN}sheet")
    if sheet is None:
        raise problem("import_not_spreadsheet", "the workbook has no sheet")
    rel_id = sheet.get(f"{_NS_REL}id")
    for rel in rels.iter(f"{_NS_PKG}Relationship"):
        if rel.get("Id") == rel_id:
            target = rel.get("Target") or ""
            path = target.lstrip("/") if target.startswith("/") else "xl/" + target
            return sheet.get("name") or "", path
    raise problem("import_not_spreadsheet", "the workbook's first sheet cannot be found")


@dataclass
class _Extent:
    rows: int = 0  # <row> elements
    max_row: int = 0  # the highest row number a cell names
    max_column: int = -1
    cells: int = 0
    formula_at: str | None = None


def _scan_sheet(archive: zipfile.ZipFile, path: str, limits: Limits) -> _Extent:
    """One streaming pass over the sheet's XML (a tag never straddles two pieces: each ends at a '>'), stopping as
    soon as the sheet is too big. The ZIP reader stops at the declared size and checks the CRC."""
    ext = _Extent()
    row_cap = limits.max_rows + HEADER_ROOM
    leftover = b""
    with archive.open(path) as f:
        while True:
            chunk = f.read(1 << 20)
            data = leftover + chunk
            cut = data.rfind(b">") + 1 if chunk else len(data)
            piece, leftover = data[:cut], data[cut:]
            if piece:
                ext.rows += len(_ROW_TAG.findall(piece))
                for letters, number in _CELL_REF.findall(piece):
                    ext.cells += 1
                    col = _column_index(letters)
                    if col > ext.max_column:
                        ext.max_column = col
                    row = int(number)
                    if row > ext.max_row:
                        ext.max_row = row
                if ext.formula_at is None and (m := _FORMULA.search(piece)) is not None:
                    refs = _LAST_CELL.findall(piece, max(0, m.start() - 4000), m.start())
                    ext.formula_at = refs[-1].decode() if refs else "?"
                if max(ext.rows, ext.max_row) > row_cap:
                    raise problem("import_too_many_rows", f"the sheet has more than {limits.max_rows} rows",
                                  limit=limits.max_rows)
                if ext.max_column >= limits.max_columns:
                    raise problem("import_too_many_columns", f"the sheet uses more than {limits.max_columns} columns",
                                  limit=limits.max_columns)
            if not chunk:
                break
            if len(leftover) > 1 << 20:  # a megabyte without a '>': not XML we can read
                raise problem("import_not_spreadsheet", f"{path} is not readable XML")
    return ext


def _drain(archive: zipfile.ZipFile, name: str) -> None:
    """Inflate an entry without keeping it: its real size cannot exceed the declared one (the CRC is checked)."""
    with archive.open(name) as f:
        while f.read(1 << 20):
            pass


def _xlsx(stream: BinaryIO, limits: Limits) -> Table:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise problem("import_not_spreadsheet", "the file is not a readable XLSX workbook") from None
    with archive:
        _check_zip(archive, limits)
        names = set(archive.namelist())
        if "xl/workbook.xml" not in names:
            raise problem("import_not_spreadsheet", "a ZIP file, but not an Excel workbook (.xlsx)")
        sheet_name, sheet_path = _first_sheet(archive)
        if sheet_path not in names:
            raise problem("import_not_spreadsheet", "the workbook's first sheet is missing")
        try:
            ext = _scan_sheet(archive, sheet_path, limits)
            for name in names - {sheet_path}:
                _drain(archive, name)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
            raise problem("import_zip_bomb", f"the workbook's ZIP is broken or lies about its sizes ({exc})") from None
    if ext.formula_at is not None:
        raise problem("import_formulas", f"the sheet has formulas (the first in cell {ext.formula_at}); paste the "
                                         "values instead", cell=ext.formula_at)
    stream.seek(0)
    try:
        book = CalamineWorkbook.from_filelike(stream)
        sheet = book.get_sheet_by_index(0)
        merged = [(r1, c1, r2, c2) for (r1, c1), (r2, c2) in (sheet.merged_cell_ranges or [])]
        first_column = sheet.start[1] if sheet.start else 0
        rows = sheet.iter_rows()
    except CalamineError as exc:
        raise problem("import_not_spreadsheet", f"the workbook cannot be read ({exc})") from None
    except Exception as exc:  # calamine raises its own errors for broken XML
        raise problem("import_not_spreadsheet", f"the workbook cannot be read ({type(exc).__name__})") from None

    def numbered() -> Iterator[tuple[int, list[Any]]]:
        for i, row in enumerate(rows):
            yield i + 1, row
    return Table("xlsx", sheet_name, numbered(), first_column, merged)


# ---- CSV ----
def _encoding(head: bytes) -> tuple[str, int]:
    """(codec, bytes of BOM to skip)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", 3
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le", 2
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be", 2
    sample = head[:4096]
    if b"\x00" in sample:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        if odd > len(sample) // 4 and even == 0:
            return "utf-16-le", 0
        if even > len(sample) // 4 and odd == 0:
            return "utf-16-be", 0
        raise problem("import_not_spreadsheet", "a binary file, not a spreadsheet (XLSX or CSV)")
    return "utf-8", 0


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in ("\t", ";", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


class _Lines:
    """Decoded text from the upload, one line at a time, with a clear error at the first byte that is not the
    encoding's."""

    def __init__(self, stream: BinaryIO, encoding: str, skip: int) -> None:
        stream.seek(skip)
        self.stream = stream
        self.decoder = codecs.getincrementaldecoder(encoding)("strict")
        self.encoding = encoding
        self.buffer = ""
        self.done = False

    def __iter__(self) -> "_Lines":
        return self

    def _fill(self) -> None:
        chunk = self.stream.read(1 << 16)
        try:
            self.buffer += self.decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError:
            raise problem("import_encoding", f"the text is not {self.encoding}: save it as «CSV UTF-8» or "
                                             "«Unicode Text»") from None
        if not chunk:
            self.done = True

    def __next__(self) -> str:
        while True:
            cut = self.buffer.find("\n")
            if cut >= 0:
                line, self.buffer = self.buffer[:cut + 1], self.buffer[cut + 1:]
                return line
            if len(self.buffer) > 1 << 20:
                raise problem("import_not_spreadsheet", "a line longer than a megabyte: not a CSV file")
            if self.done:
                if self.buffer:
                    line, self.buffer = self.buffer, ""
                    return line
                raise StopIteration
            self._fill()


def _count_records(stream: BinaryIO, encoding: str, skip: int, cap: int) -> None:
    """A first pass that only counts (the csv module's C reader, nothing kept): a file with too many rows is refused
    before a single row is looked at, and one that cannot be decoded likewise."""
    n = 0
    for n, _row in enumerate(csv.reader(_Lines(stream, encoding, skip), delimiter="\t"), start=1):
        if n > cap:
            break
    stream.seek(0)
    if n > cap:
        raise problem("import_too_many_rows", f"the file has more than {cap - HEADER_ROOM} rows",
                      limit=cap - HEADER_ROOM)


def _csv(stream: BinaryIO, head: bytes, limits: Limits) -> Table:
    encoding, skip = _encoding(head)
    try:
        _count_records(stream, encoding, skip, limits.max_rows + HEADER_ROOM)
    except csv.Error:
        stream.seek(0)  # the real pass names the line
    lines = _Lines(stream, encoding, skip)
    first = next(lines, "")
    delimiter = _delimiter(first)

    def chained() -> Iterator[str]:
        yield first
        yield from lines

    reader = csv.reader(chained(), delimiter=delimiter)
    cap = limits.max_rows + HEADER_ROOM

    def numbered() -> Iterator[tuple[int, list[Any]]]:
        n = 0
        try:
            for n, row in enumerate(reader, start=1):
                if n > cap:
                    raise problem("import_too_many_rows", f"the file has more than {limits.max_rows} rows",
                                  limit=limits.max_rows)
                if len(row) > limits.max_columns:
                    raise problem("import_too_many_columns", f"line {n} has more than {limits.max_columns} columns",
                                  limit=limits.max_columns)
                yield n, row
        except csv.Error as exc:
            raise problem("import_not_spreadsheet", f"line {n + 1} cannot be read as CSV ({exc})") from None
    name = {"\t": "tab", ";": "semicolon", ",": "comma"}[delimiter]
    return Table("csv", name, numbered(), encoding="utf-8-sig" if skip == 3 else encoding)
