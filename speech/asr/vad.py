"""Streaming voice activity detection with the Silero model shipped inside faster-whisper.

faster-whisper's `SileroVADModel.__call__` scores a whole buffer from a fresh state; a live stream
needs the recurrent state and the 64-sample context carried from one 32 ms window to the next, so
this class drives the same ONNX session window by window. The session is shared (read-only,
thread-safe); the state is per stream.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

WINDOW = 512  # samples per decision at 16 kHz (32 ms), fixed by the model
CONTEXT = 64


def _session() -> Any:
    from faster_whisper.vad import get_vad_model

    return get_vad_model().session


class StreamingVad:
    """Feeds 16 kHz float samples, returns one speech probability per completed 32 ms window."""

    def __init__(self) -> None:
        self._session = _session()
        self.reset()

    def reset(self) -> None:
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(CONTEXT, dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)

    def process(self, samples: npt.NDArray[np.float32]) -> list[float]:
        buf = np.concatenate([self._pending, samples]) if self._pending.size else samples
        n = buf.size // WINDOW
        self._pending = buf[n * WINDOW :].copy()
        if n == 0:
            return []
        windows = buf[: n * WINDOW].reshape(n, WINDOW).astype(np.float32)
        contexts = np.empty((n, CONTEXT), dtype=np.float32)
        contexts[0] = self._context
        if n > 1:
            contexts[1:] = windows[:-1, -CONTEXT:]
        batch = np.concatenate([contexts, windows], axis=1)
        out, self._h, self._c = self._session.run(None, {"input": batch, "h": self._h, "c": self._c})
        self._context = windows[-1, -CONTEXT:].copy()
        return [float(p) for p in np.asarray(out).reshape(-1)]
