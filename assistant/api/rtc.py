"""`GET /api/v1/rtc/ice-servers`: the STUN/TURN servers for a WebRTC call between a kiosk and a colleague.

Both ends of a call ask: the kiosk with its device token, the expert console with its sign-in. TURN
credentials are minted per caller and expire (`LOBBY_RTC__TURN_TTL_S`), so a browser asks again before
each call; the response must not be cached.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from assistant.auth import Principal, require
from assistant.rtc.credentials import ice_servers

router = APIRouter(prefix="/api/v1/rtc", tags=["rtc"])

Caller = Annotated[Principal, Depends(require("kiosk", "teller", "expert", "supervisor"))]


@router.get("/ice-servers", summary="STUN/TURN servers with short-lived TURN credentials for this caller")
async def get_ice_servers(request: Request, response: Response, who: Caller) -> dict[str, Any]:
    response.headers["Cache-Control"] = "no-store"
    ident = f"{who.kind}-{who.subject}"
    return ice_servers(request.app.state.settings.rtc, ident)
