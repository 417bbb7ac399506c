"""A report as a document: headings, key figures, charts and tables. One document is written as XLSX (each table a
sheet, every row) and as PDF (charts drawn, long tables cut at MAX_PDF_ROWS with a note pointing to the XLSX)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .charts import BarChart, Timeline


class Percent(float):
    """A share 0..1, shown as a percentage (a number in the XLSX)."""


@dataclass
class Table:
    title: str  # the heading in the PDF, the sheet's name in the XLSX
    header: Sequence[str]
    rows: list[Sequence[object]]
    widths: Sequence[int] = ()  # XLSX column widths (characters); also the PDF's proportions
    empty: str = ""  # said instead of an empty table
    in_pdf: bool = True


@dataclass
class Document:
    title: str  # the report's name
    subject: str  # the conference's title (or the period)
    facts: list[tuple[str, str]] = field(default_factory=list)  # key figures and where the data comes from
    blocks: list[BarChart | Timeline | Table | str] = field(default_factory=list)

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]
