"""Build the configured recognizer from `SpeechOptions` (the caller passes the models folder)."""

from __future__ import annotations

from pathlib import Path

from speech.asr.whisper import WhisperRecognizer, WhisperTuning
from speech.asr.window import EncoderWindow
from speech.audio import AudioLimits
from speech.config import SpeechOptions
from speech.correction import PinyinCorrector, Vocabulary, load_vocabulary

BIAS_MODES = ("adaptive", "prompt", "hotwords", "both", "none")


def tuning_from_options(options: SpeechOptions, vocabulary: Vocabulary) -> WhisperTuning:
    if options.asr_bias not in BIAS_MODES:
        raise ValueError(f"asr_bias must be one of {', '.join(BIAS_MODES)}, got {options.asr_bias!r}")
    prompt = vocabulary.prompt() if options.asr_bias in ("adaptive", "prompt", "both") else None
    hotwords = vocabulary.hotwords() if options.asr_bias in ("hotwords", "both") else None
    return WhisperTuning(
        beam_size=options.asr_beam_size,
        initial_prompt=prompt,
        hotwords=hotwords,
        adaptive_bias=options.asr_bias == "adaptive",
        correct=options.asr_correct,
        window=EncoderWindow(min_s=options.asr_window_s) if options.asr_window_s < 30 else None,
    )


def model_path(options: SpeechOptions, models_dir: Path) -> Path:
    candidate = Path(options.asr_model)
    return candidate if candidate.is_absolute() else models_dir / candidate


def build_recognizer(
    options: SpeechOptions, models_dir: Path, vocabulary: Vocabulary | None = None
) -> WhisperRecognizer:
    """The tuned recognizer: vocabulary prompt, hallucination guard, VAD, pinyin correction.

    Cheap: the model itself loads on the first transcription (or `warm_up()`)."""
    vocab = vocabulary if vocabulary is not None else load_vocabulary(options.asr_vocabulary or None)
    return WhisperRecognizer(
        model_path(options, models_dir),
        tuning=tuning_from_options(options, vocab),
        corrector=PinyinCorrector(vocab),
        default_language=options.asr_language,
        device=options.asr_device,
        compute_type=options.asr_compute_type,
        cpu_threads=options.asr_cpu_threads,
        workers=options.asr_workers,
        limits=AudioLimits(max_duration_s=options.asr_max_audio_s, max_bytes=options.asr_max_bytes),
    )
