"""The after-visit analysis and the camera stills of a recording, through the kiosk WebSocket with real
audio (espeak-ng's English voice: whisper-base hears it reliably, unlike espeak's Mandarin) and the real
whisper-base model, SQLite store and audit chain.

How the live path is made to mishear, honestly: the live recognizer of the kiosk services is wrapped so
that its final transcript says 1200 where the audio says "fifteen hundred" (what a noisy lobby does to
whisper-base); the analysis uses its own recognizer on the stored recording, as in production, and must
find the difference and put it in the visit's compliance review.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from assistant.recording import codec
from speech.tts.audio import resample
from speech.tts.engine_espeak import EspeakEngine
from tests.conftest import TEST_AUTH, auth_headers
from tests.integration.kiosk_app import kiosk_app
from tests.integration.kiosk_client import Kiosk

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(420)]
SAID = "Please transfer fifteen hundred yuan to my mother."
SILENCE = np.zeros(16000, dtype=np.float32)
ZHANG_WEI_ID = "110105198103150319"
API = "/api/v1/supervisor/sessions/{}"


class Mishearing:
    """The live recognizer, except that its final transcripts say `heard` where the audio says `said`."""

    def __init__(self, real: Any, said: str, heard: str) -> None:
        self.real, self.said, self.heard = real, said, heard

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    async def atranscribe(self, audio: Any, **kwargs: Any) -> Any:
        result = await self.real.atranscribe(audio, **kwargs)
        return replace(result, text=result.text.replace(self.said, self.heard))


def english(text: str) -> np.ndarray:
    async def synth() -> np.ndarray:
        chunks = [c async for c in EspeakEngine().synthesize(text, lang="en", rate=0.9)]
        pcm = np.frombuffer(b"".join(c.pcm for c in chunks), dtype="<i2").astype(np.float32) / 32768
        return resample(pcm, chunks[0].sample_rate, 16000)

    return asyncio.run(synth())


def jpeg() -> str:
    import base64

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 120, 200)).save(buffer, "JPEG")
    return base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with kiosk_app(tmp_path_factory.mktemp("analysis-var"), auth=TEST_AUTH) as test_client:
        yield test_client


def start(kiosk: Kiosk, consent: bool) -> str:
    kiosk.send({"type": "hello", "language": "en"})
    sid = str(kiosk.wait_for(lambda m: m["type"] == "session")["session_id"])
    mark = kiosk.mark()
    kiosk.send({"type": "event", "event": {"type": "consent", "data": {"recording": consent, "marketing": False}}})
    thanks = kiosk.wait_for(lambda m: m["type"] == "reply" and m["turn"]["intent"] == "event:consent", after=mark)
    if thanks["turn"]["reply"]["text"]:
        rid = thanks["reply_id"]
        kiosk.wait_for(lambda m: m["type"] == "speech_end" and m["reply_id"] == rid, timeout=90, after=mark)
    return sid


def identify(kiosk: Kiosk) -> list[dict[str, Any]]:
    """An ID card read (identification): answers any still request with a camera picture."""
    mark = kiosk.mark()
    kiosk.send({"type": "event", "event": {"type": "id_card_read", "data": {"id_number": ZHANG_WEI_ID}}})
    reply = kiosk.wait_for(lambda m: m["type"] == "reply" and m["turn"]["intent"] == "event:id_card_read", after=mark)
    time.sleep(0.5)  # a still request follows the reply at once
    asked = kiosk.of_type("still_request", mark)
    for request in asked:
        kiosk.send({"type": "still", "request_id": request["request_id"], "jpeg": jpeg()})
    rid = reply["reply_id"]
    kiosk.wait_for(lambda m: m["type"] == "speech_end" and m["reply_id"] == rid, timeout=90, after=mark)
    return asked


def end(client: TestClient, sid: str) -> None:
    response = client.post(f"/api/v1/sessions/{sid}/end", headers=auth_headers(client, "kiosk"))
    assert response.status_code == 200, response.text


def wait_until(check: Any, timeout: float = 240.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def test_the_recording_is_heard_again_and_the_review_shows_the_amount_heard_differently(client: TestClient) -> None:
    services = client.app.state.kiosk  # type: ignore[attr-defined]
    real = services.recognizer
    services.recognizer = Mishearing(real, "1500", "1200")
    kiosk = Kiosk(client, client.app.state.demo_kiosk_token)  # type: ignore[attr-defined]
    try:
        sid = start(kiosk, consent=True)
        mark = kiosk.mark()
        kiosk.send({"type": "mic", "state": "open"})
        kiosk.stream(np.concatenate([SILENCE, english(SAID), SILENCE]), paced=False)
        final = kiosk.wait_for(lambda m: m["type"] == "asr" and m["final"], timeout=90, after=mark)
        assert "1200" in final["text"], final  # what the live path took
        reply = kiosk.wait_for(lambda m: m["type"] == "reply", after=mark)
        rid = reply["reply_id"]
        kiosk.wait_for(lambda m: m["type"] == "speech_end" and m["reply_id"] == rid, timeout=90, after=mark)
        kiosk.send({"type": "mic", "state": "closed"})
    finally:
        kiosk.close()
        services.recognizer = real
    end(client, sid)

    audit = client.app.state.audit  # type: ignore[attr-defined]

    def analysed() -> Any:
        return next((e for e in audit.list(limit=50, action="recording_analysis") if e.subject == sid), None)

    entry = wait_until(analysed)
    assert entry is not None, "the background analysis did not run"
    [turn] = [t for t in entry.details["turns"] if "1200" in t["live"]]
    assert "1500" in turn["reheard"] and not turn["agrees"]
    supervisor = auth_headers(client, "supervisor")

    def reviewed() -> Any:
        detail = client.get(API.format(sid), headers=supervisor).json()
        return [f for f in detail["findings"] if f["rule"] == "heard_amount_differs"]

    findings = wait_until(reviewed, timeout=30)
    assert findings, "the finding is not in the compliance review"
    assert findings[0]["detail"]["message"] == "amount heard differently: live 1200, re-heard 1500"
    assert findings[0]["severity"] == "high" and findings[0]["turn_seq"] == turn["seq"]

    # seeking: the player's Range requests
    url = API.format(sid) + "/recording"
    whole = client.get(url, headers=supervisor)
    size = len(whole.content)
    assert whole.status_code == 200 and whole.headers["accept-ranges"] == "bytes"
    part = client.get(url, headers={**supervisor, "Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == whole.content[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{size}"
    tail = client.get(url, headers={**supervisor, "Range": "bytes=-50"})
    assert tail.status_code == 206 and tail.content == whole.content[-50:]
    beyond = client.get(url, headers={**supervisor, "Range": f"bytes={size}-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{size}"
    assert audit.list(limit=1, action="recording_play")[0].details["range"] == f"bytes={size}-"


def test_stills_are_kept_with_their_hash_and_shown_to_supervisors_only(client: TestClient) -> None:
    kiosk = Kiosk(client, client.app.state.demo_kiosk_token)  # type: ignore[attr-defined]
    try:
        sid = start(kiosk, consent=True)
        asked = identify(kiosk)
    finally:
        kiosk.close()
    assert [a["event"] for a in asked] == ["identification"]
    supervisor = auth_headers(client, "supervisor")
    listed = wait_until(lambda: client.get(API.format(sid) + "/stills", headers=supervisor).status_code == 200, 60)
    assert listed
    [still] = client.get(API.format(sid) + "/stills", headers=supervisor).json()["stills"]
    assert still["event"] == "identification" and still["offset_s"] > 0
    transcript = client.get(API.format(sid), headers=supervisor).json()["transcript"]
    assert still["seq"] == next(t["seq"] for t in transcript if t["intent"] == "event:id_card_read")
    picture = client.get(still["url"], headers=supervisor)
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/jpeg"
    assert picture.content.startswith(b"\xff\xd8") and codec.sha256(picture.content) == still["sha256"]
    audit = client.app.state.audit  # type: ignore[attr-defined]
    [stored] = [e for e in audit.list(limit=50, action="recording_still") if e.subject == sid]
    assert stored.details["sha256"] == still["sha256"] and stored.details["event"] == "identification"
    viewed = audit.list(limit=1, action="recording_still_view")[0]
    assert viewed.subject == sid and viewed.role == "supervisor" and viewed.details["sha256"] == still["sha256"]
    for role in ("teller", "kiosk"):
        assert client.get(still["url"], headers=auth_headers(client, role)).status_code == 403, role
        assert client.get(API.format(sid) + "/stills", headers=auth_headers(client, role)).status_code == 403
    assert audit.verify().ok


def test_refused_consent_leaves_no_recording_no_analysis_no_stills(client: TestClient) -> None:
    kiosk = Kiosk(client, client.app.state.demo_kiosk_token)  # type: ignore[attr-defined]
    try:
        sid = start(kiosk, consent=False)
        asked = identify(kiosk)
    finally:
        kiosk.close()
    end(client, sid)
    assert asked == []  # nothing asked of the camera without consent
    supervisor = auth_headers(client, "supervisor")
    assert client.get(API.format(sid) + "/recording", headers=supervisor).status_code == 404
    assert client.get(API.format(sid) + "/stills", headers=supervisor).status_code == 404
    audit = client.app.state.audit  # type: ignore[attr-defined]
    for action in ("recording_store", "recording_still", "recording_analysis"):
        assert not [e for e in audit.list(limit=100, action=action) if e.subject == sid], action
    findings = client.get(API.format(sid), headers=supervisor).json()["findings"]
    [said] = [f for f in findings if f["rule"] == "no_recording"]
    assert said["severity"] == "info" and "did not consent" in said["detail"]["message"]
