"""Vietnamese (the default) and English, for pages, problem details, e-mail and calendars.

Source strings are English; `domain/locales/vi/*.po` translate them (one catalog per area of the product, merged
when loaded, so the areas never edit one file). The current locale lives in a context variable: the API sets it
per request (the signed-in user's choice, else the `bp_lang` cookie, else `Accept-Language`); mail sets it per
recipient. Extraction: `make messages` (pybabel with `babel.cfg`); `tests/test_i18n.py` fails when a message has
no Vietnamese translation. Nothing here knows about HTTP.
"""
from __future__ import annotations

import gettext as _gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES = ("vi", "en")
DEFAULT_LOCALE = "vi"
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}
CATALOG_DIR = Path(__file__).parent / "locales"
_current: ContextVar[str] = ContextVar("bridgepoint_locale", default=DEFAULT_LOCALE)


def catalog(locale: str) -> Catalog:
    """Every `.po` file of one language merged into one catalog."""
    merged = Catalog(locale=locale)
    for path in sorted((CATALOG_DIR / locale).glob("*.po")):
        with path.open("rb") as f:
            for message in read_po(f, locale=locale):
                if message.id and message.string:
                    merged.add(message.id, message.string)
    return merged


@cache
def translations(locale: str) -> _gettext.NullTranslations:
    if locale == "en" or locale not in LOCALES:
        return _gettext.NullTranslations()
    buf = io.BytesIO()
    write_mo(buf, catalog(locale))
    buf.seek(0)
    return _gettext.GNUTranslations(buf)


def preload_translations() -> None:
    """Build every language's catalogue now (a server calls this at startup, off its event loop)."""
    for locale in LOCALES:
        translations(locale)
        Locale.parse(locale)


def current_locale() -> str:
    return _current.get()


def set_locale(locale: str | None) -> None:
    _current.set(locale if locale in LOCALES else DEFAULT_LOCALE)


@contextmanager
def in_locale(locale: str | None) -> Iterator[str]:
    """Render in `locale` (unknown or None: Vietnamese), then give the caller back its own language."""
    before = current_locale()
    set_locale(locale)
    try:
        yield current_locale()
    finally:
        set_locale(before)


def gettext(message: str, **params: Any) -> str:
    text = translations(_current.get()).gettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params: Any) -> str:
    text = translations(_current.get()).ngettext(singular, plural, n)
    return text % {"num": n, **params}


_ = gettext


def negotiate(accept_language: str | None) -> str | None:
    """The best of our locales for an `Accept-Language` header, or None."""
    if not accept_language:
        return None
    wanted: list[tuple[float, str]] = []
    for part in accept_language.split(",")[:20]:
        lang, _sep, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            continue
        wanted.append((weight, lang.strip().lower()))
    for _weight, lang in sorted(wanted, key=lambda w: -w[0]):
        base = lang.split("-")[0]
        if base in LOCALES:
            return base
    return None


def _babel_locale() -> Locale:
    return Locale.parse(_current.get())


def _local(value: datetime, tz: str | None) -> datetime:
    return value.astimezone(ZoneInfo(tz)) if tz and value.tzinfo else value


def format_datetime(value: datetime | None, tz: str | None = None, fmt: str = "short") -> str:
    """A moment in the conference's zone, written for the locale (`fmt`: short, medium or a pattern)."""
    if value is None:
        return ""
    value = _local(value, tz)
    return babel_dates.format_datetime(value, fmt, tzinfo=value.tzinfo, locale=_babel_locale())


def format_time(value: datetime | None, tz: str | None = None, fmt: str = "HH:mm") -> str:
    if value is None:
        return ""
    value = _local(value, tz)
    return babel_dates.format_time(value, fmt, tzinfo=value.tzinfo, locale=_babel_locale())


def format_date(value: date | datetime | None, tz: str | None = None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value, tz).date()
    return babel_dates.format_date(value, fmt, locale=_babel_locale())


def format_number(value: int | float | None) -> str:
    return "" if value is None else babel_numbers.format_decimal(value, locale=_babel_locale())


def format_percent(value: float | None) -> str:
    return "" if value is None else babel_numbers.format_percent(value, locale=_babel_locale())
