"""The customer's phone API with the whole app and the in-process sandbox bank: sign-in by a texted code
(expiry, rate limit, no leak of who banks here), booking against real capacity (full slots, double
bookings, change, cancel), and a form prepared at home that the kiosk loads from its QR code, including
one the bank refuses at the branch (the kiosk says why and nothing filled at home is lost)."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.config import Settings
from knowledge.config import KnowledgeOptions
from tests.conftest import PREPARED_MODELS, TEST_AUTH, auth_headers
from tests.integration.mobile_helpers import (
    CHEN_JING,
    LI_XIUYING,
    NOT_A_CUSTOMER,
    ZHANG_WEI,
    Kiosk,
    cards,
    let_time_pass,
    sign_in,
    sms_code,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()
PAYEE = {"payee_name": "刘洋", "payee_account": "6222020200112233445", "payee_bank": "工商银行"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app per module (starting it loads the models); tests use different customers or slots."""
    var_dir = tmp_path_factory.mktemp("mobile-var")
    models_dir = Path(os.environ.get("LOBBY_MODELS_DIR", PREPARED_MODELS))
    settings = Settings(
        env="test",
        var_dir=var_dir,
        models_dir=models_dir,
        knowledge=KnowledgeOptions(auto_ingest=False),
        auth=TEST_AUTH,
        _env_file=None,
    )  # type: ignore[call-arg]
    with TestClient(create_app(settings)) as client:
        yield client


def bank(app: TestClient) -> TestClient:
    return TestClient(app.app.state.bank.sandbox_app)  # type: ignore[attr-defined]


# -- sign-in ----------------------------------------------------------------------------------------


def test_a_code_is_texted_only_to_a_customer_and_the_answer_never_says_which(app: TestClient):
    mine = app.post("/api/v1/mobile/code", json={"phone": ZHANG_WEI["phone"]})
    other = app.post("/api/v1/mobile/code", json={"phone": NOT_A_CUSTOMER})
    assert mine.status_code == other.status_code == 202
    assert mine.json() == other.json()
    assert "set-cookie" not in mine.headers  # no cookie is ever set: a forged cross-site request carries nothing
    assert app.get("/api/v1/mobile/demo/sms", params={"phone": NOT_A_CUSTOMER}).json() == []
    code = sms_code(app, ZHANG_WEI["phone"])
    # the rate limit answers the same for both numbers
    again, again_other = (
        app.post("/api/v1/mobile/code", json={"phone": p}) for p in (ZHANG_WEI["phone"], NOT_A_CUSTOMER)
    )
    assert again.status_code == again_other.status_code == 429
    assert again.json() == again_other.json() and int(again.headers["Retry-After"]) > 0
    # a wrong code, and any code for a number that is not a customer: the same refusal
    wrong = "000000" if code != "000000" else "111111"
    refused = app.post("/api/v1/mobile/sign-in", json={"phone": ZHANG_WEI["phone"], "code": wrong})
    stranger = app.post("/api/v1/mobile/sign-in", json={"phone": NOT_A_CUSTOMER, "code": code})
    assert refused.status_code == stranger.status_code == 401
    assert refused.json() == stranger.json()
    signed = app.post("/api/v1/mobile/sign-in", json={"phone": ZHANG_WEI["phone"], "code": code})
    assert signed.status_code == 200, signed.text
    headers = {"Authorization": f"Bearer {signed.json()['token']}"}
    assert app.get("/api/v1/mobile/me", headers=headers).json()["name"] == "张*"  # masked on screen
    # the code is used up
    reuse = app.post("/api/v1/mobile/sign-in", json={"phone": ZHANG_WEI["phone"], "code": code})
    assert reuse.status_code == 401


