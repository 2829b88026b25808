"""Barge-in parts of the kiosk socket on their own: echo alignment, the gate in front of the recognizer,
and the detector (real Silero VAD) on the avatar's own voice vs a customer talking over it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.kiosk.echo import BargeInDetector, EchoReference, normalised_xcorr
from assistant.kiosk.listener import MicGate
from speech.audio import load_audio

pytestmark = pytest.mark.integration
CLIPS = Path(__file__).parent / "test_asr_clips"


def test_xcorr_finds_a_delayed_quieter_copy() -> None:
    rng = np.random.default_rng(1)
    reference = rng.normal(0, 0.2, 16000).astype(np.float32)
    needle = 0.3 * reference[5000:6000] + rng.normal(0, 0.01, 1000).astype(np.float32)
    score, offset = normalised_xcorr(needle.astype(np.float32), reference)
    assert offset == 5000 and score > 0.95
    other = rng.normal(0, 0.2, 1000).astype(np.float32)
    assert normalised_xcorr(other, reference)[0] < 0.3
    assert normalised_xcorr(np.zeros(1000, np.float32), reference) == (0.0, 0)


def test_gate_holds_echo_back_and_lets_an_interruption_through() -> None:
    gate = MicGate(hold_bytes=1280)
    frame = b"\x01\x02" * 320  # 20 ms
    assert gate.push(frame, playing=False, customer=False) == [frame]
    out = [c for _ in range(5) for c in gate.push(frame, playing=True, customer=False)]
    assert out and all(c == bytes(len(frame)) for c in out)  # what was released is silence
    released = gate.push(frame, playing=True, customer=True)
    assert released and all(c == frame for c in released)  # the held audio goes through as it was
    assert gate.push(frame, playing=True, customer=False) == [frame]  # open until playback restarts
    gate.restart()
    assert gate.push(frame, playing=True, customer=False) == []


def feed(detector: BargeInDetector, audio: np.ndarray) -> int | None:
    """Feed 20 ms frames; the sample index at which barge-in fired, or None."""
    for start in range(0, audio.size, 320):
        if detector.feed(audio[start : start + 320]):
            return start + 320
    return None


@pytest.fixture(scope="module")
def voice() -> np.ndarray:
    """'The avatar's reply': three clips back to back."""
    return np.concatenate([load_audio(CLIPS / n) for n in ("zh_transfer.wav", "zh_deposit.wav", "zh_wealth.wav")])


def playing(voice: np.ndarray) -> tuple[EchoReference, BargeInDetector]:
    reference = EchoReference()
    reference.append("r1", voice)
    detector = BargeInDetector(reference)
    reference.started("r1", detector.mic_clock)
    return reference, detector


@pytest.mark.parametrize("delay_ms", [0, 80, 250])
def test_the_avatars_echo_never_barges_in(voice: np.ndarray, delay_ms: int) -> None:
    _, detector = playing(voice)
    rng = np.random.default_rng(delay_ms)
    delay = delay_ms * 16
    echo = np.concatenate([np.zeros(delay, np.float32), 0.35 * voice])[: voice.size]
    echo = (echo + rng.normal(0, 0.002, echo.size)).astype(np.float32)
    assert feed(detector, echo) is None, detector.last_decision


def test_a_customer_talking_over_the_echo_barges_in_fast(voice: np.ndarray) -> None:
    _, detector = playing(voice)
    customer = load_audio(CLIPS / "zh_card_loss.wav")
    onset = int(np.argmax(np.abs(customer) > 0.05))
    start = 16000  # one second into the reply
    mic = 0.3 * np.concatenate([np.zeros(1280, np.float32), voice])[: voice.size]
    mic[start : start + customer.size] += customer[: mic.size - start]
    fired = feed(detector, mic.astype(np.float32))
    assert fired is not None, detector.last_decision
    latency_ms = (fired - (start + onset)) / 16
    assert latency_ms <= 300, latency_ms  # on the microphone's clock: processing time is not counted
    assert detector.fired and feed(detector, mic[:16000]) is None  # once per reply


def test_no_playback_no_barge_in(voice: np.ndarray) -> None:
    detector = BargeInDetector(EchoReference())
    assert feed(detector, load_audio(CLIPS / "zh_card_loss.wav")) is None
