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
from domain.invitations.personal import PersonalPage

# A pass page carries a credential: never cached, never sent on as a referrer.
PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def pass_page(view: PassView, agenda_url: str | None = None) -> str:
    """The pass printed by staff, in the current (their) language."""
    return _render(view, agenda_url=agenda_url, other=None)


def personal_pass_page(page: PersonalPage, token: str, lang: str | None = None) -> str:
    """The delegate's own page (templates/delegate/page.html): the pass, the live speakers and the floor request,
    the agenda with their own slot, the calendar; a link to the full agenda and a switch to the other language."""
    view = page.pass_view
    explicit = lang if lang in LOCALES else None
    with in_locale(explicit or view.delegate.locale) as locale:
        keep = f"?lang={explicit}" if explicit else ""
        active = view.invitation.status in ACTIVE_INVITATION
        svg = base64.b64encode(qr_svg(view.token).encode()).decode() if active else ""
        return render("delegate/page.html", v=page, active=active, qr_svg_b64=svg, keep=keep,
                      agenda_url=f"/p/{token}/agenda{keep}", other="en" if locale == "vi" else "vi",
                      date_text=date_text)


def _render(view: PassView, *, agenda_url: str | None, other: str | None) -> str:
    active = view.invitation.status in ACTIVE_INVITATION
    svg = base64.b64encode(qr_svg(view.token).encode()).decode() if active else ""
    return render("pass.html", p=view, active=active, qr_svg_b64=svg, agenda_url=agenda_url, other=other,
                  date_text=date_text)
