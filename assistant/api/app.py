"""The FastAPI app factory. Kept thin: it opens the runtime, and wires readiness and routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from assistant import __version__
from assistant.api import (
    auth,
    consoles,
    handoffs,
    health,
    kiosk_page,
    kiosk_ws,
    knowledge,
    mobile,
    recording_stills,
    sessions,
    staff_ws,
    teller,
    teller_orders,
)
from assistant.api import manager as manager_api
from assistant.api import recordings as recordings_api
from assistant.api import rtc as rtc_api
from assistant.api import supervisor as supervisor_api
from assistant.api.errors import install_error_handlers
from assistant.api.live_sockets import LiveSockets
from assistant.api.middleware import BodySizeLimitMiddleware, RequestIdMiddleware
from assistant.api.readiness import Readiness
from assistant.config import Settings, get_settings
from assistant.conversation.dispatch import start_dispatch
from assistant.kiosk import open_kiosk_services
from assistant.logging import get_logger
from assistant.manager.live import BranchLive
from assistant.runtime import open_runtime

log = get_logger("lobby.app")


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; `settings` defaults to the environment's (tests pass their own)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with (
            open_runtime(settings, app.state.readiness) as runtime,
            open_kiosk_services(settings, app.state.readiness) as kiosk,
        ):
            state = app.state
            state.runtime = runtime
            state.db, state.sessions, state.handoffs = runtime.db, runtime.sessions, runtime.handoffs
            state.events, state.bank, state.knowledge = runtime.events, runtime.bank, runtime.knowledge
            state.conversation = runtime.conversation
            state.kiosk = kiosk  # speech and camera services of /api/v1/kiosk/ws
            state.users, state.devices, state.auth = runtime.users, runtime.devices, runtime.auth
            state.audit = runtime.audit
            recordings_api.wire(app)  # consented visits recorded by the kiosk sockets, played back here
            mobile.wire(app)  # the customer's phone: its service, and the kiosk's prepared-form loader
            state.demo_kiosk_token = runtime.demo_kiosk_token
            state.dispatch = start_dispatch(runtime.handoffs, runtime.db, runtime.events, settings.handoff)
            state.sockets = LiveSockets(runtime.events, runtime.auth)  # closes sockets whose credentials go
            await state.sockets.start()
            state.branch_live = BranchLive(runtime.db, runtime.events, runtime.bank)  # the manager's live branch
            await state.branch_live.start()
            log.info("started", version=__version__, database=runtime.db.engine.dialect.name, env=settings.env)
            yield
            await recordings_api.unwire(app)
            await state.branch_live.stop()
            await state.sockets.stop()
            await state.dispatch.stop()
        log.info("stopped")

    app = FastAPI(
        title="Lobby",
        version=__version__,
        description="Digital-human service assistant for bank branches.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.readiness = Readiness()
    install_error_handlers(app)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestIdMiddleware)
    if settings.trusted_proxies:
        # Outermost, so everything sees the real client. X-Forwarded-For is believed from these peers only
        # (uvicorn's own proxy handling, which trusts 127.0.0.1 by default, is off in `lobby serve`).
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    app.include_router(health.router)
    app.include_router(auth.router)
    app.include_router(knowledge.router)
    app.include_router(sessions.router)
    app.include_router(kiosk_ws.router)
    app.include_router(handoffs.router)
    app.include_router(teller.router)
    app.include_router(teller_orders.router)  # order tracking at the counter
    app.include_router(supervisor_api.router)
    app.include_router(recordings_api.router)
    app.include_router(recording_stills.router)
    app.include_router(staff_ws.router)
    app.include_router(rtc_api.router)
    app.include_router(manager_api.router)
    app.include_router(consoles.router)
    kiosk_page.install(app)
    mobile.install(app)
    return app
