"""Write (or extend) a Vietnamese catalog from a Python dict of English → Vietnamese.

    python scripts/write_po.py domain/locales/vi/AREA.po translations.py
`translations.py` defines VI = {...}. Existing entries of the catalog are kept; new ones are added.
"""
from __future__ import annotations

import runpy
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po


def main(po_path: str, source: str) -> None:
    path = Path(po_path)
    catalog = Catalog(locale="vi", project="bridgepoint")
    if path.exists():
        with path.open("rb") as f:
            catalog = read_po(f, locale="vi")
    for english, vietnamese in runpy.run_path(source)["VI"].items():
        catalog.add(english, vietnamese)
    with path.open("wb") as f:
        write_po(f, catalog, width=0, omit_header=False, sort_output=True)


if __name__ == "__main__":
    main(*sys.argv[1:3])
