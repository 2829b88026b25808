"""Who is calling: a signed-in member of staff or a kiosk device, and the roles Lobby knows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["kiosk", "teller", "expert", "supervisor", "manager", "admin"]
ROLES: tuple[str, ...] = ("kiosk", "teller", "expert", "supervisor", "manager", "admin")
STAFF_ROLES: tuple[str, ...] = ("teller", "expert", "supervisor", "manager", "admin")
PrincipalKind = Literal["user", "device"]


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of one request. `subject` is the username (staff) or the device id (kiosk)."""

    subject: str
    role: str
    kind: PrincipalKind
    branch_id: str | None = None
    device_id: str | None = None
    display_name: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.kind == "user"

    @property
    def audience(self) -> Literal["customer", "staff"]:
        """Which knowledge the caller may read: kiosks show customers only customer documents."""
        return "staff" if self.is_staff else "customer"

    def has_role(self, *roles: str) -> bool:
        """True when the caller holds one of `roles`; admin holds every role."""
        return self.role == "admin" or self.role in roles
