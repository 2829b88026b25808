"""Opening the auth side of a runtime: the stores, the authenticator and, outside production, the demo
accounts (staff and the demo kiosk)."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.auth.devices import DeviceStore
from assistant.auth.revoked import RevokedTokenStore
from assistant.auth.seed import seed_demo_kiosk, seed_demo_staff
from assistant.auth.service import Authenticator, sign_in_limits
from assistant.auth.users import UserStore
from assistant.config import Settings
from assistant.logging import get_logger
from assistant.store.db import Database

log = get_logger("lobby.auth")


@dataclass(frozen=True)
class Access:
    users: UserStore
    devices: DeviceStore
    auth: Authenticator
    demo_kiosk_token: str | None


def open_access(settings: Settings, db: Database) -> Access:
    """Blocking (seeding hashes a password): run it off the event loop."""
    users, devices = UserStore(db), DeviceStore(db)
    secret = settings.secret_key.get_secret_value()
    limits = sign_in_limits(settings.auth, settings.redis_url)  # shared by every replica when Redis is set
    auth = Authenticator(settings.auth, secret, users, devices, RevokedTokenStore(db), limits)
    demo_token = None
    if settings.env != "production" and settings.auth.seed_demo:
        created = seed_demo_staff(users, auth.passwords)
        if created:
            log.warning("demo_staff_created", users=created, note="demo passwords; never in production")
        demo_token = seed_demo_kiosk(devices, secret)
    return Access(users, devices, auth, demo_token)
