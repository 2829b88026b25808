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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from assistant.audit import AuditLog
from assistant.conversation import replies
from assistant.conversation.guard import InputRejected, check
from assistant.conversation.handoffs import HandoffDesk
from assistant.conversation.journeys import (
    CHECK_IN_JOURNEY,
    IDENTIFY_EVENTS,
    IDENTIFY_JOURNEY,
    JOURNEY_ANSWERS,
    KNOWLEDGE_INTENTS,
    SWITCH_MIN_CONFIDENCE,
    JourneyDriver,
    action_for,
    apply,
    is_active,
    looks_like_question,
    masked_calls,
    reply_of,
)
from assistant.conversation.locks import SessionLocks
from assistant.conversation.money_audit import audit_money_steps
from assistant.conversation.schemas import (
    Card,
    Citation,
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
from assistant.journeys import AdvanceResult
from assistant.llm.port import Rephraser
from assistant.nlu.intents import IntentResult
from assistant.risk import RiskEngine, money_journeys
from assistant.risk.desk import RiskDesk
from assistant.store.sessions import NewTurn, SessionStore, as_utc
from assistant.store.tables import SessionRow
from integrations.pii import mask_data, mask_text
from knowledge.models import Answer

DIALOGUE_INTENTS = {"greeting", "thanks", "goodbye", "chitchat", "out_of_scope"}
IDLE_CONTROL_INTENTS = {"confirm", "deny", "go_back", "start_over"}  # outside a journey: nothing to act on
LOW_CONFIDENCE_LIMIT = 2  # two unclear turns in a row bring a human
GUESS_MIN_CONFIDENCE = 0.35  # below this a "did you mean ...?" guess is noise
STAFF_EVENTS = {"authorization_decided"}  # events only staff may send (see staff_event)


class SessionEnded(LookupError):
    """The session exists but has ended; no more turns."""


class Understanding(Protocol):
    def classify(self, text: str, language: Any = "zh") -> IntentResult: ...


class Knowledge(Protocol):
    def answer(self, question: str, audience: str = "customer", as_of: dt.date | None = None) -> Answer: ...


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
        self._knowledge = knowledge
        self._journeys = journeys
        self._idle = dt.timedelta(seconds=idle_timeout_s)
        self._locks = SessionLocks()
        money = money_journeys(journeys.engine.flows) if journeys is not None else frozenset()
        self._risk = RiskDesk(risk or RiskEngine(money=money), handoffs, journeys)
        self.after_end: Callable[[str], Any] | None = None  # the compliance pass (set by the runtime)
        self.rephraser: Rephraser | None = None  # the optional LLM (set by the runtime when it is on)
        self.audit: AuditLog | None = None  # money-moving steps go into the audit chain (set by the runtime)

    # -- sessions ---------------------------------------------------------------------------------

    async def create_session(self, request: SessionCreate) -> SessionCreated:
        language = request.language or "zh"
        row = await asyncio.to_thread(
            self._sessions.create,
            request.channel,
            request.branch_id,
            request.device_id,
            language,
            {"language": language, "unclear_streak": 0},
        )
        reply = Reply(
            text=replies.render("welcome", language),
            language=_lang(language),
            suggestions=replies.options("welcome_suggestions", language),
        )
        await asyncio.to_thread(
            self._sessions.append_turn, row.id, NewTurn(speaker="assistant", text=reply.text, source="system")
        )
        return SessionCreated(session_id=row.id, reply=reply)

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

    async def end(self, session_id: str) -> SessionView:
        async with self._locks.hold(session_id):
            await asyncio.to_thread(self._sessions.end, session_id)
        if self.after_end is not None:  # off the event loop; it logs its own failures, never fails the end
            await asyncio.to_thread(self.after_end, session_id)
        return await self.view(session_id)

    # -- turns and events -------------------------------------------------------------------------

    async def turn(self, session_id: str, turn_in: TurnIn) -> TurnOut:
        checked = check(turn_in.text)  # raises InputRejected before anything is recorded
        async with self._locks.hold(session_id):
            turn = await self._begin(session_id)
            mark = time.perf_counter()
            if checked.injection:
                out = TurnOut(
                    reply=self._say("injection_refused", turn.language),
                    intent="injection_attempt",
                    risk=[{"type": "prompt_injection", "action": "refused"}],
                )
                turn.lap("guard", mark)
            else:
                understood = await asyncio.to_thread(self._nlu.classify, checked.text, turn.language)
                slots = await asyncio.to_thread(self._extract_slots, checked.text)
                turn.lap("nlu", mark)
                if understood.language in ("zh", "en"):
                    turn.language = turn.state["language"] = understood.language
                route = lambda: self._route(turn, checked.text, understood, slots)  # noqa: E731
                out = await self._risk.turn(
                    turn, checked.text, understood.intent, route, self._journey_step, self._journey_out
                )
                out.intent, out.slots = understood.intent, slots
            out.latency_ms = turn.latency()
            await asyncio.to_thread(self._record, turn, turn_in, checked.text, out)
            return out

    async def event(self, session_id: str, event: EventIn) -> TurnOut:
        """Screen and device events: a touch is a turn; identification events go to the journey."""
        if event.type == "touch":
            text = str(event.data.get("text") or event.data.get("label") or "")
            return await self.turn(session_id, TurnIn(text=text, source="touch"))
        if event.type in ("vision", "consent"):
            return await self._observe(session_id, event)
        if self._journeys is None or event.type not in IDENTIFY_EVENTS:
            raise InputRejected(f"event type {event.type!r} is not handled")
        async with self._locks.hold(session_id):
            turn = await self._begin(session_id)
            payload = {"type": event.type, "data": event.data}
            if is_active(turn.state):
                result = await self._journey_step(turn, "advance", action="event", event=payload)
            else:
                journey = CHECK_IN_JOURNEY if event.type == "booking_code" else IDENTIFY_JOURNEY
                result = await self._journey_step(turn, "start", journey=journey, event=payload)
            out = await self._risk.identified(turn, await self._journey_out(turn, result), self._journey_step)
            out.intent = f"event:{event.type}"
            out.latency_ms = turn.latency()
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
            result = await self._journey_step(turn, "advance", action="event", event=payload)
            out = await self._journey_out(turn, result)
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

    async def _observe(self, session_id: str, event: EventIn) -> TurnOut:
        """Camera and consent events: risk evidence and the consent record; nothing recorded for events
        that concern neither (gaze, arrival), so a busy camera does not flood the transcript."""
        async with self._locks.hold(session_id):
            turn = await self._begin(session_id)
            out = await self._risk.observe(turn, {"type": event.type, "data": event.data}, self._journey_step)
            if out is None:
                return TurnOut(reply=Reply(text="", language=_lang(turn.language)), intent=f"event:{event.type}")
            label = f"[{event.type}:{event.data.get('event')}]" if event.type == "vision" else f"[{event.type}]"
            out.intent, out.slots, out.latency_ms = f"event:{event.type}", dict(event.data), turn.latency()
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

    # -- routing ----------------------------------------------------------------------------------

    async def _route(self, turn: Turn, text: str, understood: IntentResult, slots: dict[str, Any]) -> TurnOut:
        intent = understood.intent
        if intent == "human_agent":
            return await self._handoff(turn, "requested", "general", intent, slots, "handoff_created")
        if intent == "complaint":
            return await self._handoff(turn, "complaint", "complaint", intent, slots, "complaint")
        if self._journeys is not None and is_active(turn.state):
            return await self._continue_journey(turn, text, understood, slots)
        journey = self._journeys.journey_for(intent) if self._journeys is not None else None
        asks_policy = intent in KNOWLEDGE_INTENTS or (looks_like_question(text) and intent not in JOURNEY_ANSWERS)
        if journey is not None and not asks_policy:
            turn.state["unclear_streak"] = 0
            return await self._journey_out(
                turn, await self._journey_step(turn, "start", journey=journey, slots={**slots, "intent": intent})
            )
        if intent in DIALOGUE_INTENTS:
            turn.state["unclear_streak"] = 0
            return TurnOut(reply=self._say(intent, turn.language))
        if intent in IDLE_CONTROL_INTENTS:
            return TurnOut(
                reply=self._say(
                    "greeting", turn.language, suggestions=replies.options("welcome_suggestions", turn.language)
                )
            )
        return await self._answer(turn, text, understood, slots)

    async def _continue_journey(
        self, turn: Turn, text: str, understood: IntentResult, slots: dict[str, Any]
    ) -> TurnOut:
        assert self._journeys is not None
        intent, driver = understood.intent, self._journeys
        action = action_for(intent, text)
        current = turn.state["journey_info"]["name"]
        other = driver.journey_for(intent)
        awaited = driver.awaited_slot(turn.state)
        fills_awaited = awaited is not None and (bool(slots) or driver.answers_awaited(turn.state, text))
        if fills_awaited and action in ("back", "restart") and understood.source != "rule":
            action = "reply"  # "the one ending 1018" answers the question; only an explicit "go back" goes back
        if action == "reply" and not fills_awaited and (intent in KNOWLEDGE_INTENTS or looks_like_question(text)):
            side = await self._knowledge_answer(turn, text)
            if side is not None and not side.abstained:
                result = await self._journey_step(turn, "reask")
                out = await self._journey_out(
                    turn, result, prefix=side.answer + replies.render("side_question_return", turn.language)
                )
                cited = [_citation(c) for c in side.citations]
                known = {c.doc_id for c in cited}
                out.reply.citations = cited + [c for c in out.reply.citations if c.doc_id not in known]
                out.reply.cards = [c for c in out.reply.cards if c.type != "citations"]
                out.reply.cards.insert(0, _citations_card(out.reply.citations))
                return out
        if (
            action == "reply"
            and other
            and other != current
            and not fills_awaited
            and understood.confidence >= SWITCH_MIN_CONFIDENCE
            and not slots
        ):
            old = driver.title(current, turn.language)
            await self._journey_step(turn, "advance", action="cancel")
            result = await self._journey_step(turn, "start", journey=other, slots={**slots, "intent": intent})
            return await self._journey_out(
                turn, result, prefix=replies.render("journey_switched", turn.language, old=old)
            )
        result = await self._journey_step(turn, "advance", action=action, text=text, slots=slots)
        return await self._journey_out(turn, result)

    async def _journey_step(
        self,
        turn: Turn,
        how: str,
        journey: str = "",
        action: str = "reply",
        text: str | None = None,
        slots: dict[str, Any] | None = None,
        event: dict[str, Any] | None = None,
    ) -> AdvanceResult:
        assert self._journeys is not None
        mark = time.perf_counter()
        if how == "start":
            result = await self._journeys.start(journey, turn.row, turn.state, slots or {}, event)
        elif how == "reask":
            result = await self._journeys.reask(turn.state)
        else:
            result = await self._journeys.advance(turn.state, action, text, slots, event)
        turn.lap("journey", mark)
        apply(result, turn.state)
        turn.calls.extend(masked_calls(result))
        return result

    async def _journey_out(self, turn: Turn, result: AdvanceResult, prefix: str = "") -> TurnOut:
        out = TurnOut(reply=reply_of(result, turn.language, prefix), journey=JourneyInfo(**turn.state["journey_info"]))
        assert self._journeys is not None
        out.reply.citations = self._journeys.citations(result, turn.language)
        if out.reply.citations:
            out.reply.cards.insert(0, _citations_card(out.reply.citations))
        out.risk = [
            {"type": "risk_screen", **c["result"]}
            for c in turn.calls
            if c["operation"] == "risk_screen" and isinstance(c.get("result"), dict)
        ]
        if result.handoff is not None:
            ticket = await asyncio.to_thread(
                self._handoffs.request,
                turn.row.id,
                result.handoff.reason,
                result.handoff.skill,
                None,
                {},
                turn.state.get("customer"),
                out.risk,
                turn.state["journey_info"],
                result.handoff.summary,
            )
            out.handoff = ticket.to_dict()
        return out

    async def _knowledge_answer(self, turn: Turn, text: str) -> Answer | None:
        if self._knowledge is None:
            return None
        mark = time.perf_counter()
        answer = await asyncio.to_thread(self._knowledge.answer, text, "customer")
        turn.lap("knowledge", mark)
        return answer

    async def _answer(self, turn: Turn, text: str, understood: IntentResult, slots: dict[str, Any]) -> TurnOut:
        """Answer from approved knowledge with citations; abstain honestly and count unclear turns."""
        answer = await self._knowledge_answer(turn, text)
        if answer is not None and not answer.abstained:
            turn.state["unclear_streak"] = 0
            citations = [_citation(c) for c in answer.citations]
            spoken = answer.answer
            if self.rephraser is not None:  # reworded only when every fact checks out, else as grounded
                mark = time.perf_counter()
                sources = [c.snippet for c in citations]
                spoken = (await self.rephraser.rephrase(answer.answer, text, sources, turn.language)).text
                turn.lap("llm", mark)
            return TurnOut(
                reply=Reply(
                    text=spoken,
                    language=_lang(turn.language),
                    citations=citations,
                    cards=[_citations_card(citations)] if citations else [],
                )
            )
        turn.state["unclear_streak"] = int(turn.state.get("unclear_streak", 0)) + 1
        if turn.state["unclear_streak"] >= LOW_CONFIDENCE_LIMIT:
            turn.state["unclear_streak"] = 0
            return await self._handoff(
                turn, "low_confidence", "general", understood.intent, slots, "low_confidence_handoff"
            )
        if understood.unclear:
            top = understood.alternatives[0] if understood.alternatives else None
            guess = top.intent if top and top.confidence >= GUESS_MIN_CONFIDENCE else ""
            key = "unclear" if guess and guess not in DIALOGUE_INTENTS | {"unclear"} else "unclear_no_guess"
            return TurnOut(
                reply=self._say(
                    key,
                    turn.language,
                    guess=replies.label("intent_labels", guess, turn.language),
                    suggestions=replies.options("welcome_suggestions", turn.language),
                )
            )
        return TurnOut(
            reply=self._say(
                "knowledge_abstain", turn.language, suggestions=[replies.render("human_label", turn.language)]
            )
        )

    async def _handoff(
        self, turn: Turn, reason: str, skill: str, intent: str | None, slots: dict[str, Any], key: str
    ) -> TurnOut:
        ticket = await asyncio.to_thread(
            self._handoffs.request,
            turn.row.id,
            reason,
            skill,
            intent,
            slots,
            turn.state.get("customer"),
            None,
            turn.state.get("journey_info"),
        )
        text = replies.render(
            key if ticket.new else "handoff_already", turn.language, position=max(ticket.position - 1, 0)
        )
        return TurnOut(reply=Reply(text=text, language=_lang(turn.language)), handoff=ticket.to_dict())

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

    @staticmethod
    def _say(key: str, language: str, suggestions: list[str] | None = None, **values: Any) -> Reply:
        return Reply(
            text=replies.render(key, language, **values), language=_lang(language), suggestions=suggestions or []
        )


def _lang(language: str) -> Any:
    return replies.reply_language(language)


def _citation(raw: dict[str, Any]) -> Citation:
    effective = raw.get("effective_from")
    return Citation(
        doc_id=str(raw.get("doc_id", "")),
        title=str(raw.get("title", "")),
        snippet=str(raw.get("snippet", "")),
        section=raw.get("section"),
        effective_from=None if effective is None else str(effective),
    )


def _citations_card(citations: list[Citation]) -> Card:
    return Card(type="citations", title="依据", data={"items": [c.model_dump() for c in citations]})
