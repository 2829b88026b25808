"""Fitting the confidence model and the abstention threshold on a dev set.

The label is "the first result is a relevant document" (unanswerable queries are never right), so
confidence reads as the probability that answering is correct. The threshold is the highest one that
wrongly abstains on at most `max_false_abstain` of the answerable queries. Because fitting and
measuring on the same queries flatters the result, a 5-fold cross-validated figure is reported too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from knowledge.confidence import FEATURES, ConfidenceModel, Signals, choose_threshold, fit_logistic
from knowledge.evaluation import EvalItem, EvalOutcome, run_eval

if TYPE_CHECKING:
    from knowledge.base import KnowledgeBase


def _features(outcomes: list[EvalOutcome]) -> np.ndarray:
    return np.asarray([Signals(**o.signals).vector() for o in outcomes], dtype=np.float64)


def _labels(outcomes: list[EvalOutcome]) -> np.ndarray:
    return np.asarray([1.0 if o.item.relevant and o.rank == 1 else 0.0 for o in outcomes])


def _fit(x: np.ndarray, y: np.ndarray, answerable: np.ndarray, max_false_abstain: float) -> ConfidenceModel:
    weights, bias = fit_logistic(x, y)
    model = ConfidenceModel([float(w) for w in weights], bias)
    conf = [model.score_vector(list(row)) for row in x]
    model.threshold = choose_threshold(
        [c for c, a in zip(conf, answerable, strict=True) if a],
        [c for c, a in zip(conf, answerable, strict=True) if not a],
        max_false_abstain,
    )
    return model


def _rates(model: ConfidenceModel, x: np.ndarray, answerable: np.ndarray) -> tuple[int, int, int, int]:
    conf = np.asarray([model.score_vector(list(row)) for row in x])
    abstain = conf < model.threshold
    return (
        int((abstain & ~answerable).sum()),
        int((~answerable).sum()),
        int((abstain & answerable).sum()),
        int(answerable.sum()),
    )


def calibrate(
    kb: KnowledgeBase, items: list[EvalItem], max_false_abstain: float = 0.05, folds: int = 5, seed: int = 7
) -> tuple[ConfidenceModel, dict[str, Any]]:
    """The fitted model and a report (in-sample and cross-validated abstention figures)."""
    outcomes = run_eval(items, lambda it: kb.search(it.query, k=10, audience=it.audience))
    x, y = _features(outcomes), _labels(outcomes)
    answerable = np.asarray([bool(o.item.relevant) for o in outcomes])
    model = _fit(x, y, answerable, max_false_abstain)
    caught, unans, wrong, ans = _rates(model, x, answerable)
    order = np.random.default_rng(seed).permutation(len(outcomes))
    cv = np.zeros(4, dtype=int)
    for f in range(folds):
        test = order[f::folds]
        train = np.setdiff1d(order, test)
        fold_model = _fit(x[train], y[train], answerable[train], max_false_abstain)
        cv += np.asarray(_rates(fold_model, x[test], answerable[test]))
    model.info = {
        "embedder": kb.embedder.name,
        "fitted_on": f"{len(items)} queries ({int(answerable.sum())} answerable)",
        "max_false_abstain": max_false_abstain,
    }
    report = {
        "features": list(FEATURES),
        "model": model.to_dict(),
        "in_sample": {
            "abstain_unanswerable": round(caught / max(unans, 1), 4),
            "abstain_answerable": round(wrong / max(ans, 1), 4),
        },
        "cross_validated": {
            "folds": folds,
            "abstain_unanswerable": round(int(cv[0]) / max(int(cv[1]), 1), 4),
            "abstain_answerable": round(int(cv[2]) / max(int(cv[3]), 1), 4),
        },
    }
    return model, report
