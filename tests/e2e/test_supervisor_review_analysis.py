"""The supervisor's review of a recorded visit in real Chromium: the after-visit analysis's finding
("amount heard differently") and the camera still of the identification, with the player seeking (HTTP
Range). The app runs in this process under uvicorn (not `lobby serve`) so that the live recognizer can be
made to mishear, as in tests/integration/test_recording_analysis.py; everything else is real: the kiosk
WebSocket, espeak-ng audio, whisper-base, the background analysis, SQLite and the audit chain.
"""

from __future__ import annotations

import base64
import io
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import uvicorn
from fastapi import FastAPI
from PIL import Image, ImageDraw
from playwright.sync_api import expect
from websockets.sync.client import ClientConnection, connect

from assistant.api.app import create_app
from assistant.config import Settings
from knowledge.config import KnowledgeOptions
from speech.config import SpeechOptions
from tests.conftest import PREPARED_MODELS, TEST_AUTH
from tests.e2e.staff_helpers import sign_in
from tests.integration.test_recording_analysis import SAID, ZHANG_WEI_ID, Mishearing, english

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, FastAPI]]:
    models = Path(os.environ.get("LOBBY_MODELS_DIR", PREPARED_MODELS))
    if not (models / "whisper-base" / "model.bin").is_file():
        pytest.skip("whisper-base not prepared (lobby models prepare)")
    settings = Settings(
        env="test",  # no background warm-up: its vision model import must not race espeak's fork (a deadlock)
        var_dir=tmp_path_factory.mktemp("review-var"),
        models_dir=models,
        knowledge=KnowledgeOptions(auto_ingest=False),
        speech=SpeechOptions(tts_engines=["espeak"]),
        auth=TEST_AUTH,
        _env_file=None,  # type: ignore[call-arg]
    )
    app = create_app(settings)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.2)
    yield f"http://localhost:{port}", app
    server.should_exit = True
    thread.join(timeout=30)


def camera_still() -> str:
    """A picture standing in for the kiosk camera's (Chromium's fake camera is a test pattern too)."""
    image = Image.new("RGB", (320, 240), (214, 226, 236))
    draw = ImageDraw.Draw(image)
    draw.rectangle((110, 60, 210, 200), fill=(90, 120, 150))
    draw.ellipse((130, 20, 190, 80), fill=(230, 196, 170))
    draw.text((8, 222), "kiosk camera, ID card read", fill=(20, 20, 20))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return base64.b64encode(buffer.getvalue()).decode()


def until(ws: ClientConnection, match: Any, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        raw = ws.recv(timeout=timeout)
        message = json.loads(raw) if isinstance(raw, str) else {}
        if match(message):
            return message  # type: ignore[no-any-return]
    raise AssertionError("no such message")


def visit(url: str, token: str) -> str:
    """Consent, an ID card read (the page answers the still request), a spoken transfer request."""
    with connect(url.replace("http://", "ws://") + f"/api/v1/kiosk/ws?token={token}", open_timeout=30) as ws:
        ws.send(json.dumps({"type": "hello", "language": "en"}))
        sid = str(until(ws, lambda m: m["type"] == "session")["session_id"])
        ws.send(json.dumps({"type": "event", "event": {"type": "consent", "data": {"recording": True}}}))
        thanks = until(ws, lambda m: m["type"] == "reply" and m["turn"]["intent"] == "event:consent")
        if thanks["turn"]["reply"]["text"]:  # spoken only when there is something to say
            until(ws, lambda m: m["type"] == "speech_end" and m["reply_id"] == thanks["reply_id"])
        ws.send(json.dumps({"type": "event", "event": {"type": "id_card_read", "data": {"id_number": ZHANG_WEI_ID}}}))
        rid = until(ws, lambda m: m["type"] == "reply" and m["turn"]["intent"] == "event:id_card_read")["reply_id"]
        asked = spoken = False
        while not (asked and spoken):  # the still request and the end of the reply's speech, in either order
            message = until(
                ws, lambda m: m["type"] == "still_request" or (m["type"] == "speech_end" and m["reply_id"] == rid)
            )
            if message["type"] == "still_request":
                ws.send(json.dumps({"type": "still", "request_id": message["request_id"], "jpeg": camera_still()}))
                asked = True
            else:
                spoken = True
        ws.send(json.dumps({"type": "mic", "state": "open"}))
        silence = np.zeros(16000, dtype=np.float32)
        with ThreadPoolExecutor(1) as pool:  # espeak runs on its own event loop; Playwright's owns this thread
            said = pool.submit(english, SAID).result()
        pcm = (np.clip(np.concatenate([silence, said, silence]), -1, 1) * 32767).astype("<i2").tobytes()
        for offset in range(0, len(pcm), 640):
            ws.send(pcm[offset : offset + 640])
        until(ws, lambda m: m["type"] == "asr" and m.get("final"))
        rid = until(ws, lambda m: m["type"] == "reply" and m["turn"]["reply"]["text"])["reply_id"]
        until(ws, lambda m: m["type"] == "speech_end" and m["reply_id"] == rid)
        ws.send(json.dumps({"type": "mic", "state": "closed"}))
    return sid


def test_review_shows_the_analysis_finding_and_the_still_and_the_player_seeks(served, browser, screenshot):  # type: ignore[no-untyped-def]
    url, app = served
    services = app.state.kiosk
    real = services.recognizer
    services.recognizer = Mishearing(real, "1500", "1200")
    try:
        sid = visit(url, app.state.demo_kiosk_token)
    finally:
        services.recognizer = real
    deadline = time.monotonic() + 240
    while not [e for e in app.state.audit.list(limit=20, action="recording_analysis") if e.subject == sid]:
        assert time.monotonic() < deadline, "the background analysis did not run"
        time.sleep(0.5)

    page = browser.new_context(locale="zh-CN", viewport={"width": 1600, "height": 1000}).new_page()
    page.set_default_timeout(60_000)
    expect.set_options(timeout=30_000)
    sign_in(page, f"{url}/supervisor", "supervisor1")
    # the kiosk ends the visit (its API): the compliance review runs now, with the analysis in the chain
    ended = page.request.post(
        f"{url}/api/v1/sessions/{sid}/end", headers={"Authorization": f"Bearer {app.state.demo_kiosk_token}"}
    )
    assert ended.status == 200
    page.click("#search")
    page.locator(f"tr[data-session-id='{sid}']").click()
    page.wait_for_selector("#recording-box:not([hidden])")
    finding = page.locator("#findings li", has_text="amount heard differently")
    expect(finding).to_contain_text("live 1200, re-heard 1500")
    still = page.locator("#recording-stills figure[data-event='identification']")
    expect(still).to_contain_text("Identification")
    page.wait_for_function("() => document.querySelector('#recording-stills img').naturalWidth > 0")

    # the player seeks: the audio element asks for a byte range and lands where it was sent
    page.evaluate("() => { const a = document.getElementById('recording-audio'); a.preload = 'auto'; a.load(); }")
    page.wait_for_function("() => document.getElementById('recording-audio').readyState >= 1")
    page.evaluate("() => { document.getElementById('recording-audio').currentTime = 4.0; }")
    page.wait_for_function("() => Math.abs(document.getElementById('recording-audio').currentTime - 4.0) < 0.3")
    assert [e for e in app.state.audit.list(limit=50, action="recording_play") if e.details.get("range")]
    saved = screenshot(page, "review")
    page.locator("#recording-box").screenshot(path=str(saved.with_name(saved.stem + "-recording.png")))
