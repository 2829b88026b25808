"""PIN hashing for the sandbox bank: salted scrypt (stdlib `hashlib.scrypt`), compared in constant time.

A real core-banking system keeps PINs in a hardware security module; the sandbox keeps what a careful
bank back-end would at the least: never the PIN, only `scrypt$n$r$p$salt$hash` with a random salt per
account. The cost (n = 2**14, 16 MiB) is the usual interactive setting; hashes are made once per process
and account at seeding (a sandbox reset re-seeds often) with a fresh salt each process.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

N, R, P = 2**14, 8, 1
KEY_BYTES = 32


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _derive(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=KEY_BYTES)


def hash_pin(pin: str) -> str:
    salt = os.urandom(16)
    return f"scrypt${N}${R}${P}${_b64(salt)}${_b64(_derive(pin, salt, N, R, P))}"


@lru_cache(maxsize=64)
def seeded_hash(account_id: str, pin: str) -> str:
    """The hash written at seeding: one per account and process (resets do not pay for scrypt again)."""
    return hash_pin(pin)


def verify_pin(stored: str, pin: str) -> bool:
    """True when `pin` matches the stored hash; a damaged hash is a mismatch."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        derived = _derive(pin, base64.b64decode(salt), int(n), int(r), int(p))
        return hmac.compare_digest(derived, base64.b64decode(digest))
    except (ValueError, TypeError):
        return False
