"""Builds what the console shows from stored rows: session summaries, the masked transcript, the timeline.

Pure functions over rows already read (no queries here), so the list, the detail view and the exports agree,
and every text passes through `integrations.pii` before it leaves, with the names the session knows masked too
(`assistant.supervision.masking`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from assistant.store.sessions import as_utc
from assistant.store.tables import ComplianceFindingRow, HandoffRow, SessionRow, TurnRow
from assistant.supervision.masking import session_masker
from assistant.supervision.outcomes import RiskEvent, classify_outcome, is_abstention, risk_events, risk_flags
from assistant.supervision.schemas import (
    Annotation,
    Finding,
    HandoffBrief,
    SessionSummary,
    TimelineEvent,
    TranscriptItem,
)
from integrations.pii import mask_data
from integrations.pii_names import NameMasker

PREVIEW_CHARS = 60
_SEVERITY = {"block": "critical", "hold": "high", "warn": "warn", "prompt_injection": "warn"}


def iso(moment: datetime | None) -> str | None:
    return as_utc(moment).isoformat() if moment is not None else None


@dataclass
class TurnFacts:
    """The columns of a turn the summaries need (a row or a narrow select)."""

    seq: int
    speaker: str
    intent: str | None
    risk: list[Any]
    text: str
    slots: dict[str, Any] = field(default_factory=dict)  # names the customer gave (a payee) are masked by them


@dataclass
class SessionFacts:
    """What is known about one session after reading its turns, handoffs and counts."""

    row: SessionRow
    turns: list[TurnFacts] = field(default_factory=list)
    handoffs: list[HandoffRow] = field(default_factory=list)
    findings: int = 0
    annotations: int = 0
    quality: list[int] = field(default_factory=list)

    @cached_property
    def masker(self) -> NameMasker:
        """Masks this session's known names (customer, payees) and every identifier."""
        return session_masker(self.row.state, [t.slots for t in self.turns])


def handoff_brief(row: HandoffRow) -> HandoffBrief:
    wait = None
    if row.accepted_at is not None:
        wait = round((as_utc(row.accepted_at) - as_utc(row.created_at)).total_seconds(), 3)
    return HandoffBrief(
        id=row.id,
        status=row.status,
        reason=row.reason,
        skill=row.skill,
        assigned_to=row.assigned_to,
        created_at=iso(row.created_at) or "",
        accepted_at=iso(row.accepted_at),
        finished_at=iso(row.finished_at),
        wait_s=wait,
    )


def summarize(facts: SessionFacts) -> SessionSummary:
    row = facts.row
    customer = [t for t in facts.turns if t.speaker == "customer"]
    events = [e for t in facts.turns for e in risk_events(t.seq, t.risk)]
    abstentions = sum(1 for t in facts.turns if t.speaker == "assistant" and is_abstention(t.text))
    intents = list(dict.fromkeys(t.intent for t in customer if t.intent))
    journey = row.state.get("journey_info") if isinstance(row.state, dict) else None
    journey_status = journey.get("status") if isinstance(journey, dict) else None
    handoffs = sorted(facts.handoffs, key=lambda h: as_utc(h.created_at))
    spoken = [t for t in customer if t.text and not t.text.startswith("[")]
    return SessionSummary(
        session_id=row.id,
        created_at=iso(row.created_at) or "",
        ended_at=iso(row.ended_at),
        branch_id=row.branch_id,
        channel=row.channel,
        device_id=row.device_id,
        language=row.language,
        status=row.status,
        outcome=classify_outcome(row.status, journey_status, bool(handoffs), len(customer), abstentions),
        journey={"name": journey.get("name"), "status": journey_status} if isinstance(journey, dict) else None,
        intents=intents,
        turns=len(facts.turns),
        customer_turns=len(customer),
        risk_flags=risk_flags(events),
        abstentions=abstentions,
        handoff=handoff_brief(handoffs[-1]) if handoffs else None,
        findings=facts.findings,
        annotations=facts.annotations,
        quality_avg=round(sum(facts.quality) / len(facts.quality), 2) if facts.quality else None,
        has_personal_data=any(facts.masker.text(t.text) != t.text for t in customer),
        preview=facts.masker.text(spoken[0].text)[:PREVIEW_CHARS] if spoken else "",
    )


