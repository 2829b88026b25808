"""`lobby kb ...` commands and the HTTP endpoints over a small corpus, with the real embedder."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from assistant.api.app import create_app
from assistant.cli import app as cli
from assistant.config import Settings
from tests.conftest import TEST_AUTH, auth_headers

pytestmark = pytest.mark.integration

FAQ = [
    {
        "id": "faq-hours",
        "questions": ["营业时间是几点", "几点开门"],
        "answer": "网点周一至周五 09:00-17:00 营业。周六、周日 09:30-16:00 营业。",
    },
    {
        "id": "faq-lost",
        "questions": ["银行卡丢了怎么办", "卡不见了"],
        "answer": "请立即拨打 955990 临时挂失，5天内带身份证到网点正式挂失。",
    },
    {"id": "staff-auth", "questions": ["大额取现授权阈值"], "answer": "5万元及以上需主管授权。", "audience": "staff"},
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("content")
    (root / "faq.jsonl").write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in FAQ), encoding="utf-8")
    (root / "broken.jsonl").write_text('{"id": "x", "questions": ["q"], "answer": "a"}\n{not json\n')
    return root


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory, corpus) -> dict[str, str]:
    var = tmp_path_factory.mktemp("var")
    return {"LOBBY_VAR_DIR": str(var), "LOBBY_KNOWLEDGE__CONTENT_DIR": str(corpus)}


def run(args: list[str], env: dict[str, str], code: int = 0):
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == code, result.output + str(result.exception)
    return result


def test_cli_ingest_search_ask_stats_eval(cli_env, corpus, tmp_path):
    out = json.loads(run(["kb", "ingest", "--json"], cli_env).stdout)  # bare: the configured content
    assert out["documents"] == 4 and out["errors"] == 1
    assert any(i["path"].endswith("broken.jsonl") and i["line"] == 2 for i in out["issues"])
    changes = json.loads(run(["audit", "list", "--action", "knowledge_change", "--json"], cli_env).stdout)
    assert [r["details"]["documents"] for r in changes] == [4]  # a knowledge change is audited
    run(["kb", "ingest", "--json"], cli_env)  # nothing changed: nothing more audited
    assert len(json.loads(run(["audit", "list", "--action", "knowledge_change", "--json"], cli_env).stdout)) == 1

    found = json.loads(run(["kb", "search", "卡丢了怎么办", "--json", "--k", "2"], cli_env).stdout)
    assert found["results"][0]["doc_id"] == "faq-lost"
    assert {"doc_id", "title", "snippet", "score", "section", "effective_from"} <= set(found["results"][0])
    customer = json.loads(run(["kb", "search", "大额取现授权阈值", "--json"], cli_env).stdout)
    assert "staff-auth" not in [r["doc_id"] for r in customer["results"]]
    staff = json.loads(run(["kb", "search", "大额取现授权阈值", "--audience", "staff", "--json"], cli_env).stdout)
    assert staff["results"][0]["doc_id"] == "staff-auth"

    answer = json.loads(run(["kb", "ask", "你们几点开门", "--json"], cli_env).stdout)
    assert set(answer) >= {"answer", "citations", "confidence", "abstained"}
    if not answer["abstained"]:
        assert answer["citations"][0]["doc_id"] == "faq-hours" and "09:00" in answer["answer"]

    stats = json.loads(run(["kb", "stats", "--json"], cli_env).stdout)
    assert stats["documents"] == 4 and stats["chunks"] == 4 and stats["staff_chunks"] == 1

    devset = tmp_path / "dev.jsonl"
    devset.write_text(
        "\n".join(
            json.dumps(x, ensure_ascii=False)
            for x in [
                {"query": "几点营业", "relevant": ["faq-hours"]},
                {"query": "卡不见了", "relevant": ["faq-lost"]},
                {"query": "火星上有银行吗", "relevant": []},
            ]
        ),
        encoding="utf-8",
    )
    metrics = json.loads(run(["kb", "eval", str(devset), "--json"], cli_env).stdout)
    assert metrics["n"] == 3 and metrics["top1"] == 1.0 and metrics["top5"] == 1.0 and metrics["mrr10"] == 1.0
    assert {"p50_ms", "p95_ms", "abstain_unanswerable", "abstain_answerable"} <= set(metrics)


def test_cli_errors_are_one_clear_line(cli_env, tmp_path):
    result = run(["kb", "search", "x", "--kb", "../etc"], cli_env, code=2)
    assert "invalid knowledge base name" in result.output
    result = run(["kb", "search", "x", "--kb", "never-built"], cli_env, code=2)
    assert "lobby kb ingest" in result.output
    result = run(["kb", "ingest", str(tmp_path / "missing"), "--kb", "other", "--json"], cli_env, code=1)
    assert "no such file" in result.stdout
    result = run(["kb", "search", "x", "--audience", "admin"], cli_env, code=2)
    assert "customer or staff" in result.output


def test_http_search_and_ask_serve_customers_from_the_start_up_build(tmp_path, corpus):
    settings = Settings(env="test", var_dir=tmp_path / "var", auth=TEST_AUTH, _env_file=None)  # type: ignore[call-arg]
    settings.knowledge.content_dir = corpus
    with TestClient(create_app(settings)) as client:
        deadline = time.monotonic() + 120
        while client.app.state.knowledge.state == "building" and time.monotonic() < deadline:
            time.sleep(0.2)
        assert client.app.state.knowledge.state == "ready"
        ready = client.get("/readyz").json()
        assert ready["subsystems"]["knowledge"]["ok"] is True

        kiosk, teller = auth_headers(client, "kiosk"), auth_headers(client, "teller")
        body = client.get("/api/v1/knowledge/search", params={"q": "卡丢了", "k": 2}, headers=kiosk).json()
        assert body["audience"] == "customer" and body["results"][0]["doc_id"] == "faq-lost"
        body = client.get("/api/v1/knowledge/search", params={"q": "大额取现授权阈值"}, headers=kiosk).json()
        assert "staff-auth" not in [r["doc_id"] for r in body["results"]]
        body = client.get("/api/v1/knowledge/search", params={"q": "大额取现授权阈值"}, headers=teller).json()
        assert body["audience"] == "staff" and "staff-auth" in [r["doc_id"] for r in body["results"]]

        answer = client.post("/api/v1/knowledge/ask", json={"question": "银行卡丢了怎么办"}, headers=kiosk).json()
        assert set(answer) >= {"answer", "citations", "confidence", "abstained"}
        assert client.get("/api/v1/knowledge/search", params={"q": ""}, headers=kiosk).status_code == 422
        assert client.post("/api/v1/knowledge/ask", json={"question": "x" * 501}, headers=kiosk).status_code == 422
    with TestClient(create_app(settings)) as client:  # second start: the existing base is loaded, not rebuilt
        assert client.app.state.knowledge.state == "ready"
        body = client.get("/api/v1/knowledge/search", params={"q": "几点开门"}, headers=auth_headers(client)).json()
        assert body["results"][0]["doc_id"] == "faq-hours"


def test_http_says_503_until_a_base_exists(tmp_path):
    settings = Settings(env="test", var_dir=tmp_path / "var", auth=TEST_AUTH, _env_file=None)  # type: ignore[call-arg]
    settings.knowledge.auto_ingest = False
    with TestClient(create_app(settings)) as client:
        response = client.get("/api/v1/knowledge/search", params={"q": "营业时间"}, headers=auth_headers(client))
        assert response.status_code == 503 and "lobby kb ingest" in response.json()["detail"]
        assert client.get("/readyz").json()["subsystems"]["knowledge"]["ok"] is False
