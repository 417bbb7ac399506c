"""Charts as data: drawn as SVG by the pages' macros (api/templates/reports/_charts.html) and with ReportLab in the
PDFs (pdf.py), so both show the same bars. Colours are named by key; each medium maps a key to its colour."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

COLOURS = {  # key → RGB; the pages use the same keys as CSS classes (reports.css)
    "present": (46, 125, 50), "late": (239, 160, 0), "absent": (84, 110, 122), "missing": (198, 40, 40),
    "walk_ins": (106, 27, 154), "sent": (46, 125, 50), "pending": (144, 164, 174), "failed": (198, 40, 40),
    "no_email": (224, 224, 224), "acknowledged": (46, 125, 50), "waiting": (239, 160, 0),
    "outage": (198, 40, 40), "speaking": (21, 101, 192), "count": (21, 101, 192), "rate": (46, 125, 50),
    "track": (238, 240, 242), "grid": (200, 204, 208), "ink": (33, 33, 33),
}


@dataclass
class Segment:
    key: str
    value: float


@dataclass
class Bar:
    label: str
    segments: list[Segment]
    note: str = ""  # written after the bar (a percentage, a duration)
    strong: bool = False

    @property
    def total(self) -> float:
        return sum(s.value for s in self.segments)


@dataclass
class BarChart:
    """Horizontal bars of stacked segments. `relative`: every bar fills the width (shares of its own total);
    otherwise bars are scaled to the longest one."""
    title: str
    bars: list[Bar]
    legend: list[tuple[str, str]] = field(default_factory=list)
    relative: bool = False

    @property
    def scale(self) -> float:
        return max((b.total for b in self.bars), default=0.0) or 1.0

    def describe(self, bar: Bar) -> str:
        """The bar in words (the SVG's accessible name)."""
        from ..i18n import format_number
        if len(bar.segments) == 1:
            return f"{bar.label}: {bar.note}"
        names = dict(self.legend)
        parts = "; ".join(f"{names.get(s.key, s.key)}: {format_number(int(s.value))}" for s in bar.segments)
        return f"{bar.label}: {parts}" + (f" ({bar.note})" if bar.note else "")

    def parts(self, bar: Bar) -> list[tuple[str, float, float]]:
        """(key, start, width) of a bar's segments as fractions of the chart's width (0..1)."""
        whole = (bar.total or 1.0) if self.relative else self.scale
        out, x = [], 0.0
        for seg in bar.segments:
            if seg.value > 0:
                w = seg.value / whole
                out.append((seg.key, x, w))
                x += w
        return out


@dataclass
class Span:
    start: float  # fractions of the time axis
    end: float
    text: str  # what the span is, for a tooltip / the table


@dataclass
class TimelineRow:
    label: str
    spans: list[Span]
    note: str = ""


@dataclass
class Timeline:
    title: str
    start: datetime
    end: datetime
    rows: list[TimelineRow]
    start_text: str = ""
    end_text: str = ""
    ticks: list[tuple[float, str]] = field(default_factory=list)  # (fraction, label) on the time axis
