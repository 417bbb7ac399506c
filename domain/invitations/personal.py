"""The delegate's own page behind the personal link: the pass and the personal agenda (with the delegate's speaking
slots and calendar links), read in one transaction. A forged, revoked or replaced link is not found."""
from __future__ import annotations

from dataclasses import dataclass

from domain.conferences.agenda_view import MailContext, PersonalAgenda, load
from domain.invitations.links import resolve_link
from domain.invitations.passes_admin import PassView, pass_view
from domain.uow import UnitOfWork


@dataclass(frozen=True)
class PersonalPage:
    pass_view: PassView
    agenda: PersonalAgenda


async def page_by_link(uow: UnitOfWork, ctx: MailContext, token: str) -> PersonalPage:
    async with uow:
        s = uow.session
        inv = await resolve_link(s, ctx.ring, token)
        return PersonalPage(await pass_view(s, ctx.ring, inv), (await load(s, [inv.id], ctx))[inv.id])
