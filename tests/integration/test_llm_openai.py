"""The LLM path through the real `langchain-openai` client against an OpenAI-compatible server on loopback.

The server (FastAPI + uvicorn in a thread) answers /v1/chat/completions the way a misbehaving or a
well-behaved model would: a faithful rephrasing of the approved answer it was sent, one with a changed
number, an HTTP 500, or a late answer. The conversation must use only the faithful one.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.config import Settings
from assistant.llm.config import LlmOptions
from assistant.llm.factory import make_chat_model
from assistant.llm.rephraser import GroundedRephraser
from tests.conftest import PREPARED_MODELS

pytestmark = pytest.mark.integration
# One event loop for the async tests: langchain-openai keeps its async HTTP client per process, bound to
# the loop it first ran on (as in the app, where one loop serves every turn).
module_loop = pytest.mark.asyncio(loop_scope="module")

APPROVED = re.compile(r"APPROVED ANSWER: (.*?)\n\nSOURCES:", re.DOTALL)
GROUNDED = "大额存单20万元起存，三年期年利率1.90%。"


@dataclass
class FakeServer:
    """What the fake model does next, and every request it got."""

    mode: str = "faithful"
    delay_s: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def approved(self, index: int = -1) -> str:
        user = self.requests[index]["body"]["messages"][-1]["content"]
        found = APPROVED.search(user)
        assert found, user
        return found.group(1)


def _completion(model: str, text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }


def _fake_app(server: FakeServer) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def complete(request: Request) -> Any:
        body = await request.json()
        server.requests.append({"body": body, "authorization": request.headers.get("authorization")})
        if server.mode == "broken":
            return JSONResponse({"error": {"message": "model crashed", "type": "server_error"}}, status_code=500)
        if server.delay_s:
            import asyncio

            await asyncio.sleep(server.delay_s)
        approved = server.approved()
        english = not re.search(r"[\u4e00-\u9fff]", approved)
        text = ("Sure. " if english else "好的，") + approved
        if server.mode == "wrong_number":
            text = re.sub(r"\d+(?:\.\d+)?", lambda m: str(float(m.group(0)) + 7), text, count=1)
        return _completion(body["model"], text)

    return app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def fake_llm() -> Iterator[FakeServer]:
    server = FakeServer()
    port = _free_port()
    uv = uvicorn.Server(uvicorn.Config(_fake_app(server), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert uv.started, "the fake OpenAI-compatible server did not start"
    server.url = f"http://127.0.0.1:{port}/v1"
    yield server
    uv.should_exit = True
    thread.join(timeout=5)


@pytest.fixture
def llm(fake_llm: FakeServer) -> FakeServer:
    fake_llm.mode, fake_llm.delay_s = "faithful", 0.0
    fake_llm.requests.clear()
    return fake_llm


def rephraser(server: FakeServer, **options: Any) -> GroundedRephraser:
    opts = LlmOptions(enabled=True, base_url=server.url, model="lobby-test", api_key="sk-local", **options)
    return GroundedRephraser(make_chat_model(opts, Path("unused")), opts)


@module_loop
async def test_a_faithful_rephrasing_is_used(llm):
    out = await rephraser(llm).rephrase(GROUNDED, "大额存单利率多少", [GROUNDED], "zh")
    assert (out.text, out.used_llm) == ("好的，" + GROUNDED, True)
    sent = llm.requests[0]
    assert sent["authorization"] == "Bearer sk-local"
    assert sent["body"]["model"] == "lobby-test"
    assert [m["role"] for m in sent["body"]["messages"]] == ["system", "user"]


@module_loop
async def test_a_rephrasing_with_a_wrong_number_is_rejected(llm):
    llm.mode = "wrong_number"
    out = await rephraser(llm).rephrase(GROUNDED, "大额存单利率多少", [GROUNDED], "zh")
    assert (out.text, out.used_llm) == (GROUNDED, False)
    assert out.reason.startswith("rejected:number_not_in_sources:27")
    assert len(llm.requests) == 1  # the model was asked; its answer was refused


@module_loop
async def test_a_server_error_falls_back_without_retrying(llm):
    llm.mode = "broken"
    out = await rephraser(llm).rephrase(GROUNDED, "大额存单利率多少", [GROUNDED], "zh")
    assert (out.text, out.used_llm) == (GROUNDED, False)
    assert out.reason.startswith("llm_error:")
    assert len(llm.requests) == 1  # max_retries=0: a slow fallback helps nobody


@module_loop
async def test_a_late_answer_times_out_to_the_grounded_text(llm):
    llm.delay_s = 2.0
    started = time.perf_counter()
    out = await rephraser(llm, timeout_s=0.3).rephrase(GROUNDED, "大额存单利率多少", [GROUNDED], "zh")
    assert (out.text, out.used_llm) == (GROUNDED, False)
    assert out.reason in ("timeout", "llm_error:APITimeoutError")
    assert time.perf_counter() - started < 1.5


@module_loop
async def test_nothing_reaches_the_server_when_the_grounded_text_holds_personal_data(llm):
    out = await rephraser(llm).rephrase("您的卡号6217991001001001018已挂失。", "q", [], "zh")
    assert out.reason == "personal_data" and llm.requests == []


# --- through the whole app ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def llm_app(tmp_path_factory: pytest.TempPathFactory, built_knowledge: Path, fake_llm: FakeServer):
    var_dir = tmp_path_factory.mktemp("llm-app-var")
    shutil.copytree(built_knowledge, var_dir / "kb")
    options = LlmOptions(enabled=True, base_url=fake_llm.url, model="lobby-test", timeout_s=5, cooldown_s=600)
    models_dir = Path(os.environ.get("LOBBY_MODELS_DIR", PREPARED_MODELS))
    settings = Settings(env="test", var_dir=var_dir, models_dir=models_dir, llm=options, _env_file=None)  # type: ignore[call-arg]
    with TestClient(create_app(settings)) as client:
        yield client


def _kiosk(client: TestClient) -> dict[str, str]:
    """The demo kiosk's credentials where the app requires them."""
    token = getattr(client.app.state, "demo_kiosk_token", None)  # type: ignore[attr-defined]
    return {"Authorization": f"Bearer {token}"} if token else {}


