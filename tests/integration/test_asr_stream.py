"""Live recognition stream on real whisper-base and Silero VAD, fed like the kiosk microphone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from speech.asr import AsrError, Transcript, WhisperRecognizer, build_recognizer
from speech.asr.metrics import error_rate
from speech.asr.stream import Final, Interim, RecognitionStream, SpeechStarted, StreamOptions
from speech.audio import AudioInput, load_audio
from speech.config import SpeechOptions

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CLIPS = Path(__file__).parent / "test_asr_clips"
MODELS = Path(__file__).resolve().parents[2] / "var" / "models"
CHUNK = 320  # 20 ms of 16 kHz audio, what a browser AudioWorklet typically posts


@pytest.fixture(scope="module")
def recognizer() -> WhisperRecognizer:
    if not (MODELS / "whisper-base" / "model.bin").is_file():
        pytest.skip("whisper-base not prepared (lobby models prepare)")
    rec = build_recognizer(SpeechOptions(), MODELS)
    rec.warm_up()
    return rec


def pcm(samples: np.ndarray) -> bytes:
    return (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()


async def feed_all(stream: RecognitionStream, samples: np.ndarray) -> list[object]:
    events: list[object] = []
    data = pcm(samples)
    for i in range(0, len(data), CHUNK * 2):
        events.extend(await stream.feed(data[i : i + CHUNK * 2]))
    return events


async def test_utterance_gives_started_interims_and_final(recognizer: WhisperRecognizer) -> None:
    speech = load_audio(CLIPS / "zh_wealth.wav")
    silence = np.zeros(16000, dtype=np.float32)
    stream = RecognitionStream(recognizer, StreamOptions(interim_interval_s=0.5))
    events = await feed_all(stream, np.concatenate([silence, speech, silence]))
    await stream.aclose()
    kinds = [type(e).__name__ for e in events]
    assert kinds[0] == "SpeechStarted" and kinds[-1] == "Final" and kinds.count("Final") == 1, kinds
    started = events[0]
    assert isinstance(started, SpeechStarted) and 0.7 < started.at_s < 1.6
    final = events[-1]
    assert isinstance(final, Final) and final.reason == "silence"
    assert error_rate("有没有风险低一点的理财产品", final.text, "zh") <= 0.15, final.text
    # the final arrives with the endpoint: 600 ms of silence after the speech, not a second later
    speech_end = (16000 + speech.size) / 16000
    assert final.end_s < speech_end + 0.1 + 0.6 + 0.2
    interims = [e for e in events if isinstance(e, Interim)]
    assert all(e.text for e in interims)


async def test_two_utterances_and_silence_only(recognizer: WhisperRecognizer) -> None:
    a = load_audio(CLIPS / "zh_card_loss.wav")
    b = load_audio(CLIPS / "zh_balance.wav")
    gap = np.zeros(16000, dtype=np.float32)
    stream = RecognitionStream(recognizer, StreamOptions(interim=False))
    assert await feed_all(stream, np.zeros(16000 * 3, dtype=np.float32)) == []  # silence: nothing at all
    events = await feed_all(stream, np.concatenate([a, gap, b, gap]))
    finals = [e for e in events if isinstance(e, Final)]
    assert [e.kind for e in events if not isinstance(e, Interim)] == ["speech_started", "final"] * 2
    assert "挂失" in finals[0].text and "余额" in finals[1].text


async def test_max_utterance_length_and_flush(recognizer: WhisperRecognizer) -> None:
    speech = np.concatenate([load_audio(CLIPS / n) for n in ("zh_transfer.wav", "zh_deposit.wav")])
    stream = RecognitionStream(recognizer, StreamOptions(max_utterance_s=2.0, end_silence_ms=2000, interim=False))
    events = await feed_all(stream, speech)
    events += await stream.flush()
    finals = [e for e in events if isinstance(e, Final)]
    assert finals and finals[0].reason == "max_length"
    assert finals[0].end_s - finals[0].start_s <= 2.1
    assert finals[-1].reason in ("flush", "max_length", "silence")


async def test_noise_does_not_start_utterances(recognizer: WhisperRecognizer) -> None:
    rng = np.random.default_rng(3)
    noise = (rng.standard_normal(16000 * 4) * 0.05).astype(np.float32)
    stream = RecognitionStream(recognizer)
    events = await feed_all(stream, noise)
    events += await stream.flush()
    assert not [e for e in events if isinstance(e, Final) and e.text]


class FailingRecognizer:
    """Same interface; fails every decode, to check how the stream reports an ASR outage."""

    def transcribe(self, audio: AudioInput, **kwargs: object) -> Transcript:
        raise AsrError("engine down")

    async def atranscribe(self, audio: AudioInput, **kwargs: object) -> Transcript:
        raise AsrError("engine down")


async def test_engine_failure_surfaces_at_the_final_not_in_interims() -> None:
    speech = load_audio(CLIPS / "zh_deposit.wav")
    stream = RecognitionStream(FailingRecognizer(), StreamOptions(interim_interval_s=0.3))  # type: ignore[arg-type]
    with pytest.raises(AsrError, match="engine down"):
        await feed_all(stream, np.concatenate([speech, np.zeros(16000, dtype=np.float32)]))
    await stream.aclose()
