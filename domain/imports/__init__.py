"""Importing the office's lists from spreadsheets: units (a tree by parent code), bridge points, delegates and a
conference's invitations, from XLSX or CSV, checked first (a dry run) and applied all at once.

    reader.py     the file: XLSX or CSV, bounded (size, ZIP bombs, rows, columns), no formulas
    columns.py    each kind's columns and finding the header (with or without accents, in either language)
    rows.py       each cell checked: codes, e-mails, numbers, choices, legacy Vietnamese encodings (legacy.py)
    service.py    `run_import`: each row's action (create, update, unchanged, error), then the writes
    templates.py  downloadable templates and the registry's current lists in the same columns
    staging.py    a checked file kept for its apply
"""
from .service import ACTIONS, SYSTEM, ImportForm, ImportReport, RowResult, import_form, run_import

__all__ = ["ACTIONS", "SYSTEM", "ImportForm", "ImportReport", "RowResult", "import_form", "run_import"]
