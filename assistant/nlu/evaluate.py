"""Measure an intent engine on labelled utterances: accuracy, macro-F1 and per-utterance latency.

Used by `lobby eval intents`: either a train/test CSV pair (the train labels become the exemplars,
as with banking77) or the shipped intents against the held-out file `intents_test.yaml`.
"""

from __future__ import annotations

import csv
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.nlu.data import NluDataError, files_hash
from assistant.nlu.intents import UNCLEAR, IntentEngine

TEXT_COLUMNS = ("text", "sentence", "utterance", "query")
LABEL_COLUMNS = ("category", "label", "intent")


@dataclass(frozen=True)
class Labelled:
    text: str
    label: str


def read_csv(path: Path) -> list[Labelled]:
    """Rows of a CSV with a text column (text/sentence/utterance/query) and a label column
    (category/label/intent). Raises NluDataError naming the file when it cannot be used."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            fields = [f.strip().lower() for f in reader.fieldnames or []]
            text_col = next((c for c in TEXT_COLUMNS if c in fields), None)
            label_col = next((c for c in LABEL_COLUMNS if c in fields), None)
            if text_col is None or label_col is None:
                raise NluDataError(f"{path}: needs a text column {TEXT_COLUMNS} and a label column {LABEL_COLUMNS}")
            names = dict(zip(fields, reader.fieldnames or [], strict=True))
            rows = [
                Labelled(row[names[text_col]].strip(), row[names[label_col]].strip())
                for row in reader
                if row.get(names[text_col]) and row.get(names[label_col])
            ]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise NluDataError(f"{path}: {exc}") from exc
    if not rows:
        raise NluDataError(f"{path}: no labelled rows")
    return rows


def engine_from_csv(train: Path, cache_dir: Path | None) -> IntentEngine:
    """An engine whose exemplars are the train CSV's rows (matrix cached by the file's hash)."""
    rows = read_csv(train)
    key = files_hash([train], salt="csv")
    return IntentEngine.from_examples([(r.text, r.label) for r in rows], cache_dir=cache_dir, cache_key=key)


def macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """Unweighted mean F1 over the gold labels ("unclear" counts as a wrong answer)."""
    labels = sorted(set(gold))
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for g, p in zip(gold, predicted, strict=True):
        if g == p:
            tp[g] += 1
        else:
            fn[g] += 1
            fp[p] += 1
    scores = []
    for label in labels:
        denom = 2 * tp[label] + fp[label] + fn[label]
        scores.append(2 * tp[label] / denom if denom else 0.0)
    return float(np.mean(scores)) if scores else 0.0


def evaluate(engine: IntentEngine, cases: Sequence[Labelled], errors: int = 0) -> dict[str, Any]:
    """Classify each case one at a time (as a live turn would be) and summarise.

    Returns {"n", "accuracy", "macro_f1", "top1_accuracy" (the best guess even where the engine said
    "unclear"), "unclear_rate", "p50_ms", "p95_ms"} and, with `errors`
    > 0, the first `errors` misclassified cases.
    """
    predicted: list[str] = []
    best_guesses: list[str] = []
    latencies: list[float] = []
    wrong: list[dict[str, str]] = []
    for case in cases:
        start = time.perf_counter()
        result = engine.classify(case.text)
        latencies.append((time.perf_counter() - start) * 1000)
        predicted.append(result.intent)
        best_guesses.append(result.best_guess)
        if result.intent != case.label and len(wrong) < errors:
            wrong.append({"text": case.text, "gold": case.label, "predicted": result.intent})
    gold = [c.label for c in cases]
    correct = sum(g == p for g, p in zip(gold, predicted, strict=True))
    report: dict[str, Any] = {
        "n": len(cases),
        "accuracy": round(correct / len(cases), 4) if cases else 0.0,
        "macro_f1": round(macro_f1(gold, predicted), 4),
        "top1_accuracy": round(sum(g == b for g, b in zip(gold, best_guesses, strict=True)) / len(cases), 4)
        if cases
        else 0.0,
        "unclear_rate": round(predicted.count(UNCLEAR) / len(cases), 4) if cases else 0.0,
        "p50_ms": round(float(np.percentile(latencies, 50)), 2) if latencies else 0.0,
        "p95_ms": round(float(np.percentile(latencies, 95)), 2) if latencies else 0.0,
    }
    if errors:
        report["errors"] = wrong
    return report
