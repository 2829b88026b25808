"""The recording store on disk and on a real S3-compatible server, the Opus encoding of real speech,
the sha256 in the audit chain, playback checked against it, and the retention purge."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from assistant.audit import AuditLog
from assistant.recording import codec
from assistant.recording.capture import Capture, Heard, Spoken
from assistant.recording.options import RecordingOptions
from assistant.recording.service import NoRecording, Recordings, Tampered, audio_key
from assistant.recording.store import RecordingMissing, RecordingStore, open_store
from assistant.recording.timeline import Timeline
from assistant.store import Database
from speech.audio import load_audio
from tests.integration.s3_server import s3_endpoint

pytestmark = pytest.mark.integration
CLIP = Path(__file__).parent / "test_asr_clips" / "zh_balance.wav"
__all__ = ["s3_endpoint"]  # the fixture, used by name


def s3_options(endpoint: str) -> RecordingOptions:
    return RecordingOptions(
        store="s3",
        s3_endpoint_url=endpoint,
        s3_bucket=f"rec-{uuid.uuid4().hex[:12]}",
        s3_access_key_id="test",
        s3_secret_access_key="test",  # type: ignore[arg-type]
    )


@pytest.fixture(params=["disk", "s3"])
def options(request: pytest.FixtureRequest, tmp_path: Path) -> RecordingOptions:
    if request.param == "s3":
        return s3_options(request.getfixturevalue("s3_endpoint"))
    return RecordingOptions(dir=tmp_path / "recordings")


@pytest.fixture
def store(options: RecordingOptions, tmp_path: Path) -> RecordingStore:
    return open_store(options, tmp_path)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'lobby.db'}")
    database.upgrade()
    yield database
    database.dispose()


def speech_capture(session_id: str) -> Capture:
    """A visit: the customer's real recorded speech, then the avatar's (the same clip, quieter) answer."""
    clip = np.asarray(np.clip(load_audio(CLIP), -1, 1) * 32767, dtype=np.int16)
    clock = iter(float(i) for i in range(1000))
    timeline = Timeline(max_samples=16000 * 600, clock=lambda: next(clock) * 0.0)  # a still clock: no gaps
    timeline.mic(clip.tobytes())
    start, end = timeline.avatar((clip // 2).astype(np.int16))
    capture = Capture(session_id, timeline, datetime.now(UTC))
    capture.heard.append(Heard("我想查余额", 0, clip.size))
    capture.spoken.append(Spoken("r2", "好的，请稍等。", start, end))
    return capture


def envelope(samples: np.ndarray) -> np.ndarray:
    """Loudness per 20 ms (codec delay and phase do not matter to it)."""
    frames = samples[: samples.size // 320 * 320].reshape(-1, 320)
    return np.sqrt((frames.astype(np.float64) ** 2).mean(axis=1))


class Turn:
    def __init__(self, seq: int, speaker: str, text: str, source: str) -> None:
        self.seq, self.speaker, self.text, self.source = seq, speaker, text, source


TURNS = [
    Turn(1, "assistant", "您好", "system"),
    Turn(2, "customer", "[consent]", "device"),
    Turn(3, "customer", "我想查余额", "speech"),
    Turn(4, "assistant", "好的，请稍等。", "system"),
]


def test_objects_round_trip_list_and_delete(store: RecordingStore) -> None:
    store.put("s1/001.ogg", b"OggS-audio", "audio/ogg")
    store.put("s1/001.json", b"{}", "application/json")
    store.put("s2/001.ogg", b"other", "audio/ogg")
    assert store.get("s1/001.ogg") == b"OggS-audio"
    assert [o.key for o in store.list("s1/")] == ["s1/001.json", "s1/001.ogg"]
    assert [o.size for o in store.list("s2/")] == [5]
    store.delete("s1/001.ogg")
    with pytest.raises(RecordingMissing):
        store.get("s1/001.ogg")
    assert [o.key for o in store.list()] == ["s1/001.json", "s2/001.ogg"]
    for bad in ("../x.ogg", "/abs.ogg", "a//b.ogg", "a/../../b"):
        with pytest.raises(ValueError):
            store.put(bad, b"x", "audio/ogg")


def test_a_visit_is_stored_as_opus_with_its_hash_chained(store: RecordingStore, db: Database) -> None:
    audit = AuditLog(db)
    recordings = Recordings(RecordingOptions(), store, audit)
    sid = str(uuid.uuid4())
    manifest = recordings.store_capture(speech_capture(sid), TURNS)  # type: ignore[arg-type]
    assert manifest is not None and manifest["part"] == 1 and manifest["codec"] == "opus"
    data = store.get(audio_key(sid, 1))
    assert data[:4] == b"OggS" and codec.sha256(data) == manifest["sha256"]
    samples, rate = codec.decode(data)
    clip = load_audio(CLIP)
    assert rate == 16000 and samples.shape[1] == 2
    # the customer's words, then the avatar's answer after them on the same clock
    assert abs(samples.shape[0] - 2 * clip.size) < 16000 * 0.1 and manifest["duration_s"] == 2 * clip.size / 16000
    n = clip.size - 960  # speech survives the encoding: each channel follows its audio's envelope
    assert np.corrcoef(envelope(samples[:n, 0]), envelope(clip[:n]))[0, 1] > 0.8
    assert np.corrcoef(envelope(samples[clip.size : clip.size + n, 1]), envelope(clip[:n]))[0, 1] > 0.8
    assert np.abs(samples[clip.size + 1600 :, 0]).max() < 0.01  # the customer was silent while it answered
    assert manifest["bytes"] < (2 * clip.size) * 2 * 2 / 10  # 10x smaller than the same as 16-bit stereo PCM
    entry = audit.list(limit=1, action="recording_store")[0]
    assert entry.subject == sid and entry.details["sha256"] == manifest["sha256"] and entry.seq == manifest["audit_seq"]
    assert audit.verify().ok
    assert [(s["seq"], s["channel"]) for s in manifest["segments"]] == [(3, "customer"), (4, "avatar")]
    played = recordings.playback(sid)
    assert played.verified and played.data == data
    with pytest.raises(NoRecording):
        recordings.playback(sid, part=2)
    with pytest.raises(NoRecording):
        recordings.playback("no-such-session")


def test_altered_audio_is_refused(store: RecordingStore, db: Database) -> None:
    recordings = Recordings(RecordingOptions(), store, AuditLog(db))
    sid = str(uuid.uuid4())
    recordings.store_capture(speech_capture(sid), TURNS)  # type: ignore[arg-type]
    data = bytearray(store.get(audio_key(sid, 1)))
    data[-10] ^= 0xFF
    store.put(audio_key(sid, 1), bytes(data), "audio/ogg")
    with pytest.raises(Tampered):
        recordings.playback(sid)
    # rewriting the manifest's hash too does not help: the audit chain still holds the original
    key = audio_key(sid, 1).replace(".ogg", ".json")
    manifest = json.loads(store.get(key))
    store.put(key, json.dumps({**manifest, "sha256": codec.sha256(bytes(data))}).encode(), "application/json")
    with pytest.raises(Tampered):
        recordings.playback(sid)


def test_a_resumed_visit_gets_a_second_part(store: RecordingStore, db: Database) -> None:
    recordings = Recordings(RecordingOptions(), store, AuditLog(db))
    sid = str(uuid.uuid4())
    recordings.store_capture(speech_capture(sid), TURNS)  # type: ignore[arg-type]
    recordings.store_capture(speech_capture(sid), TURNS)  # type: ignore[arg-type]
    assert [m["part"] for m in recordings.parts(sid)] == [1, 2]
    assert recordings.playback(sid, part=2).verified


def test_purge_deletes_past_retention_audits_and_reports(store: RecordingStore, db: Database) -> None:
    audit = AuditLog(db)
    recordings = Recordings(RecordingOptions(retention_days=30), store, audit)
    old, recent = str(uuid.uuid4()), str(uuid.uuid4())
    recordings.store_capture(speech_capture(old), TURNS)  # type: ignore[arg-type]
    manifest_key = audio_key(old, 1).replace(".ogg", ".json")
    manifest = json.loads(store.get(manifest_key))
    aged = (datetime.now(UTC) - timedelta(days=31)).isoformat()
    store.put(manifest_key, json.dumps({**manifest, "stored_at": aged}).encode(), "application/json")
    recordings.store_capture(speech_capture(recent), TURNS)  # type: ignore[arg-type]

    dry = recordings.purge(dry_run=True)
    assert dry["purged_count"] == 1 and recordings.parts(old)
    report = recordings.purge()
    assert report["purged_count"] == 1 and report["kept"] == 1 and report["retention_days"] == 30
    assert report["purged"][0]["session_id"] == old and report["bytes_freed"] == manifest["bytes"]
    assert recordings.parts(old) == [] and [o.key for o in store.list(f"{old}/")] == []
    assert recordings.playback(recent).verified
    purge_entry = audit.list(limit=1, action="recording_purge")[0]
    assert purge_entry.subject == old and purge_entry.details["sha256"] == manifest["sha256"]
    assert audit.verify().ok
    # as of 31 days later, the recent one goes too
    later = recordings.purge(now=datetime.now(UTC) + timedelta(days=31))
    assert later["purged_count"] == 1 and store.list() == []


def test_lobby_recordings_purge_reports_and_audits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from assistant.cli import app

    var = tmp_path / "var"
    monkeypatch.chdir(tmp_path)  # no .env of the working tree
    monkeypatch.setenv("LOBBY_VAR_DIR", str(var))
    monkeypatch.setenv("LOBBY_RECORDING__RETENTION_DAYS", "30")
    var.mkdir()
    database = Database(f"sqlite:///{var / 'lobby.db'}")
    database.upgrade()
    recordings = Recordings(
        RecordingOptions(retention_days=30), open_store(RecordingOptions(), var), AuditLog(database)
    )
    sid = str(uuid.uuid4())
    manifest = recordings.store_capture(speech_capture(sid), TURNS)  # type: ignore[arg-type]
    assert manifest is not None and (var / "recordings" / sid / "001.ogg").is_file()
    database.dispose()

    runner = CliRunner()
    kept = runner.invoke(app, ["recordings", "purge"])
    assert kept.exit_code == 0 and "purged 0 recording(s)" in kept.output and "1 kept" in kept.output
    later = (datetime.now(UTC) + timedelta(days=31)).strftime("%Y-%m-%dT%H:%M:%S")
    result = runner.invoke(app, ["recordings", "purge", "--now", later, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["purged_count"] == 1 and report["purged"][0]["session_id"] == sid
    assert report["bytes_freed"] == manifest["bytes"] and not (var / "recordings" / sid).exists()
    database = Database(f"sqlite:///{var / 'lobby.db'}")
    entry = AuditLog(database).list(limit=1, action="recording_purge")[0]
    assert entry.subject == sid and entry.actor.startswith("cli:") and AuditLog(database).verify().ok
    database.dispose()