def test_an_expired_code_is_refused_and_a_new_one_works(app: TestClient):
    phone = LI_XIUYING["phone"]
    let_time_pass(app, phone, 3700)
    assert app.post("/api/v1/mobile/code", json={"phone": phone}).status_code == 202
    code = sms_code(app, phone)
    let_time_pass(app, phone, 301)  # the code lives five minutes
    expired = app.post("/api/v1/mobile/sign-in", json={"phone": phone, "code": code})
    assert expired.status_code == 401 and expired.json()["detail"]["code"] == "otp_invalid"
    assert app.post("/api/v1/mobile/code", json={"phone": phone}).status_code == 202
    fresh = sms_code(app, phone)
    assert app.post("/api/v1/mobile/sign-in", json={"phone": phone, "code": fresh}).status_code == 200


def test_only_a_customer_token_opens_the_phone_api(app: TestClient):
    assert app.get("/api/v1/mobile/status").status_code == 401
    assert app.get("/api/v1/mobile/status", headers=auth_headers(app, "kiosk")).status_code == 401
    assert app.get("/api/v1/mobile/status", headers=auth_headers(app, "teller")).status_code == 401
    assert app.get("/api/v1/mobile/status", headers={"Authorization": "Bearer not.a.token"}).status_code == 401


# -- booking ----------------------------------------------------------------------------------------


def slots(app: TestClient, headers: dict[str, str], business: str, day: str = TOMORROW) -> dict[str, dict[str, int]]:
    found = app.get(
        "/api/v1/mobile/availability", params={"branch_id": "BJ001", "business_type": business}, headers=headers
    )
    assert found.status_code == 200, found.text
    days = {d["date"]: d["slots"] for d in found.json()["days"]}
    return {s["time"]: s for s in days[day]}


def test_a_full_slot_cannot_be_booked_and_the_documents_to_bring_are_cited(app: TestClient):
    zhang, li = sign_in(app, ZHANG_WEI["phone"]), sign_in(app, LI_XIUYING["phone"])
    found = app.get(
        "/api/v1/mobile/availability",
        params={"branch_id": "BJ001", "business_type": "pension_account_opening"},
        headers=zhang,
    ).json()
    cited = found["documents"]["zh"]
    assert [c["doc_id"] for c in cited] == ["personal-pension-account", "what-to-bring"]
    assert "一类借记卡" in cited[1]["excerpt"] and "养老金" in cited[1]["excerpt"]  # the pension line, not the page
    assert found["documents"]["en"] and all(c["title"] for c in found["documents"]["en"])
    before = slots(app, zhang, "wealth")["14:00"]
    assert before["capacity"] == 1 and before["remaining"] == 1
    body = {"branch_id": "BJ001", "business_type": "wealth", "date": TOMORROW, "time": "14:00"}
    booked = app.post("/api/v1/mobile/bookings", json=body, headers=zhang)
    assert booked.status_code == 201, booked.text
    assert booked.json()["customer_id"] == ZHANG_WEI["customer_id"] and booked.json()["status"] == "booked"
    assert slots(app, li, "wealth")["14:00"]["remaining"] == 0
    full = app.post("/api/v1/mobile/bookings", json=body, headers=li)
    assert full.status_code == 409 and full.json()["detail"]["code"] == "slot_full"
    status = app.get("/api/v1/mobile/status", headers=li).json()
    assert all(b["code"] != booked.json()["code"] for b in status["bookings"])  # nobody sees another's bookings


def test_one_customer_cannot_book_the_same_business_twice_a_day(app: TestClient):
    zhang = sign_in(app, ZHANG_WEI["phone"])
    first = {"branch_id": "BJ001", "business_type": "transfer", "date": TOMORROW, "time": "10:00"}
    assert app.post("/api/v1/mobile/bookings", json=first, headers=zhang).status_code == 201
    twice = app.post("/api/v1/mobile/bookings", json={**first, "time": "15:00"}, headers=zhang)
    assert twice.status_code == 409 and twice.json()["detail"]["code"] == "already_booked"
    past = app.post("/api/v1/mobile/bookings", json={**first, "date": "2020-01-01"}, headers=zhang)
    assert past.status_code == 422 and past.json()["detail"]["code"] == "slot_invalid"


