"""Everything one Lobby process runs on, opened and closed in one place.

The web app's lifespan and the CLI (`lobby chat`, evaluations, benchmarks) use the same runtime, so a
conversation behaves the same whether it arrives over HTTP or from a terminal.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool

from assistant.api.knowledge import KnowledgeService
from assistant.api.readiness import Readiness
from assistant.audit import AuditLog
from assistant.auth.access import open_access
from assistant.auth.devices import DeviceStore
from assistant.auth.service import Authenticator
from assistant.auth.users import UserStore
from assistant.compliance import ComplianceReviewer
from assistant.config import Settings, check_runtime
from assistant.conversation.runtime import build_conversation
from assistant.conversation.service import ConversationService
from assistant.events import EventBus, build_event_bus
from assistant.logging import get_logger
from assistant.model_assets import assets_status
from assistant.store import Database
from assistant.store.handoffs import HandoffStore
from assistant.store.sessions import SessionStore
from assistant.visit_orders import VisitOrders
from integrations.bundle import BankClients, build_bank_clients
from integrations.devices.wiring import attach_mqtt_devices

log = get_logger("lobby.runtime")


@dataclass
class Runtime:
    settings: Settings
    db: Database
    sessions: SessionStore
    handoffs: HandoffStore
    events: EventBus
    bank: BankClients
    knowledge: KnowledgeService
    conversation: ConversationService
    users: UserStore
    devices: DeviceStore
    auth: Authenticator
    audit: AuditLog
    demo_kiosk_token: str | None  # outside production only: the token the /kiosk page is served with


@asynccontextmanager
async def open_runtime(settings: Settings, readiness: Readiness | None = None) -> AsyncIterator[Runtime]:
    """Open the store (migrated), event bus, bank clients, knowledge base and conversation; close them
    in reverse order. Readiness checks are registered on `readiness` when given."""
    check_runtime(settings)
    readiness = readiness or Readiness()
    db = Database(settings.effective_database_url)
    await run_in_threadpool(db.upgrade)
    readiness.register("store", lambda: run_in_threadpool(db.ping))
    readiness.register("models", lambda: _models_check(settings))
    events = build_event_bus(settings.redis_url, settings.bus_namespace)
    readiness.register("events", events.ping)
    bank = await asyncio.to_thread(build_bank_clients, settings.bank_url, settings.var_dir, settings.bank)
    readiness.register("bank", bank.health)
    device_link = await attach_mqtt_devices(bank, settings.mqtt_url, settings.devices)  # None: sandbox devices
    knowledge = KnowledgeService(settings)
    knowledge.start()
    readiness.register("knowledge", knowledge.readiness)
    sessions, handoffs = SessionStore(db), HandoffStore(db)
    visit_orders = VisitOrders(bank)  # a visit's unconfirmed reservations go back to stock when it ends
    sweeper = asyncio.create_task(
        _end_idle_sessions(sessions, events, settings.session_idle_s, visit_orders.release), name="idle-sessions"
    )
    reviewer = ComplianceReviewer(db)  # the after-visit compliance pass: at each end, and a sweep for idle ends
    reviewing = asyncio.create_task(reviewer.run_forever(), name="compliance-review")
    closers: list[Callable[[], None]] = []
    try:
        access, audit = await asyncio.to_thread(open_access, settings, db), AuditLog(db)
        closers.append(access.auth.close)  # the sign-in counters' Redis connections
        conversation = await asyncio.to_thread(build_conversation, settings, sessions, handoffs, knowledge, bank)
        conversation.after_end = reviewer.after_end
        conversation.on_end.append(visit_orders.release)
        conversation.audit = audit
        yield Runtime(
            settings,
            db,
            sessions,
            handoffs,
            events,
            bank,
            knowledge,
            conversation,
            users=access.users,
            devices=access.devices,
            auth=access.auth,
            audit=audit,
            demo_kiosk_token=access.demo_kiosk_token,
        )
    finally:
        for close in closers:
            close()
        sweeper.cancel()
        reviewing.cancel()
        await knowledge.stop()
        if device_link is not None:
            await device_link.aclose()
        await bank.aclose()
        await events.close()
        db.dispose()


async def _models_check(settings: Settings) -> dict[str, Any]:
    models = await asyncio.to_thread(assets_status, settings.effective_models_dir)
    return {"ok": all(m["ok"] for m in models), "models": models}


async def _end_idle_sessions(
    sessions: SessionStore, events: EventBus, idle_s: float, on_end: Callable[[str], Awaitable[Any]] | None = None
) -> None:
    """Ends sessions of customers who walked away without ending them, and tells each kiosk showing one
    (`session_ended` on the session's channel, on every replica) so its screen clears for the next person."""
    period = min(60.0, max(idle_s / 4, 1.0))
    while True:
        await asyncio.sleep(period)
        await end_idle_once(sessions, events, datetime.now(UTC) - timedelta(seconds=idle_s), on_end)


async def end_idle_once(
    sessions: SessionStore,
    events: EventBus,
    cutoff: datetime,
    on_end: Callable[[str], Awaitable[Any]] | None = None,
) -> list[str]:
    """One sweep: the ids of the sessions it ended (none when the database is away; the next sweep retries)."""
    try:
        ended = await asyncio.to_thread(sessions.end_idle, cutoff)
    except Exception as exc:  # a database hiccup must not stop the sweeper
        log.warning("idle_sweep_failed", error=str(exc))
        return []
    for session_id in ended:
        await events.publish(f"session:{session_id}", {"type": "session_ended", "reason": "idle"})
        if on_end is not None:  # e.g. release the visit's unconfirmed reservations (logs its own failures)
            await on_end(session_id)
    return ended
