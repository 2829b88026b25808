"""`/api/v1/staff/ws`: the consoles' live line (cookie sign-in, same-origin).

Server -> console: every message of the `handoffs` channel (created / accepted / finished), and for the
sessions the console watches, what the kiosk sends up (`kiosk:{id}:up`: customer messages, WebRTC
signalling) tagged with the session id. Console -> server (JSON text frames):
`watch {session_id}` / `unwatch {session_id}`, `chat {handoff_id, text, speak?}` (same as
POST .../messages), `rtc {session_id, ...}` and `guide {session_id, action, ...}` (relayed to the
kiosk), `ping` -> `pong`.
Malformed frames are answered with `error` and ignored; the socket stays open. Signing out or disabling
the account closes it with 4401 on whichever replica holds it (`assistant.api.live_sockets`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from fastapi import APIRouter, HTTPException, WebSocket, WebSocketDisconnect
from pydantic import ValidationError

from assistant.api.handoffs import MessageIn
from assistant.api.live_sockets import LiveSockets, credential_of
from assistant.auth import Principal, authenticate
from assistant.conversation.dispatch import CHANNEL, Dispatcher
from assistant.events import EventBus
from assistant.events.bus import Subscription
from assistant.logging import get_logger
from assistant.manager.live import BRANCH_CHANNEL, staff_channel
from assistant.store.handoffs import HandoffNotFound
from assistant.store.sessions import NewTurn

log = get_logger("lobby.staff_ws")
router = APIRouter(tags=["staff"])

STAFF = ("expert", "teller", "supervisor", "manager")
# relayed to the kiosk of a session the console may watch: call signalling, and screen guidance (highlight
# a field, a mark, a document pushed to the screen)
RELAYED = ("rtc", "guide")
GUIDE_ACTIONS = ("highlight", "mark", "clear", "document")
MAX_WATCHED = 16
OUTBOX = 256


class StaffLine:
    """One console connection: its subscriptions feed one bounded outbox, sent in order."""

    def __init__(self, websocket: WebSocket, who: Principal) -> None:
        self.ws = websocket
        self.who = who
        self.events: EventBus = websocket.app.state.events
        self.dispatch: Dispatcher = websocket.app.state.dispatch
        self.outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue(OUTBOX)
        self.pumps: dict[str, tuple[Subscription, asyncio.Task[None]]] = {}

    async def subscribe(self, channel: str, tag: dict[str, Any] | None = None) -> None:
        if channel in self.pumps:
            return
        sub = await self.events.subscribe(channel)
        self.pumps[channel] = (sub, asyncio.create_task(self._pump(sub, tag or {})))

    async def unsubscribe(self, channel: str) -> None:
        found = self.pumps.pop(channel, None)
        if found is not None:
            await self.events.unsubscribe(found[0])
            found[1].cancel()

    async def _pump(self, sub: Subscription, tag: dict[str, Any]) -> None:
        async for message in sub:
            if self.outbox.full():  # a console that stopped reading loses the oldest, never memory
                self.outbox.get_nowait()
            self.outbox.put_nowait({**message, **tag})

    async def send_loop(self) -> None:
        while True:
            await self.ws.send_json(await self.outbox.get())

    async def may_watch(self, session_id: str) -> bool:
        if self.who.role in ("supervisor", "admin"):
            return True
        mine = await asyncio.to_thread(self.dispatch.handoffs.assigned_to, self.who.subject)
        return any(h.session_id == session_id for h in mine)

    async def handle(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        session_id = str(frame.get("session_id") or "")
        if kind == "ping":
            await self.ws.send_json({"type": "pong"})
        elif kind == "watch":
            if len(self.pumps) > MAX_WATCHED or not await self.may_watch(session_id):
                await self.error("forbidden", "you may not watch this session")
                return
            await self.subscribe(f"kiosk:{session_id}:up", {"session_id": session_id})
            await self.ws.send_json({"type": "watching", "session_id": session_id})
            # the kiosk describes its screen again, for the console that just started watching
            await self.events.publish(f"session:{session_id}", {"type": "screen_request"})
        elif kind == "unwatch":
            await self.unsubscribe(f"kiosk:{session_id}:up")
        elif kind == "chat":
            await self.chat(frame)
        elif kind in RELAYED:
            if kind == "guide" and frame.get("action") not in GUIDE_ACTIONS:
                await self.error("bad_guide", f"guide action must be one of {', '.join(GUIDE_ACTIONS)}")
                return
            if not await self.may_watch(session_id):
                await self.error("forbidden", "you may not signal this session")
                return
            relay = {k: v for k, v in frame.items() if k != "session_id"}
            if kind == "guide" and relay["action"] == "document":
                found = await self.document(str(relay.get("query") or ""))
                if found is None:
                    await self.error("no_document", "no approved customer document matches that search")
                    return
                relay = {"action": "document", **found}
            relay["name"] = self.who.display_name or self.who.subject
            await self.events.publish(f"session:{session_id}", {**relay, "type": kind, "from": self.who.subject})
            if kind == "guide":
                await self.ws.send_json({"type": "guide_sent", "session_id": session_id, **relay})
        else:
            await self.error("unknown_type", f"unknown message type {kind!r}")

    async def document(self, query: str) -> dict[str, Any] | None:
        """The approved customer-facing passage a colleague pushes to the kiosk, found by their search.
        Why the server searches rather than relaying the console's text: only documents whose audience is
        the customer can reach the public screen, whatever the colleague's own access."""
        query = query.strip()[:200]
        knowledge = getattr(self.ws.app.state, "knowledge", None)
        if not query or knowledge is None:
            return None
        try:
            response = await asyncio.to_thread(knowledge.kb.search, query, 1, "customer")
        except Exception as exc:  # a knowledge base being rebuilt must not close the console
            log.warning("guide_document_search_failed", error=str(exc))
            return None
        if not response.results:
            return None
        hit = response.results[0]
        return {
            "title": hit.title,
            "section": hit.section,
            "text": hit.snippet,
            "effective_from": hit.effective_from,
            "doc_id": hit.doc_id,
        }

    async def chat(self, frame: dict[str, Any]) -> None:
        try:
            body = MessageIn.model_validate({"text": frame.get("text"), "speak": frame.get("speak", True)})
            row = await asyncio.to_thread(self.dispatch.handoffs.get, str(frame.get("handoff_id") or ""))
        except (ValidationError, HandoffNotFound) as exc:
            await self.error("bad_message", str(exc).splitlines()[0])
            return
        if row.status != "accepted" or (row.assigned_to != self.who.subject and self.who.role != "admin"):
            await self.error("forbidden", "this handoff is not yours")
            return
        turn = NewTurn(speaker="expert", text=body.text, source="typed", intent="expert_message")
        await asyncio.to_thread(self.ws.app.state.sessions.append_turn, row.session_id, turn)
        name = self.who.display_name or self.who.subject
        await self.events.publish(
            f"session:{row.session_id}",
            {"type": "expert_message", "text": body.text, "from": name, "speak": body.speak},
        )
        await self.ws.send_json({"type": "chat_sent", "handoff_id": row.id})

    async def error(self, code: str, message: str) -> None:
        await self.ws.send_json({"type": "error", "code": code, "message": message})

    async def close(self) -> None:
        for channel in list(self.pumps):
            await self.unsubscribe(channel)


