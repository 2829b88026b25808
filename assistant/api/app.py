"""The FastAPI app factory. Kept thin: it wires settings, stores, readiness and routers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from assistant import __version__
from assistant.api import health, knowledge, sessions
from assistant.api.middleware import BodySizeLimitMiddleware, RequestIdMiddleware
from assistant.api.readiness import Readiness
from assistant.config import Settings, check_runtime, get_settings
from assistant.conversation.runtime import build_conversation
from assistant.events import build_event_bus
from assistant.logging import get_logger
from assistant.model_assets import assets_status
from assistant.store import Database
from assistant.store.handoffs import HandoffStore
from assistant.store.sessions import SessionStore
from integrations.bundle import build_bank_clients

log = get_logger("lobby.app")


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; `settings` defaults to the environment's (tests pass their own)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        check_runtime(settings)
        db = Database(settings.effective_database_url)
        await run_in_threadpool(db.upgrade)
        app.state.db = db
        app.state.sessions = SessionStore(db)
        app.state.readiness.register("store", lambda: run_in_threadpool(db.ping))
        app.state.readiness.register("models", lambda: _models_check(settings))
        events = build_event_bus(settings.redis_url)
        app.state.events = events
        app.state.readiness.register("events", events.ping)
        bank = await asyncio.to_thread(build_bank_clients, settings.bank_url, settings.var_dir, settings.bank)
        app.state.bank = bank
        app.state.readiness.register("bank", bank.health)
        app.state.knowledge = knowledge.KnowledgeService(settings)
        app.state.knowledge.start()
        app.state.readiness.register("knowledge", app.state.knowledge.readiness)
        app.state.handoffs = HandoffStore(db)
        app.state.conversation = await asyncio.to_thread(
            build_conversation, settings.var_dir, app.state.sessions, app.state.handoffs, app.state.knowledge, bank
        )
        log.info("started", version=__version__, database=db.engine.dialect.name, env=settings.env)
        try:
            yield
        finally:
            await app.state.knowledge.stop()
            await bank.aclose()
            await events.close()
            db.dispose()
            log.info("stopped")

    app = FastAPI(
        title="Lobby",
        version=__version__,
        description="Digital-human service assistant for bank branches.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.readiness = Readiness()
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestIdMiddleware)
    app.include_router(health.router)
    app.include_router(knowledge.router)
    app.include_router(sessions.router)
    return app


async def _models_check(settings: Settings) -> dict[str, Any]:
    models = await asyncio.to_thread(assets_status, settings.effective_models_dir)
    return {"ok": all(m["ok"] for m in models), "models": models}
