"""The Jinja environment of the pages: autoescaped, translated, with the locale's dates and numbers."""
from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from api import i18n
from api.pages.labels import choices, label

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def query(base: dict[str, Any] | None = None, **changes: Any) -> str:
    """`?a=1&b=2` from the current filters with some changed (None drops a key)."""
    params = {**(base or {}), **changes}
    clean = {k: v for k, v in params.items() if v not in (None, "")}
    return "?" + urlencode(clean) if clean else "?"


def make_environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda message, **kw: i18n.gettext(message, **kw),
        ngettext=lambda s, p, n, **kw: i18n.ngettext(s, p, n, **kw), newstyle=True)
    env.globals.update(
        current_locale=i18n.current_locale, label=label, choices=choices, LANGUAGES=i18n.LANGUAGE_NAMES, query=query,
        format_datetime=i18n.format_datetime, format_date=i18n.format_date, format_time=i18n.format_time,
        format_number=i18n.format_number, format_percent=i18n.format_percent)
    env.filters.update(number=i18n.format_number, datetime=i18n.format_datetime, date=i18n.format_date,
                       time=i18n.format_time)
    return env


ENVIRONMENT = make_environment()


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(ENVIRONMENT))


def render(name: str, **context: Any) -> str:
    """A template rendered outside a request handler (error pages, mail)."""
    return ENVIRONMENT.get_template(name).render(**context)
