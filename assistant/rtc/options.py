"""Options of the WebRTC ICE servers; composed into `assistant.config.Settings` as `rtc`
(env: `LOBBY_RTC__STUN_URLS`, `LOBBY_RTC__TURN_URLS`, `LOBBY_RTC__TURN_SECRET`, `LOBBY_RTC__TURN_TTL_S`,
`LOBBY_RTC__ICE_TRANSPORT_POLICY`).

Why a TURN secret and not a TURN password: browsers on two networks (a branch LAN and a back office behind
NAT) often cannot reach each other directly, so media goes through a TURN relay, and a relay must not be
open to anyone. The TURN REST scheme that coturn implements (`--use-auth-secret`) lets Lobby mint
short-lived credentials from a secret it shares with coturn; no per-user password is stored anywhere.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import NoDecode

URL_SCHEMES = ("stun:", "stuns:", "turn:", "turns:")


class RtcOptions(BaseModel):
    """STUN/TURN URLs and the shared TURN secret; with no TURN settings only STUN is offered."""

    model_config = ConfigDict(frozen=True)

    stun_urls: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="STUN URLs (comma-separated or a JSON list), e.g. stun:turn.bank.example:3478; empty = none.",
    )
    turn_urls: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="TURN URLs, e.g. turn:turn.bank.example:3478?transport=udp; offered only with turn_secret.",
    )
    turn_secret: SecretStr | None = Field(
        None, description="coturn's --static-auth-secret; TURN credentials are minted from it (TURN REST scheme)."
    )
    turn_ttl_s: int = Field(3600, ge=60, le=86400, description="How long minted TURN credentials stay valid.")
    ice_transport_policy: Literal["all", "relay"] = Field(
        "all",
        description="'relay' makes browsers send media only through TURN (networks that forbid direct peer "
        "traffic, or to keep the kiosk's address from the other end); 'all' lets them connect directly.",
    )

    @field_validator("stun_urls", "turn_urls", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        """`stun:a:3478,stun:b:3478` as well as a JSON list, from the environment."""
        if isinstance(value, str):
            if value.strip().startswith("["):
                return json.loads(value)
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("stun_urls", "turn_urls")
    @classmethod
    def _schemes(cls, value: list[str]) -> list[str]:
        for url in value:
            if not url.startswith(URL_SCHEMES):
                raise ValueError(f"{url!r} is not a stun:, stuns:, turn: or turns: URL")
        return value
