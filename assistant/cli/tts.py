"""`lobby tts "TEXT" -o out.wav`: speak text through the TTS chain and say which engine spoke."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import typer

from assistant.cli.common import JsonOption, emit_json, fail, load_settings
from speech.tts import AudioChunk, build_tts, speaking_rate
from speech.tts.audio import join_chunks, write_wav
from speech.tts.factory import ENGINE_NAMES

OUTPUT_RATE = 24000
SENTENCE_GAP_S = 0.15
ELDERLY_GAP_S = 0.35


def tts(
    text: str = typer.Argument(..., help="Text to speak; '-' reads it from stdin."),
    output: Path = typer.Option(..., "-o", "--output", help="WAV file to write (24 kHz, 16-bit mono)."),
    engine: str = typer.Option("auto", help=f"auto (the configured chain) | {' | '.join(ENGINE_NAMES)}."),
    voice: str | None = typer.Option(None, help="Voice of the first engine, e.g. zh-CN-YunxiNeural or en-us."),
    rate: float | None = typer.Option(None, min=0.5, max=2.0, help="Rate multiplier (1.0 normal)."),
    elderly: bool = typer.Option(False, "--elderly", help="Elderly mode: the slower configured rate."),
    lang: str = typer.Option("zh", help="Main language of the text: zh | en."),
    cache: bool = typer.Option(True, "--cache/--no-cache", help="Use the phrase cache under var_dir."),
    as_json: bool = JsonOption,
) -> None:
    """Synthesise TEXT into a WAV file; reports the engine(s) that spoke on stderr (or in --json)."""
    if text == "-":
        text = sys.stdin.read()
    if not text.strip():
        fail("nothing to say: the text is empty")
    if lang not in ("zh", "en"):
        fail(f"--lang must be zh or en, not {lang!r}")
    if engine != "auto" and engine not in ENGINE_NAMES:
        fail(f"--engine must be auto or one of {', '.join(ENGINE_NAMES)}, not {engine!r}")
    settings = load_settings(runtime=cache)
    options = settings.speech
    if not cache:
        options = options.model_copy(update={"tts_cache_disk_mb": 0, "tts_cache_items": 0})
    chain = build_tts(options, settings.var_dir, engines=None if engine == "auto" else [engine])
    speed = speaking_rate(options, elderly, rate)
    report = asyncio.run(_speak(chain, text, lang, voice, speed))
    chunks: list[AudioChunk] = report.pop("chunks")
    audio = join_chunks(chunks, OUTPUT_RATE, ELDERLY_GAP_S if elderly else SENTENCE_GAP_S)
    if audio.size == 0:
        why = "; ".join(f"{e['name']}: {e['reason']}" for e in report["status"]["engines"] if e["reason"])
        fail(f"no engine could speak the text ({why or 'no engine configured'})", 1)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        write_wav(output, audio, OUTPUT_RATE)
    except (OSError, RuntimeError) as exc:
        fail(f"cannot write {output}: {exc}")
    report.update(output=str(output), duration_s=round(audio.size / OUTPUT_RATE, 3), rate=speed)
    report["rtf"] = round(report["elapsed_s"] / report["duration_s"], 3) if report["duration_s"] else None
    if as_json:
        emit_json(report)
    else:
        down = [f"{e['name']} ({e['reason']})" for e in report["status"]["engines"] if e["state"] in ("down", "slow")]
        typer.echo(
            f"spoke with {', '.join(report['engines']) or 'none'}; {report['duration_s']:.2f} s of audio -> {output}"
            + (f"; down: {'; '.join(down)}" if down else ""),
            err=True,
        )


async def _speak(chain: Any, text: str, lang: str, voice: str | None, rate: float) -> dict[str, Any]:
    load = await chain.warm_up([])  # load models first: the first-audio budget is for warm engines
    started = time.perf_counter()
    first_audio_ms: float | None = None
    chunks: list[AudioChunk] = []
    async for chunk in chain.synthesize(text, lang=lang, voice=voice, rate=rate):
        if first_audio_ms is None and chunk.pcm:
            first_audio_ms = (time.perf_counter() - started) * 1000
        chunks.append(chunk)
    elapsed = time.perf_counter() - started
    engines = list(dict.fromkeys(c.engine for c in chunks if c.pcm))
    sentences = [
        {
            "text": c.text,
            "engine": c.engine,
            "cached": c.cached,
            "subtitle_only": bool(c.meta.get("subtitle_only")),
            "timings": [t.as_dict() for t in c.timings] if c.timings else None,
        }
        for c in chunks
        if c.text
    ]
    return {
        "chunks": chunks,
        "engines": engines,
        "sentences": sentences,
        "first_audio_ms": round(first_audio_ms, 1) if first_audio_ms is not None else None,
        "elapsed_s": round(elapsed, 3),
        "model_load_s": load["seconds"],
        "status": chain.status(),
    }
