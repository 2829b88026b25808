"""Retrieval evaluation on a query set: top-1/top-5/MRR@10, latency, and abstention quality.

Each line of the set is `{"query": "...", "relevant": ["doc id", ...]}`; an empty `relevant` marks
a question the knowledge does not answer, on which the right behaviour is to abstain.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.models import SearchResponse


@dataclass
class EvalItem:
    query: str
    relevant: list[str]
    audience: str = "customer"
    line: int = 0
    kind: str = ""


@dataclass
class EvalOutcome:
    """One query's result: rank of the first relevant document (None if not in the top 10)."""

    item: EvalItem
    rank: int | None
    confidence: float
    ms: float
    top: list[str] = field(default_factory=list)
    signals: dict[str, float] = field(default_factory=dict)


class EvalSetError(ValueError):
    """The evaluation file is unusable; the message names file and line."""


def load_eval_set(path: Path) -> list[EvalItem]:
    items: list[EvalItem] = []
    for n, raw in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise EvalSetError(f"{path}:{n}: malformed JSON: {exc.msg}") from None
        if not isinstance(data, dict) or not isinstance(data.get("query"), str):
            raise EvalSetError(f"{path}:{n}: each line needs a 'query' string")
        relevant = data.get("relevant") or []
        if isinstance(relevant, str):
            relevant = [relevant]
        audience = str(data.get("audience") or "customer")
        items.append(EvalItem(data["query"], [str(r) for r in relevant], audience, n, str(data.get("kind") or "")))
    if not items:
        raise EvalSetError(f"{path}: no queries")
    return items


def run_eval(items: Iterable[EvalItem], search: Callable[[EvalItem], SearchResponse]) -> list[EvalOutcome]:
    outcomes: list[EvalOutcome] = []
    for item in items:
        started = time.perf_counter()
        response = search(item)
        ms = (time.perf_counter() - started) * 1000
        docs = [h.doc_id for h in response.results]
        rank = next((i + 1 for i, d in enumerate(docs[:10]) if d in item.relevant), None)
        outcomes.append(EvalOutcome(item, rank, response.confidence, ms, docs[:5], response.signals))
    return outcomes


def summarize(outcomes: list[EvalOutcome], threshold: float | None = None) -> dict[str, Any]:
    """The figures `lobby kb eval` prints. Retrieval metrics count answerable queries only."""
    answerable = [o for o in outcomes if o.item.relevant]
    unanswerable = [o for o in outcomes if not o.item.relevant]
    ms = np.asarray([o.ms for o in outcomes]) if outcomes else np.zeros(1)
    n = max(len(answerable), 1)
    out: dict[str, Any] = {
        "n": len(outcomes),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "top1": round(sum(1 for o in answerable if o.rank == 1) / n, 4),
        "top5": round(sum(1 for o in answerable if o.rank is not None and o.rank <= 5) / n, 4),
        "mrr10": round(sum(1.0 / o.rank for o in answerable if o.rank) / n, 4),
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p95_ms": round(float(np.percentile(ms, 95)), 2),
    }
    if threshold is not None:
        out.update(abstention(outcomes, threshold))
    return out


def abstention(outcomes: list[EvalOutcome], threshold: float) -> dict[str, Any]:
    answerable = [o for o in outcomes if o.item.relevant]
    unanswerable = [o for o in outcomes if not o.item.relevant]
    caught = sum(1 for o in unanswerable if o.confidence < threshold)
    wrongly = sum(1 for o in answerable if o.confidence < threshold)
    answered = [o for o in answerable if o.confidence >= threshold]
    return {
        "threshold": round(threshold, 4),
        "abstain_unanswerable": round(caught / len(unanswerable), 4) if unanswerable else None,
        "abstain_answerable": round(wrongly / len(answerable), 4) if answerable else None,
        "answered_top1": round(sum(1 for o in answered if o.rank == 1) / len(answered), 4) if answered else None,
    }


def failures(outcomes: list[EvalOutcome], limit: int = 50) -> list[dict[str, Any]]:
    """Answerable queries missed at rank 1, for iterating on retrieval."""
    misses = [o for o in outcomes if o.item.relevant and o.rank != 1]
    return [
        {"line": o.item.line, "query": o.item.query, "relevant": o.item.relevant, "rank": o.rank, "top": o.top[:3]}
        for o in misses[:limit]
    ]
