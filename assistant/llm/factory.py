"""Builds the process's LangChain chat model and grounded rephraser from `LlmOptions`.

'openai' talks to any OpenAI-compatible server (vLLM in production, Ollama or llama.cpp's server on a
workstation) through `langchain-openai`, with the client's own retries off: a slow answer is worth less
than the grounded text now. 'local' runs the packaged GGUF in-process (see `local.py`). A backend that
cannot be built is logged and left out: the conversation then uses its grounded composer alone.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from langchain_core.language_models import BaseChatModel

from assistant.llm.config import LlmOptions
from assistant.llm.rephraser import GroundedRephraser

log = logging.getLogger(__name__)

PLACEHOLDER_KEY = "not-needed"  # OpenAI-compatible servers without auth accept any key


def make_chat_model(options: LlmOptions, models_dir: Path) -> BaseChatModel:
    """The configured chat model (raises ImportError / speech.assets.AssetError / LocalLlmUnavailable)."""
    if options.backend == "openai":
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(
            base_url=options.base_url,
            model=options.model,
            api_key=options.api_key.get_secret_value() or PLACEHOLDER_KEY,
            timeout=options.timeout_s,
            max_retries=0,
            max_tokens=options.max_tokens,
            temperature=options.temperature,
        )
    from assistant.llm.assets import LOCAL_GGUF
    from assistant.llm.local import LlamaCppChatModel

    path = options.local_model_path or LOCAL_GGUF.prepare(models_dir) / LOCAL_GGUF.joined_name
    return LlamaCppChatModel(
        model_path=str(path),
        n_ctx=options.local_context,
        n_threads=options.local_threads,
        max_tokens=options.max_tokens,
        temperature=options.temperature,
    )


def build_rephraser(options: LlmOptions, models_dir: Path) -> GroundedRephraser | None:
    """The rephraser when the LLM is on and its backend can be built; else None (grounded text only)."""
    if not options.enabled:
        return None
    try:
        model = make_chat_model(options, models_dir)
    except Exception as exc:  # a missing extra or a corrupt model file must not stop the service
        log.warning("llm %s unavailable, grounded answers only: %s", options.backend, exc)
        return None
    load = getattr(model, "load", None)
    if callable(load):  # warm the local model in the background so the first answer need not wait
        threading.Thread(target=_warm, args=(load,), name="llm-warm-up", daemon=True).start()
    return GroundedRephraser(model, options)


def _warm(load: object) -> None:
    try:
        load()  # type: ignore[operator]
    except Exception as exc:
        log.warning("local llm failed to load: %s", exc)
