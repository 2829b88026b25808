"""Cross-validated accuracy of the understander on the labelled real rows (`lobby eval intents --cv`).

Each fold trains the recogniser on the exemplars and the other folds' labelled rows, then understands
the fold's rows through the same path a live turn takes (rules, then the recogniser). Folds group a
spoken variant with the real utterance it came from. Reported: act + business accuracy, each alone,
per act, per business and per style, and how often a business the kiosk cannot do would have started
a journey (a request whose predicted business is a journey business).
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from assistant.nlu.catalogue import Catalogue
from assistant.nlu.embeddings import Matrix
from assistant.nlu.labelled import Row
from assistant.nlu.recogniser import HeadOptions
from assistant.nlu.refine import refine
from assistant.nlu.slots import extract_slots
from assistant.nlu.text import detect_language, normalize
from assistant.nlu.training import train_recogniser
from assistant.nlu.understanding import TurnUnderstanding, Understander, UnderstandingOptions

# What the kiosk would do with an opening turn of this act and business (the routing policy, given by
# the caller: understanding knows nothing of routing).
Route = Callable[[str, str, float, float], str]  # act, business, confidence, act confidence
BUSINESS_ACTIONS = {"start_journey", "answer_and_offer", "answer_business"}  # the business must be right too
MEASURED_STYLES = ("typed", "en")  # real customers' words; variants and openings are reported apart


def folds_of(rows: Sequence[Row], k: int, seed: int = 15) -> list[int]:
    """A fold number per row, whole groups (an utterance and its variants) in one fold."""
    groups = sorted({r.group for r in rows})
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(groups))
    fold_of_group = {groups[i]: n % k for n, i in enumerate(order)}
    return [fold_of_group[r.group] for r in rows]


def cross_validate(
    understander: Understander,
    exemplars: Sequence[Row],
    exemplar_vectors: Matrix,
    labelled: Sequence[Row],
    labelled_vectors: Matrix,
    k: int = 5,
    options: HeadOptions | None = None,
    understanding: UnderstandingOptions | None = None,
    errors: int = 0,
    route: Route | None = None,
) -> dict[str, Any]:
    """Train k times, predict every labelled row once; the report's figures (see module docstring)."""
    folds = folds_of(labelled, k)
    predicted: list[TurnUnderstanding | None] = [None] * len(labelled)
    took: list[float] = []
    for fold in range(k):
        train = [i for i, f in enumerate(folds) if f != fold or not labelled[i].measured]
        test = [i for i, f in enumerate(folds) if f == fold and labelled[i].measured]
        rows = list(exemplars) + [labelled[i] for i in train]
        vectors = np.vstack([exemplar_vectors, labelled_vectors[train]])
        model = train_recogniser(rows, vectors, None, options)
        fold_understander = Understander(
            understander.catalogue, understander.rules, understander.embedder, model, understanding
        )
        for i in test:
            start = time.perf_counter()
            lang = detect_language(normalize(labelled[i].text))
            understood = fold_understander.understand(labelled[i].text, lang, labelled_vectors[i])
            predicted[i] = as_served(understood, labelled[i].text)
            took.append((time.perf_counter() - start) * 1000)
    tested = [i for i, p in enumerate(predicted) if p is not None]
    done = [p for p in predicted if p is not None]
    return report(understander.catalogue, [labelled[i] for i in tested], done, took, errors, route)


def as_served(understood: TurnUnderstanding, text: str) -> TurnUnderstanding:
    """The reading as the conversation service acts on it: refined by the turn's slots and phrases
    (assistant/nlu/refine.py), so the figures measure what a customer gets."""
    return refine(understood, text, extract_slots(text))


def hold_out(
    understander: Understander,
    exemplars: Sequence[Row],
    exemplar_vectors: Matrix,
    labelled: Sequence[Row],
    labelled_vectors: Matrix,
    sets: Sequence[str],
    options: HeadOptions | None = None,
    errors: int = 0,
    route: Route | None = None,
) -> dict[str, Any]:
    """Train once on everything but the named labelled sets, understand their rows once: how the
    recogniser reads a writer it has never seen (the nearest we get to an outside evaluation)."""
    held = set(sets)
    unknown = held - {data_set(r) for r in labelled}
    if unknown:
        raise ValueError(f"no labelled set named {sorted(unknown)}")
    train = [i for i, r in enumerate(labelled) if data_set(r) not in held]
    test = [i for i, r in enumerate(labelled) if data_set(r) in held and r.act]
    rows = list(exemplars) + [labelled[i] for i in train]
    model = train_recogniser(rows, np.vstack([exemplar_vectors, labelled_vectors[train]]), None, options)
    fold_understander = Understander(understander.catalogue, understander.rules, understander.embedder, model)
    predicted, took = [], []
    for i in test:
        start = time.perf_counter()
        lang = detect_language(normalize(labelled[i].text))
        understood = fold_understander.understand(labelled[i].text, lang, labelled_vectors[i])
        predicted.append(as_served(understood, labelled[i].text))
        took.append((time.perf_counter() - start) * 1000)
    out = report(understander.catalogue, [labelled[i] for i in test], predicted, took, errors, route)
    out["held_out"] = sorted(held)
    return out


