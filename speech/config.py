"""Options of the speech package; composed into `assistant.config.Settings` as `speech`."""

from pydantic import BaseModel, Field


class SpeechOptions(BaseModel):
    """ASR and TTS options (env: `LOBBY_SPEECH__<NAME>`)."""

    asr_device: str = Field("auto", description="auto | cpu | cuda")
    asr_workers: int = Field(1, ge=1, le=8, description="Concurrent ASR jobs per process.")
