"""kNN scoring, macro-F1 and the labelled-CSV reader used by `lobby eval intents`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.nlu.data import NluDataError
from assistant.nlu.embeddings import embed_cached
from assistant.nlu.evaluate import macro_f1, read_csv
from assistant.nlu.knn import KnnScorer

pytestmark = pytest.mark.unit


def _unit(*values: float) -> np.ndarray:
    v = np.asarray(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_score_is_mean_of_the_k_best_exemplars_per_label() -> None:
    matrix = np.vstack([_unit(1, 0), _unit(0.9, 0.1), _unit(0, 1), _unit(0.1, 0.9), _unit(-1, 0)])
    scorer = KnnScorer(matrix, ["a", "a", "b", "b", "a"], k=2)
    assert scorer.labels == ["a", "b"]
    query = _unit(1, 0)
    scores = scorer.scores(query)
    best_a = sorted((matrix[[0, 1, 4]] @ query).tolist())[-2:]
    assert scores[0] == pytest.approx(np.mean(best_a))
    assert scores[0] > scores[1]
    batch = scorer.scores_batch(np.vstack([query, _unit(0, 1)]))
    assert batch[0] == pytest.approx(scores)
    assert batch[1].argmax() == 1


def test_label_with_fewer_exemplars_than_k_uses_all_of_them() -> None:
    scorer = KnnScorer(np.vstack([_unit(1, 0), _unit(0, 1), _unit(0.5, 0.5)]), ["a", "b", "b"], k=5)
    assert scorer.scores(_unit(1, 0))[0] == pytest.approx(1.0)


def test_scorer_rejects_mismatched_input() -> None:
    with pytest.raises(ValueError, match="labels"):
        KnnScorer(np.zeros((2, 2), dtype=np.float32), ["a"])
    with pytest.raises(ValueError, match="no exemplars"):
        KnnScorer(np.zeros((0, 2), dtype=np.float32), [])


def test_macro_f1() -> None:
    assert macro_f1(["a", "a", "b"], ["a", "a", "b"]) == 1.0
    # a: tp1 fn1 -> f1 2/3 ; b: tp1 fp1 -> f1 2/3
    assert macro_f1(["a", "a", "b"], ["a", "b", "b"]) == pytest.approx(2 / 3)
    assert macro_f1(["a"], ["unclear"]) == 0.0


def test_read_csv_finds_text_and_label_columns(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('\ufefftext,category\n"hello, there",greet\nbye,leave\n,empty\n', encoding="utf-8")
    rows = read_csv(path)
    assert [(r.text, r.label) for r in rows] == [("hello, there", "greet"), ("bye", "leave")]


def test_read_csv_explains_what_is_wrong(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(NluDataError, match="text column"):
        read_csv(path)
    with pytest.raises(NluDataError, match=r"missing\.csv"):
        read_csv(tmp_path / "missing.csv")


class _CountingEmbedder:
    """Records how often it is asked, to show the cache spares the second start-up."""

    model_id = "counting"

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        return np.vstack([_unit(len(t), 1.0) for t in texts])


def test_embed_cached_writes_once_and_rebuilds_when_stale(tmp_path: Path) -> None:
    embedder = _CountingEmbedder()
    cache = tmp_path / "m.npy"
    first = embed_cached(embedder, ["a", "bb"], cache)
    again = embed_cached(embedder, ["a", "bb"], cache)
    assert embedder.calls == 1
    assert np.array_equal(first, again)
    embed_cached(embedder, ["a", "bb", "ccc"], cache)  # row count differs: stale
    assert embedder.calls == 2
    cache.write_bytes(b"garbage")
    assert embed_cached(embedder, ["a"], cache).shape == (1, 2)
    assert embedder.calls == 3
