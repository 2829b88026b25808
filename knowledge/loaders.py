"""Reading knowledge files into `Document`s.

Formats: Markdown with YAML front matter, FAQ files in YAML or JSONL, CSV with question,answer
columns. A bad file or entry becomes an `IngestIssue` naming the file and line; everything else in
the same run is still read. Nothing here raises on bad content.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

from knowledge.models import AUDIENCES, Document, IngestIssue

MARKDOWN_SUFFIXES = {".md", ".markdown"}
FAQ_SUFFIXES = {".yaml", ".yml", ".jsonl", ".json"}
CSV_SUFFIXES = {".csv"}
SUPPORTED = MARKDOWN_SUFFIXES | FAQ_SUFFIXES | CSV_SUFFIXES


class EntryError(ValueError):
    """One entry is unusable; the message says why."""


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[IngestIssue]]:
    """Files to read under `paths` (sorted, hidden files skipped) and issues for what cannot be read."""
    files: list[Path] = []
    issues: list[IngestIssue] = []
    for path in paths:
        if path.is_dir():
            for p in sorted(path.rglob("*")):
                rel = p.relative_to(path)
                if p.is_file() and not any(part.startswith(".") for part in rel.parts):
                    if p.suffix.lower() in SUPPORTED:
                        files.append(p)
                    elif p.suffix.lower() not in {".txt", ".gitkeep"}:
                        issues.append(IngestIssue(str(p), f"unsupported file type '{p.suffix}'", severity="warning"))
        elif path.is_file():
            if path.suffix.lower() in SUPPORTED:
                files.append(path)
            else:
                issues.append(IngestIssue(str(path), f"unsupported file type '{path.suffix}'"))
        else:
            issues.append(IngestIssue(str(path), "no such file or directory"))
    return files, issues


def read_text(path: Path, max_bytes: int) -> str:
    """The file as text, or EntryError for empty, oversized or binary files."""
    size = path.stat().st_size
    if size == 0:
        raise EntryError("empty file")
    if size > max_bytes:
        raise EntryError(f"file too large ({size} bytes > {max_bytes})")
    raw = path.read_bytes()
    if b"\x00" in raw[:8192]:
        raise EntryError("binary file (NUL bytes), not text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EntryError(f"not UTF-8 text (byte {exc.start})") from None
    if not text.strip():
        raise EntryError("empty file")
    return text


def load_file(path: Path, max_bytes: int) -> tuple[list[Document], list[IngestIssue]]:
    """Documents of one file and the issues found in it."""
    try:
        text = read_text(path, max_bytes)
    except (EntryError, OSError) as exc:
        return [], [IngestIssue(str(path), str(exc))]
    suffix = path.suffix.lower()
    if suffix in MARKDOWN_SUFFIXES:
        return _markdown(path, text)
    if suffix == ".jsonl":
        return _jsonl(path, text)
    if suffix == ".json":
        return _json(path, text)
    if suffix in CSV_SUFFIXES:
        return _csv(path, text)
    return _yaml_faq(path, text)


def _markdown(path: Path, text: str) -> tuple[list[Document], list[IngestIssue]]:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return [], [IngestIssue(str(path), "missing YAML front matter (the file must start with '---')", line=1)]
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        return [], [IngestIssue(str(path), "front matter is not closed by '---'", line=1)]
    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        return [], [IngestIssue(str(path), f"malformed front matter: {problem}", line=line)]
    if not isinstance(meta, dict):
        return [], [IngestIssue(str(path), "front matter is not a mapping", line=2)]
    body = "\n".join(lines[end + 1 :]).strip()
    if not body:
        return [], [IngestIssue(str(path), "document has no body", line=end + 2)]
    try:
        doc = Document(
            id=_required_str(meta, "id"),
            title=_required_str(meta, "title"),
            body=body,
            source_path=str(path),
            kind="markdown",
            line=1,
            title_en=str(meta.get("title_en") or "").strip(),
            **_common_fields(meta),
        )
    except EntryError as exc:
        return [], [IngestIssue(str(path), str(exc), line=2)]
    return [doc], []


def _faq_entry(path: Path, item: Any, line: int) -> Document:
    if not isinstance(item, dict):
        raise EntryError("FAQ entry is not a mapping")
    questions = item.get("questions", item.get("question"))
    if isinstance(questions, str):
        questions = [questions]
    if not isinstance(questions, list) or not questions:
        raise EntryError("FAQ entry needs 'questions': a non-empty list")
    questions = [str(q).strip() for q in questions if str(q).strip()]
    if not questions:
        raise EntryError("FAQ entry has only empty questions")
    answer = item.get("answer")
    if not isinstance(answer, str) or not answer.strip():
        raise EntryError("FAQ entry needs a non-empty 'answer'")
    return Document(
        id=_required_str(item, "id"),
        title=str(item.get("title") or questions[0]).strip(),
        body=answer.strip(),
        source_path=str(path),
        kind="faq",
        questions=questions,
        line=line,
        **_common_fields(item),
    )


def _collect(path: Path, items: Iterable[tuple[int, Any]]) -> tuple[list[Document], list[IngestIssue]]:
    docs: list[Document] = []
    issues: list[IngestIssue] = []
    for line, item in items:
        try:
            docs.append(_faq_entry(path, item, line))
        except EntryError as exc:
            issues.append(IngestIssue(str(path), str(exc), line=line))
    return docs, issues


def _jsonl(path: Path, text: str) -> tuple[list[Document], list[IngestIssue]]:
    items: list[tuple[int, Any]] = []
    issues: list[IngestIssue] = []
    for n, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            items.append((n, json.loads(raw)))
        except json.JSONDecodeError as exc:
            issues.append(IngestIssue(str(path), f"malformed JSON: {exc.msg} (column {exc.colno})", line=n))
    docs, more = _collect(path, items)
    return docs, issues + more


def _json(path: Path, text: str) -> tuple[list[Document], list[IngestIssue]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return [], [IngestIssue(str(path), f"malformed JSON: {exc.msg}", line=exc.lineno)]
    entries = _entries_of(data)
    if entries is None:
        return [], [IngestIssue(str(path), "expected a list of FAQ entries (or {'entries': [...]})", line=1)]
    return _collect(path, ((1, e) for e in entries))


def _yaml_faq(path: Path, text: str) -> tuple[list[Document], list[IngestIssue]]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        return [], [IngestIssue(str(path), f"malformed YAML: {problem}", line=mark.line + 1 if mark else None)]
    entries = _entries_of(data)
    if entries is None or node is None:
        return [], [IngestIssue(str(path), "expected a list of FAQ entries (or {'entries': [...]})", line=1)]
    seq = node if isinstance(node, yaml.SequenceNode) else _sequence_in(node)
    lines = [item.start_mark.line + 1 for item in seq.value] if seq is not None else [1] * len(entries)
    return _collect(path, zip(lines, entries, strict=False))


def _entries_of(data: Any) -> list[Any] | None:
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in ("entries", "faqs", "faq", "items"):
            if isinstance(data.get(key), list):
                return list(data[key])
    return None


def _sequence_in(node: yaml.Node) -> yaml.SequenceNode | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value in ("entries", "faqs", "faq", "items") and isinstance(value, yaml.SequenceNode):
                return value
    return None


def _csv(path: Path, text: str) -> tuple[list[Document], list[IngestIssue]]:
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip().lower() for f in (reader.fieldnames or [])]
    if "question" not in fields or "answer" not in fields:
        return [], [IngestIssue(str(path), "CSV needs a header with 'question' and 'answer' columns", line=1)]
    reader.fieldnames = fields
    grouped: dict[str, dict[str, Any]] = {}
    issues: list[IngestIssue] = []
    for n, row in enumerate(_rows(reader), start=2):
        question = (row.get("question") or "").strip()
        answer = (row.get("answer") or "").strip()
        if not question or not answer:
            issues.append(IngestIssue(str(path), "row needs both a question and an answer", line=n))
            continue
        key = (row.get("id") or "").strip() or answer
        entry = grouped.setdefault(
            key,
            {
                "id": (row.get("id") or "").strip() or f"{path.stem}-{n - 1}",
                "questions": [],
                "answer": answer,
                "line": n,
            },
        )
        entry["questions"].append(question)
    docs, more = _collect(path, ((e.pop("line"), e) for e in grouped.values()))
    return docs, issues + more


def _rows(reader: csv.DictReader[str]) -> Iterator[dict[str, str]]:
    yield from reader


def _required_str(meta: dict[str, Any], key: str) -> str:
    value = meta.get(key)
    if value is None or not str(value).strip():
        raise EntryError(f"missing required field '{key}'")
    return str(value).strip()


def _common_fields(meta: dict[str, Any]) -> dict[str, Any]:
    audience = str(meta.get("audience") or "customer").strip().lower()
    if audience not in AUDIENCES:
        raise EntryError(f"audience must be one of {', '.join(AUDIENCES)}, not '{audience}'")
    return {
        "audience": audience,
        "products": _str_list(meta.get("products"), "products"),
        "tags": _str_list(meta.get("tags"), "tags"),
        "language": str(meta.get("language") or "zh").strip(),
        "effective_from": _date(meta.get("effective_from"), "effective_from"),
        "effective_until": _date(meta.get("effective_until"), "effective_until"),
        "source": str(meta.get("source") or "").strip(),
    }


def _str_list(value: Any, key: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    raise EntryError(f"'{key}' must be a list of strings")


def _date(value: Any, key: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise EntryError(f"'{key}' is not a date (YYYY-MM-DD): {value!r}") from None
