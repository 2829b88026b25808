"""Password hashing with argon2id (argon2-cffi): slow on purpose, salted, parameters inside each hash."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from assistant.auth.options import AuthOptions

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256  # a cap keeps a megabyte "password" from costing a megabyte of hashing


class WeakPassword(ValueError):
    """A new password that the policy refuses; the message says why."""


def check_policy(password: str) -> None:
    """Refuse passwords that are too short, too long or all one character."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(f"a password has at most {MAX_PASSWORD_LENGTH} characters")
    if len(set(password)) < 4:
        raise WeakPassword("a password needs at least 4 different characters")


class Passwords:
    """Hash and verify. An unknown user costs the same argon2 work as a known one, so the time a failed
    sign-in takes does not tell whether the username exists."""

    def __init__(self, options: AuthOptions) -> None:
        self._hasher = PasswordHasher(
            time_cost=options.argon2_time_cost,
            memory_cost=options.argon2_memory_kib,
            parallelism=options.argon2_parallelism,
        )

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        """True when `password` matches; a missing or damaged hash is a mismatch (after the same work)."""
        if len(password) > MAX_PASSWORD_LENGTH:
            return False
        if stored_hash is None:
            self._hasher.hash(password)  # the same argon2 work as a verification, then a mismatch
            return False
        return self._check(stored_hash, password)

    def _check(self, stored_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        """True when the hash was made with other parameters than the configured ones."""
        try:
            return self._hasher.check_needs_rehash(stored_hash)
        except InvalidHashError:
            return True
