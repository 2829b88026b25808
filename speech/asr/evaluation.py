"""`lobby eval asr`: error rates and speed of the tuned recognizer, optionally beside plain whisper.

Manifests (paths relative to the manifest's folder):
- CSV with a header: audio column `audio_path|audio|path|file|filename`, text column
  `label|text|reference|sentence|transcript`, optional `language`;
- JSONL with the same keys;
- any other file: one `AUDIO<TAB or space>TEXT` a line, where AUDIO may end in `[left]`/`[right]` to
  score one channel of a stereo file (the format of the shared English set).
Language per item: the `language` column, else zh when the reference has Chinese characters, else en.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from speech.asr.base import SpeechRecognizer, Transcript
from speech.asr.metrics import error_counts
from speech.correction.text import has_cjk

AUDIO_KEYS = ("audio_path", "audio", "path", "file", "filename")
TEXT_KEYS = ("label", "text", "reference", "sentence", "transcript")
_CHANNEL = re.compile(r"^(?P<path>.+?)\[(?P<ch>left|right|\d+)\]$")


class ManifestError(ValueError):
    """The manifest cannot be read; the message names the line or column."""


@dataclass(frozen=True)
class ManifestItem:
    audio: Path
    reference: str
    language: str
    channel: int | None = None


def _item(base: Path, audio: str, text: str, language: str | None, where: str) -> ManifestItem:
    if not audio or not text:
        raise ManifestError(f"{where}: needs an audio path and a reference text")
    channel: int | None = None
    m = _CHANNEL.match(audio.strip())
    if m:
        audio, ch = m.group("path"), m.group("ch")
        channel = {"left": 0, "right": 1}.get(ch, int(ch) if ch.isdigit() else 0)
    lang = (language or "").strip() or ("zh" if has_cjk(text) else "en")
    return ManifestItem(audio=base / audio.strip(), reference=text.strip(), language=lang, channel=channel)


def _pick(row: dict[str, Any], keys: Iterable[str]) -> str:
    for key in keys:
        if row.get(key):
            return str(row[key])
    return ""


def read_manifest(path: Path) -> list[ManifestItem]:
    if not path.is_file():
        raise ManifestError(f"no such manifest: {path}")
    base = path.parent
    text = path.read_text(encoding="utf-8-sig")
    items: list[ManifestItem] = []
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(text.splitlines())
        fields = set(reader.fieldnames or ())
        if not fields & set(AUDIO_KEYS) or not fields & set(TEXT_KEYS):
            raise ManifestError(f"{path.name}: CSV needs columns {'|'.join(AUDIO_KEYS)} and {'|'.join(TEXT_KEYS)}")
        for n, row in enumerate(reader, 2):
            items.append(_item(base, _pick(row, AUDIO_KEYS), _pick(row, TEXT_KEYS), row.get("language"), f"line {n}"))
    elif path.suffix.lower() in (".jsonl", ".json"):
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ManifestError(f"{path.name} line {n}: not JSON ({exc.msg})") from None
            items.append(_item(base, _pick(row, AUDIO_KEYS), _pick(row, TEXT_KEYS), row.get("language"), f"line {n}"))
    else:
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t", 1) if "\t" in line else line.split(None, 1)
            if len(parts) != 2:
                raise ManifestError(f"{path.name} line {n}: expected 'AUDIO<TAB>TEXT'")
            if n == 1 and parts[0].strip().lower() in AUDIO_KEYS:
                continue  # a header line
            items.append(_item(base, parts[0], parts[1], None, f"line {n}"))
    if not items:
        raise ManifestError(f"{path.name}: no items")
    return items


def item_audio(item: ManifestItem) -> tuple[npt.NDArray[np.float32] | Path, int | None]:
    """The file itself, or one channel of it as samples (soundfile keeps channels apart)."""
    if item.channel is None:
        return item.audio, None
    import soundfile as sf

    data, rate = sf.read(str(item.audio), dtype="float32", always_2d=True)
    if item.channel >= data.shape[1]:
        raise ManifestError(f"{item.audio.name}: has {data.shape[1]} channel(s), no channel {item.channel}")
    return np.ascontiguousarray(data[:, item.channel]), int(rate)


def _run(recognizer: SpeechRecognizer, items: list[ManifestItem]) -> list[Transcript]:
    results = []
    for item in items:
        audio, rate = item_audio(item)
        results.append(recognizer.transcribe(audio, language=item.language, sample_rate=rate))
    return results


def _score(items: list[ManifestItem], results: list[Transcript]) -> dict[str, Any]:
    by_lang: dict[str, list[int]] = {}
    for item, res in zip(items, results, strict=True):
        edits, n = error_counts(item.reference, res.text, item.language)
        acc = by_lang.setdefault(item.language, [0, 0])
        acc[0] += edits
        acc[1] += n
    processing = sum(r.processing_s for r in results)
    duration = sum(r.duration_s for r in results)
    scores: dict[str, Any] = {"rtf": round(processing / duration, 4) if duration else 0.0}
    for lang, (edits, n) in by_lang.items():
        metric = "cer" if lang == "zh" else "wer"
        scores[lang] = {metric: round(edits / n, 4) if n else 0.0, "edits": edits, "units": n}
    return scores


def evaluate(
    items: list[ManifestItem], recognizer: SpeechRecognizer, baseline: SpeechRecognizer | None = None
) -> dict[str, Any]:
    """Score `recognizer` (and `baseline` on the same items, same run) and report the ratio."""
    for item in items:
        if not item.audio.is_file():
            raise ManifestError(f"audio file not found: {item.audio}")
    tuned = _run(recognizer, items)
    report: dict[str, Any] = {"items": len(items), "tuned": _score(items, tuned)}
    per_item = [
        {"audio": item.audio.name + (f"[{item.channel}]" if item.channel is not None else ""),
         "language": item.language, "reference": item.reference, "hypothesis": res.text,
         "duration_s": res.duration_s, "rtf": round(res.rtf, 4)}
        for item, res in zip(items, tuned, strict=True)
    ]  # fmt: skip
    if baseline is not None:
        base = _run(baseline, items)
        report["baseline"] = _score(items, base)
        for row, res in zip(per_item, base, strict=True):
            row["baseline"] = res.text
        for lang in {i.language for i in items}:
            metric = "cer" if lang == "zh" else "wer"
            b, t = report["baseline"][lang][metric], report["tuned"][lang][metric]
            report.setdefault("comparison", {})[lang] = {
                "metric": metric,
                "ratio": round(t / b, 4) if b else None,
                "relative_reduction": round(1 - t / b, 4) if b else None,
            }
    report["per_item"] = per_item
    return report
