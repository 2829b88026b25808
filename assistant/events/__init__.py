"""Cross-replica events (handoff offers, expert <-> kiosk relay, device commands).

One interface, two backends: in-process by default, Redis pub/sub when `LOBBY_REDIS_URL` is set, so the
same code runs as one process or as many stateless replicas.
"""

from assistant.events.bus import EventBus, InProcessBus, Subscription, build_event_bus

__all__ = ["EventBus", "InProcessBus", "Subscription", "build_event_bus"]
