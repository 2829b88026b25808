"""Journey engine speed: the transfer journey, start to finish, against the in-process sandbox bank.

Reports per-advance wall time (engine + bank calls over ASGI) and the engine's own share (wall time
minus the bank calls it recorded), so the conversation's text-turn budget can be checked.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant.journeys import JourneyEngine
from assistant.journeys.bank_adapter import ClientsBankPort
from integrations.bundle import BankClients
from integrations.config import BankOptions
from integrations.sandbox.seed import cast_summary

TURNS: list[dict[str, Any]] = [
    {"action": "event", "event": {"type": "qr_scanned", "data": {}}},
    {"text": "陈静"},
    {"text": "1101050001004004"},
    {"text": "本行"},
    {"text": "否"},
    {"text": "确认"},
    {"action": "event", "event": {"type": "face_captured", "data": {}}},  # the kiosk's camera still
    {"action": "event", "event": {"type": "pin_entered", "data": {}}},  # the PIN on the kiosk's pad
]


def camera_still() -> str:
    """A plain JPEG frame (base64) for the face match: the sandbox's face match checks it is a JPEG."""
    import base64

    import cv2
    import numpy as np

    ok, jpeg = cv2.imencode(".jpg", np.full((120, 160, 3), 128, dtype=np.uint8))
    assert ok
    return base64.b64encode(jpeg.tobytes()).decode("ascii")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


async def run_benchmark(runs: int = 20) -> dict[str, Any]:
    zhang = cast_summary()["zhang_wei"]
    token, still = zhang["qr_token"], camera_still()
    data = {
        "qr_scanned": {"qr_token": token},
        "face_captured": {"image": still},
        "pin_entered": {"pin": zhang["accounts"][0]["pin"]},
    }
    with tempfile.TemporaryDirectory() as tmp:
        clients = BankClients.in_process(Path(tmp) / "sandbox.db", BankOptions())
        try:
            engine = JourneyEngine(ClientsBankPort(clients))
            wall: list[float] = []
            own: list[float] = []
            state_bytes: list[int] = []
            completed = 0
            for i in range(runs):
                started = time.perf_counter()
                result = await engine.start("transfer", {"session_id": f"bench-{i}"}, slots={"amount": "10"})
                wall.append((time.perf_counter() - started) * 1000)
                own.append(wall[-1] - sum(c.duration_ms for c in result.calls))
                for turn in TURNS:
                    if "event" in turn:
                        kind = turn["event"]["type"]
                        turn = {**turn, "event": {"type": kind, "data": data[kind]}}
                    state = json.loads(json.dumps(result.state))
                    started = time.perf_counter()
                    result = await engine.advance(state, turn)
                    wall.append((time.perf_counter() - started) * 1000)
                    own.append(wall[-1] - sum(c.duration_ms for c in result.calls))
                state_bytes.append(len(json.dumps(result.state, ensure_ascii=False).encode()))
                completed += result.journey.status == "completed"
        finally:
            await clients.aclose()
    return {
        "journey": "transfer",
        "runs": runs,
        "completed": completed,
        "advances": len(wall),
        "advance_ms": {"p50": _pct(wall, 0.5), "p95": _pct(wall, 0.95), "mean": round(statistics.fmean(wall), 2)},
        "engine_only_ms": {"p50": _pct(own, 0.5), "p95": _pct(own, 0.95), "mean": round(statistics.fmean(own), 2)},
        "final_state_bytes": max(state_bytes),
    }
