"""Demo accounts outside production: five staff members and the demo kiosk, so a fresh install can be
tried at once. Production never seeds (its operators run `lobby users add` / `lobby devices add`)."""

from __future__ import annotations

from assistant.auth.devices import DeviceStore
from assistant.auth.passwords import Passwords
from assistant.auth.tokens import demo_device_token
from assistant.auth.users import UserExists, UserStore

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - documented demo credential, refused in production
DEMO_BRANCH = "BJ001"
DEMO_KIOSK = "KIOSK-BJ001-01"
# (username, role, display name, skills)
DEMO_STAFF: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("teller1", "teller", "柜员 李明", ("general",)),
    ("expert1", "expert", "远程专家 张敏", ("general", "remote_verification", "risk_review", "loans", "wealth")),
    ("supervisor1", "supervisor", "主管 陈静", ()),
    ("manager1", "manager", "网点经理 王磊", ()),
    ("admin1", "admin", "管理员", ()),
)


def seed_demo_staff(users: UserStore, passwords: Passwords) -> list[str]:
    """Create the demo staff when there are no users at all; returns the usernames created."""
    if users.count():
        return []
    password_hash = passwords.hash(DEMO_PASSWORD)  # one slow hash for all the demo accounts
    created = []
    for username, role, display_name, skills in DEMO_STAFF:
        try:
            users.add(username, role, password_hash, display_name, DEMO_BRANCH, skills)
        except UserExists:  # another replica seeding at the same moment
            continue
        created.append(username)
    return created


def seed_demo_kiosk(devices: DeviceStore, secret: str) -> str:
    """Make sure the demo kiosk's derived token is stored; returns the token for the `/kiosk` page."""
    return devices.add(DEMO_KIOSK, DEMO_BRANCH, token=demo_device_token(secret, DEMO_KIOSK))
