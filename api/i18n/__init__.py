"""Translation for the API and the pages: `domain.i18n` (catalogs, locale, formats) plus error messages."""
from domain.i18n import (DEFAULT_LOCALE, LANGUAGE_NAMES, LOCALES, _, catalog, current_locale, format_date,
                         format_datetime, format_number, format_percent, format_time, gettext, negotiate,
                         ngettext, set_locale)

__all__ = ["DEFAULT_LOCALE", "LANGUAGE_NAMES", "LOCALES", "_", "catalog", "current_locale", "format_date",
           "format_datetime", "format_number", "format_percent", "format_time", "gettext", "negotiate",
           "ngettext", "set_locale"]
