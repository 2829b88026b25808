"""The kiosk page's own behaviour in real Chromium, against a scripted WebSocket (kiosk_media.FakeKiosk).

The page is served alone (`kiosk_page.standalone_app`: no runtime, no models); the socket is answered in
the browser by Playwright, so each test controls exactly what the server says and sees exactly what the
page sends. The voice path against the real server is in test_kiosk_voice.py.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from avatar.browser import AUTOPLAY, FAKE_MEDIA_ARGS
from tests.e2e.kiosk_media import FakeKiosk, console_errors, speech_chunk, turn, utterances_wav

pytestmark = pytest.mark.e2e

CONFIRM_CARD = {
    "type": "confirmation",
    "title": "请核对转账信息",
    "data": {
        "fields": [
            {"label": {"zh": "收款人", "en": "Payee"}, "value": "李秀英"},
            {"label": {"zh": "金额", "en": "Amount"}, "value": {"zh": "500元", "en": "500 yuan"}},
        ],
        "disclosures": [],
    },
}
TICKET_CARD = {
    "type": "ticket",
    "title": "排队号",
    "data": {"number": "A012", "branch_id": "BJ001", "waiting_ahead": 3},
}
TRANSFER = {"name": "transfer", "step": "confirm", "status": "active"}
CITATION = {"doc_id": "transfer-fees", "title": "转账手续费", "snippet": ""}


@pytest.fixture(scope="module")
def page_url() -> Iterator[str]:
    """The kiosk page alone on a loopback port, with a demo device token in its meta."""
    import uvicorn

    from assistant.api.kiosk_page import standalone_app
    from assistant.config import Settings
    from tests.e2e.conftest import _free_port

    port = _free_port()
    app = standalone_app(Settings(env="development"), demo_token="test-device-token")
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the kiosk page server did not start")
        time.sleep(0.05)
    yield f"http://localhost:{port}/kiosk"
    server.should_exit = True
    thread.join(timeout=10)


def open_page(browser: Any, url: str, fake: FakeKiosk, **context: Any) -> tuple[Any, list[str]]:
    page = browser.new_context(viewport={"width": 1280, "height": 800}, **context).new_page()
    errors = console_errors(page)
    fake.attach(page)
    page.goto(url)
    fake.wait_for(lambda: fake.of_type("hello"))
    return page, errors


def transfer_reply(msg: dict[str, Any]) -> list[dict[str, Any]]:
    text = "请核对转账信息，确认请说确认。"
    t = turn(
        text, cards=[CONFIRM_CARD, TICKET_CARD], journey=TRANSFER, suggestions=["确认", "取消"], citations=[CITATION]
    )
    return [{"type": "reply", "reply_id": "R1", "turn": t}]


def speaking_reply(chunks: int, duration_s: float = 1.2) -> Callable[[dict[str, Any]], list[dict[str, Any]]]:
    def answer(msg: dict[str, Any]) -> list[dict[str, Any]]:
        out = transfer_reply(msg)
        out += [speech_chunk("R1", i, f"第{i + 1}句。", duration_s) for i in range(chunks)]
        return [*out, {"type": "speech_end", "reply_id": "R1"}]

    return answer


def playback_states(fake: FakeKiosk) -> list[str]:
    return [m["state"] for m in fake.of_type("playback")]


def test_page_loads_greets_consent_and_animates(launch_browser: Any, page_url: str, screenshot: Any) -> None:
    fake = FakeKiosk()
    page, errors = open_page(launch_browser([AUTOPLAY]), page_url, fake)
    hello = fake.of_type("hello")[0]
    assert hello["language"] == "zh" and "session_id" not in hello
    page.wait_for_selector("#consent:not([hidden])")
    frames = page.evaluate("window.lobbyMetrics.avatarFrames")
    page.wait_for_timeout(500)
    assert page.evaluate("window.lobbyMetrics.avatarFrames") > frames  # the avatar breathes and blinks
    assert page.locator("#connection").get_attribute("data-state") == "online"
    screenshot(page, "idle-consent")
    # Consent is an explicit act: nothing is ticked in advance.
    assert not page.is_checked("#consent-recording") and not page.is_checked("#consent-marketing")
    page.click("#consent-recording")
    page.click("#consent-marketing")
    page.click("#consent-accept")
    consent = fake.wait_for(lambda: [m for m in fake.of_type("event") if m["event"]["type"] == "consent"])
    assert consent[0]["event"]["data"] == {"recording": True, "marketing": True}
    assert page.locator("#consent").is_hidden()
    assert errors == []


def test_typing_and_touch_work_without_microphone_or_camera(
    launch_browser: Any, page_url: str, screenshot: Any
) -> None:
    fake = FakeKiosk(on_text=transfer_reply)
    page, errors = open_page(launch_browser([AUTOPLAY]), page_url, fake, permissions=[])
    page.fill("#text", "我要给李秀英转500元")
    page.press("#text", "Enter")
    assert fake.wait_for(lambda: fake.of_type("text"))[0]["text"] == "我要给李秀英转500元"
    page.wait_for_selector(".card-confirmation")
    assert page.locator("#sub-customer").inner_text() == "我要给李秀英转500元"
    assert "请核对转账信息" in page.locator("#sub-assistant").inner_text()
    assert page.locator(".journey-steps .step.current").inner_text().endswith("请核对转账信息")
    assert page.locator(".journey-steps .step.done").count() == 2  # identity and details are behind
    assert page.locator(".cite-label").inner_text() == "依据"  # labelled once
    assert page.locator(".cite").inner_text() == "《转账手续费》"
    screenshot(page, "confirmation")
    page.click(".card-confirmation .big.primary")
    touch = fake.wait_for(lambda: fake.of_type("touch"))[0]
    assert touch["text"] == "确认" and touch["value"] == "yes"
    assert page.locator(".suggestion").count() == 0  # 确认/取消 are the card's own buttons, not repeated
    page.click(".card-confirmation .big.danger")
    fake.wait_for(lambda: len(fake.of_type("touch")) == 2)
    # The microphone cannot open: the page says so and stays usable by typing.
    page.dispatch_event("#mic", "pointerdown")
    page.wait_for_selector("#mic:disabled")
    assert page.locator("#notice").is_visible()
    assert not fake.of_type("mic") and fake.binary_frames == 0
    assert page.evaluate("window.lobbyState.cameraAvailable") is False
    assert errors == []


def test_speech_plays_in_order_with_lip_sync(launch_browser: Any, page_url: str, screenshot: Any) -> None:
    fake = FakeKiosk(on_text=speaking_reply(chunks=2))
    page, errors = open_page(launch_browser([AUTOPLAY]), page_url, fake)
    page.evaluate(
        """() => { window.seenVisemes = new Set();
        new MutationObserver(() => window.seenVisemes.add(document.getElementById('avatar').dataset.viseme))
          .observe(document.getElementById('avatar'), {attributes: true, attributeFilter: ['data-viseme']}); }"""
    )
    page.fill("#text", "我要转账")
    page.click("#send")
    fake.wait_for(lambda: "started" in playback_states(fake))
    page.wait_for_timeout(400)
    screenshot(page, "speaking")
    fake.wait_for(lambda: "ended" in playback_states(fake), timeout_s=15)
    assert playback_states(fake) == ["started", "ended"]
    ended = fake.of_type("playback")[-1]
    assert ended["position_ms"] >= 2000  # both chunks were heard, one after the other
    assert page.locator("#sub-assistant").inner_text() == "第2句。"
    seen = set(page.evaluate("[...window.seenVisemes]"))
    assert {"A", "O", "E", "M"} <= seen and "rest" in seen
    lipsync = page.evaluate("window.lobbyMetrics.lipsync")
    assert lipsync["source"] == "visemes" and lipsync["samples"] >= 10
    assert lipsync["mean_ms"] <= 80, lipsync  # issue #7: mouth within 80 ms of the audio clock
    assert page.locator("#avatar").get_attribute("data-viseme") == "rest"
    assert errors == []


def test_server_barge_in_stops_playback(launch_browser: Any, page_url: str) -> None:
    fake = FakeKiosk(on_text=speaking_reply(chunks=3, duration_s=1.5))
    page, errors = open_page(launch_browser([AUTOPLAY]), page_url, fake)
    page.fill("#text", "我要转账")
    page.click("#send")
    fake.wait_for(lambda: "started" in playback_states(fake))
    page.wait_for_timeout(500)
    fake.push({"type": "barge_in", "reply_id": "R1"})
    fake.wait_for(lambda: "stopped" in playback_states(fake), timeout_s=2)
    stopped = fake.of_type("playback")[-1]
    assert 0 < stopped["position_ms"] < 4500
    assert page.evaluate("window.lobbyKiosk.player.playing") is False
    assert page.locator("#avatar").get_attribute("data-expression") == "listening"
    page.wait_for_timeout(500)
    assert playback_states(fake) == ["started", "stopped"]  # no "ended": the rest was never played
    assert errors == []


def test_customer_voice_during_playback_stops_it_and_streams_pcm(
    launch_browser: Any, page_url: str, tmp_path: Path
) -> None:
    """The page's own voice-activity check (mic-worklet.js) stops the avatar when the customer talks over it."""
    # The customer speaks every 4 s, so on a busy machine one utterance still falls inside the reply.
    parts: list[str | float] = [2.5]
    for _ in range(6):
        parts += ["zh_balance.wav", 1.5]
    wav = utterances_wav(tmp_path / "late-speech.wav", parts)
    fake = FakeKiosk(on_text=speaking_reply(chunks=4, duration_s=1.5))
    browser = launch_browser([*FAKE_MEDIA_ARGS, AUTOPLAY, f"--use-file-for-fake-audio-capture={wav}%noloop"])
    page, errors = open_page(browser, page_url, fake)
    page.click("#mic")  # a short tap: hands-free listening
    assert fake.wait_for(lambda: fake.of_type("mic"))[0]["state"] == "open"
    page.fill("#text", "我要转账")
    page.click("#send")
    fake.wait_for(lambda: "started" in playback_states(fake))
    fake.wait_for(lambda: "stopped" in playback_states(fake), timeout_s=8)
    assert page.evaluate("window.lobbyMetrics.bargeIn.local") == 1
    assert set(fake.binary_sizes) == {640}  # 20 ms of 16 kHz 16-bit mono per frame
    assert fake.binary_frames >= 50
    page.click("#mic")
    assert fake.wait_for(lambda: len(fake.of_type("mic")) == 2)
    assert fake.of_type("mic")[-1]["state"] == "closed"
    assert errors == []


