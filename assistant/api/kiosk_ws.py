"""`/api/v1/kiosk/ws`: the kiosk's one WebSocket (protocol in docs/kiosk-protocol.md).

A kiosk authenticates with its device token in the URL (`?token=`; browsers cannot set headers on a
WebSocket); anything else is refused before the socket is accepted. Revoking the device later closes
the open socket too (`assistant.api.live_sockets`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, WebSocket, status

from assistant.api.live_sockets import LiveSockets, credential_of
from assistant.auth import Principal, require
from assistant.kiosk.connection import KioskConnection

router = APIRouter(tags=["kiosk"])


@router.websocket("/api/v1/kiosk/ws")
async def kiosk_socket(websocket: WebSocket, principal: Annotated[Principal, Depends(require("kiosk"))]) -> None:
    """One kiosk's session: text, touch, device events, microphone audio and camera frames in; captions,
    replies, speech with visemes, barge-in and vision events out."""
    state = websocket.app.state
    services = getattr(state, "kiosk", None)
    conversation = getattr(state, "conversation", None)
    if services is None or conversation is None:
        await websocket.close(code=status.WS_1013_TRY_AGAIN_LATER, reason="the service is still starting")
        return
    await websocket.accept()
    connection = KioskConnection(
        websocket,
        services,
        conversation,
        state.events,
        device_id=principal.device_id or (principal.subject if principal.kind == "device" else None),
        branch_id=principal.branch_id,
        recordings=getattr(state, "recordings", None),
    )
    sockets: LiveSockets | None = getattr(state, "sockets", None)
    if sockets is None:
        await connection.run()
        return
    # Closed (4401) on every replica when the device is revoked, not just refused at the next handshake.
    await sockets.hold(websocket, credential_of(websocket, principal, state.auth), connection.run())
