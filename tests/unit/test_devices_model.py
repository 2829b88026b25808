"""The pure parts of the MQTT device path: the topic scheme, the device state machine the simulator runs,
the legacy status mapping, the live picture, and the delivery policy's pickup codes."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.journeys.spec import DeliverStep
from assistant.journeys.steps.delivery import candidates, pickup_code, policy
from integrations.devices import topics
from integrations.devices.behaviour import DeviceModel
from integrations.devices.broker import acl_text, fleet_accounts, password_line
from integrations.devices.kinds import catalogue
from integrations.devices.messages import DeviceStatus, Telemetry
from integrations.devices.picture import DevicePicture

pytestmark = pytest.mark.unit


def test_topics_name_one_branch_and_device_and_reject_wildcards() -> None:
    name = topics.topic("BJ001", "PRN-BJ001-1", "cmd")
    assert name == "lobby/v1/BJ001/PRN-BJ001-1/cmd"
    assert topics.parse(name) == topics.Address("BJ001", "PRN-BJ001-1", "cmd")
    assert topics.branch_filter(None, "status") == "lobby/v1/+/+/status"
    for bad in ("PRN/1", "+", "#", "$SYS", ""):
        with pytest.raises(ValueError):
            topics.topic("BJ001", bad, "status")
    assert topics.parse("lobby/v1/BJ001/PRN-1/other") is None and topics.parse("elsewhere/x") is None
    assert topics.QOS["cmd"] == topics.QOS["ack"] == topics.QOS["status"] == 1 and topics.RETAINED["status"]


def test_a_printer_runs_low_then_out_of_paper_and_a_jam_holds_until_cleared() -> None:
    printer = DeviceModel("PRN-BJ001-1", "BJ001", "receipt_printer", paper=22)
    assert printer.execute("print_receipt", {"lines": ["a", "b"]}) == (
        "completed",
        {"printed_lines": 2, "paper_left": 21},
    )
    printer.execute("print_receipt", {})
    assert printer.state == "paper-low"  # 20 left: low_at in kinds.yaml
    printer.request("paper-out")
    assert printer.state == "paper-out" and printer.execute("print_receipt", {})[0] == "failed"
    printer.request("refill")
    printer.request("jam-next")
    assert printer.state == "online"
    assert printer.execute("print_receipt", {}) == ("failed", {"reason": "device jammed"})
    assert printer.state == "jammed" and printer.faults == ["paper jam"]
    printer.request("refill")
    assert printer.state == "jammed"  # paper does not clear a jam
    printer.request("clear")
    assert printer.state == "online" and printer.faults == []
    assert printer.execute("dispense_card", {})[0] == "rejected"


def test_a_dispenser_empties_and_a_locker_opens_a_reserved_cell_once() -> None:
    dispenser = DeviceModel("DSP-BJ001-1", "BJ001", "card_dispenser", stock=1)
    assert dispenser.execute("dispense_card", {"card_id": "K9"})[1]["stock_left"] == 0
    assert dispenser.state == "empty" and dispenser.execute("dispense_card", {})[0] == "failed"
    locker = DeviceModel("LCK-BJ001-1", "BJ001", "product_locker")
    assert locker.execute("reserve_cell", {"pickup_code": "123456", "item": "coins"}) == ("completed", {"cell": "1"})
    assert locker.execute("open_locker", {"pickup_code": "123456"}) == ("completed", {"cell": "1", "item": "coins"})
    assert locker.execute("open_locker", {"pickup_code": "123456"})[0] == "failed"
    with pytest.raises(ValueError):
        locker.request("explode")


def test_states_map_to_the_bank_api_device_status() -> None:
    kinds = catalogue()
    assert [kinds.legacy(s) for s in ("online", "paper-low", "paper-out", "jammed", "offline", "nonsense")] == [
        "online",
        "paper-low",
        "offline",
        "jammed",
        "offline",
        "offline",
    ]
    assert kinds.kind_of_command("print_ticket") == "ticket_machine"
    assert [d for d, _ in kinds.fleet_for("BJ001")][:2] == ["PRN-BJ001-1", "PRN-BJ001-2"]


def test_the_picture_marks_a_device_not_heard_from_as_silent() -> None:
    picture = DevicePicture(silent_after_s=30)
    old = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    status = DeviceStatus(device="PRN-BJ001-1", branch="BJ001", kind="receipt_printer", state="online", ts=old)
    picture.on_status("BJ001", status, live=False)  # a retained copy from five minutes ago
    (row,) = picture.snapshot()
    assert row["silent"] and not row["online"] and not row["usable"]
    assert picture.as_bank_devices("BJ001")[0].status == "offline"
    picture.on_telemetry("BJ001", Telemetry(device="PRN-BJ001-1", paper=150))
    (row,) = picture.snapshot("BJ001")
    assert row["usable"] and row["paper"] == 150 and picture.snapshot("SH001") == []


def test_the_picture_tells_listeners_of_state_changes_only() -> None:
    picture, told = DevicePicture(), []
    picture.listeners.append(lambda row: told.append((row["device"], row["state"], row["faults"])))
    picture.listeners.append(lambda row: 1 / 0)  # a broken listener does not stop the others
    online = DeviceStatus(device="DSP-BJ001-1", branch="BJ001", kind="card_dispenser", state="online", stock=20)
    picture.on_status("BJ001", online, live=True)
    picture.on_status("BJ001", online.model_copy(update={"stock": 19}), live=True)  # same state: not told
    picture.on_telemetry("BJ001", Telemetry(device="DSP-BJ001-1", stock=18))
    jammed = online.model_copy(update={"state": "jammed", "faults": ["mechanism jam"]})
    picture.on_status("BJ001", jammed, live=True)
    assert told == [("DSP-BJ001-1", "online", []), ("DSP-BJ001-1", "jammed", ["mechanism jam"])]


def test_broker_accounts_are_per_device_with_salted_pbkdf2() -> None:
    accounts = fleet_accounts(["BJ001"])
    assert len({a.password for a in accounts}) == len(accounts) == 5
    one, two = password_line("PRN-BJ001-1", "pw"), password_line("PRN-BJ001-1", "pw")
    assert one.startswith("PRN-BJ001-1:$7$101$") and one != two
    acl = acl_text(accounts)
    assert "user DSP-BJ001-1\ntopic write lobby/v1/BJ001/DSP-BJ001-1/status" in acl
    assert "topic read lobby/v1/#" in acl.split("\n\n")[0]  # only the service account reads everything


def test_delivery_tries_usable_devices_in_order_and_codes_are_stable() -> None:
    step = DeliverStep.model_validate(
        {
            "id": "dispense",
            "kind": "deliver",
            "device": "card_dispenser",
            "command": "dispense_card",
            "title": {"zh": "新卡", "en": "New card"},
            "success": {"zh": "好", "en": "ok"},
            "fallback": {"zh": "不行", "en": "no"},
        }
    )
    devices = [
        {"id": "D1", "kind": "card_dispenser", "status": "online", "stock": 0},
        {"id": "D2", "kind": "card_dispenser", "status": "jammed", "stock": 5},
        {"id": "D3", "kind": "card_dispenser", "status": "online", "stock": 5},
        {"id": "P1", "kind": "receipt_printer", "status": "online"},
    ]
    assert [d["id"] for d in candidates(step, devices)] == ["D3"]
    assert pickup_code("jrn-abc") == pickup_code("jrn-abc") != pickup_code("jrn-abd")
    assert len(pickup_code("x")) == 6 and policy().max_devices >= 2
    assert set(policy().what) >= {"print_receipt", "dispense_card", "open_locker"}
