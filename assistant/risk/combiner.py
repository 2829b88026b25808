"""Evidence in, one decision out: a score, the action it calls for and the reasons behind it.

Local evidence (scripts heard, camera events, local money rules, with context that raises the stakes)
is combined as a noisy-OR, so two weak signals together count more than either alone and no amount of
evidence passes 1. The bank's screening answer is a floor: the decision is never milder than the bank's,
and its score is not added to local evidence that describes the same thing (an elderly customer's large
transfer is one fact, whether the bank or a local rule saw it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.risk.rules import ACTION_RANK, ACTIONS, Thresholds


@dataclass(frozen=True)
class Evidence:
    code: str  # e.g. "script:safe_account", "vision:phone_at_ear", "rule:many_attempts", "context:elderly"
    weight: float
    reason: str  # zh / en words for the transcript and the supervisor
    primary: bool = True  # context evidence only counts when some primary evidence exists


@dataclass(frozen=True)
class BankAnswer:
    """The bank's screening answer, at identification or before a money step."""

    source: str  # "identity" or "payment"
    decision: str
    hits: list[dict[str, Any]] = field(default_factory=list)

    @property
    def score(self) -> float:
        return max((float(h.get("score", 0.0)) for h in self.hits), default=0.0)


@dataclass
class RiskDecision:
    action: str
    score: float
    reasons: list[str]
    patterns: list[str]
    codes: list[str]
    bank: str | None = None
    money: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The transcript / TurnOut shape (contracts.md)."""
        return {
            "type": "risk_decision",
            "action": self.action,
            "score": round(self.score, 3),
            "reasons": self.reasons,
            "patterns": self.patterns,
            "bank": self.bank,
        }

    def at_least(self, action: str) -> bool:
        return ACTION_RANK[self.action] >= ACTION_RANK[action]


def stronger(a: str, b: str) -> str:
    return a if ACTION_RANK[a] >= ACTION_RANK[b] else b


def combine(evidence: list[Evidence], banks: list[BankAnswer], thresholds: Thresholds) -> RiskDecision:
    """The decision for the evidence so far; reasons strongest first."""
    primary = [e for e in evidence if e.primary]
    counted = primary + [e for e in evidence if not e.primary] if primary else []
    remaining = 1.0
    for e in counted:
        remaining *= 1.0 - e.weight
    local = 1.0 - remaining
    action = thresholds.action(local)
    score = local
    bank_action: str | None = None
    reasons = [f"{e.code} {e.weight:.2f}: {e.reason}" for e in sorted(counted, key=lambda e: -e.weight)]
    codes = [e.code for e in counted]
    for answer in banks:
        if answer.decision not in ACTIONS:
            continue
        bank_action = answer.decision if bank_action is None else stronger(bank_action, answer.decision)
        action = stronger(action, answer.decision)
        score = max(score, answer.score)
        for hit in answer.hits:
            reasons.append(
                f"bank:{answer.source}:{hit.get('list')} {float(hit.get('score', 0)):.2f}: {hit.get('reason')}"
            )
        if answer.decision != "allow":
            codes.append(f"bank:{answer.source}:{answer.decision}")
    patterns = [e.code.split(":", 1)[1] for e in counted if e.code.startswith("script:")]
    return RiskDecision(action, min(score, 1.0), reasons, patterns, codes, bank_action)