def test_dropped_socket_reconnects_and_resumes(launch_browser: Any, page_url: str, screenshot: Any) -> None:
    fake = FakeKiosk(on_text=transfer_reply)
    page, errors = open_page(launch_browser([AUTOPLAY]), page_url, fake)
    page.wait_for_function("() => window.lobbyState.sessionId === 'S-1'")
    fake.drop()
    page.wait_for_selector('#connection[data-state="reconnecting"]')
    screenshot(page, "reconnecting")
    page.fill("#text", "我要转账")  # typed while offline: kept and sent once the session is back
    page.press("#text", "Enter")
    fake.wait_for(lambda: len(fake.of_type("hello")) == 2)
    assert fake.of_type("hello")[1]["session_id"] == "S-1"
    page.wait_for_function("() => window.lobbyState.resumed === 1")
    assert fake.wait_for(lambda: fake.of_type("text"))[0]["text"] == "我要转账"
    page.wait_for_selector(".card-confirmation")
    assert page.locator("#connection").get_attribute("data-state") == "online"
    assert fake.sessions == 1
    assert [e for e in errors if "WebSocket" not in e] == []


def test_vision_greets_once_follows_gaze_warns_and_clears(launch_browser: Any, page_url: str, screenshot: Any) -> None:
    fake = FakeKiosk(on_text=transfer_reply)
    page, errors = open_page(launch_browser([AUTOPLAY]), page_url, fake)
    page.click("#consent-accept")
    fake.push({"type": "vision", "event": "arrived"})
    page.wait_for_function("() => document.getElementById('avatar').dataset.expression === 'smile'")
    page.wait_for_function("() => document.getElementById('sub-assistant').textContent.includes('欢迎')")
    screenshot(page, "greeting")
    iris = "document.querySelector('.av-head g g').getAttribute('transform')"
    fake.push({"type": "vision", "event": "gaze", "yaw": 30, "pitch": 0})
    page.wait_for_function(f"() => parseFloat(({iris}).split('(')[1]) > 5")
    page.fill("#text", "我要转账")
    page.press("#text", "Enter")
    page.wait_for_selector(".card-confirmation")
    fake.push({"type": "vision", "event": "extra_face", "faces": 2})
    page.wait_for_selector("#privacy:not([hidden])")
    assert page.evaluate("document.body.classList.contains('privacy-shield')")
    blur = page.eval_on_selector(".card-confirmation", "el => getComputedStyle(el).filter")
    assert "blur" in blur
    screenshot(page, "privacy-warning")
    fake.push({"type": "vision", "event": "left"})
    page.wait_for_function("() => document.getElementById('cards').children.length === 0")
    assert page.locator("#sub-assistant").inner_text() == "" and page.locator("#privacy").is_hidden()
    fake.push({"type": "session_ended", "reason": "customer_left"})
    page.wait_for_function("() => window.lobbyState.sessionId === null")
    assert page.evaluate("() => sessionStorage.getItem('lobby-session')") is None  # nothing to resume
    assert errors == []


