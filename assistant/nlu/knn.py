"""k-nearest-neighbour intent scoring over an exemplar matrix.

Each intent's score is the mean cosine similarity of its `k` closest exemplars to the utterance:
robust to one odd exemplar (k > 1) yet still rewarding an intent that has a near-paraphrase. With a
few thousand exemplars this is one matrix-vector product and a partition per intent: well under a
millisecond, so no approximate index is needed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from assistant.nlu.embeddings import Matrix


class KnnScorer:
    """Scores every label for a query vector from labelled, normalised exemplar vectors."""

    def __init__(self, matrix: Matrix, labels: Sequence[str], k: int = 2) -> None:
        if matrix.shape[0] != len(labels):
            raise ValueError(f"{matrix.shape[0]} vectors but {len(labels)} labels")
        if matrix.shape[0] == 0:
            raise ValueError("no exemplars")
        order = np.argsort(np.asarray(labels), kind="stable")
        self._matrix = np.ascontiguousarray(matrix[order])
        sorted_labels = [labels[i] for i in order]
        self.labels: list[str] = []
        bounds: list[int] = []
        for i, label in enumerate(sorted_labels):
            if not self.labels or self.labels[-1] != label:
                self.labels.append(label)
                bounds.append(i)
        bounds.append(len(sorted_labels))
        self._bounds = bounds
        self.k = k

    def scores(self, vector: Matrix) -> np.ndarray:
        """Per-label score (same order as `self.labels`) for one normalised query vector."""
        sims = self._matrix @ vector.reshape(-1)
        out = np.empty(len(self.labels), dtype=np.float32)
        for j in range(len(self.labels)):
            part = sims[self._bounds[j] : self._bounds[j + 1]]
            k = min(self.k, part.shape[0])
            out[j] = np.partition(part, part.shape[0] - k)[-k:].mean() if k < part.shape[0] else part.mean()
        return out

    def scores_batch(self, vectors: Matrix) -> np.ndarray:
        """(n, labels) scores for many query vectors at once (evaluation)."""
        sims = vectors @ self._matrix.T
        out = np.empty((vectors.shape[0], len(self.labels)), dtype=np.float32)
        for j in range(len(self.labels)):
            part = sims[:, self._bounds[j] : self._bounds[j + 1]]
            k = min(self.k, part.shape[1])
            out[:, j] = np.partition(part, part.shape[1] - k, axis=1)[:, -k:].mean(axis=1)
        return out
