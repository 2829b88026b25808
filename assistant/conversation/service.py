"""The conversation service: one customer turn in, one grounded reply out, everything recorded.

A turn goes: guard (clean, refuse injection) -> understanding (intent, slots, language) -> routing
(an active journey, a new journey, a dialogue reply, a cited knowledge answer, a handoff to a human)
-> record both turns -> reply. Heavy work (embeddings, retrieval, the store) runs off the event loop;
turns of one session run one at a time in arrival order.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from assistant.audit import AuditLog
from assistant.conversation import replies
from assistant.conversation.context import with_context
from assistant.conversation.customer_text import finish_reply
from assistant.conversation.guard import InputRejected, check
from assistant.conversation.handoffs import HandoffDesk
from assistant.conversation.journeys import (
    CHECK_IN_JOURNEY,
    IDENTIFY_EVENTS,
    IDENTIFY_JOURNEY,
    VERIFY_EVENTS,
    JourneyDriver,
    is_active,
)
from assistant.conversation.locks import SessionLocks
from assistant.conversation.money_audit import audit_money_steps
from assistant.conversation.policy import shipped_routing
from assistant.conversation.replay import remember, replayed
from assistant.conversation.reply_parts import lang, say
from assistant.conversation.router import Knowledge, TurnRouter
from assistant.conversation.schemas import (
    EventIn,
    JourneyInfo,
    Reply,
    SessionCreate,
    SessionCreated,
    SessionView,
    TranscriptTurn,
    TurnIn,
    TurnOut,
)
from assistant.llm.port import Rephraser
from assistant.nlu.catalogue import shipped_catalogue
from assistant.nlu.refine import refine
from assistant.nlu.understanding import TurnUnderstanding
from assistant.risk import RiskEngine, money_journeys
from assistant.risk.desk import RiskDesk
from assistant.store.sessions import NewTurn, SessionStore, as_utc
from assistant.store.tables import SessionRow
from integrations.pii import mask_data, mask_text

STAFF_EVENTS = {"authorization_decided"}  # events only staff may send (see staff_event)


class SessionEnded(LookupError):
    """The session exists but has ended; no more turns."""


class Understanding(Protocol):
    def understand(self, text: str, language: Any = "zh") -> TurnUnderstanding: ...


SlotExtractor = Callable[[str], dict[str, Any]]


@dataclass
class Turn:
    """What one turn works on: the session, its state (saved at the end), timings and back-end calls."""

    row: SessionRow
    state: dict[str, Any]
    language: str
    stages: dict[str, float] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    def lap(self, stage: str, since: float) -> float:
        now = time.perf_counter()
        self.stages[stage] = round(self.stages.get(stage, 0.0) + (now - since) * 1000, 2)
        return now

    def latency(self) -> dict[str, float]:
        return {**self.stages, "total": round((time.perf_counter() - self.started) * 1000, 2)}


class ConversationService:
    def __init__(
        self,
        sessions: SessionStore,
        handoffs: HandoffDesk,
        understanding: Understanding,
        extract_slots: SlotExtractor,
        knowledge: Knowledge | None,
        journeys: JourneyDriver | None = None,
        idle_timeout_s: float = 600.0,
        risk: RiskEngine | None = None,
    ) -> None:
        self._sessions = sessions
        self._handoffs = handoffs
        self._nlu = understanding
        self._extract_slots = extract_slots
        self._journeys = journeys
        self._router = TurnRouter(handoffs, knowledge, journeys, shipped_catalogue(), shipped_routing())
        self._idle = dt.timedelta(seconds=idle_timeout_s)
        self._locks = SessionLocks()
        money = money_journeys(journeys.engine.flows) if journeys is not None else frozenset()
        self._risk = RiskDesk(risk or RiskEngine(money=money), handoffs, journeys)
        self.after_end: Callable[[str], Any] | None = None  # the compliance pass (set by the runtime)
        self.on_end: list[Callable[[str], Awaitable[Any]]] = []  # e.g. release the visit's reservations (runtime)
        self.audit: AuditLog | None = None  # money-moving steps go into the audit chain (set by the runtime)
        # Forms prepared on the phone (assistant.mobile.prepared, set by assistant.api.mobile.wire): a scanned
        # QR code that carries one starts its journey with the slots filled at home.
        self.prepared: Callable[[dict[str, Any], str, dict[str, Any]], Awaitable[Any]] | None = None

    @property
    def rephraser(self) -> Rephraser | None:
        """The optional LLM that rewords grounded answers (set by the runtime when it is on)."""
        return self._router.rephraser

    @rephraser.setter
    def rephraser(self, rephraser: Rephraser | None) -> None:
        self._router.rephraser = rephraser

    # -- sessions ---------------------------------------------------------------------------------

    async def create_session(self, request: SessionCreate, opened_by: str | None = None) -> SessionCreated:
        """`opened_by`: the member of staff who opened a counter conversation (only they may speak in it)."""
        language = request.language or "zh"
        state: dict[str, Any] = {"language": language, "unclear_streak": 0}
        if opened_by:
            state["opened_by"] = opened_by
        row = await asyncio.to_thread(
            self._sessions.create, request.channel, request.branch_id, request.device_id, language, state
        )
        reply = Reply(
            text=replies.render("welcome", language),
            language=lang(language),
            suggestions=replies.options("welcome_suggestions", language),
        )
        await asyncio.to_thread(
            self._sessions.append_turn, row.id, NewTurn(speaker="assistant", text=reply.text, source="system")
        )
        return SessionCreated(session_id=row.id, reply=finish_reply(reply))

    async def view(self, session_id: str) -> SessionView:
        row = await asyncio.to_thread(self._sessions.get, session_id)
        turns = await asyncio.to_thread(self._sessions.turns, session_id)
        journey = row.state.get("journey_info")
        customer = row.state.get("customer")
        return SessionView(
            session_id=row.id,
            channel=row.channel,
            branch_id=row.branch_id,
            device_id=row.device_id,
            language=row.language,
            status=row.status,
            journey=JourneyInfo(**journey) if journey else None,
            customer=mask_data(customer) if customer else None,
            created_at=row.created_at.isoformat(),
            ended_at=row.ended_at.isoformat() if row.ended_at else None,
            transcript=[
                TranscriptTurn(
                    seq=t.seq,
                    speaker=t.speaker,
                    text=mask_text(t.text),
                    source=t.source,
                    intent=t.intent,
                    created_at=t.created_at.isoformat(),
                )
                for t in turns
            ],
            referrals=mask_data(row.state.get("referrals") or []),
            follow_ups=mask_data(row.state.get("follow_ups") or []),
        )

    async def live_expert(self, session_id: str) -> str | None:
        """The colleague serving this session right now, if any (see `HandoffDesk.live_expert`)."""
        return await asyncio.to_thread(self._handoffs.live_expert, session_id)

    async def end(self, session_id: str) -> SessionView:
        async with self._locks.hold(session_id):
            await asyncio.to_thread(self._sessions.end, session_id)
        if self.after_end is not None:  # off the event loop; it logs its own failures, never fails the end
            await asyncio.to_thread(self.after_end, session_id)
        for hook in self.on_end:  # each logs its own failures
            await hook(session_id)
        return await self.view(session_id)

    # -- turns and events -------------------------------------------------------------------------

    async def turn(self, session_id: str, turn_in: TurnIn) -> TurnOut:
        checked = check(turn_in.text)  # raises InputRejected before anything is recorded
        async with self._locks.hold(session_id):
            turn = await self._begin(session_id)
            if (again := replayed(turn.state, turn_in.turn_id)) is not None:
                return again
            if turn_in.source != "touch" and await self.live_expert(session_id):
                return await self._to_expert(turn, turn_in, checked.text)
            mark = time.perf_counter()
            if checked.injection:
                out = TurnOut(
                    reply=say("injection_refused", turn.language),
                    intent="injection_attempt",
                    risk=[{"type": "prompt_injection", "action": "refused"}],
                )
                turn.lap("guard", mark)
            else:
                understood = await asyncio.to_thread(self._nlu.understand, checked.text, turn.language)
                slots = await asyncio.to_thread(self._extract_slots, checked.text)
                understood = refine(understood, checked.text, slots)
                turn.lap("nlu", mark)
                if understood.language in ("zh", "en"):
                    turn.language = turn.state["language"] = understood.language
                understood, context = with_context(checked.text, understood, turn.state, self._router.catalogue)
                route = lambda: self._router.route(turn, checked.text, understood, slots, context)  # noqa: E731
                out = await self._risk.turn(
                    turn,
                    checked.text,
                    understood.intent,
                    route,
                    self._router.journey_step,
                    self._router.journey_out,
                    business=(understood.business, understood.confidence),
                )
                out.intent, out.slots = understood.intent, slots
                out.act, out.business = understood.act, understood.business
            out.latency_ms = turn.latency()
            remember(turn.state, turn_in.turn_id, out)
            await asyncio.to_thread(self._record, turn, turn_in, checked.text, out)
            return out

    async def event(self, session_id: str, event: EventIn) -> TurnOut:
        """Screen and device events: a touch is a turn; identification events go to the journey."""
        if event.type == "touch":
            text = str(event.data.get("text") or event.data.get("label") or "")
            return await self.turn(session_id, TurnIn(text=text, source="touch", turn_id=event.turn_id))
        if event.type in ("vision", "consent"):
            return await self._observe(session_id, event)
        if self._journeys is None or event.type not in IDENTIFY_EVENTS | VERIFY_EVENTS:
            raise InputRejected(f"event type {event.type!r} is not handled")
        async with self._locks.hold(session_id):
            turn = await self._begin(session_id)
            if (again := replayed(turn.state, event.turn_id)) is not None:
                return again
            payload = {"type": event.type, "data": event.data}
            if event.type in VERIFY_EVENTS and not is_active(turn.state):
                raise InputRejected("no journey of this session is waiting for a PIN or a face check")
            opened = None
            if self.prepared is not None and event.type == "qr_scanned":
                opened = await self.prepared(event.data, session_id, turn.state)  # a form prepared on the phone?
            if opened is not None:
                result = await opened.start(self._router.journey_step, turn, payload)
            elif is_active(turn.state):
                result = await self._router.journey_step(turn, "advance", action="event", event=payload)
            else:
                journey = CHECK_IN_JOURNEY if event.type == "booking_code" else IDENTIFY_JOURNEY
                result = await self._router.journey_step(turn, "start", journey=journey, event=payload)
            out = await self._risk.identified(
                turn, await self._router.journey_out(turn, result), self._router.journey_step
            )
            out.intent = f"event:{event.type}"
            out.latency_ms = turn.latency()
            remember(turn.state, event.turn_id, out)
            record_in = TurnIn(text=f"[{event.type}]", source="device")
            await asyncio.to_thread(self._record, turn, record_in, record_in.text, out)
            return out

    async def staff_event(self, session_id: str, event: dict[str, Any], actor: str) -> TurnOut:
        """An event from staff, never open to kiosks: an authorisation decision moves the waiting journey
        on. The decision is recorded as a `staff` turn (who decided what), then the assistant's reply."""
        kind, data = event.get("type"), dict(event.get("data") or {})
        if kind not in STAFF_EVENTS:
            raise InputRejected(f"staff event type {kind!r} is not handled")
        async with self._locks.hold(session_id):
            turn = await self._begin(session_id)
            awaiting = (turn.state.get("journey") or {}).get("awaiting") or {}
            if self._journeys is None or not is_active(turn.state) or awaiting.get("kind") != "authorization":
                raise InputRejected("no journey of this session is waiting for an authorisation")
            payload = {"type": kind, "data": data}
            result = await self._router.journey_step(turn, "advance", action="event", event=payload)
            out = await self._router.journey_out(turn, result)
            out.intent = f"event:{kind}"
            out.latency_ms = turn.latency()
            status = data.get("status", "")
            staff = NewTurn(
                speaker="staff",
                text=f"[{kind}: {data.get('authorization_id') or data.get('id')} {status} by {actor}]",
                source="device",
                intent=out.intent,
            )
            await asyncio.to_thread(self._store, turn, staff, out)
            return out

    async def _to_expert(self, turn: Turn, turn_in: TurnIn, text: str) -> TurnOut:
        """While a colleague serves the customer live, the bot is quiet: what the customer says is for the
        colleague (the kiosk relays it as live transcript) and is recorded, but no journey moves and nothing
        is answered. Risk still listens, so a scam script said to the expert is flagged on their console.
        Taps on the screen still reach the journey: they are the customer acting on what the expert shows."""
        engine = self._risk.engine
        engine.hear(turn.state, text)
        decision = engine.assess(turn.state)
        out = TurnOut(reply=Reply(text="", language=lang(turn.language)), intent="to_expert")
        out.risk.append(decision.to_dict())
        out.latency_ms = turn.latency()
        remember(turn.state, turn_in.turn_id, out)
        said = NewTurn(
            speaker="customer",
            text=text,
            source=turn_in.source,
            asr_confidence=turn_in.asr_confidence,
            intent=out.intent,
            risk=out.risk,
        )
        await asyncio.to_thread(self._sessions.record, turn.row.id, [said], turn.state, turn.row.version)
        return out

    async def _observe(self, session_id: str, event: EventIn) -> TurnOut:
        """Camera and consent events: risk evidence and the consent record; nothing recorded for events
        that concern neither (gaze, arrival), so a busy camera does not flood the transcript."""
        async with self._locks.hold(session_id):
            turn = await self._begin(session_id)
            out = await self._risk.observe(turn, {"type": event.type, "data": event.data}, self._router.journey_step)
            if out is None:
                return TurnOut(reply=Reply(text="", language=lang(turn.language)), intent=f"event:{event.type}")
            label = f"[{event.type}:{event.data.get('event')}]" if event.type == "vision" else f"[{event.type}]"
            out.intent, out.slots, out.latency_ms = f"event:{event.type}", dict(event.data), turn.latency()
            finish_reply(out.reply, turn.state)
            seen = NewTurn("customer", label, "device", intent=out.intent, slots=mask_data(out.slots), risk=out.risk)
            said = [NewTurn("assistant", out.reply.text, "system", latency_ms=out.latency_ms)] if out.reply.text else []
            await asyncio.to_thread(self._sessions.record, session_id, [seen, *said], turn.state, turn.row.version)
            return out

    async def _begin(self, session_id: str) -> Turn:
        row = await asyncio.to_thread(self._sessions.get, session_id)
        if row.status == "active" and as_utc(row.updated_at) < dt.datetime.now(dt.UTC) - self._idle:
            await asyncio.to_thread(self._sessions.end, session_id)
            raise SessionEnded(session_id)
        if row.status == "ended":
            raise SessionEnded(session_id)
        state = dict(row.state)
        return Turn(row=row, state=state, language=str(state.get("language", row.language)))

    def _record(self, turn: Turn, turn_in: TurnIn, text: str, out: TurnOut) -> None:
        """The new state and both utterances in one transaction: a session another process changed
        meanwhile refuses all of it, so the transcript never shows a turn whose effects were lost."""
        customer = NewTurn(
            speaker="customer",
            text=text,
            source=turn_in.source,
            asr_confidence=turn_in.asr_confidence,
            intent=out.intent,
            slots=mask_data(out.slots),
            risk=out.risk,
        )
        self._store(turn, customer, out)

    def _store(self, turn: Turn, first: NewTurn, out: TurnOut) -> None:
        """`first` (what the customer said, or what staff decided), the assistant's reply and the new state
        in one transaction, then the turn's money steps into the audit chain."""
        finish_reply(out.reply, turn.state)  # screen text presented, spoken text lobby-safe
        reply = NewTurn(
            speaker="assistant",
            text=out.reply.text,
            source="system",
            backend_calls=turn.calls,
            citations=[c.model_dump() for c in out.reply.citations],
            latency_ms=out.latency_ms,
        )
        self._sessions.record(turn.row.id, [first, reply], turn.state, expected_version=turn.row.version)
        self._audit_money(turn)

    def _audit_money(self, turn: Turn) -> None:
        """After the turn is stored: a money step that the transcript shows is also in the audit chain."""
        if self.audit is not None:
            row = turn.row
            audit_money_steps(self.audit, row.id, row.channel, row.device_id, turn.calls)