def test_qr_ticket_decodes(launch_browser: Any, page_url: str) -> None:
    fake = FakeKiosk(on_text=transfer_reply)
    page, errors = open_page(launch_browser([AUTOPLAY]), page_url, fake)
    page.fill("#text", "取号")
    page.press("#text", "Enter")
    canvas = page.wait_for_selector(".card-ticket canvas.qr")
    canvas.scroll_into_view_if_needed()
    png = canvas.screenshot()
    image = cv2.imdecode(np.frombuffer(png, dtype=np.uint8), cv2.IMREAD_COLOR)
    image = cv2.resize(image, None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST)
    decoded, _, _ = cv2.QRCodeDetector().detectAndDecode(image)
    assert decoded == "BJ001:A012"
    assert page.locator(".ticket-number").inner_text() == "A012"
    assert errors == []


def test_modes_language_and_device_panel(launch_browser: Any, page_url: str, screenshot: Any) -> None:
    receipt = {
        "type": "receipt",
        "title": "转账回单",
        "data": {"lines": ["转账回单 Transfer receipt", "金额 Amount: 500 CNY"]},
    }

    def answer(msg: dict[str, Any]) -> list[dict[str, Any]]:
        return [{"type": "reply", "reply_id": "R2", "turn": turn("回单已打印。", cards=[receipt])}]

    fake = FakeKiosk(on_text=answer)
    page, errors = open_page(launch_browser([AUTOPLAY]), page_url, fake)
    page.click("#consent-decline")
    assert fake.wait_for(lambda: fake.of_type("event"))[0]["event"]["data"] == {"recording": False, "marketing": False}
    page.click("#elderly-toggle")
    assert fake.wait_for(lambda: fake.of_type("settings"))[-1]["elderly"] is True
    assert page.evaluate("getComputedStyle(document.body).fontSize") == "27px"
    page.click("#contrast-toggle")
    fake.wait_for(lambda: fake.of_type("settings")[-1].get("high_contrast") is True)
    screenshot(page, "elderly-high-contrast")
    page.click("#lang-toggle")
    fake.wait_for(lambda: fake.of_type("settings")[-1]["language"] == "en")
    assert page.locator("#send").inner_text() == "Send"
    assert page.locator("#text").get_attribute("placeholder") == "What would you like to do today?"
    page.click("#devices-toggle")
    page.select_option("#device-customer", "li_xiuying")
    page.click("#device-id")
    read = fake.wait_for(lambda: [m for m in fake.of_type("event") if m["event"]["type"] == "id_card_read"])[0]
    assert read["event"]["data"]["id_number"] == "110105195405200429"
    page.click("#device-qr")
    scan = fake.wait_for(lambda: [m for m in fake.of_type("event") if m["event"]["type"] == "qr_scanned"])[0]
    assert scan["event"]["data"]["qr_token"] == "QR-LX-9C2D7A61"
    page.fill("#text", "print")
    page.press("#text", "Enter")
    page.wait_for_selector("#receipts .receipt-paper")
    assert "500 CNY" in page.locator("#receipts").inner_text()
    screenshot(page, "device-panel-receipt")
    assert errors == []


