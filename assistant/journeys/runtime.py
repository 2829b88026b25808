"""The per-advance workspace shared by step handlers: state, data namespaces, reply and call logs.

A `Run` lives for one `advance` call. Handlers read and change `run.state`, say things with
`run.say`, and call the bank through `run.call`, which times the call, records it for the transcript
and turns transport failures into the port's typed errors.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from assistant.journeys.catalog import Messages, Products
from assistant.journeys.ports import BankError, BankPort
from assistant.journeys.queue_words import tickets_ahead
from assistant.journeys.render import render_localized
from assistant.journeys.spec import Flow, Localized
from assistant.journeys.types import BankCall, Card, HandoffRequest, JourneyState, ReplyPiece, Status


@dataclass(frozen=True)
class Outcome:
    """What a handler decided: go on, wait for input, stop with a status, or jump to a step."""

    kind: Literal["next", "wait", "stop", "goto"]
    status: Status | None = None
    target: str | None = None
    awaiting: dict[str, Any] | None = None


NEXT = Outcome("next")


def wait(**awaiting: Any) -> Outcome:
    return Outcome("wait", awaiting=awaiting)


def stop(status: Status) -> Outcome:
    return Outcome("stop", status=status)


@dataclass
class Run:
    flow: Flow
    state: JourneyState
    bank: BankPort
    messages: Messages
    products: Products
    reply: list[ReplyPiece] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)
    suggestions: list[dict[str, str]] = field(default_factory=list)
    calls: list[BankCall] = field(default_factory=list)
    handoff: HandoffRequest | None = None
    authorization: dict[str, Any] | None = None
    referrals: list[dict[str, Any]] = field(default_factory=list)
    follow_ups: list[dict[str, Any]] = field(default_factory=list)
    final_status: Status | None = None
    slots_changed: bool = False
    filled: list[str] = field(default_factory=list)  # slots this input set or changed
    corrected: list[str] = field(default_factory=list)  # ... of which it changed an earlier answer
    citations: list[str] = field(default_factory=list)

    def data(self, **extra: Any) -> dict[str, Any]:
        """The namespaces conditions and templates see."""
        return {
            "slot": self.state.slots,
            "label": self.slot_labels(),
            "selected": self.selected(),
            "profile": self.state.profile or {},
            "result": self.state.results,
            "context": self.state.context.model_dump(),
            "customer": self.state.customer or {},
            "names": {"business": {k: v.model_dump() for k, v in self.messages.business_types.items()}},
            "ahead": tickets_ahead(self.messages, self.state.results),
            **extra,
        }

    def slot_labels(self) -> dict[str, dict[str, str]]:
        """Chosen choice/account/card slots as readable labels, e.g. {label.term_months.zh}."""
        from assistant.journeys.steps.interaction import option_label

        labels: dict[str, dict[str, str]] = {}
        selected = self.selected()
        for name, value in self.state.slots.items():
            spec = self.flow.slots.get(name)
            if spec is None:
                continue
            if spec.choices:
                for c in spec.choices:
                    if str(c.value) == str(value):
                        labels[name] = {"zh": c.label.zh, "en": c.label.en}
            elif name in selected:
                lab = option_label(spec, selected[name])
                labels[name] = {"zh": lab.zh, "en": lab.en}
        return labels

    def selected(self) -> dict[str, dict[str, Any]]:
        """The customer's account/card dicts chosen in account/card slots, e.g. {selected.from_account.balance}."""
        profile = self.state.profile or {}
        found: dict[str, dict[str, Any]] = {}
        for name, value in self.state.slots.items():
            spec = self.flow.slots.get(name)
            if spec is None or spec.type not in ("account", "card"):
                continue
            pool = profile.get("accounts" if spec.type == "account" else "cards", [])
            for item in pool:
                if item.get("id") == value:
                    found[name] = item
        return found

    @property
    def language(self) -> str:
        return self.state.context.language

    def today(self) -> dt.date:
        given = self.state.context.today
        return dt.date.fromisoformat(given) if given else dt.date.today()

    def cite(self, doc_ids: list[str]) -> None:
        """Cite approved knowledge documents for what this advance says (kept once each, in order)."""
        self.citations.extend(d for d in doc_ids if d not in self.citations)

    def say(self, key: str, text: Localized | None = None, /, **values: Any) -> None:
        """Add one reply piece; `text` defaults to the shared message of that key."""
        template = text or self.messages.messages[key]
        data = self.data(value=values)
        rendered = render_localized(template, data)
        said = template.speech  # the spoken form, when the written text stays on the screen
        spoken = render_localized(Localized(zh=said.zh, en=said.en), data) if said else None
        self.reply.append(ReplyPiece(key=key, values=values, text=rendered, speech=spoken))

    def reason(self, code: str | None) -> dict[str, str]:
        """Why the bank refused, by its stable code, in both languages (never its raw message, which may
        mix languages): the `bank.reason.<code>` message, else a neutral one."""
        shared = self.messages.messages
        text = shared.get(f"bank.reason.{code}") or shared["bank.reason.other"]
        return {"zh": text.zh, "en": text.en}

    def card(self, type_: str, title: Localized | dict[str, str], **data: Any) -> None:
        t = title if isinstance(title, dict) else {"zh": title.zh, "en": title.en}
        self.cards.append(Card(type=type_, title=t, data=data))

    def suggest(self, *keys: str, extra: list[Localized] | None = None) -> None:
        for k in keys:
            s = self.messages.suggestions[k]
            self.suggestions.append({"key": k, "zh": s.zh, "en": s.en})
        for s in extra or []:
            self.suggestions.append({"key": "choice", "zh": s.zh, "en": s.en})

    def idempotency_key(self, step_id: str) -> str:
        """Derived from session, journey, step and epoch: a retry reuses it, a changed request gets a new one."""
        ctx = self.state.context
        raw = f"{ctx.session_id}|{self.state.journey}|{step_id}|{self.state.epoch}"
        return "jrn-" + hashlib.sha256(raw.encode()).hexdigest()[:32]

    async def call(
        self,
        operation: str,
        arguments: dict[str, Any],
        invoke: Callable[[], Awaitable[Any]],
        idempotency_key: str | None = None,
    ) -> Any:
        """Invoke a port method, log it as a BankCall (ok or failed) and re-raise port errors."""
        started = time.perf_counter()
        try:
            result = await invoke()
        except BankError as e:
            self.calls.append(
                BankCall(
                    operation=operation,
                    arguments=arguments,
                    idempotency_key=idempotency_key,
                    ok=False,
                    error=f"{type(e).__name__}: {e.code}: {e}",
                    duration_ms=(time.perf_counter() - started) * 1000,
                )
            )
            raise
        self.calls.append(
            BankCall(
                operation=operation,
                arguments=arguments,
                idempotency_key=idempotency_key,
                ok=True,
                result=result,
                duration_ms=(time.perf_counter() - started) * 1000,
            )
        )
        return result

    def invalidate_confirmations(self) -> None:
        """A changed answer voids earlier confirmations; the new epoch gives writes new idempotency keys."""
        if self.state.confirmed:
            self.state.confirmed = {}
            self.state.epoch += 1

    def any_write_done(self) -> bool:
        return bool(self.state.executed)

    def handoff_request(self, skill: str, priority: str, reason: str) -> HandoffRequest:
        """A handoff with the context a colleague needs: intent, slots, profile summary, risk flags."""
        state = self.state
        profile = state.profile or {}
        risk = {k: v for k, v in state.results.items() if isinstance(v, dict) and "decision" in v}
        summary = {
            "journey": state.journey,
            "title": self.flow.title.zh,
            "step": state.step,
            "customer": {
                "customer_id": (state.customer or {}).get("customer_id"),
                "name": (state.customer or {}).get("name") or profile.get("name"),
                "verified_by": (state.customer or {}).get("verified_by"),
            },
            "profile": {
                k: profile.get(k)
                for k in ("segment", "age_band", "is_elderly", "language", "accessibility", "risk_tolerance")
                if k in profile
            },
            "slots": dict(state.slots),
            "risk": risk,
            "in_flight": list(profile.get("in_flight", [])),
        }
        self.handoff = HandoffRequest(skill=skill, priority=priority, reason=reason, summary=summary)
        return self.handoff
