"""Recordings of visits: store one (encode, hash into the audit chain, write), read one back checked
against its hash, and purge those past retention.

A recording is two objects in the store: `<session>/<part>.ogg` (Opus) and `<session>/<part>.json` (the
manifest: sha256, duration, per-turn segments, the audit record that holds the hash), and the camera
stills of the part, `<session>/<part>-still-<n>.jpg`, each with its own `recording_still` audit record. A visit resumed
after a dropped socket gets a further part. The audit record is written before the manifest: a recording
whose hash could not be chained is deleted again, so every kept recording can be checked.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from assistant.audit import AuditLog
from assistant.recording import codec
from assistant.recording.capture import Capture, TurnLike, segments
from assistant.recording.options import RecordingOptions
from assistant.recording.stills import turn_of
from assistant.recording.store import RecordingMissing, RecordingStore

log = logging.getLogger(__name__)
ACTOR = "system:recorder"
STILL_MIME = "image/jpeg"
SESSION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
Transcript = Callable[[str], Awaitable[list[TurnLike]]]


class NoRecording(LookupError):
    """No recording (or no such part) for the session."""


class Tampered(RuntimeError):
    """The stored audio does not hash to what the audit chain holds."""


@dataclass(frozen=True)
class Playback:
    data: bytes
    manifest: dict[str, Any]
    verified: bool


def audio_key(session_id: str, part: int) -> str:
    if not SESSION_ID.match(session_id):
        raise NoRecording(session_id)
    return f"{session_id}/{part:03d}.ogg"


def manifest_key(session_id: str, part: int) -> str:
    return audio_key(session_id, part)[: -len(".ogg")] + ".json"


def still_key(session_id: str, part: int, n: int) -> str:
    return audio_key(session_id, part)[: -len(".ogg")] + f"-still-{n:02d}.jpg"


def _base(key: str) -> str:
    """The part an audio or still object belongs to: `<session>/<part>`."""
    return key.rsplit(".", 1)[0].split("-still-")[0]


class Recordings:
    def __init__(
        self,
        options: RecordingOptions,
        store: RecordingStore,
        audit: AuditLog | None,
        transcript: Transcript | None = None,
        after_store: Callable[[str], None] | None = None,
    ) -> None:
        self.options, self.store, self.audit, self.transcript = options, store, audit, transcript
        self.after_store = after_store  # e.g. review an ended visit again: its compliance pass sees the recording

    # -- storing -----------------------------------------------------------------------------------

    async def save(self, capture: Capture) -> dict[str, Any] | None:
        turns: list[TurnLike] = []
        if self.transcript is not None:
            try:
                turns = await self.transcript(capture.session_id)
            except Exception as exc:  # the audio is kept; its segments are then empty
                log.warning("recording: no transcript for %s: %r", capture.session_id, exc)
        return await asyncio.to_thread(self.store_capture, capture, turns)

    def store_capture(self, capture: Capture, turns: list[TurnLike]) -> dict[str, Any] | None:
        """Blocking: encode, write, chain the hash, write the manifest."""
        timeline = capture.timeline
        if timeline.duration_samples < codec.RATE // 10:
            return None
        data = codec.encode(timeline.tracks(), self.options.bitrate_kbps)
        digest = codec.sha256(data)
        sid = capture.session_id
        part = len(self.parts(sid)) + 1
        key = audio_key(sid, part)
        duration = round(timeline.duration_samples / codec.RATE, 3)
        self.store.put(key, data, codec.MIME)
        details = {"session_id": sid, "part": part, "key": key, "sha256": digest, "bytes": len(data)}
        seq: int | None = None
        try:
            if self.audit is not None:
                seq = self.audit.record(ACTOR, None, "recording_store", sid, {**details, "duration_s": duration}).seq
        except Exception:
            self.store.delete(key)  # a recording whose hash is not chained is not kept
            raise
        stills = self._store_stills(capture, part, turns)
        manifest = {
            **details,
            "codec": codec.CODEC,
            "mime": codec.MIME,
            "sample_rate": codec.RATE,
            "channels": ["customer", "avatar"],
            "duration_s": duration,
            "consented_at": capture.consented_at.isoformat(),
            "stored_at": datetime.now(UTC).isoformat(),
            "truncated": timeline.truncated,
            "audit_seq": seq,
            "segments": segments(capture, turns),
            "stills": stills,
        }
        self.store.put(manifest_key(sid, part), json.dumps(manifest).encode(), "application/json")
        log.info("recording: stored %s part %d (%.1f s, %d bytes)", sid, part, duration, len(data))
        if self.after_store is not None:
            try:
                self.after_store(sid)
            except Exception as exc:  # the recording is kept either way
                log.warning("recording: after-store hook failed for %s: %r", sid, exc)
        return manifest

    def _store_stills(self, capture: Capture, part: int, turns: list[TurnLike]) -> list[dict[str, Any]]:
        """Write each still and chain its hash; a still whose hash cannot be chained is not kept."""
        kept = []
        sid = capture.session_id
        for n, still in enumerate(capture.stills, 1):
            key = still_key(sid, part, n)
            digest = codec.sha256(still.jpeg)
            offset = round(still.position / codec.RATE, 3)
            entry = {"n": n, "key": key, "sha256": digest, "bytes": len(still.jpeg), "event": still.event}
            try:  # a still that cannot be kept never costs the visit its audio
                entry |= {"seq": turn_of(still, list(turns)), "offset_s": offset}
                self.store.put(key, still.jpeg, STILL_MIME)
                if self.audit is not None:
                    details = {"session_id": sid, "part": part, **entry}
                    entry["audit_seq"] = self.audit.record(ACTOR, None, "recording_still", sid, details).seq
            except Exception as exc:
                self.store.delete(key)
                log.warning("recording: still %d of %s not kept (its hash is not in the chain): %r", n, sid, exc)
                continue
            kept.append(entry)
        return kept

    # -- reading -----------------------------------------------------------------------------------

    def parts(self, session_id: str) -> list[dict[str, Any]]:
        """The manifests of a session's recording, part 1 first; [] when none."""
        if not SESSION_ID.match(session_id):
            return []
        found = []
        for obj in self.store.list(f"{session_id}/"):
            if obj.key.endswith(".json"):
                try:
                    found.append(json.loads(self.store.get(obj.key)))
                except (RecordingMissing, ValueError):
                    continue
        return sorted(found, key=lambda m: int(m.get("part", 0)))

    def playback(self, session_id: str, part: int = 1) -> Playback:
        """The audio of one part, checked against the hash in its manifest and in the audit chain."""
        manifest = next((m for m in self.parts(session_id) if m.get("part") == part), None)
        if manifest is None:
            raise NoRecording(session_id)
        try:
            data = self.store.get(audio_key(session_id, part))
        except RecordingMissing:
            raise NoRecording(session_id) from None
        digest = codec.sha256(data)
        chained = self._chained_hash(manifest)
        if digest != manifest.get("sha256") or (chained is not None and chained != digest):
            raise Tampered(f"recording {session_id} part {part}: sha256 {digest} is not the recorded one")
        return Playback(data, manifest, verified=chained == digest)

    def still(self, session_id: str, part: int, n: int) -> Playback:
        """One camera still, checked against the hash its audit record holds; its entry is the manifest."""
        manifest = next((m for m in self.parts(session_id) if m.get("part") == part), None)
        entry = next((e for e in (manifest or {}).get("stills", []) if e.get("n") == n), None)
        if manifest is None or entry is None:
            raise NoRecording(session_id)
        try:
            data = self.store.get(still_key(session_id, part, n))
        except RecordingMissing:
            raise NoRecording(session_id) from None
        digest = codec.sha256(data)
        chained = self._chained_hash({**entry, "session_id": session_id}, "recording_still")
        if digest != entry.get("sha256") or (chained is not None and chained != digest):
            raise Tampered(f"still {n} of {session_id} part {part}: sha256 {digest} is not the recorded one")
        return Playback(data, {**entry, "part": part, "mime": STILL_MIME}, verified=chained == digest)

    def _chained_hash(self, manifest: dict[str, Any], action: str = "recording_store") -> str | None:
        """The sha256 the audit record of this recording (or still) holds (None without an audit log)."""
        seq = manifest.get("audit_seq")
        if self.audit is None or not isinstance(seq, int):
            return None
        entries = self.audit.list(limit=1, action=action, before_seq=seq + 1)
        entry = entries[0] if entries else None
        if entry is None or entry.seq != seq or entry.subject != manifest.get("session_id"):
            return ""  # the record is gone or is another one: never equal to a real hash
        return str(entry.details.get("sha256", ""))

    # -- retention ---------------------------------------------------------------------------------

    def purge(self, now: datetime | None = None, dry_run: bool = False, actor: str = ACTOR) -> dict[str, Any]:
        """Delete every recording stored before now - retention_days; each deletion is audited."""
        now = now or datetime.now(UTC)
        cutoff = now - timedelta(days=self.options.retention_days)
        objects = self.store.list()
        manifests = [o for o in objects if o.key.endswith(".json")]
        described = {o.key[: -len(".json")] for o in manifests}
        purged: list[dict[str, Any]] = []
        kept = 0
        for obj in manifests:
            try:
                manifest = json.loads(self.store.get(obj.key))
                stored = datetime.fromisoformat(str(manifest["stored_at"]))
            except (RecordingMissing, ValueError, KeyError):
                manifest, stored = {}, obj.modified
            if stored >= cutoff:
                kept += 1
                continue
            base = obj.key[: -len(".json")]
            item = {
                "session_id": manifest.get("session_id", base.split("/")[0]),
                "part": manifest.get("part"),
                "sha256": manifest.get("sha256"),
                "bytes": manifest.get("bytes", 0),
                "stored_at": stored.isoformat(),
            }
            if not dry_run:
                self.store.delete(base + ".ogg")
                for still in manifest.get("stills", []):
                    self.store.delete(str(still.get("key")))
                self.store.delete(obj.key)
                if self.audit is not None:
                    self.audit.record(actor, None, "recording_purge", str(item["session_id"]), item)
            purged.append(item)
        # audio whose manifest was never written (a crash between the two): purged by its own age
        orphans = [o for o in objects if o.key.endswith((".ogg", ".jpg")) and _base(o.key) not in described]
        for obj in orphans:
            if obj.modified < cutoff:
                if not dry_run:
                    self.store.delete(obj.key)
                purged.append({"key": obj.key, "bytes": obj.size, "stored_at": obj.modified.isoformat()})
        return {
            "store": self.store.name,
            "retention_days": self.options.retention_days,
            "cutoff": cutoff.isoformat(),
            "dry_run": dry_run,
            "purged": purged,
            "purged_count": len(purged),
            "bytes_freed": sum(int(p.get("bytes") or 0) for p in purged),
            "kept": kept,
        }
