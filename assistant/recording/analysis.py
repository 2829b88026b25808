"""The after-visit analysis of one recorded visit: hear the customer again (`rehear`), compare each turn
with what the live path understood (`compare`), and put the result in the audit chain.

Why the audit chain and not a file beside the recording: the compliance review already reads the chain
(`recording_store`), a result there cannot be edited unseen, and the chain is what tells a restarted
process which recordings still wait for analysis (a `recording_store` newer than the session's last
`recording_analysis`). The analysis covers every part of the visit and replaces an earlier one.
Nothing here runs without a stored recording: a visit without consent has none, so it is never analysed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from assistant.audit import AuditLog
from assistant.recording.compare import LiveTurn, compare_turn
from assistant.recording.rehear import Progress, Reheard, rehear_part
from assistant.recording.service import Recordings, audio_key
from assistant.store.db import Database
from assistant.store.tables import AuditRow, SessionRow, TurnRow
from integrations.pii import mask_text
from speech.asr.base import SpeechRecognizer

log = logging.getLogger(__name__)
ACTOR = "system:analyser"
ACTION = "recording_analysis"
Recognizer = Callable[[], SpeechRecognizer]


def live_turns(db: Database, session_id: str) -> tuple[dict[int, LiveTurn], str]:
    """The customer turns of a session as the live path stored them, and the visit's language."""
    with db.session() as s:
        session = s.get(SessionRow, session_id)
        language = session.language if session is not None and session.language in ("zh", "en") else "zh"
        rows = s.scalars(select(TurnRow).where(TurnRow.session_id == session_id, TurnRow.speaker == "customer"))
        turns = {t.seq: LiveTurn(t.seq, t.text or "", dict(t.slots or {}), t.intent) for t in rows}
    return turns, language


def pending_sessions(db: Database, limit: int = 100) -> list[str]:
    """Sessions whose latest stored recording is newer than their latest analysis (or never analysed)."""
    stored = (
        select(AuditRow.subject, func.max(AuditRow.seq).label("seq"))
        .where(AuditRow.action == "recording_store")
        .group_by(AuditRow.subject)
        .subquery()
    )
    analysed = (
        select(AuditRow.subject, func.max(AuditRow.seq).label("seq"))
        .where(AuditRow.action == ACTION)
        .group_by(AuditRow.subject)
        .subquery()
    )
    query = (
        select(stored.c.subject)
        .outerjoin(analysed, analysed.c.subject == stored.c.subject)
        .where((analysed.c.seq.is_(None)) | (analysed.c.seq < stored.c.seq))
        .order_by(stored.c.seq)
        .limit(limit)
    )
    with db.session() as s:
        return [str(subject) for subject in s.scalars(query) if subject]


class Analyser:
    """Blocking; the worker (`assistant.recording.worker`) and the CLI call it from a thread."""

    def __init__(
        self,
        recordings: Recordings,
        db: Database,
        audit: AuditLog,
        recognizer: Recognizer,
        after: Callable[[str], None] | None = None,
    ) -> None:
        self.recordings, self.db, self.audit = recordings, db, audit
        self._recognizer_factory = recognizer
        self._recognizer: SpeechRecognizer | None = None
        self.after = after  # e.g. review the visit again so its findings appear in the compliance review

    @property
    def recognizer(self) -> SpeechRecognizer:
        if self._recognizer is None:
            self._recognizer = self._recognizer_factory()
        return self._recognizer

    def pending(self, limit: int = 100) -> list[str]:
        return pending_sessions(self.db, limit)

    def analyse(self, session_id: str, progress: Progress | None = None) -> dict[str, Any]:
        """Re-hear every part of the visit, compare, audit the result; returns the audited details."""
        started = time.process_time()
        parts = self.recordings.parts(session_id)
        turns, language = live_turns(self.db, session_id)
        heard: list[Reheard] = []
        for manifest in parts:
            data = self.recordings.store.get(audio_key(session_id, int(manifest["part"])))
            heard += rehear_part(self.recognizer, data, manifest, language, progress)
        findings: list[dict[str, Any]] = []
        compared = []
        for item in heard:
            turn = turns.get(item.seq)
            if turn is None:
                continue
            found = compare_turn(turn, item.text)
            findings += found
            compared.append(
                {
                    "seq": item.seq,
                    "part": item.part,
                    "start_s": item.start_s,
                    "end_s": item.end_s,
                    "live": mask_text(turn.text)[:120],
                    "reheard": mask_text(item.text)[:120],
                    "agrees": not found,
                }
            )
        audio_s = sum(float(m.get("duration_s") or 0) for m in parts)
        details = {
            "session_id": session_id,
            "parts": [int(m["part"]) for m in parts],
            "sha256": [m.get("sha256") for m in parts],
            "audio_s": round(audio_s, 3),
            "turns": compared,
            "findings": findings,
            "cpu_s": round(time.process_time() - started, 2),
        }
        self.audit.record(ACTOR, None, ACTION, session_id, details)
        log.info("recording: analysed %s: %d turns, %d findings", session_id, len(compared), len(findings))
        if self.after is not None:
            try:
                self.after(session_id)
            except Exception as exc:  # the analysis is kept either way; the review sweeper retries
                log.warning("recording: after-analysis hook failed for %s: %r", session_id, exc)
        return details
