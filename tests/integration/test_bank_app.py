"""The bank wired into the Lobby app: in-process sandbox by default, readiness check "bank"."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.config import Settings
from integrations.bundle import BankClients, build_bank_clients

pytestmark = pytest.mark.integration


@pytest.mark.slow  # the whole app starts (knowledge, conversation): about a minute on 2 shared cores
def test_app_serves_the_in_process_sandbox_and_reports_it_ready(client: TestClient, settings: Settings):
    bank = client.app.state.bank  # type: ignore[attr-defined]
    assert isinstance(bank, BankClients) and bank.mode == "inprocess"
    assert (settings.var_dir / settings.bank.sandbox_db).exists()
    body = client.get("/readyz").json()
    assert body["subsystems"]["bank"] == {"ok": True, "mode": "inprocess", "service": "sandbox-bank"}
    profile = client.portal.call(bank.customers.profile, "C1004")  # type: ignore[union-attr]
    assert profile.applications[0].missing_documents == ["income_certificate"]


async def test_unreachable_bank_health_is_a_failed_check_not_an_exception(settings: Settings):
    options = settings.bank.model_copy(update={"connect_timeout_s": 0.2, "read_timeout_s": 0.2})
    bank = build_bank_clients("http://127.0.0.1:9", settings.var_dir, options)  # discard port: nothing listens
    try:
        report = await bank.health()
    finally:
        await bank.aclose()
    assert report["ok"] is False and report["mode"] == "http"
    assert "transport" in report["error"] or "timed out" in report["error"]


def test_bad_bank_url_fails_start_up_with_a_clear_message(settings: Settings):
    bad = settings.model_copy(update={"bank_url": "ftp://bank"})
    with pytest.raises(ValueError, match="LOBBY_BANK_URL"), TestClient(create_app(bad)):
        pass