def test_a_booking_changes_and_cancels_and_its_slot_is_free_again(app: TestClient):
    chen, li = sign_in(app, CHEN_JING["phone"]), sign_in(app, LI_XIUYING["phone"])
    body = {"branch_id": "BJ001", "business_type": "cash", "date": TOMORROW, "time": "09:30"}
    code = app.post("/api/v1/mobile/bookings", json=body, headers=chen).json()["code"]
    assert slots(app, chen, "cash")["09:30"]["booked"] == 1
    moved = app.post(f"/api/v1/mobile/bookings/{code}/change", json={"date": TOMORROW, "time": "11:00"}, headers=chen)
    assert moved.status_code == 200 and moved.json()["time"] == "11:00"
    after = slots(app, chen, "cash")
    assert after["09:30"]["booked"] == 0 and after["11:00"]["booked"] == 1
    assert app.post(f"/api/v1/mobile/bookings/{code}/cancel", headers=li).status_code == 404  # not hers
    cancelled = app.post(f"/api/v1/mobile/bookings/{code}/cancel", headers=chen)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert slots(app, chen, "cash")["11:00"]["booked"] == 0
    twice = app.post(f"/api/v1/mobile/bookings/{code}/cancel", headers=chen)
    assert twice.status_code == 409 and twice.json()["detail"]["code"] == "booking_not_open"
    shown = {b["code"]: b["status"] for b in app.get("/api/v1/mobile/status", headers=chen).json()["bookings"]}
    assert shown[code] == "cancelled"


# -- prepare at home, finish at the branch ----------------------------------------------------------


def test_the_form_is_the_journeys_own_and_is_checked_as_the_kiosk_checks_it(app: TestClient):
    zhang = sign_in(app, ZHANG_WEI["phone"])
    form = app.get("/api/v1/mobile/forms/transfer", headers=zhang).json()
    fields = {f["name"]: f for s in form["sections"] for f in s["fields"]}
    assert list(fields) == [
        "from_account",
        "payee_relation",
        "payee_name",
        "payee_account",
        "payee_bank",
        "amount",
        "delayed",
    ]
    assert fields["amount"]["max"] == 500000 and fields["amount"]["label"] == {"zh": "金额", "en": "Amount"}
    assert fields["from_account"]["options"] == [
        {"value": ZHANG_WEI["account"], "label": {"zh": "账户（尾号1001）", "en": "account ending 1001"}}
    ]
    assert app.get("/api/v1/mobile/forms/card_loss", headers=zhang).status_code == 404  # not preparable at home
    over = {"from_account": ZHANG_WEI["account"], **PAYEE, "amount": "900000", "delayed": False}
    refused = app.post("/api/v1/mobile/forms/transfer", json={"values": over}, headers=zhang)
    assert refused.status_code == 422
    assert "50万元" in refused.json()["errors"]["amount"]["zh"]  # the flow's own error text
    above_balance = {**over, "amount": "40000"}
    refused = app.post("/api/v1/mobile/forms/transfer", json={"values": above_balance}, headers=zhang).json()
    assert "余额" in refused["errors"]["amount"]["zh"]  # the kiosk's funds check, in the kiosk's words
    missing = {k: v for k, v in above_balance.items() if k != "payee_name"} | {"amount": "100"}
    refused = app.post("/api/v1/mobile/forms/transfer", json={"values": missing}, headers=zhang).json()
    assert set(refused["errors"]) == {"payee_name"}


def prepare(app: TestClient, headers: dict[str, str], values: dict[str, object]) -> dict[str, object]:
    made = app.post("/api/v1/mobile/forms/transfer", json={"values": values}, headers=headers)
    assert made.status_code == 201, made.text
    form: dict[str, object] = made.json()
    assert str(form["token"]).startswith("PF") and str(form["qr"]).startswith("data:image/svg+xml")
    return form


def form_status(app: TestClient, headers: dict[str, str], form_id: object) -> dict[str, object]:
    forms = {f["id"]: f for f in app.get("/api/v1/mobile/status", headers=headers).json()["forms"]}
    found: dict[str, object] = forms[form_id]
    return found


