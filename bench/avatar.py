"""Avatar benchmark: frames per second of the kiosk's digital human in headless Chromium, idle and while
speaking, and the lip-sync offset the page measures (issue #7 targets: >= 50 fps, <= 80 ms).

The page is the real one (`/kiosk`, served alone by `kiosk_page.standalone_app`, no models loaded); its
WebSocket is answered inside the browser by Playwright with a scripted reply: voiced audio chunks with a
viseme every 100 ms, the shape the server sends. Frames are counted by the avatar's own animation loop
(`window.lobbyMetrics.avatarFrames`); the offset is how late each viseme was applied after its time on the
audio clock (`window.lobbyMetrics.lipsync`, from player.js). Headless Chromium draws without a GPU here.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer

from avatar.browser import AUTOPLAY, CHROMIUM, HEADLESS_ARGS, speech_message

TARGETS = {"fps_min": 50.0, "lipsync_mean_ms_max": 80.0}
CHROMIUM_ARGS = [*HEADLESS_ARGS, AUTOPLAY]
VISEME_CYCLE = ["A", "O", "E", "M", "I", "U", "S", "L", "F", "R", "rest"]


def scripted_speech(reply_id: str, seq: int, seconds: float) -> dict[str, Any]:
    """One `speech` chunk: a voiced 24 kHz wav (syllables every 250 ms) and a viseme every 100 ms."""
    import numpy as np

    rate = 24000
    t = np.arange(int(seconds * rate)) / rate
    audio = (0.3 * np.sin(2 * np.pi * 200 * t) * 0.5 * (1 - np.cos(2 * np.pi * t / 0.25))).astype(np.float32)
    cues = [
        {"t": ms, "v": VISEME_CYCLE[i % len(VISEME_CYCLE)], "w": 0.9}
        for i, ms in enumerate(range(0, int(seconds * 1000), 100))
    ]
    return speech_message(reply_id, seq, audio, rate, int(seconds * 1000), cues, f"句子{seq + 1}")


@contextmanager
def serve_page() -> Iterator[str]:
    """The kiosk page alone on a loopback port; yields its URL."""
    import uvicorn

    from assistant.api.kiosk_page import standalone_app
    from assistant.config import Settings

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    app = standalone_app(Settings(env="development"), demo_token="bench-device-token")  # noqa: S106 - no server behind it
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the kiosk page server did not start")
        time.sleep(0.05)
    try:
        yield f"http://localhost:{port}/kiosk"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _scripted_socket(chunks: list[dict[str, Any]]) -> Any:
    """A route_web_socket handler: answers hello, and any typed text with a reply and the speech chunks."""

    def handle(ws: Any) -> None:
        def on_message(message: str | bytes) -> None:
            if isinstance(message, bytes):
                return
            msg = json.loads(message)
            if msg.get("type") == "hello":
                ws.send(json.dumps({"type": "session", "session_id": "BENCH", "resumed": False}))
            elif msg.get("type") == "text":
                turn = {
                    "reply": {"text": "基准测试", "language": "zh", "citations": [], "cards": [], "suggestions": []}
                }
                ws.send(json.dumps({"type": "reply", "reply_id": "B1", "turn": turn}))
                for chunk in chunks:
                    ws.send(json.dumps(chunk))
                ws.send(json.dumps({"type": "speech_end", "reply_id": "B1"}))

        ws.on_message(on_message)

    return handle


def _frames(page: Any) -> tuple[int, float]:
    sample = page.evaluate("() => [window.lobbyMetrics.avatarFrames, performance.now()]")
    return int(sample[0]), float(sample[1])


def _measure_fps(page: Any, seconds: float) -> dict[str, float]:
    """Average fps over `seconds`, and the worst one-second window (sampled each second)."""
    frames0, t0 = _frames(page)
    windows = []
    for _ in range(max(1, int(seconds))):
        page.wait_for_timeout(1000)
        windows.append(float(page.evaluate("() => window.lobbyMetrics.avatarFps")))
    frames1, t1 = _frames(page)
    return {"mean": round((frames1 - frames0) / ((t1 - t0) / 1000), 1), "worst_1s": min(windows)}


def run_benchmark(seconds: float, speech_seconds: float, chromium: str) -> dict[str, Any]:
    """Idle and speaking fps of the avatar and the lip-sync offset over `speech_seconds` of speech."""
    from playwright.sync_api import sync_playwright

    chunk_s = 1.5
    chunks = [scripted_speech("B1", i, chunk_s) for i in range(max(1, round(speech_seconds / chunk_s)))]
    with serve_page() as url, sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.route_web_socket("**/api/v1/kiosk/ws*", _scripted_socket(chunks))
            page.goto(url)
            page.wait_for_function("() => window.lobbyState && window.lobbyState.sessionId === 'BENCH'")
            page.wait_for_timeout(1000)  # first layout and decode out of the way
            idle = _measure_fps(page, seconds)
            page.fill("#text", "benchmark")
            page.press("#text", "Enter")
            page.wait_for_function("() => window.lobbyMetrics.playback.started === 1", timeout=30000)
            speaking = _measure_fps(page, min(seconds, len(chunks) * chunk_s - 1))
            page.wait_for_function("() => window.lobbyMetrics.playback.ended === 1", timeout=60000)
            metrics = page.evaluate("() => window.lobbyMetrics")
            version = browser.version
        finally:
            browser.close()
    lipsync = metrics["lipsync"]
    return {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU, load {', '.join(f'{x:.1f}' for x in os.getloadavg())}",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "chromium": version,
        "idle_fps": idle,
        "speaking_fps": speaking,
        "lipsync_ms": {k: lipsync[k] for k in ("mean_ms", "p95_ms", "max_ms", "samples")},
        "speech_seconds": len(chunks) * chunk_s,
        "targets": TARGETS,
        "meets": {
            "fps": min(idle["mean"], speaking["mean"]) >= TARGETS["fps_min"],
            "lipsync": lipsync["mean_ms"] is not None and lipsync["mean_ms"] <= TARGETS["lipsync_mean_ms_max"],
        },
    }


def cli(
    seconds: float = typer.Option(5.0, "--seconds", min=1.0, max=120.0, help="Measured seconds per phase."),
    speech: float = typer.Option(9.0, "--speech", min=1.5, max=120.0, help="Seconds of scripted speech."),
    chromium: str = typer.Option(CHROMIUM, "--chromium", help="Chromium executable."),
    json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Avatar fps in headless Chromium (idle and speaking) and the browser-measured lip-sync offset."""
    from assistant.cli.common import emit_json, fail

    if not os.path.exists(chromium):
        fail(f"Chromium not found at {chromium} (Debian package chromium; or --chromium PATH)")
    try:
        result = run_benchmark(seconds, speech, chromium)
    except ImportError as exc:
        fail(f"{exc.name} is not installed: the avatar benchmark needs the dev extra (playwright)")
    except (RuntimeError, TimeoutError, OSError) as exc:
        fail(str(exc) or type(exc).__name__)
    if json_out:
        emit_json(result)
        return
    typer.echo(f"avatar in headless Chromium {result['chromium']}, {result['machine']}, {result['date']}")
    for phase in ("idle_fps", "speaking_fps"):
        fps = result[phase]
        typer.echo(f"  {phase:13} mean {fps['mean']:5.1f}  worst 1 s {fps['worst_1s']:5.1f}  (target >= 50)")
    lip = result["lipsync_ms"]
    typer.echo(
        f"  lip-sync offset mean {lip['mean_ms']} ms  p95 {lip['p95_ms']} ms  max {lip['max_ms']} ms"
        f"  over {lip['samples']} visemes (target <= 80 ms)"
    )
