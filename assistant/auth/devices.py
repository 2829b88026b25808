"""Kiosk device tokens over `device_tokens`: only the sha256 of a token is stored; revoking is a date."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from assistant.auth.tokens import new_device_token, sha256_hex
from assistant.store.db import Database
from assistant.store.sessions import as_utc
from assistant.store.tables import DeviceTokenRow, utcnow

DEVICE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class InvalidDevice(ValueError):
    """A device id that cannot be stored."""


@dataclass(frozen=True)
class Device:
    device_id: str
    branch_id: str | None
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, row: DeviceTokenRow) -> Device:
        revoked = as_utc(row.revoked_at) if row.revoked_at is not None else None
        return cls(row.device_id, row.branch_id, as_utc(row.created_at), revoked)

    def to_dict(self) -> dict[str, object]:
        return {
            "device_id": self.device_id,
            "branch_id": self.branch_id,
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


class DeviceStore:
    """Kiosk credentials. A device may hold several tokens (a replacement before the old one is revoked)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, device_id: str, branch_id: str | None = None, token: str | None = None) -> str:
        """Store a token for the device and return it (the only time it is seen); `token` is for the
        derived demo token, which is stored once however often start-up runs."""
        if not DEVICE_ID.match(device_id):
            raise InvalidDevice("a device id is 1-64 letters, digits, '.', '_' or '-'")
        token = token or new_device_token()
        digest = sha256_hex(token)
        with self._db.session() as s:
            exists = s.scalars(select(DeviceTokenRow.id).where(DeviceTokenRow.token_hash == digest)).first()
            if exists is None:
                s.add(DeviceTokenRow(device_id=device_id, branch_id=branch_id, token_hash=digest, created_at=utcnow()))
        return token

    def resolve(self, token: str) -> Device | None:
        """The device holding this token, unless revoked."""
        with self._db.session() as s:
            row = s.scalars(
                select(DeviceTokenRow).where(
                    DeviceTokenRow.token_hash == sha256_hex(token), DeviceTokenRow.revoked_at.is_(None)
                )
            ).first()
            return Device.of(row) if row is not None else None

    def list(self) -> list[Device]:
        with self._db.session() as s:
            rows = s.scalars(select(DeviceTokenRow).order_by(DeviceTokenRow.device_id, DeviceTokenRow.id))
            return [Device.of(row) for row in rows]

    def revoke(self, device_id: str) -> int:
        """Revoke every live token of the device; returns how many."""
        with self._db.session() as s:
            result = s.execute(
                update(DeviceTokenRow)
                .where(DeviceTokenRow.device_id == device_id, DeviceTokenRow.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
            return int(result.rowcount)  # type: ignore[attr-defined]
