"""The teller's API with the whole app and the shipped knowledge: staff answers cite staff-only documents,
a cited document opens, the queue shows kiosk tickets, calling the next one links the counter to that
customer (masked profile, journey, kiosk form), and two counters never call the same ticket."""

from __future__ import annotations

import re
import threading

import pytest
from fastapi.testclient import TestClient

from integrations import schemas as api
from integrations.clients import new_idempotency_key

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ZHANG_WEI_ID = "110105198103150319"


@pytest.fixture(scope="module")
def app(app_client: TestClient) -> TestClient:
    users = app_client.app.state.users
    for name in ("tel_x", "tel_y"):
        if users.get(name) is None:
            users.add(name, "teller", "not-a-hash", f"柜员 {name}", "BJ001", ["general"])
    return app_client


def staff(app: TestClient, username: str, role: str | None = None) -> dict[str, str]:
    account = app.app.state.users.get(username)
    token = app.app.state.auth.tokens.issue(account.username, role or account.role, 600)
    return {"Authorization": f"Bearer {token}"}


def kiosk(app: TestClient) -> dict[str, str]:
    return {"Authorization": f"Bearer {app.app.state.demo_kiosk_token}"}


def kiosk_ticket(app: TestClient) -> tuple[str, str]:
    """A walk-in customer identifies at the kiosk and checks in without a booking -> (session, ticket)."""
    sid = app.post("/api/v1/sessions", json={"channel": "kiosk", "branch_id": "BJ001"}, headers=kiosk(app)).json()[
        "session_id"
    ]
    event = {"type": "id_card_read", "data": {"id_number": ZHANG_WEI_ID}}
    assert app.post(f"/api/v1/sessions/{sid}/events", json=event, headers=kiosk(app)).status_code == 200
    turn = app.post(f"/api/v1/sessions/{sid}/turns", json={"text": "我要预约签到"}, headers=kiosk(app)).json()
    number = re.search(r"取号([A-Z]\d{3})", turn["reply"]["text"])
    assert number, turn["reply"]["text"]
    return sid, number.group(1)


def test_staff_answers_cite_staff_only_documents_that_open_in_full(app: TestClient):
    question = {"question": "老年客户补卡工本费怎么处理"}
    answer = app.post("/api/v1/teller/ask", json=question, headers=staff(app, "tel_x")).json()
    assert not answer["abstained"] and answer["citations"], answer
    docs = [
        app.get(f"/api/v1/teller/documents/{c['doc_id']}", headers=staff(app, "tel_x")).json()
        for c in answer["citations"]
    ]
    internal = [d for d in docs if d["audience"] == "staff"]
    assert internal, docs  # an internal document backs the answer: never shown to a customer
    assert "工本费" in "".join(s["text"] for d in docs for s in d["sections"])
    customer = app.post("/api/v1/knowledge/ask", json=question, headers=kiosk(app)).json()
    assert not {d["doc_id"] for d in internal} & {c["doc_id"] for c in customer.get("citations", [])}
    assert app.get("/api/v1/teller/documents/no-such-doc", headers=staff(app, "tel_x")).status_code == 404
    assert app.post("/api/v1/teller/ask", json=question, headers=kiosk(app)).status_code == 403
    assert app.post("/api/v1/teller/ask", json=question).status_code == 401


def test_calling_the_next_ticket_brings_that_customer_to_the_counter(app: TestClient):
    sid, number = kiosk_ticket(app)
    teller = staff(app, "tel_x")
    queue = app.get("/api/v1/teller/queue", headers=teller).json()
    assert number in [t["number"] for t in queue["tickets"]]
    assert queue["bank"]["categories"], queue
    called = None
    for _ in range(len(queue["tickets"])):  # earlier tickets of this module may be ahead of ours
        response = app.post("/api/v1/teller/queue/next", json={"counter": "3"}, headers=teller)
        assert response.status_code == 200, response.text
        called = response.json()
        if called["session"]["id"] == sid:
            break
    assert called and called["session"]["id"] == sid and called["counter"]["ticket"] == number
    assert called["profile"]["customer_id"] == "C1001"
    assert ZHANG_WEI_ID not in str(called) and "13911260451" not in str(called)
    assert number in [t["number"] for t in called["tickets"]]
    current = app.get("/api/v1/teller/customer", headers=teller).json()
    assert current["session"]["id"] == sid
    after = app.get("/api/v1/teller/queue", headers=teller).json()
    assert number not in [t["number"] for t in after["tickets"]]


