"""Sign-in decisions on a real SQLite store: no hint which part was wrong, lock-out per username and per
address, locks shared through Redis, tokens that stop working when the account changes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from assistant.auth.access import open_access
from assistant.auth.devices import DeviceStore
from assistant.auth.limiter import SignInLimits
from assistant.auth.options import AuthOptions
from assistant.auth.revoked import RevokedTokenStore
from assistant.auth.service import INVALID_CREDENTIALS, Authenticator, SignInRefused, sign_in_limits
from assistant.auth.tokens import InvalidToken
from assistant.auth.users import UserStore
from assistant.config import Settings
from assistant.store import Database
from tests.conftest import TEST_AUTH

pytestmark = pytest.mark.integration
OPTIONS = TEST_AUTH.model_copy(
    update={"max_failed_sign_ins": 3, "max_failed_sign_ins_per_ip": 5, "principal_cache_s": 0}
)
PASSWORD = "Right-pass-2026"
REDIS_URL = "redis://127.0.0.1:6379/3"  # a database of its own; keys also carry a per-test prefix


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    sqlite_url = f"sqlite:///{tmp_path / 'auth.db'}"
    database = Database(sqlite_url if request.param == "sqlite" else request.getfixturevalue("postgres_url"))
    database.upgrade()
    with database.engine.begin() as conn:  # the PostgreSQL database is shared by the whole run
        conn.execute(text("DELETE FROM users"))
        conn.execute(text("DELETE FROM device_tokens"))
        conn.execute(text("DELETE FROM revoked_tokens"))
    yield database
    database.dispose()


def make_auth(db: Database, options: AuthOptions = OPTIONS, limits: SignInLimits | None = None) -> Authenticator:
    return Authenticator(options, "test-secret", UserStore(db), DeviceStore(db), RevokedTokenStore(db), limits)


@pytest.fixture
def auth(db: Database) -> Authenticator:
    authenticator = make_auth(db)
    authenticator.users.add("teller9", "teller", authenticator.passwords.hash(PASSWORD), "柜员九", "BJ001", ["general"])
    return authenticator


def refused(auth: Authenticator, username: str, password: str, ip: str = "10.0.0.1") -> SignInRefused:
    with pytest.raises(SignInRefused) as caught:
        auth.sign_in(username, password, ip)
    return caught.value


def test_right_password_signs_in(auth: Authenticator):
    account = auth.sign_in("teller9", PASSWORD, "10.0.0.1")
    assert (account.username, account.role, account.skills) == ("teller9", "teller", ("general",))


def test_wrong_password_and_unknown_user_get_the_same_answer(auth: Authenticator):
    wrong_password = refused(auth, "teller9", "Wrong-pass-2026")
    unknown_user = refused(auth, "nobody", PASSWORD)
    assert str(wrong_password) == str(unknown_user) == INVALID_CREDENTIALS
    assert wrong_password.retry_after_s == unknown_user.retry_after_s == 0


def test_username_locks_after_n_failures_even_for_the_right_password(auth: Authenticator):
    for _ in range(3):
        assert refused(auth, "teller9", "Wrong-pass-2026").retry_after_s == 0
    locked = refused(auth, "teller9", PASSWORD)
    assert locked.retry_after_s > 0 and "too many" in str(locked)
    # an unknown name locks the same way, so locks do not reveal which names exist
    for _ in range(3):
        refused(auth, "ghost", "Wrong-pass-2026", ip="10.0.0.2")
    assert refused(auth, "ghost", "x", ip="10.0.0.3").retry_after_s > 0


@pytest.fixture
def redis_options() -> Iterator[AuthOptions]:
    """OPTIONS with a key prefix of this test's own on the real Redis server, deleted afterwards."""
    import redis

    prefix = f"lobby-test:{uuid.uuid4().hex}:"
    yield OPTIONS.model_copy(update={"limit_key_prefix": prefix})
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.mark.redis
def test_a_lock_is_shared_through_redis_for_real_and_made_up_names(db: Database, redis_options: AuthOptions):
    first = make_auth(db, redis_options, sign_in_limits(redis_options, REDIS_URL))
    first.users.add("teller9", "teller", first.passwords.hash(PASSWORD))
    other_replica = make_auth(db, redis_options, sign_in_limits(redis_options, REDIS_URL))
    for name in ("teller9", "ghost"):
        for _ in range(3):
            refused(first, name, "Wrong-pass-2026")
    real, made_up = refused(other_replica, "teller9", PASSWORD, "10.9.9.9"), refused(other_replica, "ghost", "x")
    assert str(real) == str(made_up) and real.retry_after_s > 0 and made_up.retry_after_s > 0
    other_replica.limits.by_user.reset("teller9")  # what `lobby users unlock` does
    assert first.sign_in("teller9", PASSWORD, "10.9.9.9").username == "teller9"
    first.close()
    other_replica.close()


def test_without_redis_the_lock_is_this_processs_and_the_database_holds_none(db: Database, auth: Authenticator):
    """Counting in memory (one replica): no lock is stored with the account, so a real name can never be
    told from a made-up one by a lock that only real names get."""
    for _ in range(3):
        refused(auth, "teller9", "Wrong-pass-2026")
    assert refused(auth, "teller9", PASSWORD).retry_after_s > 0
    assert auth.users.get("teller9").locked_until is None  # type: ignore[union-attr]


def test_address_locks_after_failures_across_usernames(auth: Authenticator):
    for i in range(5):
        refused(auth, f"guess{i}", "Wrong-pass-2026", ip="10.6.6.6")
    assert refused(auth, "teller9", PASSWORD, ip="10.6.6.6").retry_after_s > 0
    assert auth.sign_in("teller9", PASSWORD, "10.7.7.7").username == "teller9"


