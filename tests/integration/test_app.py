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


def test_huge_bodies_are_refused_with_413(client):
    response = client.post(
        "/api/v1/sessions/x/turns",
        content=b'{"text": "' + b"a" * 2_000_000 + b'"}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]


def test_huge_chunked_bodies_are_refused_with_413(client):
    def chunks():
        for _ in range(40):
            yield b"x" * 100_000

    response = client.post("/api/v1/sessions/x/turns", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
