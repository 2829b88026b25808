"""The /kiosk page route: what the HTML carries in and outside production, and its static files."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from assistant.api.kiosk_page import journey_steps, render_page, standalone_app
from assistant.config import Settings

pytestmark = pytest.mark.unit

BOOT = re.compile(r'<script type="application/json" id="lobby-boot">(.*?)</script>', re.S)


def boot_of(page: str) -> dict:
    found = BOOT.search(page)
    assert found, "boot data missing"
    return json.loads(found.group(1))


def test_development_page_carries_the_demo_token_journeys_and_cast() -> None:
    with TestClient(standalone_app(Settings(env="development"), demo_token="tok-123")) as client:
        response = client.get("/kiosk")
    assert response.status_code == 200
    assert '<meta name="lobby-device-token" content="tok-123">' in response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]
    boot = boot_of(response.text)
    assert boot["demo"] is True
    names = {p["key"]: p for p in boot["cast"]}
    assert names["li_xiuying"]["id_number"] == "110105195405200429"
    assert names["emily_clark"]["document"] == "passport"
    assert names["zhang_wei"]["pin"] == "270519" and names["emily_clark"]["pin"] is None  # the demo PIN pad hint
    steps = {s["id"]: s for s in boot["journeys"]["transfer"]["steps"]}
    assert steps["verify"]["label"] == {"zh": "本人验证", "en": "Verification"} and not steps["verify"]["after_write"]
    assert "fraud_payee" not in names  # counterparties are not customers at the kiosk
    assert boot["journeys"]["transfer"]["slots"]["payee_name"] == {"zh": "收款人", "en": "Payee"}


def test_production_page_has_no_token_and_no_cast() -> None:
    settings = Settings(env="production", secret_key="a-real-secret-for-this-test-only-0123456789")
    with TestClient(standalone_app(settings, demo_token="never-shown")) as client:
        page = client.get("/kiosk").text
    assert "lobby-device-token" not in page and "never-shown" not in page
    boot = boot_of(page)
    assert boot["demo"] is False and boot["cast"] == []


def test_static_files_are_served_and_paths_cannot_leave_the_folder() -> None:
    with TestClient(standalone_app(Settings(env="development"))) as client:
        script = client.get("/kiosk/static/kiosk.js")
        assert script.status_code == 200 and "javascript" in script.headers["content-type"]
        assert client.get("/kiosk/static/vendor/qrcode.js").status_code == 200
        assert client.get("/kiosk/static/../../assistant/config.py").status_code == 404
        assert client.get("/kiosk/static/missing.js").status_code == 404


def test_boot_json_cannot_close_its_script_element() -> None:
    page = render_page(token='"><script>alert(1)</script>', demo=False)
    assert "<script>alert(1)" not in page
    assert page.count("</script>") == 2  # the boot data's own and the module script's


def test_progress_bar_steps_hide_internal_checks_and_use_step_titles() -> None:
    steps = {s["id"]: s for s in journey_steps()["transfer"]["steps"]}
    assert steps["precheck"]["label"] is None and steps["screen"]["label"] is None
    assert steps["identify"]["label"] == {"zh": "身份核验", "en": "Identity"}
    assert steps["details"]["label"] == {"zh": "转账信息", "en": "Transfer details"}  # the form's title
    assert steps["confirm"]["label"]["zh"] == "请核对转账信息"
