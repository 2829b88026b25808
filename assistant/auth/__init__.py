"""Roles, sign-in and credentials: who may call which route (`require`) and as whom (`Principal`)."""

from assistant.auth.guard import CSRF_COOKIE, SESSION_COOKIE, RoleGuard, authenticate, require
from assistant.auth.principal import ROLES, STAFF_ROLES, Principal, Role

__all__ = [
    "CSRF_COOKIE",
    "ROLES",
    "SESSION_COOKIE",
    "STAFF_ROLES",
    "Principal",
    "Role",
    "RoleGuard",
    "authenticate",
    "require",
]
