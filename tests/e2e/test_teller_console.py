"""The teller console in real Chromium: sign in, ask with citations and open a staff document, call the
next kiosk ticket and see that customer (masked) at the counter."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import LiveServer
from tests.e2e.staff_helpers import device_event, kiosk_token, new_session, say, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
ZHANG_WEI_ID = "110105198103150319"


def test_teller_asks_with_citations_and_calls_the_next_customer(live_server: LiveServer, browser: Any, screenshot):
    token = kiosk_token(live_server)
    sid = new_session(live_server, token)
    device_event(live_server, token, sid, "id_card_read", {"id_number": ZHANG_WEI_ID})
    reply = say(live_server, token, sid, "我要预约签到")
    number = re.search(r"取号([A-Z]\d{3})", reply["reply"]["text"])
    assert number, reply

    page = browser.new_context().new_page()
    sign_in(page, f"{live_server.url}/teller", "teller1")
    assert "柜员" in page.inner_text("#user-name")

    page.fill("#question", "老年客户补卡工本费怎么处理")
    page.click("#ask-submit")
    page.wait_for_selector("#citations .citation", timeout=30000)
    assert "工本费" in page.inner_text("#answer")
    page.click("#citations .citation .open-doc")
    page.wait_for_selector("#document:not([hidden])", timeout=10000)
    cited = page.get_attribute("#citations .citation", "data-doc")
    assert cited and cited in page.inner_text("#doc-meta")
    assert "工本费" in page.inner_text("#doc-text")  # the whole cited document, not only the snippet
    screenshot(page, "answer")

    page.wait_for_selector(f"#tickets li:has-text('{number.group(1)}')", timeout=15000)
    for _ in range(10):  # tickets other tests issued may be ahead of this one
        with page.expect_response("**/api/v1/teller/queue/next", timeout=30000) as called:
            page.click("#call-next")
        assert called.value.status == 200
        if called.value.json()["counter"]["ticket"] == number.group(1):
            page.wait_for_selector(f"#customer-title:has-text('{number.group(1)}')", timeout=15000)
            break
    assert number.group(1) in page.inner_text("#customer-title")
    profile = page.inner_text("#profile")
    assert "张伟" in profile and "C1001" in profile
    assert ZHANG_WEI_ID not in page.content() and "13911260451" not in page.content()
    screenshot(page, "customer")
