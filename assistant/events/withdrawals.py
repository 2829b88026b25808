"""Withdrawn credentials on the event bus: a revoked device, a disabled user, a signed-out token.

Why a bus message: a WebSocket is authenticated once, at its handshake, and may live for hours on any
replica. The replica (or the `lobby` command) that withdraws a credential announces it on `CHANNEL`, and
every replica closes the sockets opened with it (`assistant.api.live_sockets`). The database stays the
truth; the message only makes the change take effect at once instead of at the next check.
"""

from __future__ import annotations

import json
from typing import Any

from assistant.events.bus import EventBus
from assistant.logging import get_logger

log = get_logger("lobby.withdrawals")

CHANNEL = "auth:withdrawn"
DEVICE_REVOKED = "device_revoked"
USER_DISABLED = "user_disabled"
TOKEN_REVOKED = "token_revoked"  # noqa: S105 - a message type, not a secret


def device_revoked(device_id: str) -> dict[str, Any]:
    return {"type": DEVICE_REVOKED, "device_id": device_id}


def user_disabled(username: str) -> dict[str, Any]:
    return {"type": USER_DISABLED, "username": username}


def token_revoked(jti: str) -> dict[str, Any]:
    return {"type": TOKEN_REVOKED, "jti": jti}


async def publish(events: EventBus, message: dict[str, Any]) -> None:
    """From inside a server: never fails the caller (the sockets' periodic re-check is the fallback)."""
    try:
        await events.publish(CHANNEL, message)
    except Exception as exc:
        log.warning("withdrawal_not_published", kind=message.get("type"), error=str(exc))


def announce(redis_url: str, namespace: str, message: dict[str, Any]) -> bool:
    """From outside a server (the CLI): publish once on Redis; False when there is no Redis to reach
    (running servers then notice at their next re-check of open sockets)."""
    if not redis_url:
        return False
    import redis

    from assistant.events.redis_bus import wire_channel

    client = redis.Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.publish(wire_channel(namespace, CHANNEL), json.dumps(message, ensure_ascii=False))
    except (redis.RedisError, OSError) as exc:
        log.warning("withdrawal_not_announced", kind=message.get("type"), error=str(exc))
        return False
    finally:
        client.close()
    return True
