"""What one consented visit leaves behind before it is stored: the timeline, what the customer was heard
saying (with where on the timeline) and what the avatar said (per reply), and how those map to turns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from assistant.recording.codec import RATE
from assistant.recording.stills import Still
from assistant.recording.timeline import Timeline


class TurnLike(Protocol):
    seq: int
    speaker: str
    text: str
    source: str


@dataclass
class Heard:
    """A final transcript of the customer's speech and its span on the timeline (samples)."""

    text: str
    start: int
    end: int


@dataclass
class Spoken:
    """One reply the avatar spoke: its text and the span of its sentences on the timeline (samples)."""

    reply_id: str
    text: str
    start: int
    end: int


@dataclass
class Capture:
    session_id: str
    timeline: Timeline
    consented_at: datetime
    heard: list[Heard] = field(default_factory=list)
    spoken: list[Spoken] = field(default_factory=list)
    stills: list[Still] = field(default_factory=list)


def _same(a: str, b: str) -> bool:
    return a.strip() == b.strip()


def segments(capture: Capture, turns: list[TurnLike]) -> list[dict[str, Any]]:
    """Per-turn offsets: customer speech turns matched to what was heard (same text, else the next spoken
    turn), assistant turns matched to what was spoken (same text only: a reply is never guessed)."""
    out: list[dict[str, Any]] = []
    customer = [t for t in turns if t.speaker == "customer" and t.source == "speech"]
    replies = [t for t in turns if t.speaker in ("assistant", "expert", "staff") and t.text]
    after = 0
    for heard in capture.heard:
        pending = [t for t in customer if t.seq > after]
        match = next((t for t in pending if _same(t.text, heard.text)), pending[0] if pending else None)
        if match is not None:
            out.append(_segment(match, heard.start, heard.end))
            after = match.seq
    after = 0
    for spoken in capture.spoken:
        said = next((t for t in replies if t.seq > after and _same(t.text, spoken.text)), None)
        if said is not None:
            out.append({**_segment(said, spoken.start, spoken.end), "reply_id": spoken.reply_id})
            after = said.seq
    return sorted(out, key=lambda s: (s["seq"], s["start_s"]))


def _segment(turn: TurnLike, start: int, end: int) -> dict[str, Any]:
    channel = "customer" if turn.speaker == "customer" else "avatar"
    return {
        "seq": turn.seq,
        "speaker": turn.speaker,
        "channel": channel,
        "start_s": round(start / RATE, 3),
        "end_s": round(end / RATE, 3),
    }
