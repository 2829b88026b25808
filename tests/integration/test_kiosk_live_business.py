"""What the bank does and knows today, at the kiosk: a walk-in queue ticket with no booking and no ID (it
used to answer "取号排队需要到自助机办理，这台自助机不能直接办", on a kiosk), and a rate question answered with
the bank's rate of the moment (it used to get the nearest passage, a list of currencies)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import auth_headers

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def say(app: TestClient, sid: str, text: str) -> dict[str, Any]:
    response = app.post(f"/api/v1/sessions/{sid}/turns", json={"text": text}, headers=auth_headers(app))
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.mark.parametrize(
    ("opening", "answer"), [("我没预约，就是想取个号", "个人业务"), ("I need a queue number please", "wealth")]
)
def test_a_walk_in_customer_gets_a_ticket(app_client: TestClient, opening: str, answer: str) -> None:
    created = app_client.post("/api/v1/sessions", json={"branch_id": "BJ001"}, headers=auth_headers(app_client))
    sid = created.json()["session_id"]
    asked = say(app_client, sid, opening)
    assert asked["journey"] == {"name": "queue_ticket", "step": "choose", "status": "active"}, asked
    assert "个人业务" in str(asked["reply"]["suggestions"]) or "Personal banking" in str(asked["reply"]["suggestions"])
    done = say(app_client, sid, answer)
    assert (done["journey"] or {}).get("status") == "completed", done
    number = re.search(r"(?:取号|ticket is )([A-Z]\d{3})", done["reply"]["text"])
    assert number, done["reply"]["text"]
    assert (
        any(c["type"] == "receipt" or "printed" in str(c) for c in done["reply"]["cards"])
        or "打印" in done["reply"]["text"]
        or "printing" in done["reply"]["text"]
    )


def test_a_rate_question_is_answered_with_the_banks_rate_of_the_moment(app_client: TestClient) -> None:
    """From a usability run: "美元现在多少钱一块" got a list of currencies; the rate is the bank's, live."""
    created = app_client.post("/api/v1/sessions", json={"branch_id": "BJ001"}, headers=auth_headers(app_client))
    sid = created.json()["session_id"]
    out = say(app_client, sid, "美元现在多少钱一块？")
    text = out["reply"]["text"]
    assert "买入价7.1020元" in text and "卖出价7.1320元" in text, text  # the sandbox bank's USD rate
    assert out["reply"]["citations"], out["reply"]
    assert out["journey"] is None
