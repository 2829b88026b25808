"""The remote expert console in real Chromium: sign in, see the kiosk customer's handoff, accept it, talk
to the customer (the message appears on the kiosk page), then approve a large transfer's authorisation
and see the kiosk's journey continue (session API)."""

from __future__ import annotations

import time
from functools import partial
from typing import Any

import pytest

from tests.e2e.conftest import LiveServer
from tests.e2e.staff_helpers import call, device_event, kiosk_token, new_session, say, sign_in, top_up
from tests.integration.journey_driver import answer_verification

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
ZHANG_WEI_ID = "110105198103150319"
ZHANG_WEI_PIN = "270519"  # the sandbox cast's PIN of his account A1001
LI_XIUYING_ACCOUNT = "1101050001002002"


def open_kiosk(browser: Any, url: str) -> Any:
    page = browser.new_context().new_page()
    page.goto(f"{url}/kiosk")
    page.wait_for_selector("#connection[data-state='open'], #consent:not([hidden])", timeout=30000)
    if page.is_visible("#consent-accept"):
        page.click("#consent-accept")
    return page


def test_expert_accepts_a_handoff_and_the_message_reaches_the_kiosk(live_server: LiveServer, browser: Any, screenshot):
    kiosk = open_kiosk(browser, live_server.url)
    kiosk.fill("#text", "我要找人工客服")
    kiosk.click("#send")
    kiosk.wait_for_selector("#sub-assistant:not(:empty)", timeout=30000)

    expert = browser.new_context().new_page()
    sign_in(expert, f"{live_server.url}/expert", "expert1")
    expert.wait_for_selector("#queue li.handoff:has-text('requested') .accept", timeout=20000)
    expert.click("#queue li.handoff:has-text('requested') .accept")
    expert.wait_for_selector("#chat:not([hidden])", timeout=15000)
    assert "accepted" in expert.inner_text("#ctx-title")
    assert "我要找人工客服" in expert.inner_text("#transcript")
    kiosk.wait_for_function(
        "() => document.body.innerText.includes('张敏')", timeout=15000
    )  # the kiosk is told who took it over
    expert.fill("#chat-text", "您好，我是远程专家张敏，请稍等")
    expert.click("#chat-send")
    # a person wrote it: shown under their name in the conversation, not as the digital human's subtitle
    kiosk.wait_for_selector("#history .turn-expert:has-text('我是远程专家张敏')", timeout=15000)
    assert "张敏" in kiosk.inner_text("#history .turn-expert .turn-who")
    assert "我是远程专家张敏" not in kiosk.inner_text("#sub-assistant")
    assert "人工专家已接入" in kiosk.inner_text("#expert-tile")
    screenshot(expert, "accepted")
    screenshot(kiosk, "kiosk-message")
    expert.click("#finish")
    expert.wait_for_selector("#ctx-title:has-text('finished')", timeout=15000)
    assert expert.is_hidden("#chat")


def test_expert_approves_an_authorisation_and_the_journey_continues(live_server: LiveServer, browser: Any, screenshot):
    token = kiosk_token(live_server)
    top_up(live_server, "A1001", 500_000)
    sid = new_session(live_server, token)
    device_event(live_server, token, sid, "id_card_read", {"id_number": ZHANG_WEI_ID})
    for text in ("我要转账", "收款人李秀英", LI_XIUYING_ACCOUNT, "示范银行", "六万元", "不用"):
        turn = say(live_server, token, sid, text)
    for _ in range(3):
        if turn["journey"]["status"] == "waiting_authorization":
            break
        turn = say(live_server, token, sid, "确认" if turn["journey"]["step"] == "confirm" else "是的，继续")
        turn = answer_verification(partial(device_event, live_server, token, sid), turn, ZHANG_WEI_PIN)
    assert turn["journey"]["status"] == "waiting_authorization", turn

    expert = browser.new_context().new_page()
    sign_in(expert, f"{live_server.url}/expert", "expert1")
    item = "#queue li.handoff:has-text('authorization')"
    expert.wait_for_selector(f"{item} .accept", timeout=20000)
    expert.click(f"{item} .accept")
    expert.wait_for_selector("#authorization:not([hidden])", timeout=15000)
    assert "张伟" in expert.inner_text("#profile")
    assert ZHANG_WEI_ID not in expert.content()
    expert.fill("#auth-note", "已视频核实本人")
    expert.click("#approve")
    expert.wait_for_selector("#auth-result:has-text('已批准')", timeout=20000)
    screenshot(expert, "approved")
    deadline = time.monotonic() + 10
    view = call(live_server, "GET", f"/api/v1/sessions/{sid}", token)
    while view["journey"]["status"] != "completed" and time.monotonic() < deadline:
        time.sleep(0.5)
        view = call(live_server, "GET", f"/api/v1/sessions/{sid}", token)
    assert view["journey"]["status"] == "completed"
    assert any(t["speaker"] == "staff" and "approved" in t["text"] for t in view["transcript"])
