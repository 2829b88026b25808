"""Recording through the kiosk WebSocket with real audio (a recorded customer clip, whisper-base,
espeak-ng): a consented visit leaves a playable Opus recording whose per-turn segments hold that turn's
audio; a refused consent leaves nothing; playback is audited and refused to tellers, experts and kiosks."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from assistant.recording import codec
from speech.audio import load_audio
from tests.conftest import TEST_AUTH, auth_headers
from tests.integration.kiosk_app import kiosk_app
from tests.integration.kiosk_client import Kiosk

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(300)]
CLIP = Path(__file__).parent / "test_asr_clips" / "zh_balance.wav"
SILENCE = np.zeros(16000, dtype=np.float32)
URL = "/api/v1/supervisor/sessions/{}/recording"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with kiosk_app(tmp_path_factory.mktemp("recording-var"), auth=TEST_AUTH) as test_client:
        yield test_client


def visit(client: TestClient, consent: bool) -> tuple[str, dict[str, Any]]:
    """Consent (given or refused), a spoken request (mic audio), its answer spoken; the socket closes.
    Returns the session id and the spoken reply message."""
    kiosk = Kiosk(client, client.app.state.demo_kiosk_token)  # type: ignore[attr-defined]
    try:
        kiosk.send({"type": "hello", "language": "zh"})
        sid = kiosk.wait_for(lambda m: m["type"] == "session")["session_id"]
        mark = kiosk.mark()
        kiosk.send({"type": "event", "event": {"type": "consent", "data": {"recording": consent, "marketing": False}}})
        thanks = kiosk.wait_for(lambda m: m["type"] == "reply" and m["turn"]["intent"] == "event:consent", after=mark)
        if thanks["turn"]["reply"]["text"]:  # the customer lets the avatar finish (barge-in is tested elsewhere)
            rid = thanks["reply_id"]
            kiosk.wait_for(lambda m: m["type"] == "speech_end" and m["reply_id"] == rid, timeout=90, after=mark)
        mark = kiosk.mark()
        kiosk.send({"type": "mic", "state": "open"})
        kiosk.stream(np.concatenate([SILENCE, load_audio(CLIP), SILENCE]), paced=False)
        final = kiosk.wait_for(lambda m: m["type"] == "asr" and m["final"], timeout=60, after=mark)
        assert "余额" in final["text"]
        reply = kiosk.wait_for(lambda m: m["type"] == "reply", after=mark)
        rid = reply["reply_id"]
        kiosk.wait_for(lambda m: m["type"] == "speech_end" and m["reply_id"] == rid, timeout=90, after=mark)
        reply["speech"] = [m for m in kiosk.of_type("speech", mark) if m["reply_id"] == rid]
        kiosk.send({"type": "mic", "state": "closed"})
    finally:
        kiosk.close()
    return sid, reply


def wait_for_recording(client: TestClient, sid: str, headers: dict[str, str]) -> Any:
    """The recording is stored when the socket's connection winds down (server side): poll for it."""
    deadline = time.monotonic() + 60
    while True:
        response = client.get(URL.format(sid), headers=headers)
        if response.status_code != 404 or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


