"""Exports of reviewed sessions: CSV (one row per turn, for spreadsheets) and JSONL (one session per line).

Every text and value is masked with `integrations.pii` (ID first 3 + last 4, phone 3 + 4, card 6 + 4, accounts
last 4) and the names the session knows with `integrations.pii_names` (张*, 李*英): an export leaves the system, so
it never carries a raw identifier or name. Rows are produced lazily so a large export streams instead of sitting in
memory.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import Literal

from assistant.store.tables import TurnRow
from assistant.supervision.masking import session_masker
from assistant.supervision.outcomes import is_abstention, risk_events, risk_flags
from assistant.supervision.schemas import SessionSummary
from assistant.supervision.summary import iso, turn_data
from integrations.pii_names import NameMasker

Format = Literal["csv", "jsonl"]
# Each session's names known from its state (`SupervisionStore.export_names`); the turns' own are always added.
Names = Mapping[str, Collection[str]]
MEDIA_TYPES: dict[str, str] = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}
CSV_COLUMNS = (
    "session_id",
    "session_started",
    "branch_id",
    "channel",
    "language",
    "outcome",
    "session_risk_flags",
    "seq",
    "at",
    "speaker",
    "source",
    "intent",
    "text",
    "turn_risk_flags",
    "abstained",
)


def _masker(session_id: str, rows: Sequence[TurnRow], names: Names | None) -> NameMasker:
    return session_masker(None, turn_data(rows), (names or {}).get(session_id, ()))


def _turn_record(t: TurnRow, masker: NameMasker) -> dict[str, object]:
    return {
        "seq": t.seq,
        "at": iso(t.created_at),
        "speaker": t.speaker,
        "source": t.source,
        "intent": t.intent,
        "text": masker.text(t.text or ""),
        "risk_flags": risk_flags(risk_events(t.seq, t.risk)),
        "abstained": t.speaker == "assistant" and is_abstention(t.text or ""),
        "slots": masker.data(t.slots or {}),
        "citations": [c.get("doc_id") for c in t.citations or [] if isinstance(c, dict)],
    }


def jsonl_lines(
    summaries: Mapping[str, SessionSummary], turns: Iterable[tuple[str, Sequence[TurnRow]]], names: Names | None = None
) -> Iterator[str]:
    """One JSON object per session: its summary and its masked transcript."""
    for session_id, rows in turns:
        # The summary is masked already (its preview); its ids must stay whole, so only the turns are masked here.
        masker = _masker(session_id, rows, names)
        record = {**summaries[session_id].model_dump(), "transcript": [_turn_record(t, masker) for t in rows]}
        yield json.dumps(record, ensure_ascii=False) + "\n"


def csv_lines(
    summaries: Mapping[str, SessionSummary], turns: Iterable[tuple[str, Sequence[TurnRow]]], names: Names | None = None
) -> Iterator[str]:
    """A header, then one row per turn. A UTF-8 byte-order mark first, so spreadsheet programs read Chinese."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(CSV_COLUMNS)
    yield "\ufeff" + flush()
    for session_id, rows in turns:
        s = summaries[session_id]
        masker = _masker(session_id, rows, names)
        for t in rows:
            turn = _turn_record(t, masker)
            writer.writerow(
                [
                    s.session_id,
                    s.created_at,
                    s.branch_id or "",
                    s.channel,
                    s.language,
                    s.outcome,
                    " ".join(s.risk_flags),
                    turn["seq"],
                    turn["at"],
                    turn["speaker"],
                    turn["source"],
                    turn["intent"] or "",
                    _no_formula(str(turn["text"])),
                    " ".join(risk_flags(risk_events(t.seq, t.risk))),
                    "yes" if turn["abstained"] else "",
                ]
            )
            yield flush()


def _no_formula(text: str) -> str:
    """Customer words that start like a spreadsheet formula are quoted so a spreadsheet shows, not runs, them."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def lines(
    fmt: Format,
    summaries: Mapping[str, SessionSummary],
    turns: Iterable[tuple[str, Sequence[TurnRow]]],
    names: Names | None = None,
) -> Iterator[str]:
    return csv_lines(summaries, turns, names) if fmt == "csv" else jsonl_lines(summaries, turns, names)
