"""The turn router: one understood turn -> the action the routing table names -> its handler.

The service understands a turn once (`assistant.nlu.understanding`), puts the visit's topic into it
(`context.py`), asks the table (`policy.py`, `data/routing.yaml`) what to do, and calls the handler of
that action here. Handlers are the only place that start, continue or switch journeys, answer from
knowledge or hand off; none of them decides *whether* to, the table does.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from assistant.conversation import replies
from assistant.conversation.context import Context, answered_business, remember
from assistant.conversation.handoffs import HandoffDesk
from assistant.conversation.journeys import JourneyDriver, apply, is_active, masked_calls, reply_of, wants_cancel
from assistant.conversation.live_facts import fx_answer
from assistant.conversation.policy import (
    ACT_SURE_MIN_CONFIDENCE,
    SURE_MIN_CONFIDENCE,
    SWITCH_MIN_CONFIDENCE,
    Facts,
    RoutingTable,
)
from assistant.conversation.reply_parts import citation_of, citations_card, lang, say
from assistant.conversation.schemas import JourneyInfo, Reply, TurnOut
from assistant.journeys import AdvanceResult
from assistant.llm.port import Rephraser
from assistant.nlu.catalogue import Business, Catalogue
from assistant.nlu.labelled import looks_like_question
from assistant.nlu.understanding import TurnUnderstanding
from knowledge.models import Answer

LOW_CONFIDENCE_LIMIT = 2  # two unclear turns in a row bring a human
GUESS_MIN_CONFIDENCE = 0.35  # below this a "did you mean ...?" guess is noise
WITHIN_MIN_CONFIDENCE = 0.3  # below this the business does not stand in for an abstaining retrieval
# Routing actions that hand the turn to the active journey as one of its own actions.
JOURNEY_ACTIONS = {
    "journey_cancel": "cancel",
    "journey_yes": "yes",
    "journey_no": "no",
    "journey_back": "back",
    "journey_restart": "restart",
    "journey_reply": "reply",
}
DIALOGUE_REPLIES = {"greeting", "thanks", "goodbye"}
# Slots that fill a journey's question when it is asked but say nothing alone about what the turn wants
# ("工商银行的定期利率多少" names a bank; it is not an answer to the deposit's amount question).
CONTEXT_SLOTS = frozenset({"bank"})


class Knowledge(Protocol):
    def answer(self, question: str, audience: str = "customer", as_of: Any = None) -> Answer: ...

    def answer_within(self, question: str, doc_ids: list[str], audience: str = "customer") -> Answer: ...


class TurnLike(Protocol):
    row: Any
    state: dict[str, Any]
    language: str
    calls: list[dict[str, Any]]

    def lap(self, stage: str, since: float) -> float: ...


class TurnRouter:
    def __init__(
        self,
        handoffs: HandoffDesk,
        knowledge: Knowledge | None,
        journeys: JourneyDriver | None,
        catalogue: Catalogue,
        table: RoutingTable,
    ) -> None:
        self._handoffs = handoffs
        self._knowledge = knowledge
        self._journeys = journeys
        self.catalogue = catalogue
        self.table = table
        self.rephraser: Rephraser | None = None

    # -- deciding ---------------------------------------------------------------------------------

    def facts(self, turn: TurnLike, text: str, understood: TurnUnderstanding, slots: dict[str, Any]) -> Facts:
        business = self.catalogue.get(understood.business)
        in_journey = self._journeys is not None and is_active(turn.state)
        current = (turn.state.get("journey_info") or {}).get("name") if in_journey else None
        slots = {k: v for k, v in slots.items() if k not in CONTEXT_SLOTS}
        fills = could_answer = False
        if in_journey and self._journeys is not None:
            awaited = self._journeys.awaited_slot(turn.state)
            fills = awaited is not None and (bool(slots) or self._journeys.answers_awaited(turn.state, text))
            could_answer = fills or (awaited is not None and self._journeys.could_answer_awaited(turn.state, text))
        journey = business.journey if business is not None else None
        return Facts(
            act=understood.act,
            business=understood.business,
            kind=business.kind if business is not None else "none",
            in_journey=in_journey,
            cancel=in_journey and wants_cancel(text),
            fills_awaited=fills,
            could_answer=could_answer,
            other_journey=journey is not None and journey != current,
            confident=understood.confidence >= SWITCH_MIN_CONFIDENCE,
            sure=understood.source == "rule" or understood.confidence >= SURE_MIN_CONFIDENCE,
            act_sure=understood.source != "model" or understood.act_confidence >= ACT_SURE_MIN_CONFIDENCE,
            offer_pending=not in_journey and isinstance(turn.state.get("offered"), str),
            not_the_journey=business is not None and business.excludes(text),
            has_slots=bool(slots),
            answered_by_journey=business is not None and business.answered_by_journey,
            question_cue=looks_like_question(text),
        )

    async def route(
        self, turn: TurnLike, text: str, understood: TurnUnderstanding, slots: dict[str, Any], context: Context
    ) -> TurnOut:
        facts = dataclasses.replace(self.facts(turn, text, understood, slots), follow_up=context.followed_up)
        action, row = self.table.decide(facts)
        turn.state["last_route"] = {"action": action, "rule": row}
        offered = turn.state.pop("offered", None)  # an offer stands for the next turn only
        if isinstance(offered, str):
            context = dataclasses.replace(context, offered=offered)
        if action in JOURNEY_ACTIONS:
            out = await self._advance(turn, JOURNEY_ACTIONS[action], text, slots)
        else:
            handler: Callable[..., Awaitable[TurnOut]] = getattr(self, f"_do_{action}")
            out = await handler(turn, text, understood, slots, context)
        # a turn the journey took as its answer ("金额改成一千二" read as foreign exchange) is about the journey's
        # business: it must not make a misreading the topic that the next tap ("否") is read within
        about = self._journey_business(turn, understood) if action in JOURNEY_ACTIONS else understood
        remember(turn.state, about, out, self.catalogue)
        return out

    def _journey_business(self, turn: TurnLike, understood: TurnUnderstanding) -> TurnUnderstanding:
        name = (turn.state.get("journey_info") or {}).get("name")
        business = self.catalogue.for_journey(name) if isinstance(name, str) else None
        return dataclasses.replace(understood, business=business.name) if business is not None else understood

    # -- a person ---------------------------------------------------------------------------------

    async def _do_handoff_requested(
        self, turn: TurnLike, text: str, u: TurnUnderstanding, slots: Any, c: Any
    ) -> TurnOut:
        return await self.handoff(turn, "requested", "general", u.intent, slots, "handoff_created")

    async def _do_handoff_complaint(
        self, turn: TurnLike, text: str, u: TurnUnderstanding, slots: Any, c: Any
    ) -> TurnOut:
        return await self.handoff(turn, "complaint", "complaint", u.intent, slots, "complaint")

    # -- inside a journey -------------------------------------------------------------------------

    async def _advance(self, turn: TurnLike, action: str, text: str, slots: dict[str, Any]) -> TurnOut:
        return await self.journey_out(
            turn, await self.journey_step(turn, "advance", action=action, text=text, slots=slots)
        )

    async def _do_journey_side_answer(
        self, turn: TurnLike, text: str, u: TurnUnderstanding, slots: dict[str, Any], context: Context
    ) -> TurnOut:
        """A question (or a business the kiosk cannot do) in the middle of a journey: answered with its
        citations, then the journey's current question again. Nothing to answer -> the journey reads it."""
        side = await self.business_answer(turn, context.query, self.catalogue.get(u.business), u.confidence)
        if side is None or side.abstained:
            return await self._advance(turn, "reply", text, slots)
        result = await self.journey_step(turn, "reask")
        out = await self.journey_out(
            turn, result, prefix=side.answer + replies.render("side_question_return", turn.language)
        )
        cited = [citation_of(c) for c in side.citations]
        known = {c.doc_id for c in cited}
        out.reply.citations = cited + [c for c in out.reply.citations if c.doc_id not in known]
        out.reply.cards = [c for c in out.reply.cards if c.type != "citations"]
        out.reply.cards.insert(0, citations_card(out.reply.citations))
        return out

    async def _do_journey_switch(
        self, turn: TurnLike, text: str, u: TurnUnderstanding, slots: dict[str, Any], c: Any
    ) -> TurnOut:
        assert self._journeys is not None
        business = self.catalogue.get(u.business)
        assert business is not None and business.journey
        old = self._journeys.title(turn.state["journey_info"]["name"], turn.language)
        await self.journey_step(turn, "advance", action="cancel")
        slots = {**slots, "intent": u.intent}
        result = await self.journey_step(turn, "start", journey=business.journey, text=text, slots=slots)
        return await self.journey_out(turn, result, prefix=replies.render("journey_switched", turn.language, old=old))

    # -- outside a journey ------------------------------------------------------------------------

    async def _do_start_journey(
        self, turn: TurnLike, text: str, u: TurnUnderstanding, slots: dict[str, Any], c: Any
    ) -> TurnOut:
        business = self.catalogue.get(u.business)
        if self._journeys is None or business is None or not business.journey:
            return await self._do_answer_or_clarify(turn, text, u, slots, c)
        turn.state["unclear_streak"] = 0
        slots = {**slots, "intent": u.intent}
        result = await self.journey_step(turn, "start", journey=business.journey, text=text, slots=slots)
        return await self.journey_out(turn, result)

    async def _do_answer_and_offer(
        self, turn: TurnLike, text: str, u: TurnUnderstanding, slots: dict[str, Any], context: Context
    ) -> TurnOut:
        """A question about a business the kiosk does: answered, with an offer to start it."""
        business = self.catalogue.get(u.business)
        assert business is not None
        turn.state["offered"] = business.name
        offer = replies.render("offer_start", turn.language, title=business.title.pick(turn.language))
        answer = await self.business_answer(turn, context.query, business, u.confidence)
        if answer is None or answer.abstained:
            turn.state["unclear_streak"] = 0
            title = business.title.pick(turn.language)
            return TurnOut(reply=say("offer_start_question", turn.language, [offer], title=title))
        out = await self.grounded(turn, text, answer)
        out.reply.suggestions = [offer]
        return out

    async def _do_accept_offer(
        self, turn: TurnLike, text: str, u: TurnUnderstanding, slots: dict[str, Any], context: Context
    ) -> TurnOut:
        """A yes (or "那就办吧") to the journey the last reply offered: it starts."""
        offered = context.offered or u.business
        reason = f"accepted the offer of {offered}"
        taken = dataclasses.replace(u, act="request", business=offered, intent=offered, reasons=[*u.reasons, reason])
        return await self._do_start_journey(turn, text, taken, slots, context)

    async def _do_decline_offer(self, turn: TurnLike, text: str, u: Any, slots: Any, c: Any) -> TurnOut:
        suggestions = replies.options("welcome_suggestions", turn.language)
        return TurnOut(reply=say("offer_declined", turn.language, suggestions))

    async def _do_answer_business(
        self, turn: TurnLike, text: str, u: TurnUnderstanding, slots: dict[str, Any], context: Context
    ) -> TurnOut:
        """A business the kiosk cannot do (or wording its journey does not serve): how and where, cited;
        never a journey."""
        business = self.catalogue.get(u.business)
        assert business is not None
        title = business.title.pick(turn.language)
        where = replies.label("where_labels", business.where or "counter", turn.language)
        answer = await self.business_answer(turn, context.query, business, u.confidence)
        if (answer is None or answer.abstained) and u.confidence < WITHIN_MIN_CONFIDENCE:
            return await self._do_answer_or_clarify(turn, text, u, slots, context)
        turn.state["unclear_streak"] = 0
        if (answer is None or answer.abstained) and not business.refer:  # help given here (a scam): a colleague
            staff = [replies.render("human_label", turn.language)]
            return TurnOut(reply=say("business_staff_here", turn.language, staff))
        if answer is None or answer.abstained:
            return TurnOut(
                reply=say(
                    "business_where",
                    turn.language,
                    [replies.render("human_label", turn.language)],
                    title=title,
                    where=where,
                )
            )
        # a request for what the business's journey does not do (提前支取定期) is told so, like an unsupported one
        beyond = business.beyond_the_journey if business.kind == "journey" and business.excludes(text) else None
        refer = u.act == "request" and business.refer and (business.kind == "knowledge" or beyond is not None)
        title = beyond.pick(turn.language) if beyond is not None else title
        prefix = replies.render("not_at_kiosk", turn.language, title=title, where=where) if refer else ""
        out = await self.grounded(turn, text, answer, prefix=prefix)
        return out

    async def _do_refuse_out_of_scope(self, turn: TurnLike, text: str, u: Any, slots: Any, c: Any) -> TurnOut:
        turn.state["unclear_streak"] = 0
        return TurnOut(reply=say("out_of_scope", turn.language))

    async def _do_small_talk(self, turn: TurnLike, text: str, u: TurnUnderstanding, slots: Any, c: Any) -> TurnOut:
        turn.state["unclear_streak"] = 0
        return TurnOut(reply=say(u.intent if u.intent in DIALOGUE_REPLIES else "chitchat", turn.language))

    async def _do_idle_control(self, turn: TurnLike, text: str, u: Any, slots: Any, c: Any) -> TurnOut:
        return TurnOut(reply=say("greeting", turn.language, replies.options("welcome_suggestions", turn.language)))

    async def _do_answer_or_clarify(
        self, turn: TurnLike, text: str, u: TurnUnderstanding, slots: dict[str, Any], context: Context
    ) -> TurnOut:
        """Answer from approved knowledge with citations; abstain honestly and count unclear turns."""
        answer = await self.knowledge_answer(turn, context.query)
        if answer is not None and not answer.abstained:
            turn.state["unclear_streak"] = 0
            return await self.grounded(turn, text, answer)
        turn.state["unclear_streak"] = int(turn.state.get("unclear_streak", 0)) + 1
        if turn.state["unclear_streak"] >= LOW_CONFIDENCE_LIMIT:
            turn.state["unclear_streak"] = 0
            return await self.handoff(turn, "low_confidence", "general", u.intent, slots, "low_confidence_handoff")
        suggestions = replies.options("welcome_suggestions", turn.language)
        guess = self._guess(u)
        if guess is not None:
            title = guess.title.pick(turn.language)
            return TurnOut(reply=say("unclear", turn.language, suggestions, guess=title))
        if u.unclear:
            return TurnOut(reply=say("unclear_no_guess", turn.language, suggestions))
        return TurnOut(reply=say("knowledge_abstain", turn.language, [replies.render("human_label", turn.language)]))

    def _guess(self, u: TurnUnderstanding) -> Business | None:
        """The likeliest business for "did you mean ...?", when it is a real business and likely enough."""
        for candidate in u.businesses[:1]:
            business = self.catalogue.get(candidate.name)
            likely = candidate.confidence >= GUESS_MIN_CONFIDENCE
            if business is not None and business.kind in ("journey", "knowledge") and likely:
                return business
        return None

    # -- shared steps -----------------------------------------------------------------------------

    async def knowledge_answer(self, turn: TurnLike, query: str) -> Answer | None:
        if self._knowledge is None:
            return None
        mark = time.perf_counter()
        answer = await asyncio.to_thread(self._knowledge.answer, query, "customer")
        turn.lap("knowledge", mark)
        return answer

    async def business_answer(
        self, turn: TurnLike, query: str, business: Business | None, confidence: float = 1.0
    ) -> Answer | None:
        """Retrieval's answer unless it comes from another business's documents (the customer asked
        about closing an account and retrieval found opening); then, or when retrieval abstains, the
        best section of the business's own documents (`answer_within`), provided the business itself is
        likely enough to stand in for retrieval's confidence (`WITHIN_MIN_CONFIDENCE`)."""
        answer = await self.knowledge_answer(turn, query)
        if business is not None and business.name == "foreign_exchange" and self._journeys is not None:
            live = await fx_answer(self._journeys.engine.bank, turn.calls, query, turn.language, answer)
            if live is not None:  # today's rates from the bank, not the nearest passage
                if not live.citations and self._knowledge is not None and business.docs:
                    within = await asyncio.to_thread(self._knowledge.answer_within, query, business.docs, "customer")
                    live.citations = [] if within.abstained else within.citations[:1]  # rates are indicative
                return live
        if business is None or not business.docs or self._knowledge is None:
            return answer
        if confidence < WITHIN_MIN_CONFIDENCE and (answer is None or answer.abstained):
            return answer
        if answer is not None and not answer.abstained:
            cited = [str(c.get("doc_id")) for c in answer.citations]
            elsewhere = any(self.catalogue.owners(d) - {business.name} for d in cited)
            if answered_business(answer, business) or not elsewhere:
                return answer
        mark = time.perf_counter()
        within = await asyncio.to_thread(self._knowledge.answer_within, query, business.docs, "customer")
        turn.lap("knowledge", mark)
        return within if not within.abstained else answer

    async def grounded(self, turn: TurnLike, text: str, answer: Answer, prefix: str = "") -> TurnOut:
        citations = [citation_of(c) for c in answer.citations]
        spoken = answer.answer
        if self.rephraser is not None:  # reworded only when every fact checks out, else as grounded
            mark = time.perf_counter()
            sources = [c.snippet for c in citations]
            spoken = (await self.rephraser.rephrase(answer.answer, text, sources, turn.language)).text
            turn.lap("llm", mark)
        reply = Reply(
            text=prefix + spoken,
            language=lang(turn.language),
            citations=citations,
            cards=[citations_card(citations)] if citations else [],
        )
        return TurnOut(reply=reply)

    async def journey_step(
        self,
        turn: TurnLike,
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
            result = await self._journeys.start(journey, turn.row, turn.state, slots or {}, event, text)
        elif how == "reask":
            result = await self._journeys.reask(turn.state)
        else:
            result = await self._journeys.advance(turn.state, action, text, slots, event)
        turn.lap("journey", mark)
        apply(result, turn.state)
        turn.calls.extend(masked_calls(result))
        return result

    async def journey_out(self, turn: TurnLike, result: AdvanceResult, prefix: str = "") -> TurnOut:
        assert self._journeys is not None
        out = TurnOut(reply=reply_of(result, turn.language, prefix), journey=JourneyInfo(**turn.state["journey_info"]))
        out.reply.citations = self._journeys.citations(result, turn.language)
        if out.reply.citations:
            out.reply.cards.insert(0, citations_card(out.reply.citations))
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

    async def handoff(
        self, turn: TurnLike, reason: str, skill: str, intent: str | None, slots: dict[str, Any], key: str
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
        return TurnOut(reply=Reply(text=text, language=lang(turn.language)), handoff=ticket.to_dict())