WORKLET_RUN = """async ({echo, level, seconds}) => {
  const rate = 48000;
  const ctx = new OfflineAudioContext(1, rate * seconds, rate);
  await ctx.audioWorklet.addModule('/kiosk/static/mic-worklet.js');
  // start state in the options: a posted message may arrive after the (fast) offline render began
  const node = new AudioWorkletNode(
    ctx, 'lobby-mic', {processorOptions: {targetRate: 16000, frameMs: 20, send: true, echo}});
  const seen = {frames: 0, bytes: new Set(), samples: 0, starts: 0};
  node.port.onmessage = (e) => {
    if (e.data.type === 'frame') {
      seen.frames += 1; seen.bytes.add(e.data.pcm.byteLength); seen.samples += e.data.pcm.byteLength / 2;
    }
    if (e.data.type === 'speech_start') { seen.starts += 1; seen.at = e.data.at_ms; }
  };
  const buffer = ctx.createBuffer(1, rate * seconds, rate);
  const data = buffer.getChannelData(0);
  for (let i = 0; i < data.length; i++) {
    const t = i / rate;  // 1 s of room noise, then a voiced 180 Hz sound with syllable rhythm
    const noise = (Math.random() * 2 - 1) * 0.001;
    data[i] = noise + (t > 1 ? level * Math.SQRT2 * Math.sin(2 * Math.PI * 180 * t) : 0);
  }
  const source = ctx.createBufferSource();
  source.buffer = buffer;
  source.connect(node).connect(ctx.destination);
  source.start();
  await ctx.startRendering();
  await new Promise((r) => setTimeout(r, 300));  // let the last port messages arrive
  return {frames: seen.frames, bytes: [...seen.bytes], samples: seen.samples, starts: seen.starts, at: seen.at};
}"""


