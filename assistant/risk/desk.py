"""Where risk decisions meet the conversation: assess around every turn and event, then act.

- before routing: a hold or block stops the money step (the journey is cancelled, nothing executes); a
  new warning during a money step is spoken before the confirmation is asked again;
- after routing: the money step's details and the bank's screening answer join the evidence;
- every turn, inside and outside journeys: a payee named anywhere (转给X, 给X转五万, 收款人X) is screened
  at once against the bank's lists; a script marked `money_floor` holds every later money step;
  an illegal request (renting out a card) is refused with the reason instead of being routed;
- acting: warn -> the reply begins with a calm warning naming the pattern; hold -> a high-priority
  handoff (reason `risk`) and the customer is told a colleague is coming; block -> the same, and no
  money moves for the rest of the visit. Asking for a human always works.
Every decision with its reasons goes into `TurnOut.risk`, which the transcript keeps.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, Literal, Protocol

from assistant.conversation.handoffs import HandoffDesk
from assistant.conversation.journeys import JourneyDriver
from assistant.conversation.schemas import JourneyInfo, Reply, TurnOut
from assistant.journeys import AdvanceResult
from assistant.logging import get_logger
from assistant.risk.combiner import RiskDecision
from assistant.risk.context import memory
from assistant.risk.engine import RiskEngine
from assistant.risk.rules import Pattern, message
from integrations.pii import mask_data

log = get_logger("lobby.risk")

CONFIRMING = ("confirm", "risk_ack")  # a money step waiting for the customer's go-ahead
HUMAN_INTENTS = {"human_agent", "complaint"}
NOT_UNDERSTOOD = {"unclear", "out_of_scope"}  # the NLU's fallbacks: a risk message replaces "didn't catch that"
MAX_NAMES_A_TURN = 3  # payee names screened at the bank in one turn


class TurnLike(Protocol):
    row: Any
    state: dict[str, Any]
    language: str
    calls: list[dict[str, Any]]


Step = Callable[..., Awaitable[AdvanceResult]]
OutOf = Callable[..., Awaitable[TurnOut]]


class RiskDesk:
    def __init__(self, engine: RiskEngine, handoffs: HandoffDesk, journeys: JourneyDriver | None) -> None:
        self.engine = engine
        self._handoffs = handoffs
        self._journeys = journeys

    # -- customer turns ---------------------------------------------------------------------------

    async def turn(
        self,
        turn: TurnLike,
        text: str,
        intent: str,
        route: Callable[[], Awaitable[TurnOut]],
        step: Step,
        out_of: OutOf,
        business: tuple[str, float] | None = None,
    ) -> TurnOut:
        """Route one customer turn with risk control before and after it; `business`: the understanding's
        business and its confidence (a scam story it recognised counts as heard)."""
        engine = self.engine
        memory(turn.state)["channel"] = turn.row.channel
        engine.hear(turn.state, text)
        if business is not None:
            engine.hear_understood(turn.state, business[0], business[1], text)
        await self._screen_payees(turn, engine.payees_to_screen(turn.state, text))
        starts_money = self._journeys is not None and self._journeys.journey_for(intent) in engine.money_journeys
        before = engine.assess(turn.state, opening=starts_money)
        refused = engine.refusal(text) if intent not in HUMAN_INTENTS else None
        if refused is not None:
            return await self.refuse(turn, refused, step)
        if intent not in HUMAN_INTENTS and (before.money or starts_money) and before.at_least("hold"):
            return await self.stop(turn, before, step)
        awaiting = self._awaiting(turn.state)
        news = before.at_least("warn") and bool(engine.unspoken(turn.state, before))
        if before.money and awaiting in CONFIRMING and news:
            out = await out_of(turn, await step(turn, "reask"))
            return self._warn(turn, out, before)
        if intent in NOT_UNDERSTOOD and news:  # what the customer said is the risk: answer it, not "pardon?"
            out = await self._reask(turn, step, out_of)
            return await self.after(turn, out, step)
        out = await route()
        return await self.after(turn, out, step)

    async def after(self, turn: TurnLike, out: TurnOut, step: Step) -> TurnOut:
        """Assess with what the turn changed (slots, the bank's screening) and act on the decision."""
        for flag in out.risk:
            if flag.get("type") == "risk_screen":
                self.engine.note_payment(turn.state, flag)
        await self._screen_payees(turn, self.engine.payees_to_screen(turn.state))  # a payee the journey took
        decision = self.engine.assess(turn.state)
        if decision.at_least("hold") and (decision.money or not memory(turn.state).get("handoff")):
            return await self.stop(turn, decision, step, out)
        if decision.at_least("warn") and self.engine.unspoken(turn.state, decision):
            return self._warn(turn, out, decision)
        out.risk.append(decision.to_dict())
        return out

    async def _screen_payees(self, turn: TurnLike, names: list[str]) -> None:
        """Ask the bank's lists about payees just named (a name alone: the bank scores it as such)."""
        if self._journeys is None:
            return
        channel = "kiosk" if turn.row.channel == "kiosk" else "counter"
        for name in names[:MAX_NAMES_A_TURN]:
            body = {"counterparty_name": name, "channel": channel}
            started = time.perf_counter()
            try:
                answer = await self._journeys.engine.bank.risk_screen(body)
            except Exception as exc:  # advisory: the money step screens the payee again with the account
                log.warning("payee_screen_failed", error=str(exc))
                _record_call(turn, body, None, str(exc), started)
                continue
            _record_call(turn, body, answer, None, started)
            self.engine.note_payee(turn.state, name, answer)

    # -- identification and camera events --------------------------------------------------------

    async def identified(self, turn: TurnLike, out: TurnOut, step: Step) -> TurnOut:
        """Screen a customer against the bank's watch lists once, when they are first identified."""
        customer = turn.state.get("customer") or {}
        customer_id = customer.get("customer_id")
        known = memory(turn.state).get("identity") or {}
        if customer_id and known.get("customer_id") != customer_id and self._journeys is not None:
            body = {"customer_id": customer_id, "channel": "kiosk" if turn.row.channel == "kiosk" else "counter"}
            try:
                answer = await self._journeys.engine.bank.risk_screen(body)
            except Exception as exc:  # the screen is advisory here; the money step screens again
                log.warning("identity_screen_failed", error=str(exc))
                answer = {"decision": "allow", "hits": []}
            self.engine.note_identity(turn.state, str(customer_id), answer)
        return await self.after(turn, out, step)

    async def observe(self, turn: TurnLike, event: dict[str, Any], step: Step) -> TurnOut | None:
        """A camera or consent event; None when it does not concern risk or compliance (gaze, arrival)."""
        data = event.get("data") or {}
        if event.get("type") == "consent":
            turn.state["consent"] = {k: bool(data.get(k)) for k in ("recording", "marketing")}
            return await self.after(turn, TurnOut(reply=Reply(text="", language=_lang(turn.language))), step)
        if self.engine.see(turn.state, data) is None:
            return None
        return await self.after(turn, TurnOut(reply=Reply(text="", language=_lang(turn.language))), step)

    # -- acting -----------------------------------------------------------------------------------

    async def stop(self, turn: TurnLike, decision: RiskDecision, step: Step, out: TurnOut | None = None) -> TurnOut:
        """Hold or block: the money step is cancelled, a colleague is called, the customer is told why."""
        journey = turn.state.get("journey") or {}
        info = turn.state.get("journey_info") or {}
        cancelled = bool(decision.money and journey and not journey.get("executed") and info.get("status") == "active")
        if cancelled:
            await step(turn, "advance", action="cancel")
        risk = memory(turn.state)
        first = not risk.get("handoff")
        ticket = await asyncio.to_thread(
            self._handoffs.request,
            turn.row.id,
            "risk",
            "general",
            None,
            {},
            turn.state.get("customer"),
            [decision.to_dict()],
            turn.state.get("journey_info"),
        )
        risk["handoff"] = True
        risk["stopped"] = decision.action
        language = turn.language
        # waiting for a colleague, a scam newly told ("人家让我转的") is still named, not only "please wait"
        new_script = any(c.startswith("script:") for c in self.engine.unspoken(turn.state, decision))
        text = self.engine.say(decision, language) if first or new_script else message("hold_waiting", language)
        bank_spoke = all(
            c.startswith(("bank:payment:", "context:")) for c in self.engine.unspoken(turn.state, decision)
        )
        self.engine.mark_spoken(turn.state, decision)
        if out is not None and not cancelled:  # no money step stopped: keep the answer, say ours first
            sep = " " if language == "en" else ""
            if not bank_spoke:  # the journey already said the bank's stop in its own words
                out.reply.text = f"{text}{sep}{out.reply.text}".strip()
            if message("human_label", language) not in out.reply.suggestions:
                out.reply.suggestions.append(message("human_label", language))
            out.handoff = ticket.to_dict()
            out.risk.append(decision.to_dict())
            return out
        reply = Reply(
            text=text,
            language="en" if language == "en" else "zh",
            suggestions=[message("human_label", language)],
        )
        shown = cancelled or (out is not None and out.journey is not None)
        info = turn.state.get("journey_info")
        result = TurnOut(reply=reply, journey=JourneyInfo(**info) if shown and info else None, handoff=ticket.to_dict())
        result.risk = [*(out.risk if out is not None else []), decision.to_dict()]
        return result

    async def refuse(self, turn: TurnLike, pattern: Pattern, step: Step) -> TurnOut:
        """An illegal request (lending, renting or selling a card or account): say why it cannot be done,
        instead of routing it; an open journey stops (its purpose was the illegal use). Later money steps
        are held by the pattern's `money_floor`."""
        journey = turn.state.get("journey") or {}
        info = turn.state.get("journey_info") or {}
        cancelled = bool(journey and not journey.get("executed") and info.get("status") == "active")
        if cancelled:
            await step(turn, "advance", action="cancel")
        decision = self.engine.assess(turn.state)
        language = turn.language
        hold = decision.at_least("hold") and not memory(turn.state).get("handoff")
        # with a hold the colleague's message names the pattern and its advice: only the refusal is added
        text = (
            message("refused", language)
            if hold
            else message("refuse_pattern", language, advice=pattern.advice.pick(language))
        )
        reply = Reply(text=text, language=_lang(language), suggestions=[message("human_label", language)])
        shown = turn.state.get("journey_info") if cancelled else None
        out = TurnOut(reply=reply, journey=JourneyInfo(**shown) if shown else None)
        if hold:
            return await self.stop(turn, decision, step, out)
        self.engine.mark_spoken(turn.state, decision)
        out.risk.append(decision.to_dict())
        return out

    def _warn(self, turn: TurnLike, out: TurnOut, decision: RiskDecision) -> TurnOut:
        new = self.engine.unspoken(turn.state, decision)
        bank_only = all(c.startswith("bank:payment:") for c in new)
        if not bank_only:  # the journey speaks the bank's own warning; say ours when it adds something
            warning = self.engine.say(decision, turn.language)
            sep = " " if turn.language == "en" else ""
            out.reply.text = f"{warning}{sep}{out.reply.text}".strip()
            human = message("human_label", turn.language)
            if human not in out.reply.suggestions:
                out.reply.suggestions.append(human)
        self.engine.mark_spoken(turn.state, decision)
        out.risk.append(decision.to_dict())
        return out

    async def _reask(self, turn: TurnLike, step: Step, out_of: OutOf) -> TurnOut:
        """The open journey's question again (the warning goes before it), or an empty reply."""
        if (turn.state.get("journey_info") or {}).get("status") == "active" and self._journeys is not None:
            return await out_of(turn, await step(turn, "reask"))
        return TurnOut(reply=Reply(text="", language=_lang(turn.language)))

    @staticmethod
    def _awaiting(state: dict[str, Any]) -> str | None:
        kind = ((state.get("journey") or {}).get("awaiting") or {}).get("kind")
        return str(kind) if kind else None


def _lang(language: str) -> Literal["zh", "en"]:
    return "en" if language == "en" else "zh"


def _record_call(turn: TurnLike, arguments: dict[str, Any], result: Any, error: str | None, started: float) -> None:
    """A screening the desk made itself goes into the turn's back-end calls (masked), as a journey's do:
    the transcript and the audit show every question put to the bank."""
    turn.calls.append(
        {
            "operation": "risk_screen",
            "arguments": mask_data(arguments),
            "idempotency_key": None,
            "ok": error is None,
            "error": error,
            "result": mask_data(result) if isinstance(result, dict | list) else result,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        }
    )