def transcript(
    turns: Sequence[TurnRow], annotations: Iterable[Annotation], masker: NameMasker | None = None
) -> list[TranscriptItem]:
    """Every turn with personal data masked (the session's known names too: pass its `masker`, else the names
    in these turns are used); the annotations sit on the turn they are about."""
    masker = masker or session_masker(None, turn_data(turns))
    by_turn: dict[int, list[Annotation]] = {}
    for note in annotations:
        by_turn.setdefault(note.turn_seq, []).append(note)
    items = []
    for t in turns:
        masked = masker.text(t.text)
        items.append(
            TranscriptItem(
                seq=t.seq,
                speaker=t.speaker,
                text=masked,
                masked=masked != t.text,
                source=t.source,
                intent=t.intent,
                created_at=iso(t.created_at) or "",
                citations=[_citation(c) for c in t.citations or [] if isinstance(c, dict)],
                risk_flags=risk_flags(risk_events(t.seq, t.risk)),
                backend_calls=[masker.data(c) for c in t.backend_calls or [] if isinstance(c, dict)],
                slots=masker.data(t.slots or {}),
                abstained=t.speaker == "assistant" and is_abstention(t.text),
                annotations=by_turn.get(t.seq, []),
            )
        )
    return items


def turn_data(turns: Iterable[TurnRow]) -> list[Any]:
    """What of the turns may name people: slots and back-end calls (arguments and the bank's answers)."""
    return [part for t in turns for part in (t.slots, t.backend_calls)]


def _citation(raw: dict[str, Any]) -> dict[str, Any]:
    return {k: raw.get(k) for k in ("doc_id", "title", "section") if raw.get(k) is not None}


def finding(row: ComplianceFindingRow, masker: NameMasker | None = None) -> Finding:
    return Finding(
        id=row.id,
        turn_seq=row.turn_seq,
        rule=row.rule,
        severity=row.severity,
        detail=masker.data(row.detail or {}) if masker else mask_data(row.detail or {}),
        created_at=iso(row.created_at) or "",
    )


def timeline(
    session: SessionRow,
    turns: Sequence[TurnRow],
    handoffs: Sequence[HandoffRow],
    findings: Sequence[ComplianceFindingRow],
) -> list[TimelineEvent]:
    """Risk signals, handoffs and compliance findings in the order they happened."""
    masker = session_masker(session.state, turn_data(turns))
    at_turn = {t.seq: iso(t.created_at) or "" for t in turns}
    events = [TimelineEvent(at=iso(session.created_at) or "", kind="session", label="session_started")]
    for t in turns:
        events.extend(_risk_event(e, at_turn[t.seq], masker) for e in risk_events(t.seq, t.risk))
    for h in handoffs:
        detail = {"id": h.id, "reason": h.reason, "skill": h.skill}
        events.append(
            TimelineEvent(at=iso(h.created_at) or "", kind="handoff", label="handoff_requested", detail=detail)
        )
        if h.accepted_at is not None:
            accepted = {**detail, "by": h.assigned_to, "wait_s": handoff_brief(h).wait_s}
            events.append(
                TimelineEvent(at=iso(h.accepted_at) or "", kind="handoff", label="handoff_accepted", detail=accepted)
            )
        if h.finished_at is not None:
            events.append(
                TimelineEvent(at=iso(h.finished_at) or "", kind="handoff", label=f"handoff_{h.status}", detail=detail)
            )
    for f in findings:
        at = at_turn.get(f.turn_seq or -1) or iso(f.created_at) or ""
        events.append(
            TimelineEvent(
                at=at,
                seq=f.turn_seq,
                kind="finding",
                label=f.rule,
                severity=f.severity,
                detail=masker.data(f.detail or {}),
            )
        )
    if session.ended_at is not None:
        events.append(TimelineEvent(at=iso(session.ended_at) or "", kind="session", label="session_ended"))
    return sorted(events, key=lambda e: (e.at, e.seq or 0))


def _risk_event(event: RiskEvent, at: str, masker: NameMasker) -> TimelineEvent:
    return TimelineEvent(
        at=at,
        seq=event.seq,
        kind="risk",
        label=event.flag or f"{event.type}:allow",
        severity=_SEVERITY.get(event.flag or "", "warn" if event.flag else "info"),
        detail=masker.data({"type": event.type, "score": event.score, "reasons": event.reasons}),
    )
