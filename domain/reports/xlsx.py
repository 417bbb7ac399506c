"""A small streaming XLSX writer: sheets of rows (text, numbers, dates as text), a bold header row that stays
in view, column widths and an autofilter. Written by hand because openpyxl's write-only mode needs ~20 µs a
cell without lxml (100,000 rows × 8 columns took 18 s); this writes the same sheet in about a second and a half.
The files open in Excel, LibreOffice and openpyxl (the tests read them back with it)."""
from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from .document import Percent

_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SPECIAL = re.compile("[<>&\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
MAX_ROWS = 1_048_576


@dataclass
class Sheet:
    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[object]]
    widths: Sequence[int] = field(default_factory=list)


def _col(i: int) -> str:
    name = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        name = chr(65 + r) + name
    return name


def _text(value: str) -> str:
    if _SPECIAL.search(value) is None:
        return value
    return escape(_BAD.sub("", value))


def _sheet_xml(sheet: Sheet) -> Iterable[str]:
    ncols = len(sheet.header)
    cols = [_col(i) for i in range(max(ncols, 1))]
    yield ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
           'state="frozen"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>')
    if sheet.widths:
        yield "<cols>" + "".join(f'<col min="{i + 1}" max="{i + 1}" width="{w}" customWidth="1"/>'
                                 for i, w in enumerate(sheet.widths)) + "</cols>"
    yield "<sheetData>"
    yield '<row r="1">' + "".join(f'<c r="{cols[i]}1" t="inlineStr" s="1"><is><t>{_text(h)}</t></is></c>'
                                  for i, h in enumerate(sheet.header)) + "</row>"
    n = 1
    for row in sheet.rows:
        n += 1
        if n > MAX_ROWS:
            raise ValueError("more rows than a worksheet holds")
        cells = []
        for i, v in enumerate(row):
            if v is None or v == "":
                continue
            if isinstance(v, bool):
                cells.append(f'<c r="{cols[i]}{n}" t="b"><v>{int(v)}</v></c>')
            elif isinstance(v, Percent):
                cells.append(f'<c r="{cols[i]}{n}" s="2"><v>{float(v)}</v></c>')
            elif isinstance(v, (int, float)):
                cells.append(f'<c r="{cols[i]}{n}"><v>{v}</v></c>')
            else:
                cells.append(f'<c r="{cols[i]}{n}" t="inlineStr"><is><t xml:space="preserve">{_text(str(v))}</t></is></c>')
        yield f'<row r="{n}">' + "".join(cells) + "</row>"
    yield "</sheetData>"
    if ncols:
        yield f'<autoFilter ref="A1:{cols[ncols - 1]}{max(n, 1)}"/>'
    yield "</worksheet>"


_STYLES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
           '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
           '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
           '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
           '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
           '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
           '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
           '<xf numFmtId="10" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
           '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
           '</styleSheet>')


def _safe_title(title: str, used: set[str]) -> str:
    t = re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:31] or "Sheet"
    base, k = t, 2
    while t.lower() in used:
        suffix = f" ({k})"
        t, k = base[:31 - len(suffix)] + suffix, k + 1
    used.add(t.lower())
    return t


def workbook(sheets: Sequence[Sheet], *, title: str = "", compresslevel: int = 1) -> bytes:
    buf = io.BytesIO()
    used: set[str] = set()
    names = [_safe_title(s.title, used) for s in sheets]
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                   '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                   '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
                   + "".join(f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                             for i in range(len(sheets))) + "</Types>")
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
                   '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
                   '</Relationships>')
        z.writestr("docProps/core.xml",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
                   'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>' + _text(title) + '</dc:title>'
                   '<dc:creator>bridgepoint</dc:creator></cp:coreProperties>')
        z.writestr("xl/workbook.xml",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                   'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
                   + "".join(f'<sheet name="{_text(n)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, n in enumerate(names))
                   + "</sheets>"
                   + (('<definedNames>' + "".join(
                       f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
                       f"'{_text(n)}'!$A$1:${_col(max(len(s.header), 1) - 1)}$1</definedName>"
                       for i, (n, s) in enumerate(zip(names, sheets))) + '</definedNames>') if sheets else "")
                   + "</workbook>")
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   + "".join(f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
                             for i in range(len(sheets)))
                   + f'<Relationship Id="rId{len(sheets) + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
                   '</Relationships>')
        z.writestr("xl/styles.xml", _STYLES)
        for i, sheet in enumerate(sheets):
            with z.open(f"xl/worksheets/sheet{i + 1}.xml", "w", force_zip64=True) as f:
                chunk: list[str] = []
                size = 0
                for part in _sheet_xml(sheet):
                    chunk.append(part)
                    size += len(part)
                    if size > 1 << 16:
                        f.write("".join(chunk).encode())
                        chunk, size = [], 0
                f.write("".join(chunk).encode())
    return buf.getvalue()
