"""Error messages in the request's language: the registry in `domain.errors` gives each code its text."""
from __future__ import annotations

from typing import Any

from domain.errors import MESSAGES, DomainError

from domain.i18n import current_locale, gettext


def registered_text(code: str, extra: dict[str, Any] | None = None) -> str | None:
    """The code's registered text in the current language, its `%(name)s` placeholders filled from the error's
    extra fields (a nested object gives its title); None for a code without one."""
    if code not in MESSAGES:
        return None
    text = gettext(MESSAGES[code])
    if "%(" not in text:
        return text
    params = {k: v.get("title", v.get("name", v)) if isinstance(v, dict) else v for k, v in (extra or {}).items()}
    try:
        return text % params
    except (KeyError, TypeError, ValueError):
        return text.split("%(")[0].rstrip(" «(:") + "."


def message_for(code: str, english: str, extra: dict[str, Any] | None = None) -> str:
    """Problem details: English keeps the service's own message (more specific, written for API clients);
    other languages the code's registered text."""
    if current_locale() == "en":
        return english
    return registered_text(code, extra) or english


def error_text(exc: DomainError) -> str:
    """Pages: the registered text in either language (the services' English reads "full_name must not be
    blank"; a form says "This field must not be blank.")."""
    return registered_text(exc.code, exc.extra) or exc.message
