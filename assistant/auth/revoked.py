"""Revoked staff tokens over `revoked_tokens`: the `jti` of each token given up at sign-out.

Staff tokens are stateless JWTs, so signing out must leave a mark the guard can check: one row per
revoked token, looked up by primary key. A row is useless once its token has expired (the signature
check refuses it first), so every revocation also deletes the expired rows: the table holds at most the
tokens revoked within one token lifetime.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assistant.auth.tokens import LEEWAY_S
from assistant.store.db import Database
from assistant.store.tables import RevokedTokenRow, utcnow

# A row outlives its token by the decoder's clock leeway and a minute more, so no token that the
# signature check still accepts can lose its row to clocks that disagree a little.
KEEP_AFTER_EXPIRY = timedelta(seconds=LEEWAY_S + 60)


class RevokedTokenStore:
    """`revoke` marks a token id, `is_revoked` reads the mark, `purge` drops marks of expired tokens."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def revoke(self, jti: str, expires_at: datetime) -> bool:
        """Mark `jti` revoked until `expires_at` (an aware datetime); True when it was not already.
        Purges the expired rows in the same transaction."""
        try:
            with self._db.session() as s:
                self._purge(s, utcnow())
                if s.get(RevokedTokenRow, jti) is not None:
                    return False
                s.add(RevokedTokenRow(jti=jti, expires_at=expires_at, revoked_at=utcnow()))
        except IntegrityError:  # revoked at the same moment by another request: the mark is there
            return False
        return True

    def is_revoked(self, jti: str) -> bool:
        """One primary-key lookup."""
        with self._db.session() as s:
            return s.scalar(select(RevokedTokenRow.jti).where(RevokedTokenRow.jti == jti)) is not None

    def purge(self, now: datetime | None = None) -> int:
        """Delete the rows of tokens expired (with the margin) by `now`; returns how many."""
        with self._db.session() as s:
            return self._purge(s, now or utcnow())

    def count(self) -> int:
        with self._db.session() as s:
            return int(s.scalar(select(func.count()).select_from(RevokedTokenRow)) or 0)

    @staticmethod
    def _purge(s: Session, now: datetime) -> int:
        result = s.execute(delete(RevokedTokenRow).where(RevokedTokenRow.expires_at < now - KEEP_AFTER_EXPIRY))
        return int(result.rowcount)  # type: ignore[attr-defined]
