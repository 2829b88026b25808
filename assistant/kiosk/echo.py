"""Barge-in without being fooled by the avatar's own voice.

While the kiosk plays a reply, the microphone hears the customer AND (whatever the browser's echo
cancellation leaves of) the reply itself. Silero VAD calls both "speech", so each voiced 32 ms window
is compared with the reference audio being played: the best normalised cross-correlation over a
long window finds the echo's delay, and at that delay the latest short window is explained by the
reference (echo) or not (the customer is talking, alone or over the echo). A few customer windows in
a row are a barge-in.

Positions are kept on the microphone's own clock (16 kHz samples received since playback started),
not on wall time, so network jitter and faster-than-real-time test feeds do not shift the search.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from speech.asr.vad import WINDOW, StreamingVad
from speech.audio import SAMPLE_RATE

Float32 = npt.NDArray[np.float32]


@dataclass(frozen=True)
class EchoOptions:
    vad_threshold: float = 0.5
    long_ms: int = 384  # window over which the echo's delay is found
    short_ms: int = 96  # window judged at that delay (the newest audio)
    max_delay_ms: int = 1200  # speaker -> room -> microphone -> network, and report jitter
    lead_ms: int = 300  # the page's playback report may lag the audio a little
    echo_long: float = 0.55  # correlation above which the delay estimate is trusted
    echo_short: float = 0.8  # at that delay, a short window this correlated is the echo alone
    min_rms: float = 0.004  # about -48 dBFS: quieter windows are never a barge-in
    barge_windows: int = 3  # customer windows among the last `barge_span` voiced ones
    barge_span: int = 5
    tail_ms: int = 400  # echo keeps arriving this long after playback ended


def normalised_xcorr(needle: Float32, haystack: Float32) -> tuple[float, int]:
    """Best normalised cross-correlation of `needle` inside `haystack` and its offset (FFT, O(n log n))."""
    n, m = needle.size, haystack.size
    if n == 0 or m < n:
        return 0.0, 0
    needle_energy = float(np.dot(needle, needle))
    if needle_energy <= 1e-12:
        return 0.0, 0
    size = 1 << int(np.ceil(np.log2(n + m)))
    spectrum = np.fft.rfft(haystack, size) * np.conj(np.fft.rfft(needle, size))
    corr = np.fft.irfft(spectrum, size)[: m - n + 1]
    squares = np.concatenate([[0.0], np.cumsum(haystack.astype(np.float64) ** 2)])
    energies = squares[n:] - squares[:-n]
    ncc = corr / np.sqrt(needle_energy * np.maximum(energies, 1e-12))
    ncc[energies <= 1e-9 * n] = 0.0
    best = int(np.argmax(ncc))
    return float(ncc[best]), best


def similarity(a: Float32, b: Float32) -> float:
    """Normalised correlation of two equally long signals at zero lag (0 when either is silent)."""
    ea, eb = float(np.dot(a, a)), float(np.dot(b, b))
    if ea <= 1e-12 or eb <= 1e-12:
        return 0.0
    return float(np.dot(a, b) / np.sqrt(ea * eb))


class EchoReference:
    """The reply audio the page is playing (16 kHz), anchored on the microphone clock."""

    def __init__(self, max_s: float = 120.0) -> None:
        self.reply_id: str | None = None
        self._parts: list[Float32] = []
        self._audio: Float32 = np.zeros(0, dtype=np.float32)
        self._max = int(max_s * SAMPLE_RATE)
        self._anchor_mic: int | None = None  # mic sample count when playback started
        self._anchor_pos = 0  # reference sample playing at that moment
        self._ended_at: int | None = None

    def reset(self, reply_id: str) -> None:
        """A new reply: forget the old reference."""
        self.reply_id = reply_id
        self._parts, self._audio = [], np.zeros(0, dtype=np.float32)
        self._anchor_mic = self._ended_at = None

    def append(self, reply_id: str, samples: Float32) -> None:
        if reply_id != self.reply_id:
            self.reset(reply_id)
        total = sum(p.size for p in self._parts)
        if total + samples.size <= self._max:
            self._parts.append(np.asarray(samples, dtype=np.float32))

    def started(self, reply_id: str, mic_clock: int, position_ms: int = 0) -> None:
        if reply_id != self.reply_id:
            return
        self._anchor_mic, self._anchor_pos = mic_clock, max(0, position_ms) * SAMPLE_RATE // 1000
        self._ended_at = None

    def ended(self, reply_id: str | None, mic_clock: int) -> None:
        if reply_id is None or reply_id == self.reply_id:
            self._ended_at = mic_clock if self._anchor_mic is not None else None

    def playing(self, mic_clock: int, tail_ms: int) -> bool:
        """Playback is on (or its echo may still be arriving)."""
        if self._anchor_mic is None:
            return False
        if self._ended_at is None:
            return True
        return mic_clock - self._ended_at < tail_ms * SAMPLE_RATE // 1000

    def around(self, mic_clock: int, before: int, after: int) -> Float32:
        """Reference audio from `before` samples before to `after` samples after the expected position."""
        if self._anchor_mic is None:
            return np.zeros(0, dtype=np.float32)
        if len(self._parts) > 1 or (self._parts and self._audio.size != self._parts[0].size):
            self._audio = np.concatenate(self._parts)
            self._parts = [self._audio]
        position = self._anchor_pos + (mic_clock - self._anchor_mic)
        start, end = position - before, min(self._audio.size, position + after)
        if end <= max(start, 0):
            return np.zeros(0, dtype=np.float32)
        part = self._audio[max(start, 0) : end]
        # before playback began the room was silent: pad, so early echo is still found in place
        return np.concatenate([np.zeros(-start, dtype=np.float32), part]) if start < 0 else part


class BargeInDetector:
    """Per connection: feed every mic chunk; `feed` says True once when the customer barges in."""

    def __init__(self, reference: EchoReference, options: EchoOptions | None = None) -> None:
        self.reference = reference
        self.options = options or EchoOptions()
        self.mic_clock = 0  # samples received
        self._vad: StreamingVad | None = None
        self._history: Float32 = np.zeros(0, dtype=np.float32)
        self._recent: deque[bool] = deque(maxlen=self.options.barge_span)
        self._fired_for: str | None = None
        self.last_decision: str = ""

    @property
    def fired(self) -> bool:
        return self._fired_for is not None and self._fired_for == self.reference.reply_id

    @property
    def recent_customer(self) -> bool:
        """One of the last voiced windows was the customer (not the echo)."""
        return any(self._recent)

    def feed(self, samples: Float32) -> bool:
        """Advance the mic clock; during playback judge each voiced window. True = barge in now."""
        opts = self.options
        start_clock = self.mic_clock
        self.mic_clock += samples.size
        keep = (opts.long_ms + 64) * SAMPLE_RATE // 1000
        self._history = np.concatenate([self._history, samples])[-keep:]
        if not self.reference.playing(self.mic_clock, opts.tail_ms) or self.fired:
            if self._vad is not None and not self.reference.playing(self.mic_clock, opts.tail_ms):
                self._vad = None  # next playback starts from a fresh VAD state
                self._recent.clear()
            return False
        if self._vad is None:
            self._vad = StreamingVad()
        windows = self._vad.process(samples)
        fire = False
        for index, prob in enumerate(windows):
            if prob < opts.vad_threshold:
                continue
            # the window's end on the mic clock (windows complete in order within this chunk)
            end_clock = min(self.mic_clock, start_clock + (index + 1) * WINDOW)
            customer = self._is_customer(end_clock)
            self._recent.append(customer)
            if sum(self._recent) >= opts.barge_windows:
                fire = True
        if fire:
            self._fired_for = self.reference.reply_id
            self._recent.clear()
        return fire

    def _is_customer(self, end_clock: int) -> bool:
        opts = self.options
        ms = SAMPLE_RATE // 1000
        offset = self.mic_clock - end_clock
        history = self._history[: self._history.size - offset] if offset else self._history
        short = history[-opts.short_ms * ms :]
        if short.size == 0 or float(np.sqrt(np.mean(short**2))) < opts.min_rms:
            self.last_decision = "quiet"
            return False
        long = history[-opts.long_ms * ms :]
        ref = self.reference.around(end_clock, opts.max_delay_ms * ms + long.size, opts.lead_ms * ms)
        if ref.size < long.size:
            self.last_decision = "customer:no_reference"
            return True
        score, offset_in_ref = normalised_xcorr(long, ref)
        if score < opts.echo_long:
            self.last_decision = f"customer:long={score:.2f}"
            return True
        aligned = ref[offset_in_ref + long.size - short.size : offset_in_ref + long.size]
        local = similarity(short, aligned) if aligned.size == short.size else 0.0
        self.last_decision = f"{'echo' if local >= opts.echo_short else 'customer'}:long={score:.2f},short={local:.2f}"
        return local < opts.echo_short
