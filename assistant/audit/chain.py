"""The hash chain of the audit log: canonical JSON of a record, chained with the hash before it.

`hash = sha256(prev_hash + canonical_json(record))`, where the record holds its sequence number, time,
actor, role, action, subject and details. Changing any stored field, deleting or reordering a record
breaks the chain at that record; the first record chains to GENESIS.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    """One byte sequence per value: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def normalise_details(details: dict[str, Any] | None) -> dict[str, Any]:
    """Details as they will read back from the database (a JSON round trip), so the hash made on
    write is the hash recomputed on verify. Values that are not JSON (dates, ids) become strings."""
    text = json.dumps(details or {}, ensure_ascii=False, default=str, allow_nan=False)
    parsed: dict[str, Any] = json.loads(text)
    return parsed


def timestamp(at: datetime) -> str:
    """The record time as hashed: UTC, microseconds (what SQLite and PostgreSQL both keep)."""
    moment = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def record_hash(
    prev_hash: str,
    seq: int,
    at: datetime,
    actor: str,
    role: str | None,
    action: str,
    subject: str | None,
    details: dict[str, Any],
) -> str:
    body = {
        "seq": seq,
        "at": timestamp(at),
        "actor": actor,
        "role": role,
        "action": action,
        "subject": subject,
        "details": details,
    }
    return hashlib.sha256((prev_hash + canonical_json(body)).encode()).hexdigest()