def _ask(client: TestClient, text: str) -> dict[str, Any]:
    headers = _kiosk(client)
    created = client.post("/api/v1/sessions", json={"channel": "kiosk", "branch_id": "BJ001"}, headers=headers)
    assert created.status_code == 201, created.text
    sid = created.json()["session_id"]
    response = client.post(f"/api/v1/sessions/{sid}/turns", json={"text": text}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.slow
def test_the_app_speaks_the_faithful_rephrasing_with_its_citations(llm_app, llm):
    turn = _ask(llm_app, "大额存单的利率是多少")
    approved = llm.approved()
    assert turn["reply"]["text"] == "好的，" + approved
    assert "1.90%" in turn["reply"]["text"]
    assert turn["reply"]["citations"] and turn["reply"]["cards"][0]["type"] == "citations"
    assert "llm" in turn["latency_ms"]


@pytest.mark.slow
def test_the_app_keeps_the_grounded_answer_when_the_llm_changes_a_number(llm_app, llm):
    llm.mode = "wrong_number"
    turn = _ask(llm_app, "What are your opening hours on weekdays?")
    assert len(llm.requests) == 1
    assert turn["reply"]["text"] == llm.approved()  # exactly the grounded composer's text
    assert turn["reply"]["language"] == "en" and turn["reply"]["citations"]


@pytest.mark.slow
def test_the_app_answers_grounded_when_the_llm_is_down(llm_app, llm):
    llm.mode = "broken"
    first = _ask(llm_app, "你们周六几点开门")
    assert "09:30" in first["reply"]["text"] and first["reply"]["citations"]
    assert not first["reply"]["text"].startswith("好的，")
    second = _ask(llm_app, "你们周六几点开门")  # cooling down: the server is not asked again
    assert second["reply"]["text"] == first["reply"]["text"]
    assert len(llm.requests) == 1
