"""What goes into and comes out of the engine: the serialisable state, an input, an advance result.

The state is a pydantic model only inside the engine; callers hold `state.to_dict()`, a plain JSON
dict they can store in a session row and pass back later (on any process) to continue.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal[
    "active",  # running or waiting for the customer's next input
    "waiting_authorization",  # a teller / remote expert must approve
    "completed",
    "cancelled",
    "blocked",  # stopped by risk screening or suitability
    "rejected",  # authorization rejected or business refusal
    "handed_off",  # a human colleague took over
    "failed",  # back-end unavailable and the customer gave up, or an integrity stop
]
TERMINAL: frozenset[str] = frozenset({"completed", "cancelled", "blocked", "rejected", "handed_off", "failed"})
Action = Literal["reply", "yes", "no", "cancel", "back", "restart", "side_question", "retry", "event"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class JourneyContext(_Model):
    """Who and where: given by the conversation at start, kept in the state."""

    session_id: str = Field(min_length=1)
    branch_id: str = "BJ001"
    channel: Literal["kiosk", "teller"] = "kiosk"
    language: str = "zh"
    today: str | None = Field(None, description="ISO date of the visit (bookings 'today'); default: the clock.")
    customer_id: str | None = Field(None, description="Already identified earlier in the session.")
    identified_by: str | None = None


class Event(_Model):
    """A non-speech input: id_card_read {id_number}, qr_scanned {qr_token}, booking_code {code},
    touch {value}, authorization_decided {authorization_id, status, ...} (staff side only)."""

    type: str
    data: dict[str, Any] = Field(default_factory=dict)


class JourneyInput(_Model):
    """One customer turn as the engine sees it. `slots` come from the NLU's extraction of `text`."""

    action: Action = "reply"
    text: str | None = None
    slots: dict[str, Any] = Field(default_factory=dict)
    event: Event | None = None


class HistoryEntry(_Model):
    step: str
    slot: str | None = None


class JourneyState(_Model):
    """Everything needed to continue a journey; JSON-serialisable by construction."""

    version: Literal[1] = 1
    journey: str
    flow_version: int = 1
    step: str | None
    status: Status = "active"
    context: JourneyContext
    slots: dict[str, Any] = Field(default_factory=dict)
    customer: dict[str, Any] | None = None
    profile: dict[str, Any] | None = None
    results: dict[str, Any] = Field(default_factory=dict)
    history: list[HistoryEntry] = Field(default_factory=list)
    epoch: int = 0
    confirmed: dict[str, int] = Field(default_factory=dict)
    executed: dict[str, int] = Field(default_factory=dict)
    awaiting: dict[str, Any] | None = None
    attempts: dict[str, int] = Field(default_factory=dict)
    done: list[str] = Field(default_factory=list)
    referrals: list[dict[str, Any]] = Field(default_factory=list)
    follow_ups: list[dict[str, Any]] = Field(default_factory=list)
    card_kind: str | None = Field(
        None, description="The kind of card the customer named (储蓄卡 -> debit): only such cards are offered."
    )

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class ReplyPiece(_Model):
    """One sentence to say: a template key with its values, rendered in both languages; `speech` is its
    spoken form when the written one stays on the screen (a balance, unfinished business), else None."""

    key: str
    values: dict[str, Any] = Field(default_factory=dict)
    text: dict[str, str]
    speech: dict[str, str] | None = None


class Card(_Model):
    """Detail for the screen: form, confirmation, ticket, receipt, products, warning, authorization, lead."""

    type: str
    title: dict[str, str]
    data: dict[str, Any] = Field(default_factory=dict)


class BankCall(_Model):
    """A back-end call made during the advance, with arguments as given (the transcript masks them)."""

    operation: str
    arguments: dict[str, Any]
    idempotency_key: str | None = None
    ok: bool
    result: Any = None
    error: str | None = None
    duration_ms: float


class HandoffRequest(_Model):
    skill: str
    priority: str
    reason: str
    summary: dict[str, Any]


class JourneyInfo(_Model):
    name: str
    step: str | None
    status: Status


class AdvanceResult(_Model):
    """The outcome of start/advance: what to say and show, where the journey is, what happened."""

    state: dict[str, Any]
    journey: JourneyInfo
    reply: list[ReplyPiece] = Field(default_factory=list)
    cards: list[Card] = Field(default_factory=list)
    suggestions: list[dict[str, str]] = Field(default_factory=list)
    calls: list[BankCall] = Field(default_factory=list)
    handoff: HandoffRequest | None = None
    authorization: dict[str, Any] | None = None
    referrals: list[dict[str, Any]] = Field(default_factory=list)
    follow_ups: list[dict[str, Any]] = Field(default_factory=list)
    awaiting: dict[str, Any] | None = Field(None, description="What the current step waits for: slot, confirm...")
    citations: list[str] = Field(
        default_factory=list, description="Knowledge doc ids behind the facts the reply states (flow/step `cite`)."
    )

    def text(self, language: str = "zh") -> str:
        """The spoken reply in one language (pieces joined)."""
        lang = "en" if language.startswith("en") else "zh"
        sep = " " if lang == "en" else ""
        return sep.join(p.text[lang] for p in self.reply if p.text[lang])