def report(
    catalogue: Catalogue,
    rows: Sequence[Row],
    predicted: Sequence[TurnUnderstanding],
    took: list[float],
    errors: int,
    route: Route | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {"n": len(rows)}
    measured = [i for i, r in enumerate(rows) if r.style in MEASURED_STYLES]
    out["real"] = _scores(catalogue, [rows[i] for i in measured], [predicted[i] for i in measured], route=route)
    out["all"] = _scores(catalogue, rows, predicted, route=route)
    by_style: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by_style[r.style].append(i)
    out["per_style"] = {
        style: _scores(catalogue, [rows[i] for i in idx], [predicted[i] for i in idx], brief=True, route=route)
        for style, idx in sorted(by_style.items())
    }
    by_set: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by_set[data_set(r)].append(i)
    out["per_set"] = {
        name: _scores(catalogue, [rows[i] for i in idx], [predicted[i] for i in idx], brief=True, route=route)
        for name, idx in sorted(by_set.items())
    }
    out["p50_ms"] = round(float(np.percentile(took, 50)), 2) if took else 0.0
    out["p95_ms"] = round(float(np.percentile(took, 95)), 2) if took else 0.0
    if errors:
        wrong = [
            {"text": r.text, "gold": f"{r.act}/{r.business}", "predicted": f"{p.act}/{p.business}", "style": r.style}
            for r, p in zip(rows, predicted, strict=True)
            if not _right(r, p)
        ]
        out["errors"] = wrong[:errors]
    return out


def data_set(row: Row) -> str:
    """Which labelled set a row comes from: bq_dev, atec, banking77, nlupp, openings..., or variants."""
    if row.source.startswith("variant:"):
        return "variants"
    return row.source.split(":", 1)[0]


def _right(row: Row, got: TurnUnderstanding) -> bool:
    return _act_right(row, got) and row.business == got.business


def _act_right(row: Row, got: TurnUnderstanding) -> bool:
    if row.business in ("none",) or row.act == "chitchat":
        return got.act in ("chitchat",) or got.business == "none"
    return row.act == got.act


def _routed_right(row: Row, got: TurnUnderstanding, route: Route) -> bool:
    """Right kind of response, and the right business where the response is about one."""
    action = route(row.act, row.business, 1.0, 1.0)
    if route(got.act, got.business, *_confidences(got)) != action:
        return False
    return action not in BUSINESS_ACTIONS or row.business == got.business


def _confidences(got: TurnUnderstanding) -> tuple[float, float]:
    """Business and act confidence as routing sees them: a rule's answer is sure."""
    if got.source != "model":
        return 1.0, 1.0
    return got.confidence, got.act_confidence


def _scores(
    catalogue: Catalogue,
    rows: Sequence[Row],
    predicted: Sequence[TurnUnderstanding],
    brief: bool = False,
    route: Route | None = None,
) -> dict[str, Any]:
    n = len(rows)
    if n == 0:
        return {"n": 0}
    both = sum(_right(r, p) for r, p in zip(rows, predicted, strict=True))
    acts = sum(_act_right(r, p) for r, p in zip(rows, predicted, strict=True))
    business = sum(r.business == p.business for r, p in zip(rows, predicted, strict=True))
    out: dict[str, Any] = {
        "n": n,
        "act_business_accuracy": round(both / n, 4),
        "act_accuracy": round(acts / n, 4),
        "business_accuracy": round(business / n, 4),
    }
    if route is not None:
        routed = sum(_routed_right(r, p, route) for r, p in zip(rows, predicted, strict=True))
        out["routed_right"] = round(routed / n, 4)
    unsupported = [(r, p) for r, p in zip(rows, predicted, strict=True) if catalogue.kind(r.business) == "knowledge"]
    if route is not None:
        to_journey = sum(route(p.act, p.business, *_confidences(p)) == "start_journey" for _, p in unsupported)
    else:
        to_journey = sum(p.act == "request" and catalogue.kind(p.business) == "journey" for _, p in unsupported)
    out["unsupported_n"] = len(unsupported)
    out["unsupported_to_journey"] = round(to_journey / len(unsupported), 4) if unsupported else 0.0
    if brief:
        return out
    out["per_act"] = _per(rows, predicted, lambda r: r.act)
    out["per_business"] = _per(rows, predicted, lambda r: r.business)
    return out


def _per(rows: Sequence[Row], predicted: Sequence[TurnUnderstanding], key: Any) -> dict[str, dict[str, float]]:
    total: Counter[str] = Counter()
    right: Counter[str] = Counter()
    for r, p in zip(rows, predicted, strict=True):
        total[key(r)] += 1
        right[key(r)] += _right(r, p)
    return {name: {"n": total[name], "accuracy": round(right[name] / total[name], 4)} for name in sorted(total)}
