"""How many customers are ahead in the queue, said as a person would say it.

Why: a count read into a template gives "您前面还有0位" when nobody is ahead. The words are shared
messages (`queue.*` in messages.yaml), picked by the count, so every flow that hands out a ticket says
"马上就到您了" / "you are next" the same way. Flows use `{ahead.<result>.zh}` for a result that is a
ticket or carries one (`{ahead.ticket.zh}`, `{ahead.check_in.en}`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assistant.journeys.catalog import Messages
from assistant.journeys.render import render_localized


def ahead_words(messages: Messages, waiting: Any) -> dict[str, str]:
    """Both languages' words for `waiting` customers ahead (unknown: a plain "watch for your number")."""
    try:
        count = int(waiting)
    except (TypeError, ValueError):
        count = -1
    key = "queue.unknown" if count < 0 else "queue.next" if count == 0 else "queue.ahead"
    return render_localized(messages.messages[key], {"value": {"ahead": count}})


def tickets_ahead(messages: Messages, results: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """`ahead` words for every journey result that is a queue ticket or holds one (a check-in's)."""
    found: dict[str, dict[str, str]] = {}
    for name, result in results.items():
        if not isinstance(result, Mapping):
            continue
        ticket = result if "waiting_ahead" in result else result.get("ticket")
        if isinstance(ticket, Mapping) and "waiting_ahead" in ticket:
            found[name] = ahead_words(messages, ticket.get("waiting_ahead"))
    return found
