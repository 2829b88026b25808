"""The packaged GGUF as a LangChain chat model, run in-process by llama-cpp-python (the `llm-local` extra).

Why a small adapter rather than a server: a kiosk node without a GPU server still gets the optional
rephrasing with no second process to run. LangChain runs `_generate` in a worker thread, so the event
loop never waits on llama.cpp; one lock serialises calls because a llama.cpp context is not re-entrant.
The model loads on first use (a second or two from the page cache), or earlier through `load()`.
"""

from __future__ import annotations

import threading
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import PrivateAttr

_ROLES = {"system": "system", "human": "user", "ai": "assistant"}


class LocalLlmUnavailable(RuntimeError):
    """llama-cpp-python is not installed or the GGUF cannot be loaded; the message says what to do."""


class LlamaCppChatModel(BaseChatModel):
    model_path: str
    n_ctx: int = 2048
    n_threads: int = 2
    max_tokens: int = 200
    temperature: float = 0.2
    _llama: Any = PrivateAttr(default=None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": self.model_path, "n_ctx": self.n_ctx, "temperature": self.temperature}

    def load(self) -> Any:
        """The llama.cpp model, loaded once."""
        with self._lock:
            if self._llama is None:
                try:
                    from llama_cpp import Llama
                except ImportError as exc:
                    raise LocalLlmUnavailable(
                        "llama-cpp-python is not installed: pip install 'lobby-assistant[llm-local]'"
                    ) from exc
                try:
                    self._llama = Llama(
                        model_path=self.model_path, n_ctx=self.n_ctx, n_threads=self.n_threads, verbose=False
                    )
                except (ValueError, OSError) as exc:
                    raise LocalLlmUnavailable(f"cannot load {self.model_path}: {exc}") from exc
            return self._llama

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        llama = self.load()
        chat = [{"role": _ROLES.get(m.type, "user"), "content": str(m.content)} for m in messages]
        with self._lock:
            out = llama.create_chat_completion(
                messages=chat, max_tokens=self.max_tokens, temperature=self.temperature, stop=stop
            )
        choice = out["choices"][0]
        text = str(choice["message"].get("content") or "")
        info = {"finish_reason": choice.get("finish_reason"), "usage": out.get("usage", {})}
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text), generation_info=info)])