@router.websocket("/api/v1/staff/ws")
async def staff_ws(websocket: WebSocket) -> None:
    try:
        who = await authenticate(websocket)
    except HTTPException as exc:
        await websocket.close(code=4401 if exc.status_code == 401 else 4403, reason=str(exc.detail)[:120])
        return
    if not who.has_role(*STAFF):
        await websocket.close(code=4403, reason=f"role {who.role!r} may not use this")
        return
    await websocket.accept()
    sockets: LiveSockets | None = getattr(websocket.app.state, "sockets", None)
    if sockets is None:
        await _serve(websocket, who)
        return
    # Closed (4401) on every replica at sign-out or when the account is disabled: no more handoffs.
    await sockets.hold(websocket, credential_of(websocket, who, websocket.app.state.auth), _serve(websocket, who))


async def _serve(websocket: WebSocket, who: Principal) -> None:
    line = StaffLine(websocket, who)
    await line.subscribe(CHANNEL)
    await line.subscribe(staff_channel(who.subject))  # the branch manager's instructions to this colleague
    if who.has_role("manager", "supervisor"):
        await line.subscribe(BRANCH_CHANNEL)  # the branch's live changes for the manager's console
    sender = asyncio.create_task(line.send_loop())
    await websocket.send_json({"type": "hello", "username": who.subject, "role": who.role})
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            try:
                if message.get("text") is None:
                    raise ValueError("text frames with JSON only")
                frame = json.loads(message["text"])
                if not isinstance(frame, dict):
                    raise ValueError("a JSON object is expected")
            except ValueError as exc:
                await line.error("bad_json", str(exc)[:200])
                continue
            await line.handle(frame)
    except WebSocketDisconnect:
        pass
    finally:
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sender
        await line.close()
