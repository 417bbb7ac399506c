"""QR passes and delegates' personal links (HTTP): the pass as JSON, PNG, SVG and a printable page."""
from __future__ import annotations

from typing import Any

from litestar import Controller, MediaType, Response, get, post
from litestar.datastructures import State

from api.schemas.checkin import PassOut
from api.pages.passes import PRIVATE_HEADERS, pass_page, personal_pass_page as personal_pass_html
from api.params import ConferenceId, InvitationId, Lang, LinkToken
from domain.access import Principal
from domain.errors import NotFound
from domain.invitations.passes import qr_png, qr_svg
from domain.conferences.agenda_view import MailContext
from domain.invitations import passes_admin, personal
from domain.invitations.passes_admin import PassView
from domain.uow import UnitOfWork



def _pass_out(v: PassView, state: State) -> PassOut:
    base = f"/api/conferences/{v.conference.id}/invitations/{v.invitation.id}/pass"
    return PassOut(v.invitation.id, v.conference.id, v.invitation.conference_site_id, v.invitation.pass_version,
                   v.token, f"{state.settings.public_url.rstrip('/')}/p/{v.link}" if v.link else None, f"{base}/qr.png",
                   f"{base}/qr.svg", f"{base}/print")


class PassController(Controller):
    path = "/api/conferences/{conference_id:int}/invitations/{invitation_id:int}"
    tags = ["passes"]

    @get("/pass", operation_id="getPass",
         description="The QR pass and personal link: organizers, the site's operators and the delegate only.")
    async def get_pass(self, conference_id: ConferenceId, invitation_id: InvitationId, uow: UnitOfWork,
                       principal: Principal, state: State) -> PassOut:
        return _pass_out(await passes_admin.get_pass(uow, principal, state.keyring, conference_id, invitation_id),
                         state)

    @get("/pass/qr.png", operation_id="getPassPng", media_type="image/png", description="The QR code as PNG.")
    async def png(self, conference_id: ConferenceId, invitation_id: InvitationId, uow: UnitOfWork,
                  principal: Principal, state: State) -> Response[bytes]:
        v = await passes_admin.get_pass(uow, principal, state.keyring, conference_id, invitation_id)
        return Response(qr_png(v.token), media_type="image/png", headers=PRIVATE_HEADERS)

    @get("/pass/qr.svg", operation_id="getPassSvg", media_type="image/svg+xml", description="The QR code as SVG.")
    async def svg(self, conference_id: ConferenceId, invitation_id: InvitationId, uow: UnitOfWork,
                  principal: Principal, state: State) -> Response[str]:
        v = await passes_admin.get_pass(uow, principal, state.keyring, conference_id, invitation_id)
        return Response(qr_svg(v.token), media_type="image/svg+xml", headers=PRIVATE_HEADERS)

    @get("/pass/print", operation_id="printPass", media_type=MediaType.HTML,
         description="A printable pass: name, rank, unit, conference, time, bridge point and the QR code.")
    async def print_(self, conference_id: ConferenceId, invitation_id: InvitationId, uow: UnitOfWork,
                     principal: Principal, state: State) -> Response[str]:
        v = await passes_admin.get_pass(uow, principal, state.keyring, conference_id, invitation_id)
        return Response(pass_page(v), media_type=MediaType.HTML, headers=PRIVATE_HEADERS)

    @post("/pass/reissue", operation_id="reissuePass", status_code=200,
          description="Organizers: a new pass version; every earlier pass of this invitation is revoked.")
    async def reissue(self, conference_id: ConferenceId, invitation_id: InvitationId, uow: UnitOfWork,
                      principal: Principal, state: State) -> PassOut:
        return _pass_out(await passes_admin.reissue_pass(uow, principal, state.keyring, conference_id,
                                                         invitation_id), state)

    @post("/link/renew", operation_id="renewPersonalLink", status_code=200,
          description="Organizers: a new personal link; the old one stops working.")
    async def renew_link(self, conference_id: ConferenceId, invitation_id: InvitationId, uow: UnitOfWork,
                         principal: Principal, state: State) -> PassOut:
        return _pass_out(await passes_admin.renew_link(uow, principal, state.keyring, conference_id,
                                                       invitation_id), state)


async def _by_link(uow: UnitOfWork, state: State, token: str) -> PassView | None:
    try:
        return await passes_admin.pass_by_link(uow, state.keyring, token)
    except NotFound:
        return None




@get("/p/{token:str}", operation_id="personalPassPage", media_type=MediaType.HTML, tags=["passes"],
     exclude_from_auth=True,
     description="The delegate's page behind their personal link (no password), in the delegate's language: the "
                 "pass, who speaks now and their place in the queue, asking for the floor, the agenda, the calendar.")
async def personal_pass_page(token: LinkToken, uow: UnitOfWork, state: State, lang: Lang = None) -> Response[str]:
    # the error of a bad link is a page in the reader's language (as for the agenda page)
    page = await personal.page_by_link(uow, MailContext(state.keyring, state.settings.public_url,
                                                        state.settings.mail_from), token)
    return Response(personal_pass_html(page, token, lang), media_type=MediaType.HTML, headers=PRIVATE_HEADERS)


@get("/p/{token:str}/qr.png", operation_id="personalPassPng", media_type="image/png", tags=["passes"],
     exclude_from_auth=True, description="The delegate's QR pass as PNG, behind their personal link.")
async def personal_pass_png(token: LinkToken, uow: UnitOfWork, state: State) -> Response[bytes]:
    v = await _by_link(uow, state, token)
    if v is None:
        raise NotFound("this personal link is not valid", code="invalid_link")
    return Response(qr_png(v.token), media_type="image/png", headers=PRIVATE_HEADERS)


ROUTES: list[Any] = [PassController, personal_pass_page, personal_pass_png]
