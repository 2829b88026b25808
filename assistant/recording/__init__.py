"""Recording of consented visits: capture on the kiosk connection (`recorder`), one timeline
(`timeline`), Opus encoding (`codec`), a store behind one interface (`store`, `s3`), and the service
that stores, verifies, plays back and purges (`service`). See docs/recording.md."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.audit import AuditLog
from assistant.recording.options import RecordingOptions
from assistant.recording.recorder import VisitRecorder
from assistant.recording.service import NoRecording, Recordings, Tampered, Transcript
from assistant.recording.store import open_store


def open_recordings(
    options: RecordingOptions,
    var_dir: Path,
    audit: AuditLog | None,
    transcript: Transcript | None = None,
    after_store: Callable[[str], None] | None = None,
) -> Recordings | None:
    """The process's recordings, or None when recording is switched off (the store opens lazily)."""
    if not options.enabled:
        return None
    return Recordings(options, open_store(options, var_dir), audit, transcript, after_store)


def conversation_transcript(conversation: Any) -> Transcript:
    """The turns of a session as the conversation service keeps them (to place turns on the recording)."""

    async def transcript(session_id: str) -> list[Any]:
        return list((await conversation.view(session_id)).transcript)

    return transcript


__all__ = [
    "NoRecording",
    "RecordingOptions",
    "Recordings",
    "Tampered",
    "VisitRecorder",
    "conversation_transcript",
    "open_recordings",
]
