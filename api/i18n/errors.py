"""Error messages in the request's language: the registry in `domain.errors` gives each code its text."""
from __future__ import annotations

from typing import Any

from domain.errors import MESSAGES, DomainError

from domain.i18n import current_locale, gettext


def message_for(code: str, english: str, extra: dict[str, Any] | None = None) -> str:
    """English keeps the service's own (more specific) message; other languages the code's translated text,
    whose `%(name)s` placeholders come from the error's extra fields (a nested object gives its title)."""
    if current_locale() == "en" or code not in MESSAGES:
        return english
    text = gettext(MESSAGES[code])
    if "%(" not in text:
        return text
    params = {k: v.get("title", v.get("name", v)) if isinstance(v, dict) else v for k, v in (extra or {}).items()}
    try:
        return text % params
    except (KeyError, TypeError, ValueError):
        return gettext(MESSAGES[code]).split("%(")[0].rstrip(" «(:") + "."


def error_text(exc: DomainError) -> str:
    return message_for(exc.code, exc.message, exc.extra)
