"""Options of the speech package; composed into `assistant.config.Settings` as `speech`."""

from pydantic import BaseModel, Field


class SpeechOptions(BaseModel):
    """ASR and TTS options (env: `LOBBY_SPEECH__<NAME>`)."""

    asr_device: str = Field("auto", description="auto | cpu | cuda")
    asr_workers: int = Field(1, ge=1, le=8, description="Concurrent ASR jobs per process.")
    asr_model: str = Field("whisper-base", description="Model folder under the models dir, or an absolute path.")
    asr_language: str = Field("zh", description="Default language: zh | en | auto.")
    asr_compute_type: str = Field("auto", description="CTranslate2 compute type; auto = int8 on CPU, float16 on GPU.")
    asr_cpu_threads: int = Field(0, ge=0, le=64, description="Threads per ASR job; 0 = CTranslate2 default.")
    asr_beam_size: int = Field(5, ge=1, le=10)
    asr_bias: str = Field("prompt", description="Vocabulary biasing: prompt | hotwords | both | none.")
    asr_correct: bool = Field(True, description="Apply the pinyin domain corrector and number normalisation.")
    asr_vocabulary: str = Field("", description="Vocabulary file for prompt and correction; empty = packaged.")
    asr_max_audio_s: float = Field(600.0, gt=0, description="Longer inputs are refused, not truncated.")
    asr_max_bytes: int = Field(64 * 1024 * 1024, gt=0, description="Largest encoded upload accepted.")
    stream_end_silence_ms: int = Field(600, ge=100, le=5000, description="Silence that ends an utterance.")
    stream_max_utterance_s: float = Field(15.0, ge=1, le=60, description="An utterance is cut at this length.")
    stream_interim_interval_s: float = Field(1.0, ge=0.2, le=10, description="Interim caption re-decode period.")
    stream_vad_threshold: float = Field(0.5, gt=0, lt=1, description="Silero speech probability threshold.")
