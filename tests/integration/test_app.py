"""The app's health, readiness and metrics endpoints over ASGI."""

import pytest

pytestmark = pytest.mark.integration


def test_healthz_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_readyz_reports_each_subsystem(client):
    response = client.get("/readyz")
    body = response.json()
    assert {"store", "models"} <= set(body["subsystems"])
    assert body["subsystems"]["store"]["ok"] is True
    assert body["subsystems"]["store"]["revision"] == body["subsystems"]["store"]["head"]
    assert response.status_code == (200 if body["ready"] else 503)


def test_request_id_is_echoed_or_made(client):
    made = client.get("/healthz").headers["x-request-id"]
    assert len(made) == 32
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"
    assert client.get("/healthz", headers={"X-Request-ID": "bad id!"}).headers["x-request-id"] != "bad id!"


def test_metrics_are_prometheus_text(client):
    client.get("/healthz")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 'lobby_http_requests_total{method="GET",route="/healthz",status="200"}' in response.text
