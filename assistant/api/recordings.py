"""Playback of visit recordings for supervisors (`/api/v1/supervisor/sessions/{id}/recording...`).

Role supervisor (admin passes); tellers, experts and kiosks get 403. Every playback and download is
written to the audit chain before a byte of audio leaves, like unmasking: if the audit record cannot be
written, nothing is returned. The audio is checked against the sha256 its audit record holds; a recording
that does not match is refused (409) and the refusal is audited too. Segment texts are the masked
transcript's (`SupervisionStore.detail`), never the raw words.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, Response, status

from assistant.audit import AuditLog
from assistant.auth import Principal, require
from assistant.recording import NoRecording, Recordings, Tampered, conversation_transcript, open_recordings
from assistant.store.sessions import SessionNotFound
from assistant.supervision import SupervisionStore

router = APIRouter(prefix="/api/v1/supervisor", tags=["supervisor"])
Supervisor = Annotated[Principal, Depends(require("supervisor"))]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "no recording of this session"}}


def wire(app: FastAPI) -> None:
    """Called in the app's lifespan once the runtime is open: the recordings the kiosk sockets write to."""
    state = app.state
    settings = state.settings
    transcript = conversation_transcript(state.conversation)
    review = getattr(state.conversation, "after_end", None)  # the compliance pass of an ended visit

    def after_store(session_id: str) -> None:
        """A visit that ended before its recording was stored is reviewed again, recording included."""
        if review is not None and state.sessions.get(session_id).status == "ended":
            review(session_id)

    state.recordings = open_recordings(settings.recording, settings.var_dir, state.audit, transcript, after_store)


def _recordings(request: Request) -> Recordings:
    recordings: Recordings | None = getattr(request.app.state, "recordings", None)
    if recordings is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "recording is switched off")
    return recordings


def _audit(request: Request) -> AuditLog:
    audit: AuditLog | None = getattr(request.app.state, "audit", None)
    if audit is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the audit log is not available")
    return audit


RecordingsDep = Annotated[Recordings, Depends(_recordings)]


@router.get("/sessions/{session_id}/recording", responses=NOT_FOUND, response_class=Response)
async def recording(
    who: Supervisor,
    session_id: str,
    request: Request,
    recordings: RecordingsDep,
    part: Annotated[int, Query(ge=1, le=999)] = 1,
    download: bool = False,
) -> Response:
    """The visit's audio (Ogg/Opus, stereo: customer left, avatar right); audited as playback or download."""
    audit = _audit(request)
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
    await audit.arecord(who.subject, who.role, action, session_id, details)
    headers = {
        "X-Recording-Sha256": str(manifest["sha256"]),
        "X-Recording-Parts": str(len(await asyncio.to_thread(recordings.parts, session_id))),
        "Cache-Control": "no-store",
    }
    if download:
        headers["Content-Disposition"] = f'attachment; filename="{session_id}-{part}.ogg"'
    return Response(played.data, media_type=str(manifest.get("mime", "audio/ogg")), headers=headers)


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
