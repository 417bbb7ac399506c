"""Error messages in the request's language: the registry in `domain.errors` gives each code its text."""
from __future__ import annotations

from domain.errors import MESSAGES, DomainError

from domain.i18n import current_locale, gettext


def message_for(code: str, english: str) -> str:
    """English keeps the service's own (more specific) message; other languages the code's translated text."""
    if current_locale() == "en" or code not in MESSAGES:
        return english
    return gettext(MESSAGES[code])


def error_text(exc: DomainError) -> str:
    return message_for(exc.code, exc.message)
