"""Camera stills of recorded visits for supervisors (`/api/v1/supervisor/sessions/{id}/stills...`).

Like the audio (assistant/api/recordings.py): role supervisor (admin passes), tellers, experts and kiosks
get 403; every view is written to the audit chain before the picture leaves (`recording_still_view`),
and a still that does not hash to its audit record is refused (409, audited). The list says which event
each still shows and where it sits on the recording, so a reviewer can play the moment around it.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request, Response, status

from assistant.api.recordings import NOT_FOUND, RecordingsDep, Supervisor, require_audit
from assistant.recording import NoRecording, Tampered

router = APIRouter(prefix="/api/v1/supervisor", tags=["supervisor"])


def still_url(session_id: str, part: int, n: int) -> str:
    return f"/api/v1/supervisor/sessions/{session_id}/stills/{part}/{n}"


def stills_of(session_id: str, parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The stills of a recording's parts, in order, with the event, the turn and the offset of each."""
    return [
        {
            "part": m["part"],
            **{k: s.get(k) for k in ("n", "event", "seq", "offset_s", "sha256", "bytes")},
            "url": still_url(session_id, int(m["part"]), int(s["n"])),
        }
        for m in parts
        for s in m.get("stills", [])
    ]


@router.get("/sessions/{session_id}/stills", responses=NOT_FOUND)
async def stills(_who: Supervisor, session_id: str, recordings: RecordingsDep) -> Any:
    """The camera stills kept of a recorded visit (none for a visit without consent: 404)."""
    parts = await asyncio.to_thread(recordings.parts, session_id)
    if not parts:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no recording of session {session_id}")
    return {"session_id": session_id, "stills": stills_of(session_id, parts)}


@router.get("/sessions/{session_id}/stills/{part}/{n}", responses=NOT_FOUND, response_class=Response)
async def still(
    who: Supervisor,
    session_id: str,
    part: Annotated[int, Path(ge=1, le=999)],
    n: Annotated[int, Path(ge=1, le=999)],
    request: Request,
    recordings: RecordingsDep,
) -> Response:
    """One still (JPEG); each view is audited first."""
    audit = require_audit(request)
    try:
        shown = await asyncio.to_thread(recordings.still, session_id, part, n)
    except NoRecording:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no still {part}/{n} of session {session_id}") from None
    except Tampered as exc:
        details = {"session_id": session_id, "part": part, "still": n, "problem": str(exc)}
        await audit.arecord(who.subject, who.role, "recording_tampered", session_id, details)
        raise HTTPException(status.HTTP_409_CONFLICT, "the still does not match its audit record") from None
    entry = shown.manifest
    details = {"session_id": session_id, "part": part, "still": n, "event": entry.get("event")}
    details |= {"sha256": entry.get("sha256")}
    await audit.arecord(who.subject, who.role, "recording_still_view", session_id, details)
    headers = {"X-Still-Sha256": str(entry.get("sha256")), "Cache-Control": "no-store"}
    return Response(shown.data, media_type="image/jpeg", headers=headers)
