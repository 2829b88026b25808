"""Audio decoding for ASR: formats, rates, channels, limits and typed errors (generated audio only)."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from speech.audio import (
    SAMPLE_RATE,
    AudioDecodeError,
    AudioLimits,
    AudioTooLongError,
    UnsupportedAudioError,
    load_audio,
    pcm16_to_float,
)

pytestmark = pytest.mark.unit


def tone(seconds: float, rate: int, freq: float = 440.0, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def encode(samples: np.ndarray, rate: int, fmt: str, subtype: str | None = None) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, samples, rate, format=fmt, subtype=subtype)
    return buf.getvalue()


def wav_with_format_tag(tag: int, data: bytes = b"\x00\x01" * 8000) -> bytes:
    fmt = struct.pack("<HHIIHH", tag, 1, 16000, 32000, 2, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


@pytest.mark.parametrize("rate", [8000, 16000, 22050, 44100, 48000])
def test_any_rate_is_resampled_to_16k(rate: int) -> None:
    audio = load_audio(encode(tone(1.0, rate), rate, "WAV"))
    assert audio.dtype == np.float32
    assert abs(audio.size - SAMPLE_RATE) <= 64  # one second stays one second
    # the 440 Hz tone survives resampling: its spectral peak is where it was
    spectrum = np.abs(np.fft.rfft(audio))
    assert abs(np.argmax(spectrum) * SAMPLE_RATE / audio.size - 440) < 5


def test_stereo_is_mixed_to_mono(tmp_path: Path) -> None:
    left, right = tone(1.0, 48000, 300), tone(1.0, 48000, 700)
    path = tmp_path / "stereo.flac"
    sf.write(path, np.stack([left, right], axis=1), 48000)
    audio = load_audio(path)
    spectrum = np.abs(np.fft.rfft(audio))
    freqs = np.fft.rfftfreq(audio.size, 1 / SAMPLE_RATE)
    top = sorted(freqs[np.argsort(spectrum)[-2:]])
    assert abs(top[0] - 300) < 5 and abs(top[1] - 700) < 5  # both channels are heard


@pytest.mark.parametrize(("fmt", "subtype"), [("FLAC", None), ("OGG", "VORBIS"), ("WAV", "PCM_24"), ("WAV", "FLOAT")])
def test_common_containers_decode(fmt: str, subtype: str | None) -> None:
    audio = load_audio(encode(tone(0.5, 44100), 44100, fmt, subtype))
    assert abs(audio.size - SAMPLE_RATE // 2) < 1200
    assert 0.3 < float(np.max(np.abs(audio))) <= 1.0


def test_clipped_audio_decodes_within_range() -> None:
    clipped = np.clip(tone(1.0, 16000, amp=3.0), -1.0, 1.0)
    audio = load_audio(encode(clipped, 16000, "WAV"))
    assert float(np.max(np.abs(audio))) <= 1.0


def test_arrays_int16_float_stereo_and_rates() -> None:
    pcm = (tone(1.0, 8000) * 32767).astype(np.int16)
    assert abs(load_audio(pcm, sample_rate=8000).size - SAMPLE_RATE) <= 64
    stereo = np.stack([tone(1.0, 16000), tone(1.0, 16000)], axis=1)
    assert load_audio(stereo).shape == (SAMPLE_RATE,)
    assert load_audio(stereo.T.copy()).shape == (SAMPLE_RATE,)  # (channels, n) is recognised too


def test_two_hour_file_is_refused_without_decoding() -> None:
    buf = io.BytesIO()
    with sf.SoundFile(buf, "w", samplerate=8000, channels=1, format="FLAC", subtype="PCM_16") as f:
        minute = np.zeros(8000 * 60, dtype=np.int16)
        for _ in range(120):
            f.write(minute)
    with pytest.raises(AudioTooLongError, match="7200 s") as info:
        load_audio(buf.getvalue(), limits=AudioLimits(max_duration_s=600))
    assert info.value.limit_s == 600


def test_limit_is_also_enforced_while_decoding_and_for_arrays() -> None:
    with pytest.raises(AudioTooLongError):
        load_audio(tone(12.0, 16000), limits=AudioLimits(max_duration_s=10))
    # an OGG stream declares no duration in its header: the decoder stops at the limit
    with pytest.raises(AudioTooLongError):
        load_audio(encode(tone(12.0, 16000), 16000, "OGG", "VORBIS"), limits=AudioLimits(max_duration_s=10))


def test_byte_limit() -> None:
    with pytest.raises(AudioTooLongError, match="bytes"):
        load_audio(encode(tone(2.0, 16000), 16000, "WAV"), limits=AudioLimits(max_bytes=1000))


@pytest.mark.parametrize(
    "blob",
    [b"this is a text file, not audio" * 20, bytes(range(256)) * 40, wav_with_format_tag(1)[:30], b""],
    ids=["text", "random", "truncated-header", "empty"],
)
def test_corrupt_input_is_a_clear_decode_error(blob: bytes) -> None:
    with pytest.raises(AudioDecodeError):
        load_audio(blob)


def test_corrupt_file_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "broken.wav"
    path.write_bytes(b"RIFF\x00\x00\x00\x00WAVEgarbage" * 10)
    with pytest.raises(AudioDecodeError, match=r"broken\.wav"):
        load_audio(path)
    with pytest.raises(AudioDecodeError, match="no such audio file"):
        load_audio(tmp_path / "missing.wav")


def test_unsupported_codec_is_its_own_error() -> None:
    with pytest.raises(UnsupportedAudioError, match="unsupported audio codec"):
        load_audio(wav_with_format_tag(0x1234))


def test_nan_array_refused() -> None:
    bad = np.full(1600, np.nan, dtype=np.float32)
    with pytest.raises(AudioDecodeError, match="NaN"):
        load_audio(bad)


def test_pcm16_chunks() -> None:
    raw = np.array([0, 16384, -32768], dtype="<i2").tobytes()
    assert pcm16_to_float(raw).tolist() == [0.0, 0.5, -1.0]
    with pytest.raises(AudioDecodeError):
        pcm16_to_float(b"\x00\x01\x02")