def test_a_transfer_prepared_at_home_is_only_confirmed_at_the_kiosk_and_its_receipt_reaches_the_phone(app: TestClient):
    zhang = sign_in(app, ZHANG_WEI["phone"])
    form = prepare(app, zhang, {"from_account": ZHANG_WEI["account"], **PAYEE, "amount": "3000", "delayed": False})
    shown = {row["name"]: row["value"]["zh"] for row in form["summary"]}  # type: ignore[union-attr]
    assert shown["payee_name"] == "刘*" and shown["payee_account"].endswith("3445") and "*" in shown["payee_account"]
    kiosk = Kiosk(app)
    turn = kiosk.scan(str(form["token"]))
    assert turn["journey"]["name"] == "transfer" and turn["journey"]["step"] == "confirm", turn["reply"]["text"]
    confirmation = {f["label"]: f["value"] for f in cards(turn)["confirmation"]["data"]["fields"]}
    assert confirmation["金额"] == "3,000.00元" and confirmation["收款人"] == "刘洋"
    assert form_status(app, zhang, form["id"])["status"] == "loaded"
    done = kiosk.verify(kiosk.say("确认"), ZHANG_WEI["pin"])
    assert done["journey"]["status"] == "completed", done["reply"]["text"]
    after = form_status(app, zhang, form["id"])
    assert after["status"] == "completed" and after["token"] is None
    receipt = after["receipt"]["result"]  # type: ignore[index]
    assert receipt["amount"] in ("3000.00", 3000, "3000") and receipt["status"] in ("completed", "scheduled")
    assert receipt["to_name"] == "刘*" and "*" in receipt["to_account_number"]
    # a used code identifies nobody any more
    again = Kiosk(app).scan(str(form["token"]))
    assert again["journey"]["name"] != "transfer" or again["journey"]["step"] == "identify"


def test_a_form_the_bank_refuses_at_the_branch_says_why_and_keeps_the_rest(app: TestClient):
    chen = sign_in(app, CHEN_JING["phone"])
    form = prepare(app, chen, {"from_account": CHEN_JING["account"], **PAYEE, "amount": "15000", "delayed": False})
    # meanwhile the customer spends money elsewhere: the prepared amount is above the balance now
    spent = bank(app).post(
        "/v1/transfers",
        json={
            "from_account_id": CHEN_JING["account"],
            "to_account_number": "6222020200199887766",
            "to_name": "王芳",
            "to_bank": "建设银行",
            "amount": "10000",
            "channel": "mobile",
        },
        headers={"Idempotency-Key": "test-mobile-spend-0001"},
    )
    assert spent.status_code == 201, spent.text
    kiosk = Kiosk(app)
    turn = kiosk.scan(str(form["token"]))
    assert "余额为8,500.00元" in turn["reply"]["text"] and "15,000.00" in turn["reply"]["text"], turn["reply"]["text"]
    assert turn["journey"]["step"] == "details"
    assert form_status(app, chen, form["id"])["status"] == "loaded"  # still there: nothing lost
    turn = kiosk.say("5000元")
    assert turn["journey"]["step"] == "confirm", turn["reply"]["text"]
    confirmation = {f["label"]: f["value"] for f in cards(turn)["confirmation"]["data"]["fields"]}
    assert confirmation["金额"] == "5,000.00元"
    assert confirmation["收款人"] == "刘洋" and confirmation["收款账号"].endswith("3445")  # filled at home, kept
    done = kiosk.verify(kiosk.say("确认"), CHEN_JING["pin"])
    assert done["journey"]["status"] == "completed", done["reply"]["text"]
    receipt = form_status(app, chen, form["id"])["receipt"]["result"]  # type: ignore[index]
    assert receipt["amount"] in ("5000.00", 5000, "5000")


