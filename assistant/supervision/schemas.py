"""The shapes the supervisor console reads and writes (`/api/v1/supervisor/...`).

Every text here is already masked; raw personal data only leaves the server through the audited unmask call.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

MIN_REASON_CHARS = 4


class HandoffBrief(BaseModel):
    id: str
    status: str
    reason: str
    skill: str
    assigned_to: str | None = None
    created_at: str
    accepted_at: str | None = None
    finished_at: str | None = None
    wait_s: float | None = Field(None, description="queued until accepted, in seconds")


class SessionSummary(BaseModel):
    session_id: str
    created_at: str
    ended_at: str | None
    branch_id: str | None
    channel: str
    device_id: str | None
    language: str
    status: str
    outcome: str
    journey: dict[str, Any] | None = None
    intents: list[str] = Field(default_factory=list)
    turns: int = 0
    customer_turns: int = 0
    risk_flags: list[str] = Field(default_factory=list)
    abstentions: int = 0
    handoff: HandoffBrief | None = None
    findings: int = 0
    annotations: int = 0
    quality_avg: float | None = None
    has_personal_data: bool = Field(False, description="a customer turn carried an identifier (shown masked)")
    preview: str = Field("", description="the customer's first words, masked")


class SessionPage(BaseModel):
    total: int
    truncated: bool = Field(False, description="more sessions matched than one query scans; narrow the dates")
    items: list[SessionSummary]


class Annotation(BaseModel):
    id: int
    session_id: str
    turn_seq: int
    author: str
    label: str | None
    note: str
    quality: int | None
    created_at: str


class AnnotationIn(BaseModel):
    turn_seq: int = Field(..., ge=1)
    label: str | None = Field(None, max_length=64)
    note: str = Field("", max_length=2000)
    quality: int | None = Field(None, ge=1, le=5, description="1 (poor) to 5 (excellent)")


class TranscriptItem(BaseModel):
    seq: int
    speaker: str
    text: str
    masked: bool = Field(False, description="personal data was masked in this text (it can be unmasked)")
    source: str
    intent: str | None = None
    created_at: str
    citations: list[dict[str, Any]] = Field(default_factory=list)
    risk_flags: list[str] = Field(default_factory=list)
    backend_calls: list[dict[str, Any]] = Field(default_factory=list)
    slots: dict[str, Any] = Field(default_factory=dict)
    abstained: bool = False
    annotations: list[Annotation] = Field(default_factory=list)


class TimelineEvent(BaseModel):
    at: str
    seq: int | None = None
    kind: str = Field(..., description="risk | handoff | finding | session")
    label: str
    severity: str = Field("info", description="info | warn | high | critical")
    detail: dict[str, Any] = Field(default_factory=dict)


class Finding(BaseModel):
    id: int
    turn_seq: int | None
    rule: str
    severity: str
    detail: dict[str, Any]
    created_at: str


class SessionDetail(BaseModel):
    summary: SessionSummary
    customer: dict[str, Any] | None = None
    customer_masked_fields: list[str] = Field(default_factory=list)
    transcript: list[TranscriptItem]
    timeline: list[TimelineEvent]
    findings: list[Finding]
    handoffs: list[HandoffBrief]


class UnmaskIn(BaseModel):
    turn_seq: int | None = Field(None, ge=1, description="the turn whose text to reveal")
    field: str = Field("text", max_length=64, description="'text' (with turn_seq) or 'customer.<key>'")
    reason: str = Field(..., min_length=MIN_REASON_CHARS, max_length=500)


class Unmasked(BaseModel):
    session_id: str
    turn_seq: int | None
    field: str
    value: str


class Count(BaseModel):
    key: str
    count: int


class WaitStats(BaseModel):
    handoffs: int = 0
    accepted: int = 0
    waiting: int = 0
    median_s: float | None = None
    p90_s: float | None = None
    max_s: float | None = None
    buckets: list[Count] = Field(default_factory=list)


class Dashboard(BaseModel):
    sessions: int
    truncated: bool = False
    tz: str
    volume_by_hour: list[int] = Field(..., description="sessions started in each local hour 0-23")
    top_intents: list[Count]
    outcomes: list[Count]
    containment: dict[str, float | int | None]
    handoff_waits: WaitStats
    abstentions: dict[str, float | int | None]
    risk_events: list[Count]
    findings: list[Count]
    quality: dict[str, float | int | None]


class Facets(BaseModel):
    branches: list[str]
    channels: list[str]
    languages: list[str]
    intents: list[str]
    outcomes: list[str]
    risk_flags: list[str]