def envelope(samples: np.ndarray) -> np.ndarray:
    frames = samples[: samples.size // 320 * 320].reshape(-1, 320)
    return np.sqrt((frames.astype(np.float64) ** 2).mean(axis=1))


def test_consented_visit_is_recorded_and_refused_consent_leaves_nothing(client: TestClient) -> None:
    refused_sid, _ = visit(client, consent=False)
    sid, reply = visit(client, consent=True)
    supervisor = auth_headers(client, "supervisor")

    response = wait_for_recording(client, sid, supervisor)
    assert response.status_code == 200 and response.headers["content-type"] == "audio/ogg"
    data = response.content
    assert response.headers["x-recording-sha256"] == codec.sha256(data)
    samples, rate = codec.decode(data)  # playable: a valid Ogg/Opus stream, stereo at 16 kHz
    assert rate == 16000 and samples.shape[1] == 2
    duration = samples.shape[0] / rate
    clip = load_audio(CLIP)

    body = client.get(URL.format(sid) + "/segments", headers=supervisor).json()
    transcript = client.get(f"/api/v1/supervisor/sessions/{sid}", headers=supervisor).json()["transcript"]
    spoken_turn = next(t for t in transcript if t["source"] == "speech")
    answer_turn = next(t for t in transcript if t["seq"] > spoken_turn["seq"] and t["speaker"] == "assistant")
    by_seq = {s["seq"]: s for s in body["segments"]}
    customer, avatar = by_seq[spoken_turn["seq"]], by_seq[answer_turn["seq"]]
    assert customer["channel"] == "customer" and customer["text"] == spoken_turn["text"]
    assert avatar["channel"] == "avatar" and avatar["text"] == answer_turn["text"]
    assert body["parts"][0]["duration_s"] == pytest.approx(duration, abs=0.05)

    # the customer's segment is the clip: as long (VAD margins aside), and loud inside, quiet around it
    start, end = int(customer["start_s"] * rate), int(customer["end_s"] * rate)
    assert abs((end - start) - clip.size) < 0.8 * rate
    loud = envelope(samples[start:end, 0])
    assert loud.max() > 0.05 and envelope(samples[:start, 0]).max() < 0.01
    assert np.corrcoef(envelope(samples[start : start + clip.size, 0]), envelope(clip))[0, 1] > 0.5 or (
        _best_lag_correlation(samples[:, 0], clip, start) > 0.8
    )
    # what the segment holds is what the customer said: recognised again, it says the same
    recognizer = client.app.state.kiosk.recognizer  # type: ignore[attr-defined]
    again = recognizer.transcribe(samples[start:end, 0].copy(), language="zh", sample_rate=rate)
    assert "余额" in again.text

    # the answer's segment holds the avatar's voice for as long as its sentences lasted
    a_start, a_end = int(avatar["start_s"] * rate), int(avatar["end_s"] * rate)
    spoken_ms = sum(m["duration_ms"] for m in reply["speech"])
    assert abs((a_end - a_start) / rate * 1000 - spoken_ms) < 100
    assert envelope(samples[a_start:a_end, 1]).max() > 0.05 and a_end <= samples.shape[0] + 0.01 * rate
    assert a_start >= end - int(0.1 * rate)  # answered after the customer spoke

    # the hash is in the audit chain, and the playback was audited
    audit = client.app.state.audit  # type: ignore[attr-defined]
    stored = [e for e in audit.list(limit=50, action="recording_store") if e.subject == sid]
    assert len(stored) == 1 and stored[0].details["sha256"] == codec.sha256(data)
    played = audit.list(limit=1, action="recording_play")[0]
    assert played.subject == sid and played.role == "supervisor" and played.details["sha256"] == codec.sha256(data)
    assert audit.verify().ok

    # refused consent: nothing stored, nothing in the chain
    assert client.get(URL.format(refused_sid), headers=supervisor).status_code == 404
    assert client.get(URL.format(refused_sid) + "/segments", headers=supervisor).status_code == 404
    assert not [e for e in audit.list(limit=50, action="recording_store") if e.subject == refused_sid]

    # downloads are audited as such; only supervisors (and admins) may listen
    download = client.get(URL.format(sid), params={"download": True}, headers=supervisor)
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    assert audit.list(limit=1, action="recording_download")[0].subject == sid
    for role in ("teller", "expert", "kiosk"):
        headers = auth_headers(client, role)
        assert client.get(URL.format(sid), headers=headers).status_code == 403, role
        assert client.get(URL.format(sid) + "/segments", headers=headers).status_code == 403, role
    assert client.get(URL.format(sid)).status_code == 401
    assert client.get(URL.format(sid), headers=auth_headers(client, "admin")).status_code == 200


def _best_lag_correlation(track: np.ndarray, clip: np.ndarray, start: int) -> float:
    """The clip's envelope against the track's around `start` (the VAD may start a little early or late)."""
    target = envelope(clip)
    best = -1.0
    for lag in range(-16000, 16001, 320):
        at = start + lag
        if at < 0 or at + clip.size > track.size:
            continue
        best = max(best, float(np.corrcoef(envelope(track[at : at + clip.size]), target)[0, 1]))
    return best


def test_an_altered_recording_is_refused_and_the_refusal_audited(client: TestClient) -> None:
    import uuid

    from assistant.recording.service import audio_key
    from tests.integration.test_recording_store import TURNS, speech_capture

    recordings = client.app.state.recordings  # type: ignore[attr-defined]
    sid = str(uuid.uuid4())
    recordings.store_capture(speech_capture(sid), TURNS)
    supervisor = auth_headers(client, "supervisor")
    assert client.get(URL.format(sid), headers=supervisor).status_code == 200
    data = bytearray(recordings.store.get(audio_key(sid, 1)))
    data[len(data) // 2] ^= 0x55
    recordings.store.put(audio_key(sid, 1), bytes(data), "audio/ogg")
    refused = client.get(URL.format(sid), headers=supervisor)
    assert refused.status_code == 409 and refused.content != bytes(data)
    entry = client.app.state.audit.list(limit=1, action="recording_tampered")[0]  # type: ignore[attr-defined]
    assert entry.subject == sid and entry.role == "supervisor"
