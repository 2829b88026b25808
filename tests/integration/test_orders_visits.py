"""Orders made by kiosk visits and seen where people look for them, with the whole app on the sandbox bank:
a card-loss visit whose card dispenser is out of service and whose printer is jammed ends with pickup codes
that are real orders, which the teller's console lists (customer masked), marks ready and hands over on the
customer's code, and which the customer's phone shows (their own only); a journey reserves a product and the
stock is back when the customer says no or walks away; the manager's overview counts the orders."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.journeys import JourneyEngine
from assistant.journeys.bank_adapter import ClientsBankPort
from assistant.nlu.slots import extract_slots
from integrations.sandbox import tables as t
from integrations.sandbox import tables_orders as o
from integrations.sandbox.state import SandboxState
from tests.integration.journey_driver import Driver
from tests.integration.manager_helpers import ZHANG_WEI_ID, kiosk, manager_app, new_session, staff
from tests.integration.mobile_helpers import LI_XIUYING, ZHANG_WEI, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    yield from manager_app(tmp_path_factory)


def sandbox(app: TestClient) -> SandboxState:
    state: SandboxState = app.app.state.bank.sandbox_app.state.sandbox  # type: ignore[attr-defined]
    return state


def set_device(app: TestClient, device_id: str, status: str) -> None:
    with sandbox(app).session() as s:
        device = s.get(t.Device, device_id)
        assert device is not None
        device.status = status


def stock(app: TestClient, product: str) -> int:
    with sandbox(app).session() as s:
        row = s.get(o.ProductStock, ("BJ001", product))
        assert row is not None
        return row.stock


def drive(app: TestClient, session_id: str, *steps: Any) -> Driver:
    """Run a visit's journey on the app's own bank clients (the manager's holds included), in the app's loop."""
    driver = Driver(JourneyEngine(ClientsBankPort(app.app.state.bank), extractor=extract_slots), session_id)  # type: ignore[attr-defined]

    async def go() -> None:
        for step in steps:
            if step[0] == "start":
                await driver.start(step[1], branch_id="BJ001")
            elif step[0] == "card":
                await driver.card(ZHANG_WEI_ID)
            else:
                await driver.send(step[1])

    assert app.portal is not None
    app.portal.call(go)
    return driver


def teller_orders(app: TestClient, **params: str) -> dict[str, dict[str, Any]]:
    listed = app.get("/api/v1/teller/orders", params=params, headers=staff(app, "teller1"))
    assert listed.status_code == 200, listed.text
    return {row["id"]: row for row in listed.json()["orders"]}


def test_a_card_loss_visit_with_failed_devices_makes_orders_the_teller_and_the_customer_see(app: TestClient):
    service = app.post(
        "/api/v1/manager/devices/DSP-BJ001-1/service", json={"in_service": False}, headers=staff(app, "manager1")
    )
    assert service.status_code == 200, service.text
    set_device(app, "PRN-BJ001-1", "jammed")
    try:
        driver = drive(
            app,
            new_session(app),
            ("start", "card_loss"),
            ("card",),
            ("send", "尾号1018的卡"),
            ("send", "确认"),
            ("send", "是"),
            ("send", "现场领取"),
            ("send", "确认"),
        )
    finally:
        app.post(
            "/api/v1/manager/devices/DSP-BJ001-1/service", json={"in_service": True}, headers=staff(app, "manager1")
        )
        set_device(app, "PRN-BJ001-1", "online")
    assert driver.status == "completed"
    card, receipt = driver.last.state["results"]["dispense"], driver.last.state["results"]["receipt"]
    assert card["status"] == receipt["status"] == "held" and card["order_id"] and receipt["order_id"]
    said = driver.last.text("zh")
    assert f"取件码 {card['pickup_code']}" in said and f"取件码 {receipt['pickup_code']}" in said
    pickups = {f["order_id"]: f for f in driver.last.state["follow_ups"] if f["action"] == "device_pickup"}
    assert set(pickups) == {card["order_id"], receipt["order_id"]}

    rows = teller_orders(app)
    new_card = rows[card["order_id"]]
    assert new_card["status"] == "reserved" and new_card["kind"] == "card" and new_card["name"] == "新卡"
    assert new_card["customer"] == "张*" and "customer_id" not in new_card and "pickup_code" not in new_card
    assert new_card["detail"]["card_id"] and rows[receipt["order_id"]]["kind"] == "document"
    assert new_card["last"]["by"] == "kiosk visit"

    phone = sign_in(app, ZHANG_WEI["phone"])
    mine = {o["id"]: o for o in app.get("/api/v1/mobile/status", headers=phone).json()["orders"]}
    assert mine[card["order_id"]]["status"] == "reserved"
    assert mine[card["order_id"]]["name"] == {"zh": "新卡", "en": "New card"}
    assert [s["status"] for s in mine[card["order_id"]]["steps"]] == ["reserved", "ready", "picked_up"]
    assert "pickup_code" not in str(mine)

    teller = staff(app, "teller1")
    ready = app.post(f"/api/v1/teller/orders/{card['order_id']}/ready", headers=teller)  # the branch printed it
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    wrong = "000000" if card["pickup_code"] != "000000" else "111111"
    refused = app.post(f"/api/v1/teller/orders/{card['order_id']}/pickup", json={"pickup_code": wrong}, headers=teller)
    assert refused.status_code == 409
    assert refused.json()["detail"]["code"] == "wrong_pickup_code" and refused.json()["detail"]["tries_left"] == 2
    handed = app.post(
        f"/api/v1/teller/orders/{card['order_id']}/pickup", json={"pickup_code": card["pickup_code"]}, headers=teller
    )
    assert handed.status_code == 200 and handed.json()["status"] == "picked_up"
    twice = app.post(f"/api/v1/teller/orders/{card['order_id']}/ready", headers=teller)
    assert twice.status_code == 409 and twice.json()["detail"]["code"] == "order_transition_invalid"

    mine = {o["id"]: o for o in app.get("/api/v1/mobile/status", headers=phone).json()["orders"]}
    assert mine[card["order_id"]]["status"] == "picked_up"
    assert all(s["at"] for s in mine[card["order_id"]]["steps"])
    other = {
        o["id"] for o in app.get("/api/v1/mobile/status", headers=sign_in(app, LI_XIUYING["phone"])).json()["orders"]
    }
    assert card["order_id"] not in other and "ord-seed-2" in other  # only their own orders
    assert "ord-seed-2" not in mine

    overview = app.get("/api/v1/manager/overview", headers=staff(app, "manager1")).json()
    assert overview["orders"]["counts"]["picked_up"] >= 1 and overview["counts"]["orders_open"] >= 2


def reserve_coin(app: TestClient, session_id: str, *then: Any) -> Driver:
    return drive(app, session_id, ("start", "product_reservation"), ("card",), ("send", "纪念币"), *then)


def test_a_reserved_product_goes_back_to_stock_when_the_customer_says_no(app: TestClient):
    before = stock(app, "coin_2026")
    driver = reserve_coin(app, new_session(app))
    held = driver.last.state["results"]["hold"]
    assert held["confirmed"] is False and stock(app, "coin_2026") == before - 1
    assert "暂时留出贺岁纪念币" in driver.last.text("zh")
    no = drive_more(app, driver, "取消")
    assert no.status == "cancelled" and stock(app, "coin_2026") == before
    assert teller_orders(app, state="cancelled")[held["order_id"]]["last"]["by"] == "journey cancelled"


def drive_more(app: TestClient, driver: Driver, text: str) -> Driver:
    async def go() -> None:
        await driver.send(text)

    assert app.portal is not None
    app.portal.call(go)
    return driver


def test_a_reserved_product_goes_back_when_the_visit_is_abandoned(app: TestClient):
    before = stock(app, "coin_2026")
    session_id = new_session(app)
    held = reserve_coin(app, session_id).last.state["results"]["hold"]
    assert stock(app, "coin_2026") == before - 1
    ended = app.post(f"/api/v1/sessions/{session_id}/end", headers=kiosk(app))  # the customer walked away
    assert ended.status_code == 200
    assert stock(app, "coin_2026") == before
    released = teller_orders(app, state="cancelled")[held["order_id"]]
    assert released["last"]["by"] == "visit ended" and released["last"]["note"] == "released: not confirmed"


def test_a_confirmed_reservation_is_kept_ready_with_a_code_and_survives_the_visit_end(app: TestClient):
    before = stock(app, "coin_2026")
    session_id = new_session(app)
    driver = reserve_coin(app, session_id, ("send", "确认"))
    assert driver.status == "completed"
    kept = driver.last.state["results"]["keep"]
    assert kept["status"] == "ready" and len(kept["pickup_code"]) == 6
    assert f"取件码 {kept['pickup_code']}" in driver.last.text("zh")
    assert app.post(f"/api/v1/sessions/{session_id}/end", headers=kiosk(app)).status_code == 200
    row = teller_orders(app)[kept["order_id"]]
    assert row["status"] == "ready" and row["confirmed"] and stock(app, "coin_2026") == before - 1
    handed = app.post(
        f"/api/v1/teller/orders/{kept['order_id']}/pickup",
        json={"pickup_code": kept["pickup_code"]},
        headers=staff(app, "teller1"),
    )
    assert handed.status_code == 200 and handed.json()["status"] == "picked_up"
