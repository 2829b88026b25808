"""Audio decoding for recognition: any common container/codec, any rate, mono or stereo -> 16 kHz mono.

PyAV (FFmpeg, installed with faster-whisper) decodes and resamples, so WAV, FLAC, MP3, OGG/Opus, M4A/AAC
and WebM all work. Limits are checked before the work is done where possible (the container's declared
duration, the byte size) and again while decoding, so a 2-hour upload is refused without decoding it.
Every failure is a typed `AudioError` with a message a caller can show.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import av.error
import numpy as np
import numpy.typing as npt

AudioInput = str | os.PathLike[str] | bytes | bytearray | memoryview | npt.NDArray[Any]
"""A file path, the bytes of an encoded file (wav, flac, mp3, ogg, m4a ...), or samples.

An array is float (-1..1) or int16, shaped (n,) or (n, channels); its rate is `sample_rate`
(16 kHz when not given)."""

SAMPLE_RATE = 16_000
"""Whisper and Silero VAD both work on 16 kHz mono."""


class AudioError(ValueError):
    """The audio cannot be used; the message says why."""


class AudioDecodeError(AudioError):
    """Not audio, or a corrupt/truncated file."""


class UnsupportedAudioError(AudioError):
    """A container or codec this build cannot decode, or a file with no audio stream."""


class AudioTooLongError(AudioError):
    """Longer than the configured limit (or bigger than the byte limit): refused, not truncated."""

    def __init__(self, message: str, duration_s: float | None = None, limit_s: float | None = None) -> None:
        super().__init__(message)
        self.duration_s = duration_s
        self.limit_s = limit_s


@dataclass(frozen=True)
class AudioLimits:
    max_duration_s: float = 600.0
    max_bytes: int = 256 * 1024 * 1024


def load_audio(
    source: AudioInput,
    *,
    sample_rate: int | None = None,
    limits: AudioLimits | None = None,
) -> npt.NDArray[np.float32]:
    """Decode `source` to float32 mono samples at 16 kHz.

    `sample_rate` only applies to arrays (files carry their own rate). Raises `AudioError` subclasses.
    """
    limits = limits or AudioLimits()
    if isinstance(source, np.ndarray):
        return _from_array(source, sample_rate or SAMPLE_RATE, limits)
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        if not data:
            raise AudioDecodeError("empty audio payload")
        if len(data) > limits.max_bytes:
            raise AudioTooLongError(f"audio payload of {len(data)} bytes exceeds the limit of {limits.max_bytes}")
        return _decode(io.BytesIO(data), "<bytes>", limits)
    path = Path(os.fspath(source))
    if not path.is_file():
        raise AudioDecodeError(f"no such audio file: {path}")
    size = path.stat().st_size
    if size == 0:
        raise AudioDecodeError(f"{path.name}: empty file")
    if size > limits.max_bytes:
        raise AudioTooLongError(f"{path.name}: {size} bytes exceeds the limit of {limits.max_bytes}")
    return _decode(str(path), path.name, limits)


def _too_long(name: str, duration_s: float, limits: AudioLimits) -> AudioTooLongError:
    return AudioTooLongError(
        f"{name}: audio is {duration_s:.0f} s long; the limit is {limits.max_duration_s:.0f} s "
        "(split it, or raise LOBBY_SPEECH__ASR_MAX_AUDIO_S)",
        duration_s=duration_s,
        limit_s=limits.max_duration_s,
    )


def _decode(file: Any, name: str, limits: AudioLimits) -> npt.NDArray[np.float32]:
    try:
        container = av.open(file, mode="r", metadata_errors="ignore")
    except av.error.InvalidDataError:
        raise AudioDecodeError(f"{name}: not a recognisable audio file (corrupt or not audio)") from None
    except (av.error.DemuxerNotFoundError, av.error.DecoderNotFoundError) as exc:
        raise UnsupportedAudioError(f"{name}: unsupported container ({exc})") from None
    except av.error.FFmpegError as exc:
        raise AudioDecodeError(f"{name}: cannot open audio ({exc})") from None
    with container:
        if not container.streams.audio:
            raise UnsupportedAudioError(f"{name}: the file has no audio stream")
        stream = container.streams.audio[0]
        declared = _declared_duration(container, stream)
        if declared is not None and declared > limits.max_duration_s:
            raise _too_long(name, declared, limits)
        if stream.codec_context is None or stream.codec_context.name in ("", "none"):
            raise UnsupportedAudioError(f"{name}: unsupported audio codec")
        return _read_stream(container, stream, name, limits)


def _declared_duration(container: Any, stream: Any) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return float(container.duration) / 1_000_000
    return None


def _read_stream(container: Any, stream: Any, name: str, limits: AudioLimits) -> npt.NDArray[np.float32]:
    resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    max_samples = int((limits.max_duration_s + 1) * SAMPLE_RATE)
    chunks: list[npt.NDArray[Any]] = []
    total = 0
    try:
        for frame in container.decode(stream):
            frame.pts = None  # let the resampler re-time frames (avoids errors on odd timestamps)
            for out in resampler.resample(frame):
                arr = out.to_ndarray().reshape(-1)
                chunks.append(arr)
                total += arr.size
            if total > max_samples:
                raise _too_long(name, total / SAMPLE_RATE, limits)
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray().reshape(-1))
    except av.error.DecoderNotFoundError:
        raise UnsupportedAudioError(f"{name}: unsupported audio codec '{stream.codec_context.name}'") from None
    except (av.error.InvalidDataError, av.error.EOFError) as exc:
        if not chunks:
            raise AudioDecodeError(f"{name}: corrupt audio data ({exc})") from None
        # a truncated tail: keep what decoded cleanly
    except av.error.FFmpegError as exc:
        raise AudioDecodeError(f"{name}: cannot decode audio ({exc})") from None
    if not chunks:
        raise AudioDecodeError(f"{name}: no audio samples could be decoded")
    samples = np.concatenate(chunks)
    return (samples.astype(np.float32) / 32768.0).astype(np.float32)


def _from_array(samples: npt.NDArray[Any], rate: int, limits: AudioLimits) -> npt.NDArray[np.float32]:
    if rate < 1000 or rate > 384_000:
        raise AudioDecodeError(f"implausible sample rate {rate}")
    try:
        mono = as_float_mono(samples)
    except ValueError as exc:
        raise AudioDecodeError(str(exc)) from None
    duration = mono.size / rate
    if duration > limits.max_duration_s:
        raise _too_long("<array>", duration, limits)
    if not np.all(np.isfinite(mono)):
        raise AudioDecodeError("audio array contains NaN or infinite values")
    if rate == SAMPLE_RATE:
        return mono
    return resample(mono, rate)


def resample(mono: npt.NDArray[np.float32], rate: int) -> npt.NDArray[np.float32]:
    """Resample float mono samples to 16 kHz with FFmpeg's resampler (same path as files)."""
    pcm = (np.clip(mono, -1.0, 1.0) * 32767).astype(np.int16).reshape(1, -1)
    frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
    frame.sample_rate = rate
    resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    out = [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
    out += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    if not out:
        return np.zeros(0, dtype=np.float32)
    return (np.concatenate(out).astype(np.float32) / 32768.0).astype(np.float32)


def pcm16_to_float(chunk: bytes) -> npt.NDArray[np.float32]:
    """Little-endian 16-bit PCM bytes (the kiosk's wire format) as float32 samples."""
    if len(chunk) % 2:
        raise AudioDecodeError("PCM chunk has an odd number of bytes; expected 16-bit samples")
    return np.frombuffer(chunk, dtype="<i2").astype(np.float32) / 32768.0


def as_float_mono(samples: npt.NDArray[Any]) -> npt.NDArray[np.float32]:
    """int16/float arrays, mono or (n, channels), as float32 mono in -1..1."""
    arr = np.asarray(samples)
    if arr.dtype == np.int16:
        arr = arr.astype(np.float32) / 32768.0
    elif arr.dtype == np.int32:
        arr = arr.astype(np.float32) / 2147483648.0
    else:
        arr = arr.astype(np.float32, copy=False)
    if arr.ndim == 2:
        # (n, channels) is the soundfile convention; a (channels, n) array with few rows is transposed
        if arr.shape[0] <= 8 < arr.shape[1]:
            arr = arr.T
        arr = arr.mean(axis=1)
    elif arr.ndim != 1:
        raise ValueError(f"audio array must be 1-D or 2-D, got shape {arr.shape}")
    return np.ascontiguousarray(arr, dtype=np.float32)
