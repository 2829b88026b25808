"""The branch manager's actions with the whole app on the sandbox bank, each authorised and audited: an
instruction reaches the colleague's staff socket, a handoff is reassigned (released from its holder, offered
to the named colleague, who can take it), a device taken out of service is passed over by the journeys and
shows so, a kiosk ticket is called to a counter (the teller gets that customer; never twice); and the live
`branch` channel on a manager's socket."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from integrations.errors import BankUnavailable
from tests.integration.manager_helpers import (
    audit_actions,
    handoff_for,
    kiosk,
    kiosk_ticket,
    manager_app,
    new_session,
    overview,
    staff,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ACTIONS = (
    ("/api/v1/manager/instructions", {"to": "teller1", "text": "请到大堂 Please come to the lobby"}),
    ("/api/v1/manager/handoffs/none/reassign", {"to": "expert1"}),
    ("/api/v1/manager/devices/PRN-BJ001-1/service", {"in_service": False}),
    ("/api/v1/manager/queue/call", {"ticket": "A001", "counter": "1"}),
)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    yield from manager_app(tmp_path_factory)


def post(app: TestClient, path: str, body: dict[str, Any], who: str = "manager1") -> Any:
    return app.post(path, json=body, headers=staff(app, who))


def next_of(ws: Any, kind: str) -> dict[str, Any]:
    """The next message of this type on a staff socket (others are skipped)."""
    while True:
        message: dict[str, Any] = ws.receive_json()
        if message.get("type") == kind:
            return message


@pytest.mark.parametrize(("path", "body"), ACTIONS, ids=lambda v: v if isinstance(v, str) else "")
def test_kiosks_tellers_and_experts_may_not_act(app: TestClient, path: str, body: dict[str, Any]):
    assert app.post(path, json=body).status_code == 401
    assert app.post(path, json=body, headers=kiosk(app)).status_code == 403
    for role in ("teller1", "expert1"):
        assert post(app, path, body, role).status_code == 403


def test_an_instruction_reaches_the_tellers_socket_and_is_audited(app: TestClient):
    with app.websocket_connect("/api/v1/staff/ws", headers=staff(app, "teller1")) as ws:
        assert ws.receive_json()["type"] == "hello"
        response = post(app, "/api/v1/manager/instructions", {"to": "teller1", "text": "请到大堂引导客户"})
        assert response.status_code == 201, response.text
        message = next_of(ws, "instruction")
    assert message["text"] == "请到大堂引导客户" and message["from"] == "manager1" and message["to"] == "teller1"
    record = audit_actions(app, "manager_instruct")[0]
    assert record.actor == "manager1" and record.subject == "teller1" and record.details["id"] == message["id"]
    assert post(app, "/api/v1/manager/instructions", {"to": "nobody", "text": "x"}).status_code == 404
    assert post(app, "/api/v1/manager/instructions", {"to": "supervisor1", "text": "x"}).status_code == 422
    assert post(app, "/api/v1/manager/instructions", {"to": "teller1", "text": ""}).status_code == 422


def test_a_held_handoff_is_reassigned_to_another_expert_who_can_take_it(app: TestClient):
    sid, hid = handoff_for(app)
    assert app.post(f"/api/v1/handoffs/{hid}/accept", headers=staff(app, "expert1")).status_code == 200
    with app.websocket_connect("/api/v1/staff/ws", headers=staff(app, "exp_b")) as ws:
        assert ws.receive_json()["type"] == "hello"
        response = post(app, f"/api/v1/manager/handoffs/{hid}/reassign", {"to": "exp_b"})
        assert response.status_code == 200, response.text
        told = next_of(ws, "instruction")
    body = response.json()
    assert body["released_from"] == "expert1"
    assert body["handoff"]["status"] == "queued" and body["handoff"]["offered_to"] == "exp_b"
    assert told["handoff_id"] == hid
    record = audit_actions(app, "manager_reassign")[0]
    assert record.subject == hid and record.details["from"] == "expert1" and record.details["to"] == "exp_b"
    assert app.post(f"/api/v1/handoffs/{hid}/accept", headers=staff(app, "exp_b")).status_code == 200
    assert app.app.state.handoffs.get(hid).assigned_to == "exp_b"  # type: ignore[attr-defined]
    # to the same holder again, or a finished one: refused
    assert post(app, f"/api/v1/manager/handoffs/{hid}/reassign", {"to": "exp_b"}).status_code == 409
    assert post(app, "/api/v1/manager/handoffs/no-such/reassign", {"to": "exp_b"}).status_code == 404
    app.post(f"/api/v1/sessions/{sid}/end", headers=kiosk(app))


def test_a_queued_handoff_reassigned_to_a_teller_becomes_the_teller_fallback(app: TestClient):
    sid, hid = handoff_for(app)
    response = post(app, f"/api/v1/manager/handoffs/{hid}/reassign", {"to": "teller1", "note": "请协助"})
    assert response.status_code == 200, response.text
    handoff = response.json()["handoff"]
    assert handoff["skill"] == "teller" and handoff["offered_to"] == "teller1" and handoff["fallback_from"]
    queue = app.get("/api/v1/handoffs", headers=staff(app, "teller1")).json()["handoffs"]
    assert hid in [h["id"] for h in queue]
    app.post(f"/api/v1/sessions/{sid}/end", headers=kiosk(app))


def test_a_device_out_of_service_is_passed_over_by_journeys_until_put_back(app: TestClient):
    state = app.app.state  # type: ignore[attr-defined]
    path = "/api/v1/manager/devices/PRN-BJ001-1/service"
    response = post(app, path, {"in_service": False, "reason": "换色带 ribbon change"})
    assert response.status_code == 200, response.text
    printer = next(d for d in overview(app)["devices"] if d["device"] == "PRN-BJ001-1")
    assert printer["state"] == "out-of-service" and not printer["usable"]
    assert printer["held"]["by"] == "manager1" and printer["held"]["reason"] == "换色带 ribbon change"
    listed = asyncio.run(state.bank.devices.devices("BJ001"))
    assert next(d for d in listed if d.id == "PRN-BJ001-1").status == "offline"  # what the journeys read
    with pytest.raises(BankUnavailable):
        asyncio.run(state.bank.devices.command("PRN-BJ001-1", "print_receipt", {"lines": ["x"]}, idempotency_key="k1"))
    record = audit_actions(app, "manager_device_service")[0]
    assert record.subject == "PRN-BJ001-1" and record.details["in_service"] is False
    assert post(app, path, {"in_service": True}).status_code == 200
    printer = next(d for d in overview(app)["devices"] if d["device"] == "PRN-BJ001-1")
    assert printer["state"] == "online" and printer["held"] is None
    assert post(app, "/api/v1/manager/devices/NOPE-1/service", {"in_service": False}).status_code == 404


def test_a_ticket_called_to_a_counter_goes_to_that_teller_once(app: TestClient):
    sid, number = kiosk_ticket(app)
    waiting = [t["number"] for c in overview(app)["queue"] for t in c["tickets"]]
    assert number in waiting
    body = {"ticket": number, "counter": "5", "teller": "teller1"}
    response = post(app, "/api/v1/manager/queue/call", body)
    assert response.status_code == 200, response.text
    assert response.json()["bank_called"] is True and response.json()["session_id"] == sid
    customer = app.get("/api/v1/teller/customer", headers=staff(app, "teller1"))
    assert customer.status_code == 200 and customer.json()["session"]["id"] == sid
    again = post(app, "/api/v1/manager/queue/call", body)
    assert again.status_code == 409
    after = overview(app)
    assert number not in [t["number"] for c in after["queue"] for t in c["tickets"]]
    visit = next(k["visit"] for k in after["kiosks"] if (k["visit"] or {}).get("session_id") == sid)
    assert visit["waiting_for"] == {"who": "counter", "ticket": number, "counter": "5", "called": True}
    record = audit_actions(app, "manager_call_ticket")[0]
    assert record.subject == sid and record.details["counter"] == "5"
    assert post(app, "/api/v1/manager/queue/call", {"ticket": "Z999", "counter": "1"}).status_code == 404
    assert post(app, "/api/v1/manager/queue/call", {**body, "teller": "expert1"}).status_code == 422


def test_the_managers_socket_hears_the_branch_change_when_a_visit_starts(app: TestClient):
    with app.websocket_connect("/api/v1/staff/ws", headers=staff(app, "manager1")) as ws:
        assert ws.receive_json()["type"] == "hello"
        new_session(app)
        message = next_of(ws, "branch_changed")
    assert message["branch"] == "BJ001" and "sessions" in message["parts"]


def test_a_tellers_socket_does_not_get_the_branch_channel(app: TestClient):
    with app.websocket_connect("/api/v1/staff/ws", headers=staff(app, "teller1")) as ws:
        assert ws.receive_json()["type"] == "hello"
        assert post(app, "/api/v1/manager/devices/DSP-BJ001-1/service", {"in_service": False}).status_code == 200
        assert post(app, "/api/v1/manager/devices/DSP-BJ001-1/service", {"in_service": True}).status_code == 200
        response = post(app, "/api/v1/manager/instructions", {"to": "teller1", "text": "marker"})
        assert response.status_code == 201
        seen = []
        while (message := ws.receive_json())["type"] != "instruction":
            seen.append(message["type"])
    assert "branch_changed" not in seen and "device_hold" not in seen
