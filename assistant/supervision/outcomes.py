"""How a supervisor reads a session at a glance: its outcome, its risk flags, whether the assistant abstained.

Pure functions over what the store already keeps (session status, the journey summary in the session state,
turn risk lists, handoffs, the assistant's words), so the sessions table, the dashboard and the exports
classify a session the same way and the rules are unit-tested without a database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from assistant.conversation import replies

Outcome = Literal[
    "handed_off",  # a human colleague was asked for (queued, accepted or finished)
    "completed",  # the journey finished
    "in_progress",  # the session is still open
    "abandoned",  # ended mid-journey, or ended without the customer saying anything
    "blocked",  # risk screening or suitability stopped the journey
    "rejected",  # an authorisation or the bank refused
    "cancelled",  # the customer cancelled the journey
    "failed",  # a back-end failure ended the journey
    "abstained",  # the assistant said it did not know (and nothing else resolved the visit)
    "answered",  # questions answered, no journey, no human: contained
]
OUTCOMES: tuple[str, ...] = Outcome.__args__  # type: ignore[attr-defined]

# Journey statuses that end a visit on their own terms; each is an outcome of the same name.
_TERMINAL_JOURNEY = ("blocked", "rejected", "cancelled", "failed")
_OPEN_JOURNEY = ("active", "waiting_authorization")
# Replies in which the assistant admits it does not know (keys of conversation/data/replies.yaml).
ABSTENTION_REPLIES = ("knowledge_abstain", "low_confidence_handoff")
_QUIET_ACTIONS = {"allow", "allowed", "pass", "ok", "none", ""}


@dataclass(frozen=True)
class RiskEvent:
    """One risk signal of a turn, flattened for the timeline and the filters."""

    seq: int
    type: str
    flag: str | None  # None: the screening ran and allowed the step (shown, not flagged)
    score: float | None
    reasons: list[str]
    detail: dict[str, Any]


def classify_outcome(
    status: str,
    journey_status: str | None,
    handed_off: bool,
    customer_turns: int,
    abstentions: int,
) -> Outcome:
    """The one outcome a session is counted under; the order of the checks is the precedence."""
    if handed_off:
        return "handed_off"
    if journey_status == "completed":
        return "completed"
    if status != "ended":
        return "in_progress"
    if journey_status in _OPEN_JOURNEY or customer_turns == 0:
        return "abandoned"
    if journey_status in _TERMINAL_JOURNEY:
        return journey_status  # type: ignore[return-value]
    if abstentions:
        return "abstained"
    return "answered"


def risk_events(seq: int, risk: Sequence[Any] | None) -> list[RiskEvent]:
    """The risk entries of one turn (`risk_decision`, `risk_screen`, `prompt_injection`, ...) as events."""
    events: list[RiskEvent] = []
    for entry in risk or []:
        if not isinstance(entry, Mapping):
            continue
        kind = str(entry.get("type") or "risk")
        action = str(entry.get("action") or entry.get("decision") or "").lower()
        if kind == "prompt_injection":
            flag: str | None = "prompt_injection"
        elif action in _QUIET_ACTIONS:
            flag = None
        elif kind in ("risk_decision", "risk_screen"):
            flag = action
        else:
            flag = kind
        score = entry.get("score")
        if score is None and isinstance(entry.get("hits"), list):
            scores = [
                float(h["score"])
                for h in entry["hits"]
                if isinstance(h, Mapping) and isinstance(h.get("score"), int | float)
            ]
            score = max(scores) if scores else None
        events.append(
            RiskEvent(
                seq=seq,
                type=kind,
                flag=flag,
                score=float(score) if isinstance(score, int | float) else None,
                reasons=_reasons(entry),
                detail=dict(entry),
            )
        )
    return events


def _reasons(entry: Mapping[str, Any]) -> list[str]:
    reasons = [str(r) for r in entry.get("reasons") or [] if r]
    for hit in entry.get("hits") or []:
        if isinstance(hit, Mapping) and hit.get("reason"):
            reasons.append(str(hit["reason"]))
    return reasons


def risk_flags(events: Iterable[RiskEvent]) -> list[str]:
    """The distinct flags of a session, in the order they were first raised."""
    seen: dict[str, None] = {}
    for event in events:
        if event.flag:
            seen.setdefault(event.flag, None)
    return list(seen)


@lru_cache(maxsize=1)
def _abstention_patterns() -> tuple[re.Pattern[str], ...]:
    patterns = []
    for key in ABSTENTION_REPLIES:
        for language in ("zh", "en"):
            template = replies.render(key, language, position="\x00").split("\x00")
            patterns.append(re.compile(r"\d+".join(re.escape(part) for part in template)))
    return tuple(patterns)


def is_abstention(assistant_text: str) -> bool:
    """True when the assistant's words contain one of its don't-know replies (in Chinese or English)."""
    return any(p.search(assistant_text) for p in _abstention_patterns())
