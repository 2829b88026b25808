"""How sure retrieval is that its first result answers the query, and when to abstain.

A logistic model over a few signals that separate "found it" from "the knowledge does not say":
the dense cosine of the top hit and the best cosine overall, how much of the query's informative
wording the top chunk covers, how much of the query is out of the knowledge base's vocabulary, and
how close it is to a question variant the bank wrote in its FAQ, and whether the top passage names
the institution or product the question is about (`knowledge.scope`: near-domain questions such as
another bank's rate share every other word with our own passages).
Its weights and the abstention threshold are fitted on the dev set (`lobby kb calibrate`) and
shipped in `calibration.json`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

FEATURES = ("dense", "dense_max", "coverage", "oov", "question", "dense_coverage", "scope_gap")
CALIBRATION_FILE = Path(__file__).with_name("calibration.json")


@dataclass
class Signals:
    """The raw signals of one search, kept on the response for evaluation and calibration."""

    dense: float = 0.0
    dense_max: float = 0.0
    coverage: float = 0.0
    oov: float = 0.0
    question: float = 0.0
    scope_gap: float = 0.0

    def vector(self) -> list[float]:
        return [
            self.dense,
            self.dense_max,
            self.coverage,
            self.oov,
            self.question,
            self.dense * self.coverage,
            self.scope_gap,
        ]


@dataclass
class ConfidenceModel:
    """sigmoid(bias + weights . features); `threshold` is the abstention cut-off on that probability."""

    weights: list[float] = field(default_factory=lambda: [10.0, 10.0, 4.0, -4.0, 0.0, 0.0, -8.0])
    bias: float = -19.0
    threshold: float = 0.5
    info: dict[str, Any] = field(default_factory=dict)

    def score(self, signals: Signals) -> float:
        return self.score_vector(signals.vector())

    def score_vector(self, features: list[float]) -> float:
        z = self.bias + sum(w * f for w, f in zip(self.weights, features, strict=True))
        return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": list(FEATURES),
            "weights": self.weights,
            "bias": self.bias,
            "threshold": self.threshold,
            **self.info,
        }

    def save(self, path: Path = CALIBRATION_FILE) -> None:
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path = CALIBRATION_FILE, embedder: str | None = None) -> ConfidenceModel:
        """The shipped calibration when it fits this embedder and feature set, else the defaults."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        if data.get("features") != list(FEATURES) or (embedder and data.get("embedder") not in (None, embedder)):
            return cls()
        info = {k: v for k, v in data.items() if k not in ("features", "weights", "bias", "threshold")}
        return cls(list(map(float, data["weights"])), float(data["bias"]), float(data["threshold"]), info)


def fit_logistic(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], l2: float = 1e-2, steps: int = 50
) -> tuple[npt.NDArray[np.float64], float]:
    """L2-regularised logistic regression by Newton's method on standardised features.
    Returns weights and bias on the original feature scale."""
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    xs = np.hstack([np.ones((len(x), 1)), (x - mean) / std])
    w = np.zeros(xs.shape[1])
    reg = np.eye(xs.shape[1]) * l2
    reg[0, 0] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(xs @ w, -40, 40)))
        grad = xs.T @ (p - y) + reg @ w
        hess = (xs.T * (p * (1 - p))) @ xs + reg
        step = np.linalg.solve(hess + 1e-9 * np.eye(len(w)), grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    weights = w[1:] / std
    bias = float(w[0] - (w[1:] * mean / std).sum())
    return weights, bias


def choose_threshold(
    conf_answerable: list[float], conf_unanswerable: list[float], max_false_abstain: float = 0.05
) -> float:
    """The highest threshold that wrongly abstains on at most `max_false_abstain` of the answerable
    queries (so as many unanswerable ones as possible are caught within that budget)."""
    if not conf_answerable:
        return 0.5
    ranked = sorted(conf_answerable)
    allowed = math.floor(max_false_abstain * len(ranked))
    cut = ranked[allowed] if allowed < len(ranked) else ranked[-1]
    return float(max(cut - 1e-6, 0.0))
