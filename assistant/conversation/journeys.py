"""The conversation's side of the journey engine: when to start, continue or pause a journey, and how
an engine result becomes the turn's reply, cards, transcript calls and handoff.

The engine's state is kept in the session row under `journey`; `journey_info` is the small summary the
API returns. Back-end call arguments are masked here, before they reach the transcript.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from assistant.conversation.citations import DocumentCitations
from assistant.conversation.schemas import Card, Citation, JourneyInfo, Reply
from assistant.conversation.speech_text import private_swaps
from assistant.journeys import AdvanceResult, JourneyEngine, JourneyInput
from assistant.journeys.slots import SlotError, coerce
from assistant.nlu.labelled import looks_like_question
from integrations.pii import mask_data

ACTIVE = ("active", "waiting_authorization")
IDENTIFY_EVENTS = {"id_card_read", "qr_scanned", "booking_code", "phone_entered"}
# The customer's PIN and face for a journey's verify step: only into an active journey, never recorded
VERIFY_EVENTS = {"pin_entered", "face_captured"}
IDENTIFY_JOURNEY = "welcome_identify"
CHECK_IN_JOURNEY = "booking_check_in"
KEPT_ITEMS = 20  # referrals / follow-ups kept per session (bounded memory per session)


_CANCEL = re.compile(r"(取消|不办了|不要办了|算了|不用办|退出|\bcancel\b|\bquit\b|\bstop\b)", re.IGNORECASE)


def wants_cancel(text: str) -> bool:
    """Cancelling a journey is explicit: the customer says so (取消 / 不办了 / cancel)."""
    return bool(_CANCEL.search(text))


def is_active(state: dict[str, Any]) -> bool:
    info = state.get("journey_info") or {}
    return info.get("status") in ACTIVE and bool(state.get("journey"))


class JourneyDriver:
    def __init__(self, engine: JourneyEngine, citations: DocumentCitations | None = None) -> None:
        """`citations` looks up the knowledge documents journeys cite (default: the approved content files)."""
        self.engine = engine
        self.documents = citations or DocumentCitations()

    def citations(self, result: AdvanceResult, language: str) -> list[Citation]:
        """The knowledge behind the facts this result states, as the reply's citations."""
        if not result.citations:
            return []
        lang = "en" if language == "en" else "zh"
        return self.documents.cite(result.citations, result.text(lang), language=lang)

    def journey_for(self, intent: str) -> str | None:
        return self.engine.journey_for_intent(intent)

    def title(self, journey: str, language: str) -> str:
        """The journey's name as a customer reads it (from its flow file)."""
        return self.engine.flows[journey].title.pick(language)

    def awaited_slot(self, state: dict[str, Any]) -> str | None:
        awaiting = (state.get("journey") or {}).get("awaiting") or {}
        slot = awaiting.get("slot")
        return str(slot) if slot else None

    def _awaited_spec(self, state: dict[str, Any]) -> Any:
        """The slot spec of the question the active journey is waiting on, or None."""
        slot = self.awaited_slot(state)
        flow = self.engine.flows.get(str((state.get("journey") or {}).get("journey") or ""))
        return flow.slots.get(slot) if flow is not None and slot else None

    def answers_awaited(self, state: dict[str, Any], text: str) -> bool:
        """True when `text` names one of the awaited choice slot's options ("salary" to "what is the account
        for: salary, savings...?"): an answer to the question, however the intent engine reads it."""
        spec = self._awaited_spec(state)
        if spec is None or not spec.choices:
            return False
        return _fits(spec.model_copy(update={"allow_other": False}), text)

    def could_answer_awaited(self, state: dict[str, Any], text: str) -> bool:
        """True when `text` is an acceptable value of the awaited slot as the journey would read it (a bank
        the choices do not list, a name, an amount) and does not ask anything: an answer, unless the turn
        is surely something else ("远洋商业银行" read as a complaint at p 0.3 is an answer)."""
        if self.answers_awaited(state, text):
            return True
        spec = self._awaited_spec(state)
        return spec is not None and not looks_like_question(text) and _fits(spec, text)

    async def start(
        self,
        journey: str,
        session: Any,
        state: dict[str, Any],
        slots: dict[str, Any],
        event: dict[str, Any] | None = None,
        text: str | None = None,
    ) -> AdvanceResult:
        customer = state.get("customer") or {}
        context = {
            "session_id": session.id,
            "branch_id": session.branch_id or "BJ001",
            "channel": session.channel,
            "language": state.get("language", session.language),
            "customer_id": customer.get("customer_id"),
            "identified_by": customer.get("identified_by"),
        }
        return await self.engine.start(journey, context, slots=slots, event=event, text=text)

    async def advance(
        self,
        state: dict[str, Any],
        action: str = "reply",
        text: str | None = None,
        slots: dict[str, Any] | None = None,
        event: dict[str, Any] | None = None,
    ) -> AdvanceResult:
        payload = JourneyInput(action=action, text=text, slots=slots or {}, event=event)
        return await self.engine.advance(state["journey"], payload)

    async def reask(self, state: dict[str, Any]) -> AdvanceResult:
        return await self.engine.current_prompt(state["journey"])


