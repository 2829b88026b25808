"""Dashboard aggregates over the filtered sessions: volume by hour, top intents, containment, handoff waits,
abstentions, risk events, compliance findings and annotation quality.

Pure over summaries and handoff rows, so the figures are the same ones the sessions list shows.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from assistant.store.sessions import as_utc
from assistant.store.tables import HandoffRow
from assistant.supervision.schemas import Count, Dashboard, SessionSummary, WaitStats

TOP_INTENTS = 10
# Upper bounds (seconds) of the wait-time histogram; the last bucket is open-ended.
WAIT_BUCKETS = (30, 60, 120, 300, 600)
# Intents that say nothing about what the customer came for.
# Finished without a human: the journey completed or the questions were answered (an abandoned, blocked or
# abstained visit did not finish, even though no human was involved).
CONTAINED = {"completed", "answered"}
_SMALL_TALK = {"greeting", "thanks", "goodbye", "chitchat", "confirm", "deny", "unclear"}


def _percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    rank = max(1, min(len(sorted_values), round(fraction * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def wait_stats(handoffs: Sequence[HandoffRow]) -> WaitStats:
    waits = sorted(
        (as_utc(h.accepted_at) - as_utc(h.created_at)).total_seconds() for h in handoffs if h.accepted_at is not None
    )
    buckets = Counter[str]()
    for wait in waits:
        bound = next((b for b in WAIT_BUCKETS if wait <= b), None)
        buckets[f"<={bound}s" if bound is not None else f">{WAIT_BUCKETS[-1]}s"] += 1
    labels = [f"<={b}s" for b in WAIT_BUCKETS] + [f">{WAIT_BUCKETS[-1]}s"]
    return WaitStats(
        handoffs=len(handoffs),
        accepted=len(waits),
        waiting=sum(1 for h in handoffs if h.status == "queued"),
        median_s=round(_percentile(waits, 0.5), 3) if waits else None,
        p90_s=round(_percentile(waits, 0.9), 3) if waits else None,
        max_s=round(waits[-1], 3) if waits else None,
        buckets=[Count(key=label, count=buckets[label]) for label in labels],
    )


def _counts(counter: Counter[str], top: int | None = None) -> list[Count]:
    return [Count(key=k, count=v) for k, v in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def build_dashboard(
    summaries: Sequence[SessionSummary],
    handoffs: Sequence[HandoffRow],
    findings_by_severity: dict[str, int],
    tz: str,
    truncated: bool = False,
) -> Dashboard:
    zone = ZoneInfo(tz)
    volume = [0] * 24
    intents, outcomes, risks = Counter[str](), Counter[str](), Counter[str]()
    for s in summaries:
        volume[dt.datetime.fromisoformat(s.created_at).astimezone(zone).hour] += 1
        intents.update(i for i in s.intents if i not in _SMALL_TALK)
        outcomes[s.outcome] += 1
        risks.update(s.risk_flags)
    engaged = [s for s in summaries if s.status == "ended" and s.customer_turns > 0]
    contained = sum(1 for s in engaged if s.outcome in CONTAINED)
    escalated = sum(1 for s in engaged if s.handoff is not None)
    abstaining = [s for s in summaries if s.abstentions]
    questions = sum(s.customer_turns for s in summaries)
    scored = [s for s in summaries if s.quality_avg is not None]
    return Dashboard(
        sessions=len(summaries),
        truncated=truncated,
        tz=tz,
        volume_by_hour=volume,
        top_intents=_counts(intents, TOP_INTENTS),
        outcomes=_counts(outcomes),
        containment={
            "ended_sessions": len(engaged),
            "contained": contained,
            "handed_off": escalated,
            "rate": _rate(contained, len(engaged)),
        },
        handoff_waits=wait_stats(handoffs),
        abstentions={
            "turns": sum(s.abstentions for s in summaries),
            "sessions": len(abstaining),
            "per_customer_turn": _rate(sum(s.abstentions for s in summaries), questions),
        },
        risk_events=_counts(risks),
        findings=_counts(Counter(findings_by_severity)),
        quality={
            "annotated_sessions": sum(1 for s in summaries if s.annotations),
            "scored_sessions": len(scored),
            "average": round(sum(s.quality_avg or 0 for s in scored) / len(scored), 2) if scored else None,
        },
    )
