"""What a customer reads and hears over the session API (real intent engine, knowledge base and sandbox
bank): a balance and unfinished business on screen but not spoken, a passport holder greeted by title,
English citations named in English, and a referral that does not contradict the document it cites."""

from __future__ import annotations

import re

import pytest

from integrations.sandbox.seed import cast_summary
from tests.conftest import auth_headers

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CAST = cast_summary()
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module", autouse=True)
def _signed_in_as_the_demo_kiosk(app_client):
    app_client.headers.update(auth_headers(app_client, "kiosk"))


def start(client, language: str | None = None) -> str:
    body = {"channel": "kiosk", "branch_id": "BJ001", **({"language": language} if language else {})}
    response = client.post("/api/v1/sessions", json=body)
    assert response.status_code == 201, response.text
    return response.json()["session_id"]


def say(client, session_id: str, text: str) -> dict:
    response = client.post(f"/api/v1/sessions/{session_id}/turns", json={"text": text})
    assert response.status_code == 200, response.text
    return response.json()["reply"]


def event(client, session_id: str, kind: str, data: dict) -> dict:
    response = client.post(f"/api/v1/sessions/{session_id}/events", json={"type": kind, "data": data})
    assert response.status_code == 200, response.text
    return response.json()["reply"]


def test_a_balance_is_on_screen_and_not_spoken(app_client):
    sid = start(app_client)
    event(app_client, sid, "qr_scanned", {"qr_token": CAST["li_xiuying"]["qr_token"]})
    reply = say(app_client, sid, "查一下余额")
    assert "860,000.00" in reply["text"]
    assert "860" not in reply["speech"] and "余额已显示在屏幕上" in reply["speech"]
    assert "打印" not in reply["text"]  # a balance check prints nothing, so it does not say so


def test_unfinished_business_is_on_screen_and_not_spoken(app_client):
    sid = start(app_client)
    reply = event(app_client, sid, "id_card_read", {"id_number": CAST["chen_jing"]["id_number"]})
    assert "收入证明" in reply["text"]
    assert "收入证明" not in reply["speech"] and "您有一项待补充材料的业务，详情请看屏幕。" in reply["speech"]


def test_a_passport_holder_is_greeted_by_title(app_client):
    sid = start(app_client, "en")
    reply = event(app_client, sid, "qr_scanned", {"qr_token": CAST["emily_clark"]["qr_token"]})
    assert reply["text"].startswith("Hello Ms Clark, your identity is confirmed.")
    assert "*" not in reply["text"] and "*" not in reply["speech"]


def test_an_english_visit_names_its_sources_in_english(app_client):
    sid = start(app_client, "en")
    event(app_client, sid, "qr_scanned", {"qr_token": CAST["chen_jing"]["qr_token"]})
    reply = say(app_client, sid, "I want to open a personal pension account")
    assert reply["citations"], reply
    titles = [c["title"] for c in reply["citations"]]
    assert not [t for t in titles if HAN.search(t)], titles


@pytest.mark.parametrize("request_text", ["我要修改预留手机号", "我想重置银行卡密码"])
def test_a_referral_agrees_with_the_document_it_cites(app_client, request_text):
    """The bank's documents say a smart counter (with face verification) can do these: the reply must not
    also say only the counter can, nor that "this machine" cannot."""
    sid = start(app_client)
    reply = say(app_client, sid, request_text)
    text = reply["text"]
    assert "自助机不能" not in text
    assert not ("需要到柜台办理" in text and "智能柜台" in text), text
