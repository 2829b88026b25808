"""One visit's audio on one clock: the customer's microphone and the avatar's voice, as two tracks.

The customer track is made of runs: the page streams its microphone while the mic is open, so each
opening starts a run where it happens on the wall clock (silence before it), and within a run frames are
appended back to back, as many samples as were sent. Frames that arrive in a burst (a network or server
stall) therefore never get silence inserted in the middle of a word; only a pause of LONG_GAP_S with no
`mic` message (a page that stopped sending) starts a new run by itself. A spoken sentence starts where
the avatar track ends or at "now", whichever is later (sentences play back to back on the page).
Everything is capped at `max_samples` so a forgotten kiosk cannot fill the memory.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections.abc import Callable

import numpy as np

from assistant.recording.codec import RATE

LONG_GAP_S = 3.0  # the microphone this far behind the wall clock, unannounced: a new run


class Timeline:
    def __init__(self, max_samples: int, mic_index: int = 0, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_samples = max_samples
        self._clock = clock
        self._start = clock()
        self._customer = bytearray()
        self._avatar = bytearray()
        # (connection mic sample index, timeline position): where each run of microphone audio landed
        self._anchors: list[tuple[int, int]] = [(mic_index, 0)]
        self._mic_index = mic_index
        self._new_run = True
        self.truncated = False

    @property
    def customer_samples(self) -> int:
        return len(self._customer) // 2

    @property
    def avatar_samples(self) -> int:
        return len(self._avatar) // 2

    @property
    def duration_samples(self) -> int:
        return max(self.customer_samples, self.avatar_samples)

    def _wall(self) -> int:
        return int((self._clock() - self._start) * RATE)

    def now(self) -> int:
        return max(self._wall(), self.customer_samples)

    def mic(self, pcm: bytes) -> None:
        """One microphone frame (PCM16 at 16 kHz) as the connection received it."""
        n = len(pcm) // 2
        position = self.customer_samples
        wall = self._wall() - n
        if (self._new_run and wall > position) or wall - position > LONG_GAP_S * RATE:
            position = wall
            self._anchors.append((self._mic_index, position))
        self._new_run = False
        self._mic_index += n
        if position + n > self.max_samples:
            self.truncated = True
            return
        self._pad(self._customer, position)
        self._customer += pcm[: n * 2]

    def new_run(self) -> None:
        """The microphone (re)opened: its next frame is placed at the wall clock."""
        self._new_run = True

    def avatar(self, samples: np.ndarray) -> tuple[int, int]:
        """A spoken sentence (int16 at 16 kHz); returns where it landed (start, end) in samples."""
        position = max(self.avatar_samples, self.now())
        end = position + int(samples.size)
        if end > self.max_samples:
            self.truncated = True
            return position, position
        self._pad(self._avatar, position)
        self._avatar += samples.astype("<i2").tobytes()
        return position, end

    def position_of_mic(self, index: int) -> int:
        """The timeline position of the connection's microphone sample `index` (0 when before the start)."""
        at = bisect_right(self._anchors, (index, 1 << 62)) - 1
        if at < 0:
            return 0
        mic, position = self._anchors[at]
        return max(0, position + index - mic)

    def tracks(self) -> np.ndarray:
        """int16, shape (duration, 2): customer, avatar."""
        n = self.duration_samples
        out = np.zeros((n, 2), dtype=np.int16)
        customer = np.frombuffer(bytes(self._customer), dtype="<i2")
        avatar = np.frombuffer(bytes(self._avatar), dtype="<i2")
        out[: customer.size, 0] = customer
        out[: avatar.size, 1] = avatar
        return out

    @staticmethod
    def _pad(track: bytearray, position: int) -> None:
        missing = position - len(track) // 2
        if missing > 0:
            track += bytes(missing * 2)
