"""`lobby eval intents`: accuracy, macro-F1 and latency of the intent engine.

Two modes:
- `--train CSV --test CSV`: exemplars are the train file's labelled rows (e.g. banking77), measured on
  the test file. The train matrix is cached under var/cache/nlu/ by the file's hash.
- no CSVs: the shipped intents measured on the held-out file (`assistant/nlu/data/intents_test.yaml`,
  or `--heldout FILE`).
"""

from __future__ import annotations

from pathlib import Path

import typer

from assistant.cli.common import JsonOption, emit_json, fail, load_settings
from assistant.nlu.config import NluOptions
from assistant.nlu.data import DATA_DIR, NluDataError, load_test_cases
from assistant.nlu.engine import CACHE_SUBDIR
from assistant.nlu.evaluate import Labelled, engine_from_csv, evaluate, read_csv
from assistant.nlu.intents import IntentEngine


def intents(
    train: Path | None = typer.Option(None, "--train", help="Labelled CSV whose rows become the exemplars."),
    test: Path | None = typer.Option(None, "--test", help="Labelled CSV to measure on (with --train)."),
    heldout: Path = typer.Option(DATA_DIR / "intents_test.yaml", "--heldout", help="Held-out YAML (no CSVs)."),
    limit: int = typer.Option(0, "--limit", min=0, help="Measure on the first N test rows only (0 = all)."),
    errors: int = typer.Option(0, "--errors", min=0, help="Also list the first N misclassified utterances."),
    pinyin: bool = typer.Option(True, "--pinyin/--no-pinyin", help="Keyword spotting and homophone correction."),
    json_out: bool = JsonOption,
) -> None:
    """Measure intent accuracy: {"n", "accuracy", "macro_f1", "p50_ms", "p95_ms", ...}."""
    if (train is None) != (test is None):
        fail("--train and --test go together")
    settings = load_settings()
    cache_dir = settings.var_dir / CACHE_SUBDIR
    try:
        if train is not None and test is not None:
            for path in (train, test):
                if not path.is_file():
                    fail(f"{path}: no such file")
            engine = engine_from_csv(train, cache_dir)
            cases = read_csv(test)
        else:
            if not heldout.is_file():
                fail(f"{heldout}: no such file")
            engine = IntentEngine.from_data(cache_dir=cache_dir, options=NluOptions(pinyin_correction=pinyin))
            cases = [Labelled(c.text, c.intent) for c in load_test_cases(heldout)]
    except NluDataError as exc:
        fail(str(exc))
    if limit:
        cases = cases[:limit]
    report = evaluate(engine, cases, errors=errors)
    source = {"train": str(train), "test": str(test)} if train else {"heldout": str(heldout), "pinyin": pinyin}
    report["source"] = source
    if json_out:
        emit_json(report)
        return
    typer.echo(
        f"n={report['n']} accuracy={report['accuracy']:.4f} macro_f1={report['macro_f1']:.4f} "
        f"top1={report['top1_accuracy']:.4f} unclear={report['unclear_rate']:.4f} "
        f"p50={report['p50_ms']:.1f}ms p95={report['p95_ms']:.1f}ms"
    )
    for item in report.get("errors", []):
        typer.echo(f"  {item['gold']:>20} -> {item['predicted']:<20} {item['text']}")
