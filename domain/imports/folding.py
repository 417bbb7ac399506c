"""`domain.text.fold` and `search_text`, the same results, faster for 100,000 rows: Latin and Vietnamese letters go
through one translation table (built from `fold` itself, character by character); any other script takes the
general path. tests/imports/test_legacy.py checks that both give the same text."""
from __future__ import annotations

import unicodedata
from itertools import chain

from domain.text import _FOLD, fold


def _char(ch: str) -> str:
    """What `fold` makes of one character, before it collapses white space."""
    decomposed = unicodedata.normalize("NFKD", ch.translate(_FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


_TABLE = {cp: _char(chr(cp)) for cp in chain(range(0x250), range(0x300, 0x370), range(0x1E00, 0x1F00))
          if _char(chr(cp)) != chr(cp)}


def fast_fold(text: str | None) -> str:
    if not text:
        return ""
    out = text.translate(_TABLE)
    if not out.isascii():
        return fold(text)
    return " ".join(out.split())


def fast_search_text(*parts: str | None) -> str:
    """`domain.text.search_text`."""
    return " ".join(p for p in (fast_fold(x) for x in parts) if p)
