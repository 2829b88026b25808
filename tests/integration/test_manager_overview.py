"""The branch manager's overview (`GET /api/v1/manager/overview`) with the whole app on the sandbox bank: every
kiosk with its visit (journey, step, whom it waits for), the devices from the sandbox's device routes, the queue
per category, staff presence and skills, open handoffs with their waits and masked customers, and the alerts;
who may read it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.integration.manager_helpers import (
    handoff_for,
    identify,
    kiosk,
    manager_app,
    new_session,
    overview,
    say,
    set_sandbox_device,
    staff,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]
KIOSK = "KIOSK-BJ001-01"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    yield from manager_app(tmp_path_factory)


def kiosk_row(body: dict, kiosk_id: str = KIOSK) -> dict:
    return next(k for k in body["kiosks"] if k["kiosk"] == kiosk_id)


def test_a_visit_shows_on_its_kiosk_with_journey_step_and_masked_customer(app: TestClient):
    sid = new_session(app)
    identify(app, sid)
    turn = say(app, sid, "我要转账")
    assert turn["journey"], turn
    row = kiosk_row(overview(app))
    assert row["online"] and row["customer_present"]
    visit = row["visit"]
    assert visit["session_id"] == sid and visit["status"] == "active"
    assert visit["journey"] == turn["journey"]["name"] and visit["step"] == turn["journey"]["step"]
    assert visit["identified"] is True
    assert visit["customer"] is None or "*" in visit["customer"]  # never a full name
    assert visit["waiting_for"] is None  # the kiosk itself is serving this customer
    ended = app.post(f"/api/v1/sessions/{sid}/end", headers=kiosk(app))
    assert ended.status_code == 200, ended.text
    row = kiosk_row(overview(app))
    assert row["visit"]["status"] == "ended" and not row["customer_present"]


def test_a_handoff_shows_its_wait_and_whom_the_kiosk_waits_for(app: TestClient):
    sid, hid = handoff_for(app)
    body = overview(app)
    handoff = next(h for h in body["handoffs"] if h["id"] == hid)
    assert handoff["status"] == "queued" and handoff["wait_s"] >= 0 and handoff["session_id"] == sid
    waiting = kiosk_row(body)["visit"]["waiting_for"]
    assert waiting["handoff_id"] == hid and waiting["who"] in ("expert", "teller")
    expert = next(s for s in body["staff"] if s["username"] == "expert1")
    assert expert["role"] == "expert" and "remote_verification" in expert["skills"]
    assert {"teller1", "expert1"} <= {s["username"] for s in body["staff"]}
    assert "manager1" not in {s["username"] for s in body["staff"]}  # staff who serve customers only
    app.post(f"/api/v1/sessions/{sid}/end", headers=kiosk(app))


def test_devices_and_queue_come_from_the_sandbox_bank(app: TestClient):
    body = overview(app)
    devices = {d["device"]: d for d in body["devices"]}
    assert "PRN-BJ001-1" in devices and devices["PRN-BJ001-1"]["kind"] == "receipt_printer"
    assert all(d["branch"] == "BJ001" for d in body["devices"])
    assert body["queue"] and all({"category", "waiting", "estimated_wait_min"} <= set(c) for c in body["queue"])
    assert body["counts"]["devices"] == len(body["devices"])
    assert body["errors"] == []


def test_a_jammed_printer_is_a_critical_device_fault_alert(app: TestClient):
    set_sandbox_device(app, "PRN-BJ001-1", "jammed")
    try:
        body = overview(app)
        printer = next(d for d in body["devices"] if d["device"] == "PRN-BJ001-1")
        assert printer["state"] == "jammed" and not printer["usable"] and printer["faults"] == ["jammed"]
        alert = next(a for a in body["alerts"] if a["subject"] == "PRN-BJ001-1")
        assert alert["kind"] == "device_fault" and alert["level"] == "critical"
        assert "卡纸" in alert["text"]["zh"]
        assert body["alerts"][0]["level"] == "critical"  # critical first
    finally:
        set_sandbox_device(app, "PRN-BJ001-1", "online")
    assert not [a for a in overview(app)["alerts"] if a["subject"] == "PRN-BJ001-1"]


def test_a_risk_handoff_is_a_risk_hold_alert(app: TestClient):
    sid, hid = handoff_for(app)
    app.app.state.handoffs.redirect(hid, "risk_review", 10, {})  # type: ignore[attr-defined]
    body = overview(app)
    alert = next(a for a in body["alerts"] if a.get("handoff_id") == hid and a["kind"] == "risk_hold")
    assert alert["level"] == "critical" and alert["kiosk"] == KIOSK
    app.post(f"/api/v1/sessions/{sid}/end", headers=kiosk(app))


def test_who_may_read_the_overview(app: TestClient):
    url = "/api/v1/manager/overview"
    assert app.get(url).status_code == 401
    assert app.get(url, headers=kiosk(app)).status_code == 403
    assert app.get(url, headers=staff(app, "teller1")).status_code == 403
    assert app.get(url, headers=staff(app, "expert1")).status_code == 403
    assert app.get(url, headers=staff(app, "supervisor1")).status_code == 200
    assert app.get(url, headers=staff(app, "admin1")).status_code == 200
    # a manager signed in for another branch sees that branch, not BJ001
    assert app.get(url + "?branch=BJ001", headers=staff(app, "mgr_sh")).status_code == 403
    assert overview(app, "mgr_sh")["branch"] == "SH001"
    assert overview(app, "supervisor1", "BJ001")["branch"] == "BJ001"


def test_the_page_and_the_vendored_echarts_are_served_from_our_origin(app: TestClient):
    page = app.get("/manager")
    assert page.status_code == 200 and "/static/vendor/echarts/echarts.min.js" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    script = app.get("/static/vendor/echarts/echarts.min.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert "echarts" in script.text[:2000].lower()
    refused = ("/static/vendor/echarts/LICENSE", "/static/vendor/echarts/..%2Fmanager.html", "/static/vendor/x/y.js")
    for path in refused:
        assert app.get(path).status_code == 404, path
    assert app.get("/static/staff/manager.js").status_code == 200
