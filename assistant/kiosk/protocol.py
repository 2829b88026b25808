"""The kiosk WebSocket's client messages, validated (docs/kiosk-protocol.md is the reference).

Every text frame is JSON with a `type`; binary frames are microphone PCM. Anything that does not
fit is a `ProtocolError` with a stable code: the connection answers `error {code, message}`, logs
the reason and carries on, it never closes for bad input.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

MAX_TEXT_FRAME = 6_000_000  # a 4 MB JPEG in base64 and some slack
MAX_AUDIO_FRAME = 32_000  # 1 s of 16 kHz 16-bit mono; the page sends 20-100 ms
MAX_TEXT = 2000


class ProtocolError(ValueError):
    """A frame the server cannot use; `code` is machine-readable, the message says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class _Msg(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Hello(_Msg):
    type: Literal["hello"]
    session_id: str | None = Field(None, max_length=64)
    language: Literal["zh", "en"] | None = None
    elderly: bool | None = None


class Text(_Msg):
    type: Literal["text"]
    text: str = Field(..., min_length=1, max_length=MAX_TEXT)


class Touch(_Msg):
    model_config = ConfigDict(extra="allow")
    type: Literal["touch"]
    text: str | None = Field(None, max_length=MAX_TEXT)
    value: str | int | float | bool | None = None

    @property
    def label(self) -> str:
        return self.text if self.text else ("" if self.value is None else str(self.value))


class DeviceEvent(BaseModel):
    type: str = Field(..., min_length=1, max_length=64)
    data: dict[str, Any] = Field(default_factory=dict)


class Event(_Msg):
    type: Literal["event"]
    event: DeviceEvent


class Mic(_Msg):
    type: Literal["mic"]
    state: Literal["open", "closed"]


class Frame(_Msg):
    type: Literal["frame"]
    jpeg: str = Field(..., min_length=1)
    width: int | None = Field(None, ge=16, le=4096)
    height: int | None = Field(None, ge=16, le=4096)
    sensitive: bool | None = None  # the page may say a PIN/amount/ID is on screen


class Still(_Msg):
    """The answer to the server's `still_request`: one camera still (base64 JPEG), or null without a camera."""

    type: Literal["still"]
    request_id: str = Field(..., min_length=1, max_length=64)
    jpeg: str | None = None


class Playback(_Msg):
    type: Literal["playback"]
    reply_id: str = Field(..., max_length=64)
    state: Literal["started", "ended", "stopped"]
    position_ms: int | None = Field(None, ge=0)


class Settings(_Msg):
    type: Literal["settings"]
    language: Literal["zh", "en"] | None = None
    elderly: bool | None = None
    high_contrast: bool | None = None


class Ping(_Msg):
    type: Literal["ping"]


class Rtc(_Msg):
    model_config = ConfigDict(extra="allow")
    type: Literal["rtc"]


class Screen(_Msg):
    """What the kiosk shows (cards and their fields as structured state, never pixels), so a remote
    colleague can point at a field."""

    model_config = ConfigDict(extra="allow")
    type: Literal["screen"]
    cards: list[dict[str, Any]] = Field(default_factory=list, max_length=12)


ClientMessage = Annotated[
    Hello | Text | Touch | Event | Mic | Frame | Still | Playback | Settings | Ping | Rtc | Screen,
    Field(discriminator="type"),
]
_ADAPTER: TypeAdapter[ClientMessage] = TypeAdapter(ClientMessage)
KNOWN = ("hello", "text", "touch", "event", "mic", "frame", "still", "playback", "settings", "ping", "rtc", "screen")


def parse(raw: str) -> ClientMessage:
    """One text frame -> a typed message, or `ProtocolError` saying what is wrong."""
    if len(raw) > MAX_TEXT_FRAME:
        raise ProtocolError("too_large", f"text frame of {len(raw)} characters exceeds {MAX_TEXT_FRAME}")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ProtocolError("bad_json", f"not JSON: {exc.msg} at position {exc.pos}") from None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise ProtocolError("bad_message", "a message is a JSON object with a string 'type'")
    if data["type"] not in KNOWN:
        raise ProtocolError("unknown_type", f"unknown message type {data['type'][:40]!r}; known: {', '.join(KNOWN)}")
    try:
        return _ADAPTER.validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"][1:]) or data["type"]
        raise ProtocolError("invalid", f"{data['type']}: {where}: {first['msg']}") from None


def check_audio(frame: bytes) -> None:
    """Binary frames are 16-bit mono PCM: an even number of bytes, at most a second per frame."""
    if not frame:
        raise ProtocolError("bad_audio", "empty audio frame")
    if len(frame) % 2:
        raise ProtocolError("bad_audio", "audio frame has an odd number of bytes; expected 16-bit PCM")
    if len(frame) > MAX_AUDIO_FRAME:
        raise ProtocolError("bad_audio", f"audio frame of {len(frame)} bytes exceeds {MAX_AUDIO_FRAME} (1 s)")


def error(code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message}
