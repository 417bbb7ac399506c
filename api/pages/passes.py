"""The pass page: printed by staff (in their language) and opened by the delegate behind the personal link (in
the delegate's language, or the one chosen with the page's language switch, `?lang=`)."""
from __future__ import annotations

import base64

from api.i18n import LOCALES
from api.pages.render import render
from domain.i18n import in_locale
from domain.models import ACTIVE_INVITATION
from domain.invitations.passes import qr_svg
from domain.conferences.agenda_view import date_text
from domain.invitations.passes_admin import PassView

# A pass page carries a credential: never cached, never sent on as a referrer.
PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def pass_page(view: PassView, agenda_url: str | None = None) -> str:
    """The pass printed by staff, in the current (their) language."""
    return _render(view, agenda_url=agenda_url, other=None)


def personal_pass_page(view: PassView, token: str, lang: str | None = None) -> str:
    """The delegate's own pass page, with a link to their agenda and a switch to the other language."""
    explicit = lang if lang in LOCALES else None
    with in_locale(explicit or view.delegate.locale) as locale:
        keep = f"?lang={explicit}" if explicit else ""
        return _render(view, agenda_url=f"/p/{token}/agenda{keep}", other="en" if locale == "vi" else "vi")


def _render(view: PassView, *, agenda_url: str | None, other: str | None) -> str:
    active = view.invitation.status in ACTIVE_INVITATION
    svg = base64.b64encode(qr_svg(view.token).encode()).decode() if active else ""
    return render("pass.html", p=view, active=active, qr_svg_b64=svg, agenda_url=agenda_url, other=other,
                  date_text=date_text)