def test_two_counters_calling_at_once_never_get_the_same_customer(app: TestClient):
    kiosk_ticket(app)
    kiosk_ticket(app)
    headers = [staff(app, "tel_x"), staff(app, "tel_y")]
    barrier = threading.Barrier(2)
    called: list[str | None] = [None, None]

    def call(i: int) -> None:
        barrier.wait()
        response = app.post("/api/v1/teller/queue/next", json={"counter": str(i)}, headers=headers[i])
        called[i] = response.json()["counter"]["ticket"] if response.status_code == 200 else None

    threads = [threading.Thread(target=call, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert called[0] and called[1] and called[0] != called[1]


def bank_waiting(app: TestClient, teller: dict[str, str], category: str) -> int:
    bank = app.get("/api/v1/teller/queue", headers=teller).json()["bank"]
    return int(next(c["waiting"] for c in bank["categories"] if c["category"] == category))


def fresh_kiosk_ticket(app: TestClient, teller: dict[str, str]) -> tuple[str, str, str]:
    """Calls every ticket still waiting (earlier tests leave some), then takes one at the kiosk, so it is
    the next one -> (session, number, category)."""
    for _ in range(50):
        if app.post("/api/v1/teller/queue/next", json={"counter": "9"}, headers=teller).status_code == 404:
            break
    sid, number = kiosk_ticket(app)
    waiting = app.get("/api/v1/teller/queue", headers=teller).json()["tickets"]
    assert [t["number"] for t in waiting] == [number], waiting
    return sid, number, waiting[0]["category"]


def test_calling_the_next_ticket_tells_the_bank_whose_waiting_count_drops(app: TestClient):
    teller = staff(app, "tel_x")
    sid, number, category = fresh_kiosk_ticket(app, teller)
    before = bank_waiting(app, teller, category)
    called = app.post("/api/v1/teller/queue/next", json={"counter": "4"}, headers=teller).json()
    assert called["session"]["id"] == sid and called["counter"]["ticket"] == number
    assert called["bank_called"] is True and called["bank_call_error"] is None, called
    assert bank_waiting(app, teller, category) == before - 1


def test_a_bank_outage_or_refusal_still_brings_the_customer_to_the_counter(app: TestClient):
    teller = staff(app, "tel_x")
    bank = app.app.state.bank  # type: ignore[attr-defined]
    sid, number, category = fresh_kiosk_ticket(app, teller)
    before = bank_waiting(app, teller, category)
    app.portal.call(  # type: ignore[union-attr]
        bank.sandbox.set_faults, [api.Fault(path_prefix="/v1/queue/tickets/", error_rate=1.0, error_status=503)]
    )
    try:
        response = app.post("/api/v1/teller/queue/next", json={"counter": "5"}, headers=teller)
    finally:
        app.portal.call(bank.sandbox.clear_faults)  # type: ignore[union-attr]
    assert response.status_code == 200, response.text
    called = response.json()
    assert called["session"]["id"] == sid and called["counter"]["ticket"] == number
    assert called["bank_called"] is False and "503" in called["bank_call_error"], called
    assert bank_waiting(app, teller, category) == before  # the bank never heard of the call

    sid, number, category = fresh_kiosk_ticket(app, teller)  # another system called it at the bank first
    app.portal.call(  # type: ignore[union-attr]
        lambda: bank.booking.call_ticket("BJ001", number, "7", idempotency_key=new_idempotency_key())
    )
    called = app.post("/api/v1/teller/queue/next", json={"counter": "5"}, headers=teller).json()
    assert called["session"]["id"] == sid and called["bank_called"] is False
    assert "ticket_already_called" in called["bank_call_error"], called


def test_queue_and_customer_are_teller_only(app: TestClient):
    expert = app.app.state.users.get("tel_x")
    assert expert is not None
    assert app.get("/api/v1/teller/queue", headers=kiosk(app)).status_code == 403
    assert app.get("/api/v1/teller/customer").status_code == 401
