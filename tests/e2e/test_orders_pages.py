"""Order tracking in real Chromium against a real `lobby serve`: the teller's order list at the counter PC's sizes
(1600x1000 and 1280x800: state, due time, masked customer; mark ready, a wrong pickup code refused with the
tries left, the right one hands over), and the customer's phone (375x812) showing where each of their orders
is, in Chinese and English. Orders are made in the server's sandbox bank by the bank's own order code (the
journeys that make them are proven in tests/integration/test_orders_visits.py).
Screenshots: test-artifacts/e2e/test_<name>-<step>.png."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from integrations import schemas_orders as api
from integrations.sandbox import orders
from integrations.sandbox import tables_orders as o
from integrations.sandbox.routes_sms import let_time_pass
from integrations.sandbox.state import SandboxState
from tests.e2e.conftest import LiveServer
from tests.e2e.staff_helpers import sign_in
from tests.e2e.test_mobile_page import MOBILE_UA, PHONE, texted_code
from tests.integration.mobile_helpers import ZHANG_WEI

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
COUNTER_PCS = ({"width": 1600, "height": 1000}, {"width": 1280, "height": 800})


def make_orders(server: LiveServer) -> dict[str, tuple[str, str]]:
    """Zhang Wei's new card (held when the dispenser failed), a held receipt and a gold bar: kind -> (id, code)."""
    state = SandboxState(server.var_dir / "sandbox.db")
    made: dict[str, tuple[str, str]] = {}
    try:
        with state.session() as s:
            for kind, item in (("card", None), ("document", None), ("product", "gold_bar_20g")):
                request = api.OrderRequest(
                    customer_id=ZHANG_WEI["customer_id"], kind=kind, item=item, by="kiosk visit", session_id="e2e"
                )
                order, code = orders.create(s, request)
                made[kind] = (order.id, code)
            document = s.get(o.Order, made["document"][0])
            assert document is not None
            orders.move(s, document, "ready", "teller2")
        with state.session() as s:  # the phone test before this one asked for his code a moment ago
            let_time_pass(s, dt.timedelta(hours=1), ZHANG_WEI["phone"])
    finally:
        state.dispose()
    return made


def test_the_teller_sees_marks_ready_and_hands_over_orders(live_server: LiveServer, browser: Any, screenshot):
    made = make_orders(live_server)
    card_id, card_code = made["card"]
    page = browser.new_context(viewport=COUNTER_PCS[0], locale="zh-CN").new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, f"{live_server.url}/teller", "teller1")
    row = page.locator(f"#orders-body tr[data-order='{card_id}']")
    row.wait_for(timeout=15000)
    assert "新卡" in row.inner_text() and "准备中" in row.inner_text() and "张*" in row.inner_text()
    assert "张伟" not in page.inner_text("#orders") and card_code not in page.inner_text("#orders")
    assert "待办" in page.inner_text("#orders-count")
    screenshot(page, "1-orders-1600")

    row.locator("button.mark-ready").click()  # the branch printed the card
    page.wait_for_selector(f"#orders-body tr[data-order='{card_id}'] .state-ready", timeout=10000)
    wrong = "000000" if card_code != "000000" else "111111"
    row.locator("input.pickup-code").fill(wrong)
    row.locator(".handover button").click()
    page.wait_for_selector(f"#orders-body tr[data-order='{card_id}'] .order-note:has-text('还可尝试 2 次')")
    screenshot(page, "2-wrong-code")

    row.locator("input.pickup-code").fill(card_code)
    row.locator(".handover button").click()
    page.wait_for_selector("#orders-flash:has-text('已交付')", timeout=10000)
    assert page.locator(f"#orders-body tr[data-order='{card_id}']").count() == 0  # closed: off the open list
    page.check("#orders-closed")
    page.wait_for_selector(f"#orders-body tr[data-order='{card_id}'] .state-picked_up", timeout=10000)

    page.set_viewport_size(COUNTER_PCS[1])
    page.uncheck("#orders-closed")
    page.wait_for_selector(f"#orders-body tr[data-order='{card_id}']", state="detached", timeout=10000)
    page.wait_for_selector(f"#orders-body tr[data-order='{made['document'][0]}']")
    screenshot(page, "3-orders-1280")
    table = page.locator("table.orders").bounding_box()
    card = page.locator("#orders").bounding_box()
    assert table is not None and card is not None and table["width"] <= card["width"]  # no sideways overflow
    assert not errors, errors


def test_the_customer_sees_where_each_order_is_on_the_phone(live_server: LiveServer, launch_browser: Any, screenshot):
    made = make_orders(live_server)
    context = launch_browser().new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, user_agent=MOBILE_UA, locale="zh-CN"
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/m")
    page.fill("#phone", ZHANG_WEI["phone"])
    page.tap("#send-code")
    page.wait_for_selector("#signin-note:not([hidden])")
    page.fill("#code", texted_code(live_server, ZHANG_WEI["phone"]))
    page.tap("#sign-in")
    page.wait_for_selector("#view-home:not([hidden])")

    card = page.locator(f"#orders article[data-order='{made['card'][0]}']")
    card.wait_for(timeout=15000)
    assert "新卡" in card.inner_text() and "准备中" in card.inner_text() and "请于" in card.inner_text()
    held = page.locator(f"#orders article[data-order='{made['document'][0]}']")
    assert "可领取" in held.inner_text() and held.locator(".step.done").count() == 2
    assert "取件码" in held.inner_text() and made["document"][1] not in page.inner_text("#orders")
    assert page.locator("#orders article[data-order='ord-seed-2']").count() == 0  # Li Xiuying's, not his
    page.locator("#orders").scroll_into_view_if_needed()
    screenshot(page, "1-orders-zh")

    page.tap("#lang")
    page.wait_for_selector("#orders article .chip:has-text('Ready to collect')")
    assert "New card" in card.inner_text() and "Collect by" in card.inner_text()
    screenshot(page, "2-orders-en")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "nothing runs off the phone's screen sideways"
