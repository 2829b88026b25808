"""`lobby bench recording`: what recording a visit costs, per minute of visit: stored bytes (Opus) and
CPU time (capture on the connection, then encode, hash and write when the visit ends), and the
after-visit re-transcription of every customer turn from the stored file (what dominates the analysis; the
comparison with the live path is a few regular expressions a turn), which runs later in the background
on one thread.

The visit is simulated on a clock that advances with the audio, so a minute of visit takes a few
seconds to bench: the customer speaks the recorded test clips (microphone frames of 20 ms, streamed
only while the mic is open, as the page does), and the avatar answers with espeak-ng sentences sent as
`speech` messages (base64 WAV, the way the connection sees them). CPU is `time.process_time()`.
"""

from __future__ import annotations

import base64
import os
import platform
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import typer

CLIPS = Path(__file__).resolve().parent.parent / "tests" / "integration" / "test_asr_clips"
REPLIES = [
    "您好，请问今天想办理什么业务？",
    "好的，您的账户余额已经显示在屏幕上，请核对。",
    "转账需要先核实身份，请把身份证放在读卡区。",
]
FRAME = 320


class SimClock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def _espeak_wav(text: str) -> bytes:
    with tempfile.NamedTemporaryFile(suffix=".wav") as out:
        subprocess.run(["espeak-ng", "-v", "cmn", "-w", out.name, text], check=True)
        return Path(out.name).read_bytes()


def analysis_cost(data: bytes, spans: list[tuple[int, int]], options: Any) -> dict[str, Any]:
    """CPU of re-hearing every customer turn of the stored recording (the model is loaded first, once)."""
    from assistant.config import get_settings
    from assistant.recording.rehear import analysis_recognizer, rehear_part

    settings = get_settings()
    recognizer = analysis_recognizer(settings.speech, settings.effective_models_dir, options)
    recognizer.transcribe(np.zeros(16000, dtype=np.float32), language="zh", sample_rate=16000)  # load
    segments = [
        {"seq": n, "channel": "customer", "start_s": a / 16000, "end_s": b / 16000} for n, (a, b) in enumerate(spans, 1)
    ]
    started, wall = time.process_time(), time.perf_counter()
    heard = rehear_part(recognizer, data, {"part": 1, "segments": segments}, "zh")
    return {
        "analysis_cpu_s": round(time.process_time() - started, 2),
        "analysis_wall_s": round(time.perf_counter() - wall, 2),
        "analysis_turns": len(heard),
        "analysis_beam": options.analysis_beam_size,
        "analysis_threads": options.analysis_cpu_threads,
    }


