"""Referrals and follow-ups outlive their journey: kept in the session, shown by GET /api/v1/sessions/{id}."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ZHANG_WEI_ID = "110105198103150319"  # marketing consent, risk tolerance C3, debit card ...1018


@pytest.fixture(scope="module", autouse=True)
def _as_the_demo_kiosk(app_client):
    """Requests come from the demo kiosk where the app asks for credentials."""
    token = getattr(app_client.app.state, "demo_kiosk_token", None)
    if token:
        app_client.headers.update({"Authorization": f"Bearer {token}"})


def visit(client, steps: list[str | dict]) -> tuple[str, list[dict]]:
    created = client.post("/api/v1/sessions", json={"channel": "kiosk", "branch_id": "BJ001"})
    assert created.status_code == 201, created.text
    sid = created.json()["session_id"]
    outs = []
    for step in steps:
        if isinstance(step, dict):
            response = client.post(f"/api/v1/sessions/{sid}/events", json=step)
        else:
            response = client.post(f"/api/v1/sessions/{sid}/turns", json={"text": step})
        assert response.status_code == 200, response.text
        outs.append(response.json())
    return sid, outs


def test_a_recommendation_is_kept_as_a_referral_after_the_journey(app_client):
    card = {"type": "id_card_read", "data": {"id_number": ZHANG_WEI_ID}}
    pin = {"type": "pin_entered", "data": {"pin": "270519"}}  # the sandbox cast's PIN of his account
    sid, outs = visit(app_client, [card, "我想存个定期", "一万元", "一年", "确认", pin])
    assert outs[-1]["journey"]["status"] == "completed", outs[-1]
    products = next(c for c in outs[-1]["reply"]["cards"] if c["type"] == "products")
    view = app_client.get(f"/api/v1/sessions/{sid}").json()
    assert len(view["referrals"]) == 1
    referral = view["referrals"][0]
    assert referral["journey"] == "time_deposit"
    assert referral["customer_id"] == "C1001"
    assert referral["products"] == [p["id"] for p in products["data"]["products"]]
    assert referral["created_at"]


def test_a_follow_up_is_kept_with_personal_data_masked(app_client):
    card = {"type": "id_card_read", "data": {"id_number": ZHANG_WEI_ID}}
    steps = [card, "我的卡丢了", "尾号1018", "确认", "补办", "网点领取", "确认"]
    sid, outs = visit(app_client, steps)
    assert outs[-1]["journey"]["status"] == "completed", [o["reply"]["text"] for o in outs]
    view = app_client.get(f"/api/v1/sessions/{sid}").json()
    follow_up = next(f for f in view["follow_ups"] if f["action"] == "card_ready_notice")
    assert follow_up["journey"] == "card_loss" and follow_up["due"]
    assert "6217991001001001018" not in str(view)  # no full card number anywhere in the view
    assert view["referrals"] == []  # no recommendation in this visit


def test_a_session_without_journeys_has_empty_lists(app_client):
    sid, _ = visit(app_client, ["你好"])
    view = app_client.get(f"/api/v1/sessions/{sid}").json()
    assert view["referrals"] == [] and view["follow_ups"] == []
