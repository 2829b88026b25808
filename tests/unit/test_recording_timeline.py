"""The recording's clock and the recorder's consent handling, on a controlled clock: microphone runs,
bursts, the avatar's sentences, per-turn segments, and nothing kept without consent."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import numpy as np
import pytest

from assistant.kiosk.voice import wav_bytes
from assistant.recording.capture import Capture, Heard, Spoken, segments
from assistant.recording.options import RecordingOptions
from assistant.recording.recorder import VisitRecorder
from assistant.recording.timeline import Timeline
from speech.asr.base import Transcript
from speech.asr.stream import Final

pytestmark = pytest.mark.unit
RATE = 16000


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def frame(value: int, ms: int = 20) -> bytes:
    return np.full(RATE * ms // 1000, value, dtype="<i2").tobytes()


def test_a_burst_is_appended_back_to_back_and_a_reopened_mic_lands_on_the_wall_clock() -> None:
    clock = Clock()
    timeline = Timeline(RATE * 60, clock=clock)
    clock.t += 1.0  # the customer opens the mic a second after consent
    for _ in range(50):  # one second of audio arriving at once (a stall, then a burst)
        timeline.mic(frame(1000))
    tracks = timeline.tracks()
    first = RATE - 320  # the first frame ends on the wall clock; the rest follow with no gaps
    assert timeline.customer_samples == first + RATE
    assert (tracks[:first, 0] == 0).all() and (tracks[first:, 0] == 1000).all()
    clock.t += 2.0  # mic closed for a while, then opened again
    timeline.new_run()
    timeline.mic(frame(2000))
    start = int(3.0 * RATE) - 320
    assert timeline.position_of_mic(RATE) == start and timeline.tracks()[start, 0] == 2000
    assert timeline.position_of_mic(RATE - 1) == first + RATE - 1  # the last sample of the first run


def test_an_unannounced_long_pause_starts_a_run_but_a_short_stall_does_not() -> None:
    clock = Clock()
    timeline = Timeline(RATE * 60, clock=clock)
    timeline.mic(frame(1))
    clock.t += 1.0  # a stall of a second: the next frames follow on directly
    timeline.mic(frame(1))
    assert timeline.customer_samples == 640
    clock.t += 5.0
    timeline.mic(frame(1))
    assert timeline.customer_samples == 6 * RATE


def test_sentences_play_back_to_back_from_now_and_audio_past_the_cap_is_cut() -> None:
    clock = Clock()
    timeline = Timeline(RATE * 3, clock=clock)
    sentence = np.full(RATE, 500, dtype=np.int16)
    clock.t += 0.5
    assert timeline.avatar(sentence) == (RATE // 2, RATE * 3 // 2)
    assert timeline.avatar(sentence) == (RATE * 3 // 2, RATE * 5 // 2)  # queued behind the first
    assert timeline.avatar(sentence) == (RATE * 5 // 2, RATE * 5 // 2) and timeline.truncated
    assert timeline.tracks().shape == (RATE * 5 // 2, 2)


class Turn:
    def __init__(self, seq: int, speaker: str, text: str, source: str) -> None:
        self.seq, self.speaker, self.text, self.source = seq, speaker, text, source


def test_segments_follow_the_turns_and_never_guess_a_reply() -> None:
    capture = Capture("s", Timeline(RATE), consented_at=None)  # type: ignore[arg-type]
    capture.heard += [Heard("我想转账", 0, 16000), Heard("五百", 40000, 56000)]
    capture.spoken += [
        Spoken("r3", "好的，转给谁？", 17000, 39000),
        Spoken("r9", "not in the transcript", 60000, 61000),
    ]
    turns = [
        Turn(2, "customer", "我想转账", "speech"),
        Turn(3, "assistant", "好的，转给谁？", "system"),
        Turn(4, "customer", "500", "speech"),  # corrected text: matched by order
        Turn(5, "assistant", "请确认", "system"),
    ]
    got = segments(capture, turns)  # type: ignore[arg-type]
    assert [(s["seq"], s["channel"], s["start_s"], s["end_s"]) for s in got] == [
        (2, "customer", 0.0, 1.0),
        (3, "avatar", 1.062, 2.438),
        (4, "customer", 2.5, 3.5),
    ]


class FakeRecordings:
    """Only to see what the recorder hands over; storing is tested on real stores."""

    def __init__(self) -> None:
        self.options = RecordingOptions()
        self.saved: list[Capture] = []

    async def save(self, capture: Capture) -> dict[str, Any]:
        self.saved.append(capture)
        return {}


def speech_message(reply_id: str, seconds: float) -> dict[str, Any]:
    pcm = np.full(int(24000 * seconds), 300, dtype="<i2").tobytes()
    return {"type": "speech", "reply_id": reply_id, "audio": base64.b64encode(wav_bytes(pcm, 24000)).decode()}


def consent(given: bool) -> dict[str, Any]:
    return {"type": "reply", "reply_id": "r2", "turn": {"intent": "event:consent", "slots": {"recording": given}}}


def visit(recorder: VisitRecorder, *messages: dict[str, Any]) -> None:
    recorder.observe({"type": "session", "session_id": "s1", "resumed": False})
    recorder.mic(frame(100))
    for message in messages:
        recorder.observe(message)
        recorder.mic(frame(100))
    recorder.observe({"type": "reply", "reply_id": "r3", "turn": {"intent": "x", "reply": {"text": "您好"}}})
    recorder.observe(speech_message("r3", 0.5))


async def test_nothing_is_kept_without_consent_or_after_it_is_withdrawn() -> None:
    for messages in ([], [consent(False)], [consent(True), consent(False)]):
        fake = FakeRecordings()
        recorder = VisitRecorder(fake)  # type: ignore[arg-type]
        visit(recorder, *messages)
        await recorder.aclose()
        assert fake.saved == [], messages


async def test_a_consented_visit_is_handed_over_when_it_ends() -> None:
    fake = FakeRecordings()
    recorder = VisitRecorder(fake)  # type: ignore[arg-type]
    heard: list[str] = []

    async def on_event(event: Any) -> None:
        heard.append(event.text)

    tapped = recorder.tap(on_event)
    visit(recorder, consent(True))
    await tapped(Final(Transcript(text="查余额", language="zh", segments=()), 0.0, 0.04, "silence"))  # type: ignore[call-arg]
    recorder.observe({"type": "session_ended", "reason": "ended"})
    await asyncio.sleep(0)
    await recorder.aclose()
    assert heard == ["查余额"] and len(fake.saved) == 1
    capture = fake.saved[0]
    assert capture.session_id == "s1" and np.count_nonzero(capture.timeline.tracks()[:, 0]) == 320  # from consent on
    assert [(s.reply_id, s.text, s.end - s.start) for s in capture.spoken] == [("r3", "您好", RATE // 2)]
    assert capture.heard[0].text == "查余额"
