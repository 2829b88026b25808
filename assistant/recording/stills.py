"""Camera stills of a consented visit at the moments that matter, never a video of the lobby.

Which moments: identification (ID card read, PIN, face match), a confirmation given at a journey step,
an authorisation asked for or decided, and a risk flag the conversation raised. The recorder reads them
from the `reply` messages the connection sends (the turn the conversation produced), and asks the page
for one still with `still_request {request_id, event}`; the page answers `still {request_id, jpeg}` from
the camera it already runs for presence (docs/kiosk-protocol.md). A still nobody asked for is refused, so
a page cannot fill a visit with pictures; at most `max_stills` are kept; an answer that is not a JPEG is
dropped. The face-match image of `face_captured` is not reused: it goes to the bank and is never kept
(assistant/journeys/steps/verification.py); the still is a separate picture taken under the consent to
recording. Stills are stored with the visit's audio (`Recordings.store_capture`), each hash audited.
"""

from __future__ import annotations

import base64
import binascii
import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

MAX_STILL_BYTES = 2_000_000
IDENTIFICATION_EVENTS = ("event:id_card_read", "event:pin_entered", "event:face_captured")


@dataclass
class Still:
    """A camera still on the visit's timeline: what event it shows, at which turn and offset (samples)."""

    event: str
    seq: int | None
    position: int
    jpeg: bytes
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


def turn_of(still: Still, turns: list[Any]) -> int | None:
    """The turn a still belongs to: the last customer or device turn stored by the time it was taken
    (the `reply` that asked for it carries no turn number; the stored transcript has their times)."""
    if still.seq is not None:
        return still.seq
    best = None
    for turn in turns:
        created = getattr(turn, "created_at", None)
        try:
            when = datetime.fromisoformat(created) if isinstance(created, str) else created
        except ValueError:
            continue
        if not isinstance(when, datetime):
            continue
        when = when if when.tzinfo is not None else when.replace(tzinfo=UTC)  # the store keeps UTC
        if getattr(turn, "speaker", "") == "customer" and when <= still.at:
            best = int(turn.seq)
    return best


def events_of(turn: dict[str, Any]) -> list[str]:
    """The kinds of moment a turn (a `reply` message's `turn`) holds: identification, confirmation,
    authorisation, risk; [] for an ordinary turn."""
    kinds = []
    intent = str(turn.get("intent") or "")
    if intent in IDENTIFICATION_EVENTS:
        kinds.append("identification")
    if turn.get("act") == "confirm" and turn.get("journey"):
        kinds.append("confirmation")
    handoff = turn.get("handoff") or {}
    if "authoriz" in intent or (isinstance(handoff, dict) and handoff.get("reason") == "authorization"):
        kinds.append("authorisation")
    if any(isinstance(r, dict) and r.get("action") not in (None, "allow") for r in turn.get("risk") or []):
        kinds.append("risk")  # as the connection tells a watching colleague (KioskConnection._tell_watchers)
    return kinds


def decode_still(encoded: str | None) -> bytes | None:
    """The page's base64 JPEG, or None when it is missing, too large or not a JPEG."""
    if not encoded or len(encoded) > MAX_STILL_BYTES * 4 // 3 + 4:
        return None
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return None
    return data if data.startswith(b"\xff\xd8\xff") and len(data) <= MAX_STILL_BYTES else None


class StillRequests:
    """The stills asked of the page and not answered yet (request id -> event, turn)."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._open: dict[str, tuple[str, int | None]] = {}

    def ask(self, event: str, seq: int | None) -> dict[str, Any]:
        request_id = f"still-{next(self._ids)}"
        self._open[request_id] = (event, seq)
        while len(self._open) > 8:  # a page that never answers leaves no growing list behind
            self._open.pop(next(iter(self._open)))
        return {"type": "still_request", "request_id": request_id, "event": event}

    def answer(self, request_id: str) -> tuple[str, int | None] | None:
        return self._open.pop(request_id, None)

    def clear(self) -> None:
        self._open.clear()
