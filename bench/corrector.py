"""`lobby bench corrector`: how often the pinyin corrector rewrites real, correctly written text.

The corrector exists to fix ASR homophones; every change it makes to text that was already right is a
false correction that can change a customer's meaning (花呗有额度 -> 花呗余额度). Real customer questions
from the shared BQ and ATEC sets (typed, so mostly correct) are run through it and every change is
counted and listed, most frequent first. Some changes are genuine typo fixes (零时额度 -> 临时额度); the
list is there to read, the count is an upper bound of the false corrections.
"""

from __future__ import annotations

import collections
import csv
import time
from pathlib import Path
from typing import Any

import typer


def read_sentences(bq: Path, atec: Path, limit: int) -> list[str]:
    """Distinct sentences of both sets (BQ: CSV sentence1/sentence2; ATEC: id TAB s1 TAB s2 TAB label)."""
    sentences: list[str] = []
    if bq.is_file():
        with bq.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                sentences += [row["sentence1"].strip(), row["sentence2"].strip()]
    if atec.is_file():
        with atec.open(encoding="utf-8-sig") as fh:
            for line in fh:
                parts = line.rstrip("\r\n").split("\t")
                if len(parts) == 4:
                    sentences += [parts[1].strip(), parts[2].strip()]
    return list(dict.fromkeys(s for s in sentences if s))[:limit]


def run_benchmark(sentences: list[str], top: int = 30) -> dict[str, Any]:
    from speech.correction import PinyinCorrector, load_vocabulary

    corrector = PinyinCorrector(load_vocabulary())
    corrector.fix("预热")  # jieba's dictionary loads outside the timing
    started = time.perf_counter()
    changed = 0
    counts: collections.Counter[tuple[str, str, str]] = collections.Counter()
    examples: dict[tuple[str, str, str], str] = {}
    for sentence in sentences:
        changes = [c for c in corrector.correct(sentence).changes if c.rule != "variant"]
        changed += bool(changes)
        for c in changes:
            key = (c.original, c.replacement, c.rule)
            counts[key] += 1
            examples.setdefault(key, sentence)
    elapsed = time.perf_counter() - started
    return {
        "sentences": len(sentences),
        "changed": changed,
        "changed_rate": round(changed / len(sentences), 4) if sentences else 0.0,
        "ms_per_sentence": round(elapsed * 1000 / len(sentences), 3) if sentences else 0.0,
        "top_changes": [
            {"heard": k[0], "written": k[1], "rule": k[2], "count": n, "example": examples[k]}
            for k, n in counts.most_common(top)
        ],
    }


def cli(
    bq: Path = typer.Option(Path("../shared/data/text/bq_dev/dev.csv"), help="BQ corpus CSV."),
    atec: Path = typer.Option(Path("../shared/data/text/atec/atec_nlp_sim_train.csv"), help="ATEC corpus."),
    limit: int = typer.Option(20_000, min=1, help="Distinct sentences to run."),
    top: int = typer.Option(30, min=1, help="Most frequent changes listed."),
    json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Pinyin corrector on real typed customer questions: how many it rewrites, and which rewrites."""
    from assistant.cli.common import emit_json, fail

    sentences = read_sentences(bq, atec, limit)
    if not sentences:
        fail(f"no sentences in {bq} or {atec}")
    result = run_benchmark(sentences, top)
    if json_out:
        emit_json(result)
        return
    typer.echo(f"{result['changed']} of {result['sentences']} sentences changed ({result['changed_rate']:.1%})")
    for row in result["top_changes"]:
        typer.echo(f"  {row['count']:>4}  {row['heard']} -> {row['written']} ({row['rule']})  e.g. {row['example']}")
