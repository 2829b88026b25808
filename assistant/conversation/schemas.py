"""The shapes of the session API (kept stable: tests, the kiosk and outside evaluations drive them)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, PrivateAttr, field_validator

MAX_TEXT_CHARS = 2000
MAX_EVENT_DEPTH = 16  # nesting of an event's data: devices send flat records; deeper is an attack


def _no_lone_surrogates(text: str) -> str:
    """Text UTF-8 can carry (JSON may smuggle in a lone \\ud800, which no store can save)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("text contains an invalid character (a lone surrogate)") from exc
    return text


def _plain_data(value: Any, depth: int = 0) -> None:
    """An event's data: at most `MAX_EVENT_DEPTH` levels deep, every text valid."""
    if depth > MAX_EVENT_DEPTH:
        raise ValueError(f"event data is nested more than {MAX_EVENT_DEPTH} levels deep")
    if isinstance(value, str):
        _no_lone_surrogates(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            _no_lone_surrogates(str(key))
            _plain_data(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _plain_data(item, depth + 1)


Channel = Literal["kiosk", "teller"]
Source = Literal["typed", "speech", "touch", "device"]
EventType = Literal[
    "id_card_read",
    "qr_scanned",
    "booking_code",
    "touch",
    "phone_entered",
    "vision",
    "device",
    "consent",
    "pin_entered",  # {pin}: the kiosk's PIN pad; goes to the bank at once, never recorded
    "face_captured",  # {image}: a camera still (base64 JPEG) for the face match; never recorded
]


class SessionCreate(BaseModel):
    channel: Channel = "kiosk"
    branch_id: str | None = Field(None, max_length=64)
    device_id: str | None = Field(None, max_length=64)
    language: Literal["zh", "en"] | None = None


class TurnIn(BaseModel):
    # max_length is a coarse guard; the conversation's own limit gives the friendlier message
    text: str = Field(..., max_length=100_000)
    source: Source = "typed"
    asr_confidence: float | None = Field(None, ge=0.0, le=1.0)
    # the client's id of this turn: resent after a lost answer (503, dropped connection), the stored answer
    # comes back instead of the turn being applied twice (assistant.conversation.replay)
    turn_id: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")


class EventIn(BaseModel):
    type: EventType
    data: dict[str, Any] = Field(default_factory=dict)
    turn_id: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")

    @field_validator("data")
    @classmethod
    def _valid_data(cls, data: dict[str, Any]) -> dict[str, Any]:
        _plain_data(data)
        return data


class Citation(BaseModel):
    doc_id: str
    title: str
    snippet: str = ""
    section: str | None = None
    effective_from: str | None = None


class Card(BaseModel):
    """Detail shown on screen beside the short spoken reply: forms, confirmations, tickets, citations."""

    type: str
    title: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class Reply(BaseModel):
    text: str
    language: Literal["zh", "en"] = "zh"
    citations: list[Citation] = Field(default_factory=list)
    cards: list[Card] = Field(default_factory=list)
    suggestions: list[str] = Field(default_factory=list)
    # what the avatar says aloud when it differs from `text`: no full name, no unmasked numbers, no
    # sensitive account details (a public lobby hears it); None means "say `text`"
    speech: str | None = None
    # (written, spoken) pairs: sentences of `text` that are said differently (set by the journey,
    # applied when the spoken text is made; never sent)
    _spoken_swaps: list[tuple[str, str]] = PrivateAttr(default_factory=list)


class JourneyInfo(BaseModel):
    name: str
    step: str | None = None
    status: str


class TurnOut(BaseModel):
    reply: Reply
    journey: JourneyInfo | None = None
    intent: str | None = None
    act: str | None = None  # request, question, complaint, chitchat, confirm, deny, go_back, start_over
    business: str | None = None  # a key of the business catalogue (assistant/nlu/data/catalogue.yaml)
    slots: dict[str, Any] = Field(default_factory=dict)
    risk: list[dict[str, Any]] = Field(default_factory=list)
    handoff: dict[str, Any] | None = None
    latency_ms: dict[str, float] = Field(default_factory=dict)


class SessionCreated(BaseModel):
    session_id: str
    reply: Reply


class TranscriptTurn(BaseModel):
    seq: int
    speaker: str
    text: str
    source: str
    intent: str | None = None
    created_at: str


class SessionView(BaseModel):
    session_id: str
    channel: str
    branch_id: str | None
    device_id: str | None
    language: str
    status: str
    journey: JourneyInfo | None = None
    customer: dict[str, Any] | None = None
    created_at: str
    ended_at: str | None
    transcript: list[TranscriptTurn]
    # products recommended to the customer manager and promised follow-ups, personal data masked
    referrals: list[dict[str, Any]] = Field(default_factory=list)
    follow_ups: list[dict[str, Any]] = Field(default_factory=list)
