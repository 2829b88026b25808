"""Speech recognition: the `SpeechRecognizer` interface, the faster-whisper engine, streaming.

Public API:
- `SpeechRecognizer` (Protocol), `Transcript`, `Segment`, `AsrError`, `AsrUnavailableError`
- `WhisperRecognizer`, `WhisperTuning`, `build_recognizer(options, models_dir)`
- `RecognitionStream`, `StreamOptions`, events `SpeechStarted`, `Interim`, `Final`
Audio errors live in `speech.audio` (`AudioError` and subclasses).
"""

from speech.asr.base import AsrError, AsrUnavailableError, AudioInput, Segment, SpeechRecognizer, Transcript
from speech.asr.factory import build_recognizer, tuning_from_options
from speech.asr.whisper import WhisperRecognizer, WhisperTuning

__all__ = [
    "AsrError",
    "AsrUnavailableError",
    "AudioInput",
    "Segment",
    "SpeechRecognizer",
    "Transcript",
    "WhisperRecognizer",
    "WhisperTuning",
    "build_recognizer",
    "tuning_from_options",
]