def test_mic_worklet_resamples_to_16k_frames_and_gates_echo(launch_browser: Any, page_url: str) -> None:
    """mic-worklet.js in Chromium's audio engine (offline rendering): 48 kHz in, 20 ms PCM16 frames at
    16 kHz out; a voice at 0.05 RMS starts speech in a quiet room (confirmed after 60-80 ms of audio, well
    inside the 300 ms barge-in budget), but not while the avatar's own output is at 0.2 (the level of
    its echo is what the gate compares against)."""
    fake = FakeKiosk()
    page, errors = open_page(launch_browser([AUTOPLAY]), page_url, fake)
    quiet_room = page.evaluate(WORKLET_RUN, {"echo": 0.0, "level": 0.05, "seconds": 3})
    assert quiet_room["bytes"] == [640]
    assert abs(quiet_room["samples"] - 3 * 16000) <= 320  # all but the last partial frame
    assert quiet_room["starts"] == 1
    assert 1000 < quiet_room["at"] <= 1100  # speech confirmed within 100 ms of audio after its onset at 1 s
    during_playback = page.evaluate(WORKLET_RUN, {"echo": 0.2, "level": 0.05, "seconds": 3})
    assert during_playback["starts"] == 0
    louder_than_echo = page.evaluate(WORKLET_RUN, {"echo": 0.05, "level": 0.2, "seconds": 3})
    assert louder_than_echo["starts"] == 1
    assert errors == []


def test_mouth_follows_the_audio_envelope_without_viseme_timings(launch_browser: Any, page_url: str) -> None:
    def answer(msg: dict[str, Any]) -> list[dict[str, Any]]:
        chunk = {**speech_chunk("R3", 0, "没有口型时间的句子。", 1.5), "visemes": []}
        return [{"type": "reply", "reply_id": "R3", "turn": turn("没有口型时间的句子。")}, chunk]

    fake = FakeKiosk(on_text=answer)
    page, errors = open_page(launch_browser([AUTOPLAY]), page_url, fake)
    page.evaluate(
        """() => { window.seenVisemes = new Set();
        new MutationObserver(() => window.seenVisemes.add(document.getElementById('avatar').dataset.viseme))
          .observe(document.getElementById('avatar'), {attributes: true, attributeFilter: ['data-viseme']}); }"""
    )
    page.fill("#text", "你好")
    page.press("#text", "Enter")
    fake.wait_for(lambda: "started" in playback_states(fake))
    page.wait_for_function("() => window.seenVisemes.has('A')")  # the mouth opens with the loud parts
    assert page.evaluate("window.lobbyMetrics.lipsync.source") == "envelope"
    fake.push({"type": "speech_end", "reply_id": "R3"})
    fake.wait_for(lambda: "ended" in playback_states(fake))
    assert errors == []


