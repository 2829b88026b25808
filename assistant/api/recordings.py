"""Playback of visit recordings for supervisors (`/api/v1/supervisor/sessions/{id}/recording...`).

Role supervisor (admin passes); tellers, experts and kiosks get 403. Every playback and download is
written to the audit chain before a byte of audio leaves, like unmasking: if the audit record cannot be
written, nothing is returned. The audio is checked against the sha256 its audit record holds; a recording
that does not match is refused (409) and the refusal is audited too. Segment texts are the masked
transcript's (`SupervisionStore.detail`), never the raw words.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, Response, status

from assistant.api.byte_range import ranged_response
from assistant.audit import AuditLog
from assistant.auth import Principal, require
from assistant.recording import NoRecording, Recordings, Tampered, conversation_transcript, open_recordings
from assistant.recording.analysis import Analyser
from assistant.recording.rehear import analysis_recognizer
from assistant.recording.worker import AnalysisWorker
from assistant.store.sessions import SessionNotFound
from assistant.supervision import SupervisionStore
from speech.asr.base import SpeechRecognizer
from speech.asr.factory import model_path

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1/supervisor", tags=["supervisor"])
Supervisor = Annotated[Principal, Depends(require("supervisor"))]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "no recording of this session"}}
RANGES: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    206: {"description": "the asked byte range (Range: bytes=N-M), for seeking"},
    416: {"description": "the asked range lies outside the recording"},
}


def wire(app: FastAPI) -> None:
    """Called in the app's lifespan once the runtime is open: the recordings the kiosk sockets write to,
    and the background analysis of each stored recording (`assistant.recording.worker`)."""
    state = app.state
    settings = state.settings
    transcript = conversation_transcript(state.conversation)
    review = getattr(state.conversation, "after_end", None)  # the compliance pass of an ended visit
    state.recording_analysis = None

    def after_analysis(session_id: str) -> None:
        """A visit that ended before its recording was stored is reviewed again, recording included."""
        if review is not None and state.sessions.get(session_id).status == "ended":
            review(session_id)

    def after_store(session_id: str) -> None:
        after_analysis(session_id)
        if state.recording_analysis is not None:
            state.recording_analysis.submit_threadsafe(session_id)

    state.recordings = open_recordings(settings.recording, settings.var_dir, state.audit, transcript, after_store)
    state.recording_analysis = start_analysis(app, after_analysis)


def start_analysis(app: FastAPI, after: Callable[[str], None]) -> AnalysisWorker | None:
    """The background re-transcription of recorded visits, when it is on and the model is prepared."""
    state = app.state
    settings = state.settings
    options = settings.recording
    if state.recordings is None or not options.analysis or state.audit is None:
        return None
    if not (model_path(settings.speech, settings.effective_models_dir) / "model.bin").is_file():
        log.info("recording: after-visit analysis off: the ASR model is not prepared (lobby models prepare)")
        return None

    def recognizer() -> SpeechRecognizer:
        return analysis_recognizer(settings.speech, settings.effective_models_dir, options)

    worker = AnalysisWorker(Analyser(state.recordings, state.db, state.audit, recognizer, after))
    worker.start()
    return worker


async def unwire(app: FastAPI) -> None:
    """Called when the app stops: the analysis in progress is abandoned (it stays pending, see worker)."""
    worker: AnalysisWorker | None = getattr(app.state, "recording_analysis", None)
    if worker is not None:
        await worker.aclose()


def _recordings(request: Request) -> Recordings:
    recordings: Recordings | None = getattr(request.app.state, "recordings", None)
    if recordings is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "recording is switched off")
    return recordings


def require_audit(request: Request) -> AuditLog:
    audit: AuditLog | None = getattr(request.app.state, "audit", None)
    if audit is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the audit log is not available")
    return audit


RecordingsDep = Annotated[Recordings, Depends(_recordings)]


@router.get("/sessions/{session_id}/recording", responses=RANGES, response_class=Response)
async def recording(
    who: Supervisor,
    session_id: str,
    request: Request,
    recordings: RecordingsDep,
    part: Annotated[int, Query(ge=1, le=999)] = 1,
    download: bool = False,
) -> Response:
    """The visit's audio (Ogg/Opus, stereo: customer left, avatar right); audited as playback or download.
    Honours one `Range: bytes=...` (206, or 416 past the end) so the console's player can seek."""
    audit = require_audit(request)
    try:
        played = await asyncio.to_thread(recordings.playback, session_id, part)
    except NoRecording:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no recording of session {session_id}") from None
    except Tampered as exc:
        details = {"session_id": session_id, "part": part, "problem": str(exc)}
        await audit.arecord(who.subject, who.role, "recording_tampered", session_id, details)
        raise HTTPException(status.HTTP_409_CONFLICT, "the recording does not match its audit record") from None
    manifest = played.manifest
    action = "recording_download" if download else "recording_play"
    details = {"session_id": session_id, "part": part, "sha256": manifest["sha256"], "bytes": len(played.data)}
    asked = request.headers.get("range")
    if asked:
        details["range"] = asked[:64]  # the player seeking: each part that leaves is audited too
    await audit.arecord(who.subject, who.role, action, session_id, details)
    headers = {
        "X-Recording-Sha256": str(manifest["sha256"]),
        "X-Recording-Parts": str(len(await asyncio.to_thread(recordings.parts, session_id))),
        "Cache-Control": "no-store",
    }
    if download:
        headers["Content-Disposition"] = f'attachment; filename="{session_id}-{part}.ogg"'
    return ranged_response(played.data, str(manifest.get("mime", "audio/ogg")), headers, asked)


@router.get("/sessions/{session_id}/recording/segments", responses=NOT_FOUND)
async def recording_segments(_who: Supervisor, session_id: str, request: Request, recordings: RecordingsDep) -> Any:
    """Per-turn offsets on the recording (seconds, per part) with the masked text of each turn."""
    parts = await asyncio.to_thread(recordings.parts, session_id)
    if not parts:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no recording of session {session_id}")
    texts = await _masked_texts(request, session_id)
    segments = [
        {
            "part": m["part"],
            **s,
            "text": texts.get(int(s["seq"]), ("", False))[0],
            "masked": texts.get(int(s["seq"]), ("", False))[1],
        }
        for m in parts
        for s in m.get("segments", [])
    ]
    return {
        "session_id": session_id,
        "parts": [
            {k: m.get(k) for k in ("part", "duration_s", "sha256", "codec", "channels", "consented_at", "stored_at")}
            for m in parts
        ],
        "segments": segments,
    }


async def _masked_texts(request: Request, session_id: str) -> dict[int, tuple[str, bool]]:
    db = getattr(request.app.state, "db", None)
    if db is None:
        return {}
    store: SupervisionStore = getattr(request.app.state, "supervision", None) or SupervisionStore(db)
    try:
        detail = await asyncio.to_thread(store.detail, session_id)
    except SessionNotFound:
        return {}
    return {t.seq: (t.text, t.masked) for t in detail.transcript}
