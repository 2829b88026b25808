"""Passwords, access tokens, device tokens, lock-out counting and roles, without a server."""

from __future__ import annotations

import time

import jwt
import pytest

from assistant.auth import Principal, require
from assistant.auth.limiter import FailureLimiter
from assistant.auth.options import AuthOptions
from assistant.auth.passwords import Passwords, WeakPassword, check_policy
from assistant.auth.tokens import (
    AccessTokens,
    InvalidToken,
    demo_device_token,
    is_device_token,
    new_device_token,
    sha256_hex,
)

pytestmark = pytest.mark.unit
CHEAP = AuthOptions(argon2_time_cost=1, argon2_memory_kib=8192, argon2_parallelism=1)


def test_password_hash_is_argon2id_salted_and_verifies_only_the_right_password():
    passwords = Passwords(CHEAP)
    first, second = passwords.hash("correct horse 1"), passwords.hash("correct horse 1")
    assert first.startswith("$argon2id$") and first != second
    assert passwords.verify(first, "correct horse 1")
    assert not passwords.verify(first, "correct horse 2")
    assert not passwords.verify("not-a-hash", "correct horse 1")
    assert not passwords.verify(None, "correct horse 1")


def test_hash_made_with_other_parameters_needs_a_rehash():
    old = Passwords(CHEAP).hash("correct horse 1")
    assert Passwords(CHEAP.model_copy(update={"argon2_time_cost": 2})).needs_rehash(old)
    assert not Passwords(CHEAP).needs_rehash(old)


@pytest.mark.parametrize("weak", ["short", "aaaaaaaaaaaa", "x" * 300])
def test_password_policy_refuses_weak_passwords(weak):
    with pytest.raises(WeakPassword):
        check_policy(weak)
    check_policy("demo-pass-2026")


def test_access_token_round_trip_and_kind():
    tokens = AccessTokens("secret-one")
    claims = tokens.decode(tokens.issue("teller1", "teller", 60), "access")
    assert (claims.username, claims.role, claims.kind) == ("teller1", "teller", "access")
    session = tokens.issue("teller1", "teller", 60, "session", csrf_token="abc")
    assert tokens.decode(session, "session").csrf_hash == sha256_hex("abc")
    with pytest.raises(InvalidToken):
        tokens.decode(session, "access")  # a cookie token is not a bearer token


def test_every_token_carries_its_own_jti_and_one_without_is_refused():
    tokens = AccessTokens("secret-one")
    first = tokens.decode(tokens.issue("teller1", "teller", 60), "access")
    second = tokens.decode(tokens.issue("teller1", "teller", 60), "access")
    assert first.jti and second.jti and first.jti != second.jti
    key = tokens._key  # a validly signed token that names no jti cannot be revoked, so it is not accepted
    now = int(time.time())
    no_jti = {"sub": "teller1", "role": "teller", "typ": "access", "iss": "lobby", "iat": now, "exp": now + 60}
    with pytest.raises(InvalidToken):
        tokens.decode(jwt.encode(no_jti, key, "HS256"), "access")
    with pytest.raises(InvalidToken):
        tokens.decode(jwt.encode({**no_jti, "jti": "x" * 65}, key, "HS256"), "access")


def test_expired_forged_and_tampered_tokens_are_refused():
    tokens = AccessTokens("secret-one")
    with pytest.raises(InvalidToken, match="expired"):
        tokens.decode(tokens.issue("teller1", "teller", -60), "access")
    with pytest.raises(InvalidToken):
        tokens.decode(AccessTokens("another-secret").issue("admin1", "admin", 60), "access")
    header, _payload, signature = tokens.issue("teller1", "teller", 60).split(".")
    forged_payload = jwt.utils.base64url_encode(b'{"sub":"teller1","role":"admin"}').decode()
    with pytest.raises(InvalidToken):
        tokens.decode(f"{header}.{forged_payload}.{signature}", "access")
    unsigned = jwt.encode(
        {"sub": "a", "role": "admin", "typ": "access", "iss": "lobby", "iat": 1, "exp": 2**40}, None, "none"
    )
    with pytest.raises(InvalidToken):
        tokens.decode(unsigned, "access")


def test_device_tokens_are_random_and_the_demo_token_is_derived():
    a, b = new_device_token(), new_device_token()
    assert a != b and is_device_token(a) and len(a) > 40
    assert demo_device_token("s", "KIOSK-1") == demo_device_token("s", "KIOSK-1")
    assert demo_device_token("s", "KIOSK-1") != demo_device_token("t", "KIOSK-1")
    assert demo_device_token("s", "KIOSK-1") != demo_device_token("s", "KIOSK-2")


def test_limiter_locks_after_n_failures_in_the_window_and_unlocks_later():
    now = [1000.0]
    limiter = FailureLimiter(max_failures=3, window_s=60, lockout_s=300, clock=lambda: now[0])
    assert limiter.fail("u") == 0 and limiter.fail("u") == 0
    now[0] += 61  # the first two fall out of the window
    assert limiter.fail("u") == 0 and limiter.retry_after("u") == 0
    limiter.fail("u")
    assert limiter.fail("u") == 300
    assert limiter.retry_after("u") == 300 and limiter.retry_after("other") == 0
    now[0] += 301
    assert limiter.retry_after("u") == 0


def test_admin_holds_every_role_and_kiosks_read_customer_knowledge():
    admin = Principal("admin1", "admin", "user")
    kiosk = Principal("KIOSK-1", "kiosk", "device", "BJ001", "KIOSK-1")
    assert admin.has_role("teller") and admin.audience == "staff"
    assert not kiosk.has_role("teller") and kiosk.has_role("kiosk") and kiosk.audience == "customer"


def test_require_refuses_unknown_roles_and_keeps_its_roles():
    assert require("teller", "expert").roles == {"teller", "expert"}
    with pytest.raises(ValueError):
        require("banker")


def test_token_lifetime_is_the_configured_one():
    tokens = AccessTokens("k")
    claims = tokens.decode(tokens.issue("u1", "expert", 120), "access")
    assert 110 <= claims.expires_at - time.time() <= 121