def apply(result: AdvanceResult, state: dict[str, Any]) -> JourneyInfo:
    """Keep the engine's state and what it learnt about the customer in the session state."""
    state["journey"] = result.state
    info = JourneyInfo(name=result.journey.name, step=result.journey.step, status=result.journey.status)
    state["journey_info"] = info.model_dump()
    customer = result.state.get("customer")
    if customer and customer.get("customer_id"):
        known = {**(state.get("customer") or {}), **customer}
        known["identified_by"] = customer.get("verified_by") or customer.get("matched_by") or known.get("identified_by")
        state["customer"] = known
        profile = result.state.get("profile") or {}
        if profile.get("is_elderly") is not None:
            state["customer"]["elderly"] = bool(profile.get("is_elderly"))
    _keep(state, "referrals", result.referrals, info.name)
    _keep(state, "follow_ups", result.follow_ups, info.name)
    if info.status not in ACTIVE:
        state.pop("journey", None)
    return info


def _keep(state: dict[str, Any], key: str, items: list[dict[str, Any]], journey: str) -> None:
    """Referrals and follow-ups outlive their journey: kept in the session state (the customer manager's
    list reads them from there), stamped with when they were made, at most `KEPT_ITEMS` per session."""
    if not items:
        return
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    kept = list(state.get(key) or [])
    kept.extend({"journey": journey, **item, "created_at": now} for item in items)
    state[key] = kept[-KEPT_ITEMS:]


def reply_of(result: AdvanceResult, language: str, prefix: str = "") -> Reply:
    lang = "en" if language == "en" else "zh"
    text = result.text(lang)
    reply = Reply(
        text=(prefix + text).strip(),
        language=lang,
        cards=[Card(type=c.type, title=c.title.get(lang) or c.title.get("zh"), data=c.data) for c in result.cards],
        suggestions=[s.get(lang) or s.get("zh") or "" for s in result.suggestions],
    )
    reply._spoken_swaps = private_swaps(result.reply, lang)
    return reply


def masked_calls(result: AdvanceResult) -> list[dict[str, Any]]:
    """Back-end calls for the transcript: arguments and results with personal data masked."""
    return [
        {
            "operation": call.operation,
            "arguments": mask_data(call.arguments),
            "idempotency_key": call.idempotency_key,
            "ok": call.ok,
            "error": call.error,
            "result": mask_data(call.result) if isinstance(call.result, dict | list) else call.result,
            "duration_ms": call.duration_ms,
        }
        for call in result.calls
    ]


def _fits(spec: Any, text: str) -> bool:
    """Whether the slot would accept `text` as its value."""
    try:
        coerce(spec, text)
    except SlotError:
        return False
    return True
