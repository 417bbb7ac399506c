"""The Litestar application factory."""
from __future__ import annotations

from litestar import Litestar, MediaType, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware.base import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin
from sqlalchemy import text

from api.auth import PUBLIC_PATHS, PrincipalCache, TokenAuthMiddleware, provide_principal, provide_uow
from api.controllers import checkin, mail, speakers
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
from api.settings import Settings
from domain.db import make_engine, make_sessionmaker
from domain.passes import Keyring
from realtime import routes as realtime_routes
from realtime.service import Realtime

CONTROLLERS = [AuthController, UnitController, SiteController, ConferenceController, ConferenceSiteController,
               DelegateController, InvitationController, AgendaController, UserController, AuditController]
FEATURE_ROUTES = [*checkin.ROUTES, *speakers.ROUTES, *mail.ROUTES, *realtime_routes.ROUTES]


@get("/health", operation_id="health", tags=["ops"], exclude_from_auth=True,
     description="Liveness and database reachability.")
async def health(state: State) -> dict[str, str]:
    async with state.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    return {"status": "ok", "database": state.engine.dialect.name}


@get("/", media_type=MediaType.HTML, include_in_schema=False, exclude_from_auth=True)
async def home() -> str:
    return ("<!doctype html><meta charset=utf-8><title>bridgepoint</title>"
            "<h1>bridgepoint</h1><p>Hybrid conferences across bridge points.</p>"
            "<ul><li><a href=/schema>API reference</a></li><li><a href=/health>health</a></li></ul>")


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings()

    async def startup(app: Litestar) -> None:
        settings.ensure_dirs()
        app.state.engine = make_engine(settings.database_url)
        app.state.sessionmaker = make_sessionmaker(app.state.engine)
        app.state.keyring = Keyring.load_or_create(settings.keys_dir)
        app.state.mail_worker = mail.start_worker(app.state)
        app.state.realtime = Realtime.for_app(app.state)
        app.state.publisher = app.state.realtime.publish
        app.state.realtime.start()

    async def shutdown(app: Litestar) -> None:
        await app.state.realtime.stop()
        await app.state.mail_worker.stop()
        await app.state.engine.dispose()

    return Litestar(
        route_handlers=[health, home, *CONTROLLERS, *FEATURE_ROUTES],
        on_startup=[startup],
        on_shutdown=[shutdown],
        state=State({"settings": settings, "publisher": None, "principal_cache": PrincipalCache()}),
        dependencies={"uow": Provide(provide_uow), "principal": Provide(provide_principal)},
        middleware=[DefineMiddleware(TokenAuthMiddleware, exclude=PUBLIC_PATHS)],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        openapi_config=OpenAPIConfig(
            title="bridgepoint", version="0.1.0", path="/schema",
            description="Hybrid conferences: a host hall and many bridge points (điểm cầu).",
            render_plugins=[SwaggerRenderPlugin(path="/"), JsonRenderPlugin()]),
        debug=settings.debug,
    )
