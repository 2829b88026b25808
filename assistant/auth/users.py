"""Staff accounts over the `users` table: create, find, change password, disable, clear a stored lock."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from assistant.auth.principal import STAFF_ROLES
from assistant.store.db import Database
from assistant.store.sessions import as_utc
from assistant.store.tables import UserRow, utcnow

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")


class UserExists(ValueError):
    """A username that is already taken."""


class InvalidAccount(ValueError):
    """A username, role or skill list that cannot be stored; the message says which."""


@dataclass(frozen=True)
class Account:
    """What the rest of Lobby needs to know about a member of staff (no password hash)."""

    username: str
    role: str
    display_name: str | None
    branch_id: str | None
    skills: tuple[str, ...]
    active: bool
    locked_until: datetime | None

    @classmethod
    def of(cls, row: UserRow) -> Account:
        locked = as_utc(row.locked_until) if row.locked_until is not None else None
        skills = tuple(str(s) for s in (row.skills or []))
        return cls(row.username, row.role, row.display_name, row.branch_id, skills, bool(row.active), locked)

    def to_dict(self) -> dict[str, object]:
        return {
            "username": self.username,
            "role": self.role,
            "display_name": self.display_name,
            "branch_id": self.branch_id,
            "skills": list(self.skills),
            "active": self.active,
            "locked_until": self.locked_until.isoformat() if self.locked_until else None,
        }


def check_account(username: str, role: str, skills: Sequence[str] = ()) -> None:
    if not USERNAME.match(username):
        raise InvalidAccount("a username is 2-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
    if role not in STAFF_ROLES:
        raise InvalidAccount(f"role must be one of {', '.join(STAFF_ROLES)}, not {role!r}")
    for skill in skills:
        if not re.fullmatch(r"[a-z0-9_]{1,32}", skill):
            raise InvalidAccount(f"a skill is 1-32 lower-case letters, digits or '_', not {skill!r}")


class UserStore:
    """Staff accounts. Password hashes are made by the caller (`Passwords`), never here."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(
        self,
        username: str,
        role: str,
        password_hash: str,
        display_name: str | None = None,
        branch_id: str | None = None,
        skills: Sequence[str] = (),
    ) -> Account:
        check_account(username, role, skills)
        row = UserRow(
            username=username,
            role=role,
            password_hash=password_hash,
            display_name=display_name or username,
            branch_id=branch_id,
            skills=list(skills),
            presence="offline",
            active=True,
            failed_logins=0,
            created_at=utcnow(),
        )
        try:
            with self._db.session() as s:
                s.add(row)
        except IntegrityError:
            raise UserExists(f"user {username!r} already exists") from None
        return Account.of(row)

    def get(self, username: str) -> Account | None:
        row = self._row(username)
        return Account.of(row) if row is not None else None

    def password_hash(self, username: str) -> tuple[Account, str] | None:
        """The account and its stored hash, for sign-in only."""
        row = self._row(username)
        return (Account.of(row), row.password_hash) if row is not None else None

    def list(self, role: str | None = None) -> list[Account]:
        query = select(UserRow).order_by(UserRow.username)
        if role:
            query = query.where(UserRow.role == role)
        with self._db.session() as s:
            return [Account.of(row) for row in s.scalars(query)]

    def count(self) -> int:
        with self._db.session() as s:
            return int(s.scalar(select(func.count()).select_from(UserRow)) or 0)

    def set_password(self, username: str, password_hash: str) -> bool:
        return self._update(username, password_hash=password_hash)

    def set_active(self, username: str, active: bool) -> bool:
        return self._update(username, active=active)

    def unlock(self, username: str) -> bool:
        return self._update(username, failed_logins=0, locked_until=None)

    def record_success(self, username: str) -> None:
        """Clear a lock stored by an earlier version (locks now live with the sign-in counters)."""
        self._update(username, failed_logins=0, locked_until=None)

    def _row(self, username: str) -> UserRow | None:
        with self._db.session() as s:
            return s.scalars(select(UserRow).where(UserRow.username == username)).first()

    def _update(self, username: str, **values: object) -> bool:
        with self._db.session() as s:
            result = s.execute(update(UserRow).where(UserRow.username == username).values(**values))
            return bool(result.rowcount)  # type: ignore[attr-defined]
