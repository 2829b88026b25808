"""The grounded rephraser with a scripted LangChain chat model: used, rejected, down, slow, masked."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field, ValidationError

from assistant.config import Settings
from assistant.llm.config import LlmOptions
from assistant.llm.factory import build_rephraser
from assistant.llm.rephraser import GroundedRephraser

pytestmark = pytest.mark.unit

GROUNDED = "大额存单20万元起存，三年期年利率1.90%。"
SOURCES = ["大额存单20万元起存，三年期年利率1.90%，可转让。"]


class ScriptedChat(BaseChatModel):
    """Answers with the next scripted reply (or raises / sleeps), remembering what it was sent."""

    replies: list[str] = Field(default_factory=list)
    delay_s: float = 0.0
    error: str = ""
    seen: list[list[BaseMessage]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any):
        raise NotImplementedError("async only")

    async def _agenerate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any):
        self.seen.append(messages)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.error:
            raise RuntimeError(self.error)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=self.replies.pop(0)))])


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def rephraser(model: BaseChatModel, clock: Clock | None = None, **options: Any) -> GroundedRephraser:
    return GroundedRephraser(model, LlmOptions(**options), clock=clock or Clock())


async def test_a_faithful_rephrasing_is_used():
    model = ScriptedChat(replies=["“您好，大额存单20万元起存，三年期的年利率是1.90%。”"])
    out = await rephraser(model).rephrase(GROUNDED, "大额存单利率多少", SOURCES, "zh")
    assert out.used_llm and out.reason == "ok"
    assert out.text == "您好，大额存单20万元起存，三年期的年利率是1.90%。"  # wrapping quotes removed


async def test_an_echo_of_the_question_is_not_said():
    grounded = "We open at 09:00 on weekdays."
    model = ScriptedChat(replies=["When do you open? We open at 09:00 on weekdays."])
    out = await rephraser(model).rephrase(grounded, "When do you open?", [grounded], "en")
    assert (out.text, out.used_llm) == (grounded, True)


async def test_a_rephrasing_with_a_wrong_number_falls_back_to_the_grounded_text():
    model = ScriptedChat(replies=["大额存单20万元起存，三年期年利率2.15%，非常划算。"])
    out = await rephraser(model).rephrase(GROUNDED, "大额存单利率多少", SOURCES, "zh")
    assert not out.used_llm
    assert out.text == GROUNDED
    assert out.reason == "rejected:number_not_in_sources:2.15"
    assert "2.15" in out.raw


async def test_an_error_falls_back_and_the_llm_rests_for_the_cooldown():
    clock = Clock()
    model = ScriptedChat(error="connection refused")
    r = rephraser(model, clock, cooldown_s=30)
    first = await r.rephrase(GROUNDED, "q", SOURCES, "zh")
    assert (first.text, first.used_llm, first.reason) == (GROUNDED, False, "llm_error:RuntimeError")
    assert r.status()["state"] == "degraded"
    second = await r.rephrase(GROUNDED, "q", SOURCES, "zh")
    assert second.reason == "llm_cooling_down" and len(model.seen) == 1  # not asked again meanwhile
    clock.now += 31
    model.error, model.replies = "", [GROUNDED]
    third = await r.rephrase(GROUNDED, "q", SOURCES, "zh")
    assert third.used_llm and r.status()["state"] == "ok"


async def test_a_slow_model_times_out_to_the_grounded_text():
    model = ScriptedChat(replies=[GROUNDED], delay_s=5.0)
    out = await rephraser(model, timeout_s=0.05).rephrase(GROUNDED, "q", SOURCES, "zh")
    assert (out.text, out.reason) == (GROUNDED, "timeout")


async def test_personal_data_is_masked_in_the_prompt():
    model = ScriptedChat(replies=[GROUNDED])
    question = "我的手机13911260451，身份证110105198103150319，大额存单利率多少"
    await rephraser(model).rephrase(GROUNDED, question, SOURCES, "zh")
    sent = "\n".join(str(m.content) for m in model.seen[0])
    assert "13911260451" not in sent and "110105198103150319" not in sent
    assert "139****0451" in sent
    assert GROUNDED in sent and SOURCES[0] in sent


async def test_grounded_text_with_personal_data_is_never_sent():
    model = ScriptedChat(replies=["x"])
    out = await rephraser(model).rephrase("您的卡号6217991001001001018已挂失。", "q", [], "zh")
    assert out.reason == "personal_data" and model.seen == []


async def test_english_prompt_asks_for_english():
    grounded = "We open at 09:00 on weekdays."
    model = ScriptedChat(replies=["On weekdays we open at 09:00."])
    out = await rephraser(model).rephrase(grounded, "When do you open?", [grounded], "en")
    assert out.used_llm
    assert "Reply in English only" in str(model.seen[0][0].content)


def test_the_llm_is_off_by_default_and_builds_nothing():
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.llm.enabled is False
    assert build_rephraser(settings.llm, settings.effective_models_dir) is None


def test_settings_read_the_llm_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LOBBY_LLM__ENABLED", "true")
    monkeypatch.setenv("LOBBY_LLM__BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("LOBBY_LLM__MODEL", "qwen")
    monkeypatch.setenv("LOBBY_LLM__API_KEY", "sk-test-key")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.llm.enabled and settings.llm.base_url == "http://127.0.0.1:9/v1"
    assert "sk-test-key" not in str(settings.masked())
    built = build_rephraser(settings.llm, tmp_path)  # builds the client; nothing is contacted yet
    assert isinstance(built, GroundedRephraser)


def test_an_enabled_openai_backend_needs_a_server_and_a_model():
    with pytest.raises(ValidationError, match="LOBBY_LLM__BASE_URL"):
        LlmOptions(enabled=True, backend="openai")


async def test_a_local_backend_without_its_model_answers_grounded(tmp_path):
    options = LlmOptions(enabled=True, backend="local", local_model_path=tmp_path / "missing.gguf")
    built = build_rephraser(options, tmp_path)
    assert built is not None  # start-up does not fail; the model is loaded lazily
    out = await built.rephrase(GROUNDED, "q", SOURCES, "zh")
    assert (out.text, out.reason) == (GROUNDED, "llm_error:LocalLlmUnavailable")
