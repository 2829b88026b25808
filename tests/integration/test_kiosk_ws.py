"""The kiosk WebSocket over ASGI with the real conversation, whisper-base, espeak-ng and mediapipe:
typed and spoken turns, speech with visemes, barge-in vs echo, vision, bad input, reconnection."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from avatar.config import AvatarOptions
from avatar.lipsync import VISEMES
from speech.audio import load_audio
from tests.integration.kiosk_app import kiosk_app
from tests.integration.kiosk_client import Kiosk, speech_audio
from tests.integration.vision_images import kiosk_frame, portrait_bgr

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(240)]
CLIPS = Path(__file__).parent / "test_asr_clips"
SILENCE = np.zeros(16000, dtype=np.float32)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with kiosk_app(tmp_path_factory.mktemp("kiosk-var"), avatar=AvatarOptions(left_after_s=1.5)) as test_client:
        yield test_client


@pytest.fixture
def kiosk(client: TestClient) -> Iterator[Kiosk]:
    k = Kiosk(client, client.app.state.demo_kiosk_token)
    k.send({"type": "hello", "language": "zh"})
    k.wait_for(lambda m: m["type"] == "session")
    yield k
    k.close()


def test_typed_turn_gets_a_reply_and_speech_with_visemes(kiosk: Kiosk) -> None:
    reply, speech = kiosk.speak_turn("我想查一下余额")
    assert reply["turn"]["reply"]["text"] and reply["turn"]["intent"]
    assert speech and [m["seq"] for m in speech] == list(range(len(speech)))
    for message in speech:
        assert message["mime"] == "audio/wav" and message["text"]
        audio = speech_audio(message)
        assert abs(audio.size / 16 - message["duration_ms"]) < 30 and np.abs(audio).max() > 0.05
        times = [cue["t"] for cue in message["visemes"]]
        assert times == sorted(times) and times[-1] <= message["duration_ms"]
        assert {cue["v"] for cue in message["visemes"]} <= set(VISEMES)
        assert len({cue["v"] for cue in message["visemes"]}) >= 3  # the mouth moves
    assert "".join(m["text"] for m in speech).replace("，", "")[:4] in reply["turn"]["reply"]["text"].replace("，", "")


def test_spoken_request_is_captioned_and_answered(kiosk: Kiosk) -> None:
    mark = kiosk.mark()
    kiosk.send({"type": "mic", "state": "open"})
    kiosk.stream(np.concatenate([SILENCE, load_audio(CLIPS / "zh_balance.wav"), SILENCE]), paced=False)
    final = kiosk.wait_for(lambda m: m["type"] == "asr" and m["final"], timeout=60, after=mark)
    assert "余额" in final["text"] and 0 < final["confidence"] <= 1
    reply = kiosk.wait_for(lambda m: m["type"] == "reply", after=mark)
    assert reply["turn"]["intent"] and reply["turn"]["reply"]["text"]
    kiosk.wait_for(lambda m: m["type"] == "speech" and m["reply_id"] == reply["reply_id"], after=mark)


def test_customer_speech_during_playback_barges_in_and_is_heard(kiosk: Kiosk) -> None:
    reply, _ = kiosk.speak_turn("营业时间是几点")
    rid = reply["reply_id"]
    kiosk.send({"type": "mic", "state": "open"})
    kiosk.stream(SILENCE[:8000])
    mark = kiosk.mark()
    kiosk.send({"type": "playback", "reply_id": rid, "state": "started", "position_ms": 0})
    clip = load_audio(CLIPS / "zh_card_loss.wav")
    onset = int(np.argmax(np.abs(clip) > 0.05)) / 16000
    started = kiosk.stream(np.concatenate([clip, SILENCE]))
    barge = kiosk.wait_for(lambda m: m["type"] == "barge_in", timeout=10, after=mark)
    assert barge["reply_id"] == rid
    latency = kiosk.time_of(barge) - (started + onset)
    assert latency < 0.6, f"barge-in {latency:.3f} s after speech began"  # target 0.3 s; loaded CI machine
    final = kiosk.wait_for(lambda m: m["type"] == "asr" and m["final"], timeout=60, after=mark)
    assert "挂失" in final["text"], final
    kiosk.wait_for(lambda m: m["type"] == "reply" and m["reply_id"] != rid, after=mark)


def test_the_avatars_own_voice_does_not_barge_in(kiosk: Kiosk) -> None:
    reply, speech = kiosk.speak_turn("营业时间是几点")
    rid = reply["reply_id"]
    played = np.concatenate([speech_audio(m) for m in speech])
    rng = np.random.default_rng(5)
    # what a microphone hears: the reply 120 ms later, quieter, with room noise
    echo = np.concatenate([np.zeros(1920, np.float32), 0.4 * played]) + rng.normal(0, 0.003, played.size + 1920)
    kiosk.send({"type": "mic", "state": "open"})
    mark = kiosk.mark()
    kiosk.send({"type": "playback", "reply_id": rid, "state": "started", "position_ms": 0})
    kiosk.stream(echo.astype(np.float32), paced=False)
    kiosk.send({"type": "playback", "reply_id": rid, "state": "ended"})
    kiosk.stream(SILENCE)
    kiosk.send({"type": "ping"})
    kiosk.wait_for(lambda m: m["type"] == "pong", after=mark)
    assert kiosk.of_type("barge_in", mark) == []
    assert [m for m in kiosk.of_type("asr", mark) if m["text"]] == []  # never heard as the customer
    # and the customer is still heard afterwards
    kiosk.stream(np.concatenate([load_audio(CLIPS / "zh_balance.wav"), SILENCE]), paced=False)
    final = kiosk.wait_for(lambda m: m["type"] == "asr" and m["final"] and m["text"], timeout=60, after=mark)
    assert "余额" in final["text"]


def jpeg_b64(image: np.ndarray) -> str:
    ok, data = cv2.imencode(".jpg", image)
    assert ok
    return base64.b64encode(data.tobytes()).decode()


def test_a_face_is_greeted_once_and_leaving_ends_the_session(client: TestClient) -> None:
    kiosk = Kiosk(client, client.app.state.demo_kiosk_token)
    try:
        face, empty = jpeg_b64(kiosk_frame(portrait_bgr())), jpeg_b64(np.full((480, 640, 3), 90, np.uint8))
        arrived = None
        for _ in range(240):  # the first frames also load mediapipe
            kiosk.send({"type": "frame", "jpeg": face, "width": 640, "height": 480})
            try:
                arrived = kiosk.wait_for(lambda m: m["type"] == "vision" and m["event"] == "arrived", timeout=0.25)
                break
            except AssertionError:
                continue
        assert arrived is not None and arrived["faces"] == 1
        session = kiosk.wait_for(lambda m: m["type"] == "session")
        greeting = kiosk.wait_for(lambda m: m["type"] == "reply")
        assert greeting["turn"]["intent"] == "greeting" and "欢迎" in greeting["turn"]["reply"]["text"]
        spoken = None
        for _ in range(240):  # the customer is still there while the greeting is synthesised
            kiosk.send({"type": "frame", "jpeg": face})
            try:
                spoken = kiosk.wait_for(
                    lambda m: m["type"] == "speech" and m["reply_id"] == greeting["reply_id"], timeout=0.25
                )
                break
            except AssertionError:
                continue
        assert spoken is not None and spoken["visemes"]
        assert kiosk.of_type("session_ended") == []
        mark = kiosk.mark()
        for _ in range(20):
            kiosk.send({"type": "frame", "jpeg": empty})
            try:
                kiosk.wait_for(lambda m: m["type"] == "session_ended", timeout=0.25, after=mark)
                break
            except AssertionError:
                continue
        ended = kiosk.wait_for(lambda m: m["type"] == "session_ended", timeout=5, after=mark)
        assert ended["reason"] == "customer_left"
        assert kiosk.wait_for(lambda m: m["type"] == "vision" and m["event"] == "left", after=mark)
        assert len([m for m in kiosk.of_type("reply") if m["turn"]["intent"] == "greeting"]) == 1
        headers = {"Authorization": f"Bearer {client.app.state.demo_kiosk_token}"}
        view = client.get(f"/api/v1/sessions/{session['session_id']}", headers=headers).json()
        assert view["status"] == "ended"
    finally:
        kiosk.close()


def test_malformed_input_is_answered_with_errors_and_the_socket_stays_usable(kiosk: Kiosk) -> None:
    mark = kiosk.mark()
    kiosk.ws.send_text("{not json")
    kiosk.ws.send_text('["a list"]')
    kiosk.send({"type": "teleport"})
    kiosk.send({"type": "text", "text": ""})
    kiosk.send({"type": "mic", "state": "sideways"})
    kiosk.send({"type": "event", "event": {"type": "self_destruct", "data": {}}})
    kiosk.send({"type": "frame", "jpeg": "%%% not base64 %%%"})
    kiosk.ws.send_bytes(b"\x01\x02\x03")  # odd length: not 16-bit PCM
    kiosk.ws.send_bytes(bytes(64_000))  # 2 s in one frame
    kiosk.send({"type": "ping"})
    kiosk.wait_for(lambda m: m["type"] == "pong", after=mark)
    codes = [m["code"] for m in kiosk.of_type("error", mark)]
    assert sorted(codes) == sorted(
        [
            "bad_json",
            "bad_message",
            "unknown_type",
            "invalid",
            "invalid",
            "invalid",
            "bad_frame",
            "bad_audio",
            "bad_audio",
        ]
    ), codes
    assert all(m["message"] for m in kiosk.of_type("error", mark))
    reply, _ = kiosk.speak_turn("你好")
    assert reply["turn"]["reply"]["text"]


def test_a_dropped_socket_resumes_the_same_session(client: TestClient) -> None:
    token = client.app.state.demo_kiosk_token
    first = Kiosk(client, token)
    first.send({"type": "hello"})
    session = first.wait_for(lambda m: m["type"] == "session")
    assert session["resumed"] is False and session["greeting"]["text"]
    reply, _ = first.speak_turn("我的银行卡丢了")
    journey = reply["turn"]["journey"]
    first.close()
    second = Kiosk(client, token)
    try:
        second.send({"type": "hello", "session_id": session["session_id"]})
        resumed = second.wait_for(lambda m: m["type"] == "session")
        assert resumed == {"type": "session", "session_id": session["session_id"], "resumed": True}
        again, _ = second.speak_turn("是的")
        assert journey is not None and again["turn"]["journey"]["name"] == journey["name"]
        second.send({"type": "hello", "session_id": "no-such-session"})
        fresh = second.wait_for(lambda m: m["type"] == "session" and m["session_id"] != session["session_id"])
        assert fresh["resumed"] is False
    finally:
        second.close()


def test_the_socket_needs_a_kiosk_token(client: TestClient) -> None:
    for url in ("/api/v1/kiosk/ws", "/api/v1/kiosk/ws?token=lbd_wrong"):
        with pytest.raises((WebSocketDisconnect, Exception)), client.websocket_connect(url) as ws:
            ws.receive_json()


def test_staff_messages_on_the_bus_reach_the_page(client: TestClient, kiosk: Kiosk) -> None:
    session = kiosk.wait_for(lambda m: m["type"] == "session")
    channel = f"session:{session['session_id']}"
    publish = client.app.state.events.publish
    assert client.portal is not None
    mark = kiosk.mark()
    client.portal.call(
        publish, channel, {"type": "expert_message", "text": "您好，我是远程专家。", "from": "王专家", "speak": True}
    )
    message = kiosk.wait_for(lambda m: m["type"] == "expert_message", after=mark)
    assert message["from"] == "王专家" and message["reply_id"]
    kiosk.wait_for(lambda m: m["type"] == "speech" and m["reply_id"] == message["reply_id"], after=mark)
    client.portal.call(publish, channel, {"type": "handoff", "status": "accepted", "expert": "王专家"})
    assert kiosk.wait_for(lambda m: m["type"] == "handoff", after=mark)["status"] == "accepted"
    client.portal.call(publish, channel, {"type": "session_ended", "reason": "expert_finished"})
    assert kiosk.wait_for(lambda m: m["type"] == "session_ended", after=mark)["reason"] == "expert_finished"
    reply, _ = kiosk.speak_turn("你好")  # the next interaction starts a new session
    new = kiosk.wait_for(lambda m: m["type"] == "session" and m["session_id"] != session["session_id"], after=mark)
    assert new["resumed"] is False and reply["turn"]["reply"]["text"]


def test_a_database_outage_tells_the_page_to_wait_and_the_visit_carries_on(
    client: TestClient, kiosk: Kiosk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A PostgreSQL restart must not look like a crash to the customer: the page is told to wait."""
    from sqlalchemy.exc import OperationalError

    def refused(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    monkeypatch.setattr(client.app.state.sessions, "get", refused)
    kiosk.send({"type": "text", "text": "我想查一下余额"})
    error = kiosk.wait_for(lambda m: m["type"] == "error")
    assert error["code"] == "unavailable" and error["retry_after_s"] > 0
    monkeypatch.undo()
    reply, _speech = kiosk.speak_turn("我想查一下余额")
    assert reply["turn"]["reply"]["text"]


@pytest.mark.parametrize(("language", "words"), [("zh", "您好"), ("en", "Hello")])
def test_a_new_visits_greeting_is_spoken_in_its_language(client: TestClient, language: str, words: str) -> None:
    k = Kiosk(client, client.app.state.demo_kiosk_token)
    try:
        k.send({"type": "hello", "language": language})
        session = k.wait_for(lambda m: m["type"] == "session")
        rid = session["reply_id"]
        k.wait_for(lambda m: m["type"] == "speech_end" and m["reply_id"] == rid, timeout=90)
        said = "".join(m["text"] for m in k.of_type("speech") if m["reply_id"] == rid)
        assert said and words in said and words in session["greeting"]["text"]
    finally:
        k.close()


def test_a_pin_from_the_pad_goes_to_the_bank_and_nowhere_else(client: TestClient, kiosk: Kiosk) -> None:
    """The page's PIN pad sends `pin_entered` as a device event: the journey checks it at the bank and goes on;
    nothing of it is said, shown, or relayed to staff watching the kiosk (the `kiosk:<id>:up` line)."""
    from tests.integration.journey_driver import camera_still

    pin = "270519"  # the sandbox cast's PIN of 张伟's account
    session = kiosk.wait_for(lambda m: m["type"] == "session")
    assert client.portal is not None
    up = client.portal.call(client.app.state.events.subscribe, f"kiosk:{session['session_id']}:up")

    def device(kind: str, data: dict) -> dict:
        mark = kiosk.mark()
        kiosk.send({"type": "event", "event": {"type": kind, "data": data}})
        return kiosk.wait_for(lambda m: m["type"] == "reply", after=mark)["turn"]

    mark = kiosk.mark()
    device("id_card_read", {"id_number": "110105198103150319"})
    for text in ("我要转账", "收款人李秀英", "1101050001002002", "示范银行", "三百元", "不用", "确认"):
        turn = kiosk.speak_turn(text)[0]["turn"]
    assert turn["journey"]["step"] == "verify", turn
    pad = device("face_captured", {"image": camera_still()})
    card = next(c for c in pad["reply"]["cards"] if c["type"] == "pin_pad")
    assert card["data"] == {"digits": 6, "account": "账户（尾号1001）"}
    done = device("pin_entered", {"pin": pin})
    assert done["journey"]["status"] == "completed", done
    kiosk.wait_for(lambda m: m["type"] == "speech_end", timeout=90, after=mark)
    relayed = []
    while (message := client.portal.call(up.get, 0.5)) is not None:
        relayed.append(message)
    client.portal.call(client.app.state.events.unsubscribe, up)
    assert relayed and pin not in str(relayed)  # staff see what the customer said, never the PIN
    assert pin not in str([m for _, m in kiosk.messages[mark:]])  # nor any reply, card or speech
