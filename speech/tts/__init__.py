"""Speech synthesis: engines behind one interface, a fallback chain, normalisation, a phrase cache.

Use `build_tts(settings.speech, settings.var_dir)` for the configured chain; it is itself a
`TTSEngine`, so callers never care which engine actually speaks (ask `chain.status()`).
"""

from speech.tts.base import AudioChunk, EngineUnavailable, Health, Timing, TTSEngine, TTSError, UnspeakableText
from speech.tts.chain import TTSChain
from speech.tts.factory import build_tts, speaking_rate
from speech.tts.normalize import normalize

__all__ = [
    "AudioChunk",
    "EngineUnavailable",
    "Health",
    "TTSChain",
    "TTSEngine",
    "TTSError",
    "Timing",
    "UnspeakableText",
    "build_tts",
    "normalize",
    "speaking_rate",
]
