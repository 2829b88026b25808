"""Cutting documents into citable chunks.

Markdown is cut at headings, so a chunk never straddles two topics and its citation can name the
section ("挂失 > 所需材料"); long sections are packed paragraph by paragraph, then sentence by
sentence, up to `max_chars`. An FAQ entry is one chunk carrying every question variant.
"""

from __future__ import annotations

import hashlib
import re

from knowledge.models import Chunk, Document
from knowledge.safety import INJECTION_FLAG, is_injection
from knowledge.textnorm import normalize

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|(?<=\.)\s+")


def sections(body: str) -> list[tuple[str, str]]:
    """(heading path, text) pairs in document order; text under no heading has an empty path."""
    out: list[tuple[str, str]] = []
    path: list[tuple[int, str]] = []
    buf: list[str] = []
    in_fence = False

    def flush() -> None:
        text = "\n".join(buf).strip()
        if text:
            out.append((" > ".join(t for _, t in path), text))
        buf.clear()

    for line in body.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match:
            flush()
            level = len(match.group(1))
            path = [(lv, t) for lv, t in path if lv < level]
            path.append((level, match.group(2).strip()))
        else:
            buf.append(line)
    flush()
    return out


def split_sentences(text: str) -> list[str]:
    """Sentences of Chinese or English text, punctuation kept, list bullets as their own sentences."""
    out: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        out.extend(s.strip() for s in _SENTENCE_END.split(line) if s and s.strip())
    return out


def pack(text: str, max_chars: int) -> list[str]:
    """`text` in pieces of at most ~max_chars, cut at paragraph, then sentence, boundaries."""
    if len(text) <= max_chars:
        return [text]
    pieces: list[str] = []
    current = ""
    for para in re.split(r"\n\s*\n", text):
        units = [para] if len(para) <= max_chars else split_sentences(para)
        for unit in units:
            while len(unit) > max_chars:  # one sentence longer than a chunk: hard cut
                if current:
                    pieces.append(current)
                    current = ""
                pieces.append(unit[:max_chars])
                unit = unit[max_chars:]
            sep = "\n" if current else ""
            if len(current) + len(sep) + len(unit) > max_chars and current:
                pieces.append(current)
                current = unit
            else:
                current = current + sep + unit
    if current:
        pieces.append(current)
    return pieces


def chunk_document(doc: Document, max_chars: int) -> list[Chunk]:
    """The chunks of one document, each with its index text and content hash."""
    if doc.kind == "faq":
        index_text = normalize("\n".join([doc.title, *doc.questions, doc.body]))
        chunk = _chunk(doc, 0, "", doc.body, index_text)
        chunk.questions = list(doc.questions)
        return [chunk]
    chunks: list[Chunk] = []
    for section, text in sections(doc.body):
        for piece in pack(text, max_chars):
            index_text = normalize(f"{doc.title} {section}\n{piece}")
            chunks.append(_chunk(doc, len(chunks), section, piece, index_text))
    return chunks


def _chunk(doc: Document, n: int, section: str, text: str, index_text: str) -> Chunk:
    flags = [INJECTION_FLAG] if is_injection(text) or is_injection(index_text) else []
    digest = hashlib.sha256(index_text.encode("utf-8")).hexdigest()[:32]
    return Chunk(
        id=f"{doc.id}#{n}",
        doc_id=doc.id,
        title=doc.title,
        section=section,
        text=text,
        index_text=index_text,
        audience=doc.audience,
        products=list(doc.products),
        tags=list(doc.tags),
        language=doc.language,
        effective_from=doc.effective_from.isoformat() if doc.effective_from else None,
        effective_until=doc.effective_until.isoformat() if doc.effective_until else None,
        source=doc.source,
        source_path=doc.source_path,
        kind=doc.kind,
        hash=digest,
        flags=flags,
    )
