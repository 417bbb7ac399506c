"""The Litestar application factory."""
from __future__ import annotations

import asyncio
import gc
import importlib
import pkgutil
from pathlib import Path
from typing import Any

from litestar import Litestar, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware.base import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin
from litestar import Request
from sqlalchemy import text

from litestar.static_files import create_static_files_router

from api import controllers, openapi, pages
from api.controllers import mail
from api.auth import PUBLIC_PATHS, AuthMiddleware, LocaleMiddleware, PrincipalCache, provide_principal, provide_uow
from api.controllers.agenda import AgendaController
from api.controllers.audit import AuditController
from api.controllers.auth import AuthController
from api.controllers.conference_sites import ConferenceSiteController
from api.controllers.conferences import ConferenceController
from api.controllers.delegates import DelegateController
from api.controllers.invitations import InvitationController
from api.controllers.sites import SiteController
from api.controllers.units import UnitController
from api.controllers.users import UserController
from api.errors import EXCEPTION_HANDLERS
from api.security import SecurityHeadersMiddleware
from domain.i18n import preload_translations
from api.pages.render import template_config
from api.settings import Settings
from domain.db import make_engine, make_sessionmaker
from domain.invitations.passes import Keyring
from domain.users.login_guard import LoginGuard
from realtime.service import Realtime

STATIC = Path(__file__).resolve().parent / "static"
CONTROLLERS = [AuthController, UnitController, SiteController, ConferenceController, ConferenceSiteController,
               DelegateController, InvitationController, AgendaController, UserController, AuditController]


class LocalSwaggerPlugin(SwaggerRenderPlugin):
    """Swagger UI from bridgepoint's own static files (the offices' networks are closed), started by a module of
    ours instead of an inline script (the Content-Security-Policy allows none)."""

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        vendor = "/static/vendor/swagger-ui"
        return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bridgepoint API</title>'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                f'<link rel="stylesheet" href="{vendor}/swagger-ui.css"><link rel="icon" href="data:,">'
                f'<script src="{vendor}/swagger-ui-bundle.js"></script>'
                f'<script src="{vendor}/swagger-ui-standalone-preset.js"></script>'
                f'<script type="module" src="/static/js/swagger-init.js"></script></head>'
                f'<body><div id="swagger-container" data-spec="/schema/openapi.json"></div></body></html>').encode()


def routes_of(package: Any) -> list[Any]:
    """The `ROUTES` of every module in a package (JSON features in api.controllers, pages in api.pages)."""
    found: list[Any] = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        found.extend(getattr(module, "ROUTES", []))
    return found


@get("/health", operation_id="health", tags=["ops"], exclude_from_auth=True,
     description="Liveness and database reachability.")
async def health(state: State) -> dict[str, str]:
    async with state.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    return {"status": "ok", "database": state.engine.dialect.name}


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings()

    async def startup(app: Litestar) -> None:
        settings.ensure_dirs()
        # The message catalogues are read before the first request: built on first use, the first refused sign-in
        # of a flood spent a third of a second of the event loop reading .po files while scanners waited.
        await asyncio.to_thread(preload_translations)
        app.state.engine = make_engine(settings.database_url, retry_seconds=settings.db_retry_seconds)
        app.state.sessionmaker = make_sessionmaker(app.state.engine)
        app.state.keyring = Keyring.load_or_create(settings.keys_dir)
        app.state.mail_worker = mail.start_worker(app.state)
        app.state.realtime = Realtime.for_app(app.state)
        app.state.publisher = app.state.realtime.publish
        app.state.realtime.start()
        openapi.install(app)  # an exact contract: problem responses, media types, closed request bodies
        gc.freeze()  # what start-up made lives as long as the process: no full collection walks it again

    async def shutdown(app: Litestar) -> None:
        await app.state.realtime.stop()
        await app.state.mail_worker.stop()
        await app.state.engine.dispose()

    return Litestar(
        route_handlers=[health, *CONTROLLERS, *routes_of(controllers), *routes_of(pages),
                        create_static_files_router("/static", directories=[STATIC], include_in_schema=False,
                                                   send_as_attachment=False)],
        on_startup=[startup],
        on_shutdown=[shutdown],
        state=State({"settings": settings, "publisher": None, "principal_cache": PrincipalCache(),
                     "session_policy": settings.session_policy(), "login_guard": LoginGuard()}),
        dependencies={"uow": Provide(provide_uow), "principal": Provide(provide_principal)},
        middleware=[DefineMiddleware(SecurityHeadersMiddleware, https=settings.public_url.startswith("https://")),
                    LocaleMiddleware, DefineMiddleware(AuthMiddleware, exclude=PUBLIC_PATHS)],
        template_config=template_config(),
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        openapi_config=OpenAPIConfig(
            title="bridgepoint", version="0.1.0", path="/schema",
            description="Hybrid conferences: a host hall and many bridge points (điểm cầu).",
            render_plugins=[LocalSwaggerPlugin(path="/"), JsonRenderPlugin()]),
        debug=settings.debug,
    )
