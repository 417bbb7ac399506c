"""Search normalisation: case- and Vietnamese-diacritic-blind, with đ/Đ folded to d."""
from __future__ import annotations

import unicodedata

_FOLD = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "ı": "i", "ł": "l", "Ł": "l"})


def fold(text: str | None) -> str:
    """Lower-case, strip combining marks and fold đ→d, collapsing white space."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def search_text(*parts: str | None) -> str:
    return " ".join(p for p in (fold(x) for x in parts) if p)


def like_pattern(query: str) -> str:
    """A LIKE pattern matching the folded query anywhere, with wildcards escaped (escape char '\\')."""
    q = fold(query).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{q}%"
