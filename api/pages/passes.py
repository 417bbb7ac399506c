"""Server-rendered HTML pages (Jinja2, autoescaped)."""
from __future__ import annotations

import base64

from jinja2 import Environment, PackageLoader, select_autoescape

from domain.models import ACTIVE_INVITATION
from domain.passes import qr_svg
from domain.services.passes_admin import PassView

_env = Environment(loader=PackageLoader("api", "templates"), autoescape=select_autoescape(["html"]))
# A pass page carries a credential: never cached, never sent on as a referrer.
PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def pass_page(view: PassView, agenda_url: str | None = None) -> str:
    active = view.invitation.status in ACTIVE_INVITATION
    svg = base64.b64encode(qr_svg(view.token).encode()).decode() if active else ""
    return _env.get_template("pass.html").render(p=view, active=active, qr_svg_b64=svg, agenda_url=agenda_url)


def not_found_page(message: str) -> str:
    return _env.from_string(
        "<!doctype html><meta charset=utf-8><title>Không tìm thấy</title><p>{{ message }}</p>").render(
        message=message)