def test_a_cash_order_prepared_at_home_reaches_the_counter_pre_filled(app: TestClient):
    li = sign_in(app, LI_XIUYING["phone"])
    values = {"kind": "withdrawal", "account": LI_XIUYING["account"], "amount": "2000"}
    made = app.post("/api/v1/mobile/forms/scan_counter", json={"values": values}, headers=li)
    assert made.status_code == 201, made.text
    kiosk = Kiosk(app)
    turn = kiosk.scan(made.json()["token"])
    assert turn["journey"]["name"] == "scan_counter" and turn["journey"]["step"] == "confirm", turn["reply"]["text"]
    done = kiosk.verify(kiosk.say("确认"), LI_XIUYING["pin"])
    assert done["journey"]["status"] == "completed", done["reply"]["text"]
    teller = auth_headers(app, "teller")
    called = app.post("/api/v1/teller/queue/next", json={"counter": "2"}, headers=teller)
    assert called.status_code == 200, called.text
    form = called.json()["form"]
    assert form["手机预填单"].endswith(f"（{made.json()['token']}）")
    assert form["业务"] == "取款" and form["金额"] == "2,000.00元" and form["账户"] == "账户（尾号2002）"
    receipt = form_status(app, li, made.json()["id"])["receipt"]
    assert receipt["operation"] == "counter_order" and receipt["result"]["pickup_code"]  # type: ignore[index]


def test_the_code_shown_where_the_kiosk_asks_who_the_customer_is_opens_the_form(app: TestClient):
    """The customer says "我要转账" first, then shows the phone's code: the form is not lost to a journey that
    only asked who the customer is."""
    li = sign_in(app, LI_XIUYING["phone"])
    form = prepare(app, li, {"from_account": LI_XIUYING["account"], **PAYEE, "amount": "1200", "delayed": False})
    kiosk = Kiosk(app)
    asked = kiosk.say("我要转账")
    assert asked["journey"] == {"name": "transfer", "step": "identify", "status": "active"}, asked["reply"]["text"]
    turn = kiosk.scan(str(form["token"]))
    assert turn["journey"]["step"] == "confirm", turn["reply"]["text"]
    assert "1,200.00" in turn["reply"]["text"]


def test_a_teller_who_scans_the_code_at_the_counter_reads_the_form_masked(app: TestClient):
    chen = sign_in(app, CHEN_JING["phone"])
    values = {"kind": "deposit", "account": CHEN_JING["account"], "amount": "800"}
    made = app.post("/api/v1/mobile/forms/scan_counter", json={"values": values}, headers=chen).json()
    teller = auth_headers(app, "teller")
    seen = app.get(f"/api/v1/teller/prepared/{made['token']}", headers=teller)
    assert seen.status_code == 200, seen.text
    body = seen.json()
    assert body["customer"] == {"customer_id": CHEN_JING["customer_id"], "name": "陈*"}
    rows = {r["label"]["zh"]: r["value"]["zh"] for r in body["rows"]}
    assert rows == {"业务": "存款", "账户": "账户（尾号4004）", "金额": "800.00元"}
    assert app.get(f"/api/v1/teller/prepared/{made['token']}", headers=auth_headers(app, "kiosk")).status_code == 403
    assert app.get(f"/api/v1/teller/prepared/{made['token']}", headers=chen).status_code == 401
    app.post(f"/api/v1/mobile/prepared/{made['id']}/cancel", headers=chen)
    assert app.get(f"/api/v1/teller/prepared/{made['token']}", headers=teller).status_code == 404  # cancelled


@pytest.mark.timeout(60)
def test_the_status_is_pushed_as_server_sent_events(app: TestClient):
    chen = sign_in(app, CHEN_JING["phone"])
    assert app.get("/api/v1/mobile/stream").status_code == 401
    with app.stream("GET", "/api/v1/mobile/stream", headers=chen) as stream:
        assert stream.status_code == 200 and stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines()
        assert next(lines) == "event: status"
        data = json.loads(next(lines).removeprefix("data: "))
    assert {"bookings", "forms", "at"} <= set(data)
    assert all(b["customer_id"] == CHEN_JING["customer_id"] for b in data["bookings"])