def test_camera_sends_a_few_jpeg_frames_a_second_marked_while_sensitive(launch_browser: Any, page_url: str) -> None:
    fake = FakeKiosk(on_text=transfer_reply)
    page, errors = open_page(launch_browser([*FAKE_MEDIA_ARGS, AUTOPLAY]), page_url, fake)
    fake.wait_for(lambda: len(fake.of_type("frame")) >= 2)
    first = fake.of_type("frame")[0]
    image = cv2.imdecode(np.frombuffer(base64.b64decode(first["jpeg"]), dtype=np.uint8), cv2.IMREAD_COLOR)
    assert image is not None and image.shape[1] == first["width"] <= 640 and image.shape[0] == first["height"] <= 480
    assert "sensitive" not in first
    count, started = len(fake.of_type("frame")), time.monotonic()
    page.wait_for_timeout(3000)
    rate = (len(fake.of_type("frame")) - count) / (time.monotonic() - started)
    assert 1.5 <= rate <= 5.5, rate  # 3 fps asked; the contract allows 2-5
    page.fill("#text", "我要转账")
    page.press("#text", "Enter")
    page.wait_for_selector(".card-confirmation")
    fake.wait_for(lambda: fake.of_type("frame")[-1].get("sensitive") is True)  # payee and amount on screen
    assert errors == []


def test_face_card_sends_one_still_and_the_pin_pad_sends_the_pin_once_never_shown(
    launch_browser: Any, page_url: str, screenshot: Any
) -> None:
    import json

    verifying = {"name": "transfer", "step": "verify", "status": "active"}
    face_card = {"type": "face_capture", "title": "人脸识别", "data": {}}
    face = turn("为确认是您本人操作，请正对摄像头，进行人脸识别。", cards=[face_card], journey=verifying)
    fake = FakeKiosk(on_text=lambda _msg: [{"type": "reply", "reply_id": "R1", "turn": face}])
    page, errors = open_page(launch_browser([*FAKE_MEDIA_ARGS, AUTOPLAY]), page_url, fake)
    fake.wait_for(lambda: fake.of_type("frame"))  # the camera is on
    page.fill("#text", "确认")
    page.press("#text", "Enter")
    page.click(".card-face_capture .big.primary")
    sent = fake.wait_for(lambda: [m for m in fake.of_type("event") if m["event"]["type"] == "face_captured"])
    still = base64.b64decode(sent[0]["event"]["data"]["image"])
    image = cv2.imdecode(np.frombuffer(still, dtype=np.uint8), cv2.IMREAD_COLOR)
    assert image is not None and min(image.shape[:2]) >= 64  # a real camera still, as the bank needs
    pad_card = {"type": "pin_pad", "title": "请输入密码", "data": {"digits": 6, "account": "账户（尾号1001）"}}
    pad = turn("请在屏幕的密码键盘上输入账户（尾号1001）的取款密码。", cards=[pad_card], journey=verifying)
    fake.push({"type": "reply", "reply_id": "R2", "turn": pad})
    page.wait_for_selector(".card-pin_pad")
    assert page.locator(".card-pin_pad input").count() == 0  # nothing a browser could autofill or keep
    for digit in "27051":
        page.click(f".card-pin_pad .keypad button:text-is('{digit}')")
    assert page.locator(".card-pin_pad .key-ok").is_disabled()  # five of six digits
    page.click(".card-pin_pad .keypad button:text-is('9')")
    assert page.locator(".pin-dot.filled").count() == 6
    # dots only, never the digits (the demo device panel shows the sandbox cast's PIN as a hint, so look at the
    # cards, the subtitles and the conversation)
    assert all("270519" not in page.locator(p).inner_html() for p in ("#cards", "#history", "#sub-customer"))
    fake.wait_for(lambda: fake.of_type("frame")[-1].get("sensitive") is True)  # a PIN pad on screen
    screenshot(page, "pin-pad")
    page.click(".card-pin_pad .key-ok")
    entered = fake.wait_for(lambda: [m for m in fake.of_type("event") if m["event"]["type"] == "pin_entered"])
    assert [m["event"]["data"] for m in entered] == [{"pin": "270519"}]
    assert page.locator(".pin-dot.filled").count() == 0  # the pad forgets it at once
    others = [m for m in fake.received if not (m.get("type") == "event" and m["event"]["type"] == "pin_entered")]
    assert "270519" not in json.dumps(others)  # not in a touch, a text or a frame message
    assert "270519" not in page.locator("#history").inner_text()
    assert errors == []
