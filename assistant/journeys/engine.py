"""The journey engine: start a flow, advance it one customer input at a time, re-ask on demand.

The engine holds no per-conversation memory: every call takes the state dict the previous call
returned, so a session can be stored, restored after a restart or continued on another process.
Control actions (cancel, back, start over, side question) are handled here; everything a step does
is in `steps/`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError

from assistant.journeys.catalog import Messages, Products, load_messages, load_products
from assistant.journeys.conditions import evaluate
from assistant.journeys.grounding import STATED_NUMBER
from assistant.journeys.loader import load_flows
from assistant.journeys.ports import BankPort
from assistant.journeys.runtime import Run
from assistant.journeys.slots import SlotError, coerce, map_slots, mentioned_choices, named_card_kind, normalize
from assistant.journeys.spec import CollectStep, Flow
from assistant.journeys.steps import HANDLERS
from assistant.journeys.steps.interaction import slot_options
from assistant.journeys.steps.orders import release_unconfirmed
from assistant.journeys.types import (
    TERMINAL,
    AdvanceResult,
    Event,
    JourneyContext,
    JourneyInfo,
    JourneyInput,
    JourneyState,
)

MAX_STEPS_PER_ADVANCE = 64


class JourneyError(ValueError):
    """Unknown journey or a state that does not validate (the caller's bug, not the customer's)."""


class JourneyEngine:
    """Runs flows against a bank port. One instance per process; it is safe to share."""

    def __init__(
        self,
        bank: BankPort,
        flows: Mapping[str, Flow] | None = None,
        messages: Messages | None = None,
        products: Products | None = None,
        extractor: Callable[[str], Mapping[str, Any]] | None = None,
    ) -> None:
        """`extractor` (e.g. the NLU's `extract_slots`) reads slots from answers that arrive as text only."""
        self.bank = bank
        self.extractor = extractor
        self.flows: dict[str, Flow] = dict(flows) if flows is not None else load_flows()
        self.messages = messages or load_messages()
        self.products = products or load_products()

    def flow(self, name: str) -> Flow:
        try:
            return self.flows[name]
        except KeyError:
            raise JourneyError(f"unknown journey '{name}' (known: {sorted(self.flows)})") from None

    def journey_for_intent(self, intent: str) -> str | None:
        """The journey a flow file declares for an NLU intent, if any."""
        for flow in self.flows.values():
            if intent in flow.intents:
                return flow.name
        return None

    async def start(
        self,
        journey: str,
        context: JourneyContext | Mapping[str, Any],
        slots: Mapping[str, Any] | None = None,
        event: Event | Mapping[str, Any] | None = None,
        text: str | None = None,
    ) -> AdvanceResult:
        """Begin `journey`; `slots` pre-fill what the NLU already extracted, `event` may identify the customer,
        `text` (the opening words) may mention a never-asked choice ("帮我挂失吧，临时挂失就行")."""
        flow = self.flow(journey)
        ctx = context if isinstance(context, JourneyContext) else JourneyContext.model_validate(context)
        state = JourneyState(journey=flow.name, flow_version=flow.version, step=flow.steps[0].id, context=ctx)
        state.card_kind = named_card_kind(text) if text else None
        mentioned = mentioned_choices(text, flow.slots) if text else {}
        inp = JourneyInput(
            slots={**mentioned, **dict(slots or {})},
            event=event if isinstance(event, Event) or event is None else Event.model_validate(event),
        )
        run = self._run(flow, state)
        inp = self._with_slots(flow, inp)
        self._merge_slots(run, inp)
        return await self._loop(run, inp)

    async def advance(self, state: Mapping[str, Any], inp: JourneyInput | Mapping[str, Any]) -> AdvanceResult:
        """Feed one input to a journey and run it until it needs the customer again or ends."""
        st = self._state(state)
        flow = self.flow(st.journey)
        given = inp if isinstance(inp, JourneyInput) else JourneyInput.model_validate(inp)
        run = self._run(flow, st)
        given = self._controls(given)
        if st.status in TERMINAL:
            run.say("engine.finished")
            return self._result(run)
        if given.action == "cancel":
            await release_unconfirmed(run)  # a product reserved for this visit goes back to stock
            return self._cancel(run)
        if given.action == "restart":
            self._restart(run)
            run.say("engine.restarted")
            return await self._loop(run, None)
        if given.action == "back":
            if not self._back(run):
                run.say("engine.cannot_go_back")
                return await self._reprompt(run)
            run.say("engine.back")
            return await self._loop(run, None)
        if given.action == "side_question":
            return await self._reprompt(run)
        given = self._with_slots(flow, given)
        if given.text and (kind := named_card_kind(given.text)) is not None:
            st.card_kind = kind
        self._merge_slots(run, given)
        return await self._loop(run, given)

    async def current_prompt(self, state: Mapping[str, Any]) -> AdvanceResult:
        """Re-ask the current step without changing anything (after the conversation answered a side question)."""
        st = self._state(state)
        return await self._reprompt(self._run(self.flow(st.journey), st))

    # --- internals ---------------------------------------------------------------------------

    def _state(self, state: Mapping[str, Any]) -> JourneyState:
        try:
            st = JourneyState.model_validate(dict(state))
        except ValidationError as e:
            raise JourneyError(f"invalid journey state: {e}") from e
        flow = self.flow(st.journey)
        if st.step is not None and st.step not in {s.id for s in flow.steps}:
            raise JourneyError(f"state is at step '{st.step}', which flow '{flow.name}' v{flow.version} no longer has")
        return st

    def _run(self, flow: Flow, state: JourneyState) -> Run:
        return Run(flow=flow, state=state, bank=self.bank, messages=self.messages, products=self.products)

    def _controls(self, inp: JourneyInput) -> JourneyInput:
        """Plain text that is exactly a control phrase ("取消", "上一步", "重新开始", "重试") acts as that action."""
        if inp.action != "reply" or not inp.text:
            return inp
        said = normalize(inp.text)
        for action, phrases in self.messages.controls.items():
            if said in (normalize(p) for p in phrases):
                return inp.model_copy(update={"action": action})
        return inp

    def _with_slots(self, flow: Flow, inp: JourneyInput) -> JourneyInput:
        """Slots keyed by the flow's names, extracted from the text when the caller passed none."""
        raw = dict(inp.slots)
        # a "no" may carry the right value ("不对，是三千"): read it too, so the correction applies
        if not raw and inp.text and self.extractor is not None and inp.action in ("reply", "no"):
            raw = dict(self.extractor(inp.text))
        mapped = map_slots(raw, flow.slots)
        if inp.text and inp.action in ("reply", "no"):
            mapped = {**mentioned_choices(inp.text, flow.slots), **mapped}
        return inp.model_copy(update={"slots": mapped})

    def _citations(self, run: Run) -> list[str]:
        """Step and product citations always; the flow's own when a reply piece states a number."""
        cited = list(run.citations)
        if any(STATED_NUMBER.search(text) for piece in run.reply for text in piece.text.values()):
            cited += [d for d in run.flow.cite if d not in cited]
        return cited

    def _result(self, run: Run) -> AdvanceResult:
        st = run.state
        return AdvanceResult(
            state=st.to_dict(),
            journey=JourneyInfo(name=st.journey, step=st.step, status=st.status),
            reply=run.reply,
            cards=run.cards,
            suggestions=run.suggestions,
            calls=run.calls,
            handoff=run.handoff,
            authorization=run.authorization,
            referrals=run.referrals,
            follow_ups=run.follow_ups,
            awaiting=st.awaiting,
            citations=self._citations(run),
        )

    def _cancel(self, run: Run) -> AdvanceResult:
        st = run.state
        if (st.awaiting or {}).get("kind") == "authorization":
            run.authorization = {"id": st.awaiting["id"] if st.awaiting else None, "status": "abandoned"}
            run.say("engine.auth_abandoned")
        run.say("engine.cancelled_after_write" if run.any_write_done() else "engine.cancelled")
        st.status, st.awaiting = "cancelled", None
        return self._result(run)

    def _restart(self, run: Run) -> None:
        st, flow = run.state, run.flow
        keep = {k: v for k, v in st.results.items() if k == "check_in"}
        st.slots, st.results, st.history, st.confirmed, st.attempts = {}, keep, [], {}, {}
        st.epoch += 1
        st.awaiting, st.status = None, "active"
        skip = ("identify", "precheck") if st.customer is not None else ()
        first = next((s for s in flow.steps if s.kind not in skip), flow.steps[0])
        st.done = [s.id for s in flow.steps[: flow.index(first.id)]]
        st.step = first.id

    def _back(self, run: Run) -> bool:
        st, flow = run.state, run.flow
        if not st.history:
            return False
        entry = st.history[-1]
        target = flow.index(entry.step)
        if any(flow.index(s) > target for s in st.executed):
            return False
        st.history.pop()
        if entry.slot:
            st.slots.pop(entry.slot, None)
            st.attempts.pop(entry.slot, None)
        else:
            st.confirmed.pop(entry.step, None)
        run.invalidate_confirmations()
        st.step, st.awaiting, st.status = entry.step, None, "active"
        st.done = [d for d in st.done if flow.index(d) < target]
        return True

    def _owner(self, flow: Flow, slot: str) -> int | None:
        for i, s in enumerate(flow.steps):
            if isinstance(s, CollectStep) and slot in s.slots:
                return i
        return None

    def _merge_slots(self, run: Run, inp: JourneyInput) -> None:
        """Take NLU slot values the flow declares, at any step; corrections (a changed earlier answer) are
        acknowledged and rewind so the value is checked, screened and confirmed again."""
        st, flow = run.state, run.flow
        corrections: list[str] = []
        for name, value in inp.slots.items():
            spec = flow.slots.get(name)
            if spec is None:
                continue
            try:
                v = coerce(spec, value, slot_options(run, spec))
            except SlotError:
                continue
            if st.slots.get(name) == v:
                continue
            if name in st.slots:
                if run.any_write_done():
                    run.say("engine.slot_changed_after_write")
                    continue
                corrections.append(name)
            st.slots[name] = v
            st.attempts.pop(f"auto:{name}", None)  # the customer's own answer now
            st.attempts.pop(f"inferred:{name}", None)
            run.slots_changed = True
            run.filled.append(name)
        run.corrected = corrections
        if not corrections or st.step is None:
            return
        for name in corrections:
            label = flow.slots[name].label or flow.slots[name].prompt
            run.say("engine.corrected", label={"zh": label.zh, "en": label.en})
        run.invalidate_confirmations()
        owners = [i for i in (self._owner(flow, n) for n in corrections) if i is not None]
        if owners and min(owners) < flow.index(st.step):
            target = min(owners)
            st.step, st.awaiting = flow.steps[target].id, None
            st.done = [d for d in st.done if flow.index(d) < target]

    async def _reprompt(self, run: Run) -> AdvanceResult:
        st = run.state
        awaited = st.awaiting or {}
        kind = awaited.get("kind")
        if st.status in TERMINAL or st.step is None:
            run.say("engine.finished")
        elif kind == "authorization":
            run.say("engine.auth_pending")
        elif kind == "risk_ack":
            run.say("engine.risk_warn")
            run.suggest("continue", "cancel", "human")
        elif kind == "retry":
            run.say("engine.bank_unavailable")
            run.suggest("retry", "human", "cancel")
        else:
            step = run.flow.step(st.step)
            run.cite(step.cite)
            saved = st.awaiting
            st.awaiting = None
            outcome = await HANDLERS[step.kind](step, run, None)
            st.awaiting = outcome.awaiting if outcome.kind == "wait" else saved
        return self._result(run)

    async def _loop(self, run: Run, inp: JourneyInput | None) -> AdvanceResult:
        st, flow = run.state, run.flow
        first = True
        for _ in range(MAX_STEPS_PER_ADVANCE):
            if st.step is None:
                break
            step = flow.step(st.step)
            awaited = st.awaiting or {}
            targeted = awaited.get("step") == step.id or (first and not awaited)
            incoming = inp if targeted else None
            first = False
            inp = None
            if not evaluate(step.when, run.data()):
                st.awaiting = None
                st.step = self._next(flow, step.id)
                continue
            run.cite(step.cite)
            outcome = await HANDLERS[step.kind](step, run, incoming)
            if outcome.kind == "wait":
                st.awaiting, st.status = outcome.awaiting, outcome.status or "active"
                return self._result(run)
            st.awaiting = None
            if outcome.kind == "stop":
                st.status = outcome.status or "failed"
                await release_unconfirmed(run)  # ended without the customer's yes: nothing stays reserved
                return self._result(run)
            if outcome.kind == "goto":
                if outcome.target == "__back__":
                    if not self._back(run):
                        run.say("engine.cannot_go_back")
                        return await self._reprompt(run)
                else:
                    st.step = outcome.target
                continue
            st.status = "active"
            if step.id not in st.done:
                st.done.append(step.id)
            st.step = self._next(flow, step.id)
        else:
            raise JourneyError(f"journey '{flow.name}' did not settle in {MAX_STEPS_PER_ADVANCE} steps")
        st.status = run.final_status or "completed"
        run.say(f"{flow.name}.completed", flow.completed)
        return self._result(run)

    @staticmethod
    def _next(flow: Flow, step_id: str) -> str | None:
        i = flow.index(step_id) + 1
        return flow.steps[i].id if i < len(flow.steps) else None
