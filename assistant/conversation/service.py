"""The conversation service: one customer turn in, one grounded reply out, everything recorded.

A turn goes: guard (clean, refuse injection) -> understanding (intent, slots, language) -> routing
(dialogue reply, knowledge answer with citations, handoff to a human) -> record both turns -> reply.
Heavy work (embeddings, retrieval, the store) runs off the event loop; turns of one session run one at
a time in arrival order.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from assistant.conversation import replies
from assistant.conversation.guard import InputRejected, check
from assistant.conversation.handoffs import HandoffDesk
from assistant.conversation.locks import SessionLocks
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
from assistant.nlu.intents import IntentResult
from assistant.store.sessions import NewTurn, SessionStore
from assistant.store.tables import SessionRow
from integrations.pii import mask_data, mask_text
from knowledge.models import Answer

DIALOGUE_INTENTS = {"greeting", "thanks", "goodbye", "chitchat", "out_of_scope"}
IDLE_CONTROL_INTENTS = {"confirm", "deny", "go_back", "start_over"}  # outside a journey: nothing to act on
LOW_CONFIDENCE_LIMIT = 2  # two unclear turns in a row bring a human
GUESS_MIN_CONFIDENCE = 0.35  # below this a "did you mean ...?" guess is noise


class SessionEnded(LookupError):
    """The session exists but has ended; no more turns."""


class Understanding(Protocol):
    def classify(self, text: str, language: Any = "zh") -> IntentResult: ...


class Knowledge(Protocol):
    def answer(self, question: str, audience: str = "customer", as_of: dt.date | None = None) -> Answer: ...


SlotExtractor = Callable[[str], dict[str, Any]]


@dataclass
class Timer:
    """Latency by stage, in milliseconds, for the turn record and the API."""

    stages: dict[str, float] = field(default_factory=dict)
    _start: float = field(default_factory=time.perf_counter)

    def lap(self, stage: str, since: float) -> float:
        now = time.perf_counter()
        self.stages[stage] = round((now - since) * 1000, 2)
        return now

    def total(self) -> dict[str, float]:
        return {**self.stages, "total": round((time.perf_counter() - self._start) * 1000, 2)}


class ConversationService:
    def __init__(
        self,
        sessions: SessionStore,
        handoffs: HandoffDesk,
        understanding: Understanding,
        extract_slots: SlotExtractor,
        knowledge: Knowledge | None,
    ) -> None:
        self._sessions = sessions
        self._handoffs = handoffs
        self._nlu = understanding
        self._extract_slots = extract_slots
        self._knowledge = knowledge
        self._locks = SessionLocks()

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
        return SessionView(
            session_id=row.id,
            channel=row.channel,
            branch_id=row.branch_id,
            device_id=row.device_id,
            language=row.language,
            status=row.status,
            journey=JourneyInfo(**journey) if journey else None,
            customer=mask_data(row.state.get("customer")) if row.state.get("customer") else None,
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
        )

    async def end(self, session_id: str) -> SessionView:
        async with self._locks.hold(session_id):
            await asyncio.to_thread(self._sessions.end, session_id)
        return await self.view(session_id)

    # -- turns ------------------------------------------------------------------------------------

    async def turn(self, session_id: str, turn: TurnIn) -> TurnOut:
        checked = check(turn.text)  # raises InputRejected before anything is recorded
        async with self._locks.hold(session_id):
            row = await self._active(session_id)
            timer = Timer()
            mark = time.perf_counter()
            state = dict(row.state)
            if checked.injection:
                result = TurnOut(
                    reply=self._say("injection_refused", row.language),
                    intent="injection_attempt",
                    risk=[{"type": "prompt_injection", "action": "refused"}],
                )
                intent_name: str | None = "injection_attempt"
                slots: dict[str, Any] = {}
                mark = timer.lap("guard", mark)
            else:
                understood = await asyncio.to_thread(self._nlu.classify, checked.text, row.language)
                slots = await asyncio.to_thread(self._extract_slots, checked.text)
                mark = timer.lap("nlu", mark)
                language = understood.language if understood.language in ("zh", "en") else row.language
                state["language"] = language
                intent_name = understood.intent
                result = await self._route(row, state, checked.text, understood, slots, language, timer)
            result.intent = intent_name
            result.slots = slots
            result.latency_ms = timer.total()
            await asyncio.to_thread(self._record, row.id, state, turn, checked.text, result)
            return result

    async def event(self, session_id: str, event: EventIn) -> TurnOut:
        """Screen and device events. A touch on a suggestion or button is a turn with source `touch`."""
        if event.type == "touch":
            text = str(event.data.get("text") or event.data.get("label") or "")
            return await self.turn(session_id, TurnIn(text=text, source="touch"))
        raise InputRejected(f"event type {event.type!r} is not handled yet")

    async def _active(self, session_id: str) -> SessionRow:
        row = await asyncio.to_thread(self._sessions.get, session_id)
        if row.status == "ended":
            raise SessionEnded(session_id)
        return row

    async def _route(
        self,
        row: SessionRow,
        state: dict[str, Any],
        text: str,
        understood: IntentResult,
        slots: dict[str, Any],
        language: str,
        timer: Timer,
    ) -> TurnOut:
        intent = understood.intent
        if intent == "human_agent":
            return await self._handoff(row, state, "requested", "general", intent, slots, "handoff_created", language)
        if intent == "complaint":
            return await self._handoff(row, state, "complaint", "complaint", intent, slots, "complaint", language)
        if intent in DIALOGUE_INTENTS:
            state["unclear_streak"] = 0
            return TurnOut(reply=self._say(intent, language))
        if intent in IDLE_CONTROL_INTENTS:
            return TurnOut(
                reply=self._say("greeting", language, suggestions=replies.options("welcome_suggestions", language))
            )
        return await self._answer(row, state, text, understood, slots, language, timer)

    async def _answer(
        self,
        row: SessionRow,
        state: dict[str, Any],
        text: str,
        understood: IntentResult,
        slots: dict[str, Any],
        language: str,
        timer: Timer,
    ) -> TurnOut:
        """Answer from approved knowledge with citations; abstain honestly and count unclear turns."""
        answer: Answer | None = None
        if self._knowledge is not None:
            mark = time.perf_counter()
            answer = await asyncio.to_thread(self._knowledge.answer, text, "customer")
            timer.lap("knowledge", mark)
        if answer is not None and not answer.abstained:
            state["unclear_streak"] = 0
            citations = [_citation(c) for c in answer.citations]
            return TurnOut(
                reply=Reply(
                    text=answer.answer,
                    language=_lang(language),
                    citations=citations,
                    cards=[_citations_card(citations)] if citations else [],
                )
            )
        state["unclear_streak"] = int(state.get("unclear_streak", 0)) + 1
        if state["unclear_streak"] >= LOW_CONFIDENCE_LIMIT:
            state["unclear_streak"] = 0
            return await self._handoff(
                row, state, "low_confidence", "general", understood.intent, slots, "low_confidence_handoff", language
            )
        if understood.unclear:
            top = understood.alternatives[0] if understood.alternatives else None
            guess = top.intent if top and top.confidence >= GUESS_MIN_CONFIDENCE else ""
            key = "unclear" if guess and guess not in DIALOGUE_INTENTS | {"unclear"} else "unclear_no_guess"
            return TurnOut(
                reply=self._say(
                    key,
                    language,
                    guess=_intent_label(guess, language),
                    suggestions=replies.options("welcome_suggestions", language),
                )
            )
        return TurnOut(reply=self._say("knowledge_abstain", language, suggestions=[_human_label(language)]))

    async def _handoff(
        self,
        row: SessionRow,
        state: dict[str, Any],
        reason: str,
        skill: str,
        intent: str | None,
        slots: dict[str, Any],
        key: str,
        language: str,
    ) -> TurnOut:
        ticket = await asyncio.to_thread(
            self._handoffs.request,
            row.id,
            reason,
            skill,
            intent,
            slots,
            state.get("customer"),
            None,
            state.get("journey_info"),
        )
        if not ticket.new:
            key = "handoff_already"
        text = replies.render(key, language, position=max(ticket.position - 1, 0))
        return TurnOut(reply=Reply(text=text, language=_lang(language)), handoff=ticket.to_dict())

    def _record(self, session_id: str, state: dict[str, Any], turn: TurnIn, text: str, result: TurnOut) -> None:
        self._sessions.append_turn(
            session_id,
            NewTurn(
                speaker="customer",
                text=text,
                source=turn.source,
                asr_confidence=turn.asr_confidence,
                intent=result.intent,
                slots=result.slots,
                risk=result.risk,
            ),
        )
        self._sessions.append_turn(
            session_id,
            NewTurn(
                speaker="assistant",
                text=result.reply.text,
                source="system",
                citations=[c.model_dump() for c in result.reply.citations],
                latency_ms=result.latency_ms,
            ),
        )
        self._sessions.save_state(session_id, state)

    @staticmethod
    def _say(key: str, language: str, suggestions: list[str] | None = None, **values: Any) -> Reply:
        return Reply(
            text=replies.render(key, language, **values), language=_lang(language), suggestions=suggestions or []
        )


def _lang(language: str) -> Any:
    return replies.reply_language(language)


def _citation(raw: dict[str, Any]) -> Citation:
    return Citation(
        doc_id=str(raw.get("doc_id", "")),
        title=str(raw.get("title", "")),
        snippet=str(raw.get("snippet", "")),
        section=raw.get("section"),
        effective_from=_str_or_none(raw.get("effective_from")),
    )


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _citations_card(citations: list[Citation]) -> Card:
    return Card(type="citations", title="依据", data={"items": [c.model_dump() for c in citations]})


_LABELS_ZH = {
    "deposit": "存款",
    "withdrawal": "取款",
    "transfer": "转账汇款",
    "balance_enquiry": "查询余额",
    "statement_printing": "打印流水",
    "account_opening": "开户",
    "card_loss": "挂失银行卡",
    "card_replacement": "补办银行卡",
    "time_deposit": "定期存款",
    "wealth_products": "理财产品",
    "loan_enquiry": "贷款咨询",
    "foreign_exchange": "外汇业务",
    "pension_account": "个人养老金",
    "booking_checkin": "预约签到",
    "queue_ticket": "取号排队",
    "mobile_banking_help": "手机银行",
    "branch_info": "网点信息",
    "fees_limits": "收费和限额",
    "fraud_report": "反诈咨询",
}


def _intent_label(intent: str, language: str) -> str:
    if replies.reply_language(language) == "en":
        return intent.replace("_", " ")
    return _LABELS_ZH.get(intent, intent)


def _human_label(language: str) -> str:
    return "找人工服务" if replies.reply_language(language) == "zh" else "Talk to a colleague"
