"""Recordings encoded compactly: Opus in Ogg through libsndfile (in-process, no subprocess per visit).

A recording is stereo at 16 kHz: channel 0 is the customer's microphone, channel 1 the avatar's voice,
so a reviewer hears both and the after-visit analysis can take the customer alone. libsndfile sets the
Opus bitrate through a compression level in 0..1: per channel 6 kbps at 1.0 up to 256 kbps at 0.0,
linearly (measured: 24 kbps asked, 24.6 kbps written). The default is 48 kbps for the two channels: at
24 kbps, Opus's joint stereo starves the customer's channel while the avatar talks over them, and the
words re-recognised from it change (measured with whisper-base on the test clips).
"""

from __future__ import annotations

import hashlib
import io

import numpy as np
import soundfile

RATE = 16000
MIME = "audio/ogg"
CODEC = "opus"
_MIN_KBPS, _SPAN_KBPS = 6.0, 250.0  # libsndfile's per-channel Opus range


def compression_level(kbps: float, channels: int) -> float:
    per_channel = kbps / channels
    return float(min(1.0, max(0.0, 1.0 - (per_channel - _MIN_KBPS) / _SPAN_KBPS)))


def encode(tracks: np.ndarray, kbps: float) -> bytes:
    """int16 samples, shape (n, channels), at 16 kHz -> an Ogg/Opus file."""
    if tracks.ndim != 2 or tracks.shape[0] == 0:
        raise ValueError("nothing to encode")
    buffer = io.BytesIO()
    channels = int(tracks.shape[1])
    with soundfile.SoundFile(
        buffer,
        "w",
        samplerate=RATE,
        channels=channels,
        format="OGG",
        subtype="OPUS",
        compression_level=compression_level(kbps, channels),
    ) as out:
        out.write(tracks.astype(np.float32) / 32768.0)
    return buffer.getvalue()


def decode(data: bytes) -> tuple[np.ndarray, int]:
    """An encoded recording -> float32 samples (n, channels) and the sample rate."""
    samples, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    return samples, int(rate)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