def test_success_resets_the_count(auth: Authenticator):
    for _ in range(2):
        refused(auth, "teller9", "Wrong-pass-2026")
    auth.sign_in("teller9", PASSWORD, "10.0.0.1")
    for _ in range(2):
        refused(auth, "teller9", "Wrong-pass-2026")
    assert auth.sign_in("teller9", PASSWORD, "10.0.0.1").username == "teller9"


def test_disabled_account_gets_the_same_answer_and_its_tokens_stop(auth: Authenticator):
    token = auth.issue_access_token(auth.sign_in("teller9", PASSWORD, "10.0.0.1")).token
    assert auth.resolve_bearer(token).subject == "teller9"
    auth.users.set_active("teller9", False)
    assert str(refused(auth, "teller9", PASSWORD)) == INVALID_CREDENTIALS
    with pytest.raises(InvalidToken):
        auth.resolve_bearer(token)


def test_stronger_parameters_rehash_on_sign_in(db: Database, auth: Authenticator):
    stronger = make_auth(db, OPTIONS.model_copy(update={"argon2_time_cost": 2}))
    stronger.sign_in("teller9", PASSWORD, "10.0.0.1")
    found = auth.users.password_hash("teller9")
    assert found is not None and "t=2" in found[1]


def test_device_tokens_resolve_until_revoked(auth: Authenticator):
    token = auth.devices.add("KIOSK-X", "BJ002")
    principal = auth.resolve_bearer(token)
    assert (principal.role, principal.kind, principal.device_id, principal.branch_id) == (
        "kiosk",
        "device",
        "KIOSK-X",
        "BJ002",
    )
    auth.devices.revoke("KIOSK-X")
    with pytest.raises(InvalidToken):
        auth.resolve_bearer(token)
    with pytest.raises(InvalidToken):
        auth.resolve_bearer("ldt_made-up")


def test_demo_accounts_are_seeded_outside_production_only(tmp_path: Path, db: Database):
    test_settings = Settings(env="test", var_dir=tmp_path, auth=TEST_AUTH, _env_file=None)  # type: ignore[call-arg]
    access = open_access(test_settings, db)
    assert [a.username for a in access.users.list()] == ["admin1", "expert1", "manager1", "supervisor1", "teller1"]
    assert access.demo_kiosk_token and access.auth.resolve_bearer(access.demo_kiosk_token).device_id == "KIOSK-BJ001-01"
    assert open_access(test_settings, db).demo_kiosk_token == access.demo_kiosk_token  # idempotent
    assert len(access.devices.list()) == 1

    prod_db = Database(f"sqlite:///{tmp_path / 'prod.db'}")
    prod_db.upgrade()
    prod = Settings(env="production", secret_key="a-real-secret-0123456789", var_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    access = open_access(prod, prod_db)
    assert access.demo_kiosk_token is None and access.users.count() == 0 and access.devices.list() == []


def test_a_revoked_token_is_refused_and_other_sign_ins_still_work(db: Database, auth: Authenticator):
    account = auth.sign_in("teller9", PASSWORD, "10.0.0.1")
    revoked, other = auth.issue_access_token(account).token, auth.issue_access_token(account).token
    session = auth.issue_session(account).token
    assert auth.resolve_bearer(revoked).subject == "teller9"
    assert auth.revoke(auth.tokens.decode(revoked, "access")) is True
    assert auth.revoke(auth.tokens.decode(revoked, "access")) is False  # twice is harmless
    with pytest.raises(InvalidToken, match="token revoked"):
        auth.resolve_bearer(revoked)
    assert auth.resolve_bearer(other).subject == "teller9"
    assert auth.resolve_claims(auth.tokens.decode(session, "session")).subject == "teller9"
    with pytest.raises(InvalidToken, match="token revoked"):  # another process, sharing the database
        make_auth(db).resolve_bearer(revoked)


def test_revocation_beats_the_cache_in_this_process(db: Database):
    cached = make_auth(db, OPTIONS.model_copy(update={"principal_cache_s": 300}))
    cached.users.add("teller8", "teller", cached.passwords.hash(PASSWORD))
    account = cached.sign_in("teller8", PASSWORD, "10.0.0.1")
    claims = cached.tokens.decode(cached.issue_access_token(account).token, "access")
    other = cached.tokens.decode(cached.issue_access_token(account).token, "access")
    assert cached.cached_claims(claims) is None  # nothing known yet: resolve_claims must look
    cached.resolve_claims(claims)
    cached.resolve_claims(other)
    assert cached.cached_claims(claims) is not None  # principal and "not revoked" both cached now
    cached.revoke(claims)
    with pytest.raises(InvalidToken, match="token revoked"):
        cached.cached_claims(claims)
    with pytest.raises(InvalidToken, match="token revoked"):
        cached.resolve_claims(claims)
    assert cached.cached_claims(other) is not None and cached.resolve_claims(other).subject == "teller8"


def test_revocations_of_expired_tokens_are_purged(db: Database):
    store = RevokedTokenStore(db)
    now = datetime.now(UTC)
    assert store.revoke("long-expired", now - timedelta(hours=2))
    assert store.is_revoked("long-expired") and store.count() == 1
    assert store.revoke("just-expired", now - timedelta(seconds=1))  # each revocation purges on the way
    assert not store.is_revoked("long-expired") and store.count() == 1
    assert store.revoke("live", now + timedelta(hours=1))
    assert store.is_revoked("just-expired") and store.is_revoked("live")  # within the decoder's leeway: kept
    assert store.purge(now + timedelta(hours=2)) == 2 and store.count() == 0
