"""Options of the optional LLM (composed into `assistant.config.Settings` as `llm`: `LOBBY_LLM__<NAME>`).

Off by default: Lobby answers from its grounded composer alone. Turned on, an LLM may only rephrase
text that is already grounded; every output is checked against its sources (see `facts.py`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator


class LlmOptions(BaseModel):
    enabled: bool = Field(False, description="Rephrase grounded answers with an LLM (off: grounded text only).")
    backend: Literal["openai", "local"] = Field(
        "openai", description="'openai': any OpenAI-compatible server (vLLM, Ollama, llama.cpp's); 'local': the GGUF."
    )
    base_url: str = Field("", description="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8001/v1.")
    model: str = Field("", description="Model name the server knows.")
    api_key: SecretStr = Field(SecretStr(""), description="Bearer key of the server; empty sends a placeholder.")
    timeout_s: float = Field(4.0, gt=0, le=900, description="Past this the grounded text is used.")
    max_tokens: int = Field(200, ge=16, le=2048)
    temperature: float = Field(0.2, ge=0, le=2)
    cooldown_s: float = Field(30.0, ge=0, description="After a failure the LLM is skipped this long (no waiting).")
    local_model_path: Path | None = Field(None, description="A GGUF file; default: the packaged one, prepared.")
    local_threads: int = Field(2, ge=1, le=64)
    local_context: int = Field(2048, ge=256, le=32768)

    @model_validator(mode="after")
    def _needs_server(self) -> LlmOptions:
        if self.enabled and self.backend == "openai" and not (self.base_url and self.model):
            raise ValueError("LOBBY_LLM__BASE_URL and LOBBY_LLM__MODEL are needed with LOBBY_LLM__BACKEND=openai")
        return self