def run_benchmark(minutes: float = 5.0, kbps: int | None = None, analysis: bool = True) -> dict[str, Any]:
    from assistant.recording.capture import Capture
    from assistant.recording.options import RecordingOptions
    from assistant.recording.recorder import wav_samples
    from assistant.recording.service import Recordings
    from assistant.recording.store import DiskStore
    from assistant.recording.timeline import Timeline
    from speech.audio import load_audio

    options = RecordingOptions() if kbps is None else RecordingOptions(bitrate_kbps=kbps)
    clips = [(np.clip(load_audio(p), -1, 1) * 32767).astype("<i2").tobytes() for p in sorted(CLIPS.glob("zh_*.wav"))]
    replies = [base64.b64encode(_espeak_wav(text)).decode() for text in REPLIES]
    silence = bytes(FRAME * 2 * 30)  # 0.6 s of the open mic after the words
    clock = SimClock()
    timeline = Timeline(int(options.max_minutes * 60 * 16000), clock=clock)
    turns = 0
    capture_cpu = 0.0
    spans: list[tuple[int, int]] = []  # where each customer turn's words lie (what the live path reported)
    while clock.t < minutes * 60:
        words = clips[turns % len(clips)] + silence
        started = time.process_time()
        timeline.new_run()
        first = timeline.now()
        spans.append((first, first + len(clips[turns % len(clips)]) // 2))
        for offset in range(0, len(words), FRAME * 2):
            clock.t += 0.02
            timeline.mic(words[offset : offset + FRAME * 2])
        samples = wav_samples(replies[turns % len(replies)])  # what the recorder does per `speech` message
        start, end = timeline.avatar(samples)
        capture_cpu += time.process_time() - started
        clock.t += (end - start) / 16000 + 1.5  # the avatar speaks, then the customer thinks
        turns += 1
    duration_min = timeline.duration_samples / 16000 / 60
    with tempfile.TemporaryDirectory() as folder:
        recordings = Recordings(options, DiskStore(Path(folder)), audit=None)
        capture = Capture("bench-visit", timeline, datetime.now(UTC))
        started, wall = time.process_time(), time.perf_counter()
        manifest = recordings.store_capture(capture, [])
        store_cpu, store_wall = time.process_time() - started, time.perf_counter() - wall
        if manifest is None:
            raise RuntimeError("the simulated visit was too short to store")
        data = recordings.store.get(str(manifest["key"]))
    size = int(manifest["bytes"])
    analysed = analysis_cost(data, spans, options) if analysis else {}
    if analysed:
        analysed["analysis_cpu_s_per_minute"] = round(analysed["analysis_cpu_s"] / duration_min, 2)
        speech_s = sum(b - a for a, b in spans) / 16000
        analysed["analysis_cpu_per_speech_second"] = round(analysed["analysis_cpu_s"] / speech_s, 3)
        analysed["customer_speech_share"] = round(speech_s / (duration_min * 60), 3)
    pcm_per_min = 16000 * 2 * 2 * 60  # the two tracks held in memory during the visit
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU, load "
        + ", ".join(f"{x:.1f}" for x in os.getloadavg()),
        "bitrate_kbps_asked": options.bitrate_kbps,
        "visit_minutes": round(duration_min, 2),
        "turns": turns,
        "bytes": size,
        "bytes_per_minute": round(size / duration_min),
        "kbps_written": round(size * 8 / (duration_min * 60) / 1000, 1),
        "memory_per_minute_bytes": pcm_per_min,
        "capture_cpu_ms_per_minute": round(capture_cpu * 1000 / duration_min, 1),
        "store_cpu_ms_per_minute": round(store_cpu * 1000 / duration_min, 1),
        "store_wall_s": round(store_wall, 2),
        "cpu_share_of_one_core": round((capture_cpu + store_cpu) / (duration_min * 60), 4),
        **analysed,
    }


def cli(
    minutes: float = typer.Option(5.0, "--minutes", min=0.5, max=60, help="Minutes of visit to simulate."),
    kbps: int | None = typer.Option(None, "--kbps", help="Opus bitrate (default: LOBBY_RECORDING__BITRATE_KBPS's)."),
    analysis: bool = typer.Option(True, "--analysis/--no-analysis", help="Also time the after-visit analysis."),
    json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Size and CPU cost per minute of recorded visit (Opus in Ogg, stereo 16 kHz), and of its analysis."""
    from assistant.cli.common import emit_json

    result = run_benchmark(minutes, kbps, analysis)
    if json_out:
        emit_json(result)
        return
    typer.echo(f"recording a visit, {result['visit_minutes']} min, {result['turns']} turns ({result['machine']})")
    typer.echo(
        f"  {result['bytes_per_minute']} bytes per minute ({result['kbps_written']} kbps written, "
        f"{result['bitrate_kbps_asked']} asked)"
    )
    typer.echo(
        f"  CPU per minute: capture {result['capture_cpu_ms_per_minute']} ms, encode+hash+write "
        f"{result['store_cpu_ms_per_minute']} ms ({result['cpu_share_of_one_core']:.2%} of one core)"
    )
    if "analysis_cpu_s" in result:
        typer.echo(
            f"  after-visit re-transcription: {result['analysis_cpu_s_per_minute']} s CPU per minute of visit "
            f"({result['analysis_turns']} turns, {result['analysis_cpu_per_speech_second']} s per second of customer "
            f"speech, beam {result['analysis_beam']}, {result['analysis_threads']} thread; "
            f"{result['analysis_wall_s']} s wall for the whole visit)"
        )
