"""Fill `{namespace.path}` placeholders in flow texts and step arguments from the journey's data.

Deliberately tiny: a placeholder is a dotted path and nothing else (no format specs, no calls), so a
flow file can never run code. A placeholder that resolves to nothing renders as an empty string in
text and as None in arguments (the back-end client then refuses the call with a clear error).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from assistant.journeys.conditions import MISSING, lookup
from assistant.journeys.spec import Localized

PLACEHOLDER = re.compile(r"\{([a-z_]+(?:\.[A-Za-z0-9_]+)+)\}")
WHOLE = re.compile(r"^\{([a-z_]+(?:\.[A-Za-z0-9_]+)+)\}$")


def _text(value: Any) -> str:
    if value is MISSING or value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)


def render_text(template: str, data: Mapping[str, Any]) -> str:
    """Two passes, so a placeholder may be built from another: {result.fx.by.{slot.currency}.sell}."""
    text = template
    for _ in range(2):
        text = PLACEHOLDER.sub(lambda m: _text(lookup(data, m.group(1))), text)
    return text


def render_localized(text: Localized | str, data: Mapping[str, Any]) -> dict[str, str]:
    """Both languages rendered; a plain string (e.g. an account number) is the same in both."""
    if isinstance(text, str):
        value = render_text(text, data)
        return {"zh": value, "en": value}
    return {"zh": render_text(text.zh, data), "en": render_text(text.en, data)}


def render_value(template: Any, data: Mapping[str, Any]) -> Any:
    """Arguments keep their type when the whole value is one placeholder (`"{slot.amount}"` -> "5000.00")."""
    if isinstance(template, str):
        if not WHOLE.match(template):
            inner = PLACEHOLDER.sub(lambda m: _text(lookup(data, m.group(1))), template)
            template = inner if WHOLE.match(inner) else template
        whole = WHOLE.match(template)
        if whole:
            value = lookup(data, whole.group(1))
            return None if value is MISSING else value
        return render_text(template, data)
    if isinstance(template, Mapping):
        return {k: render_value(v, data) for k, v in template.items()}
    if isinstance(template, list):
        return [render_value(v, data) for v in template]
    return template


def placeholders(template: Any) -> list[str]:
    """Every dotted path a template mentions (for load-time checks)."""
    if isinstance(template, str):
        return PLACEHOLDER.findall(template)
    if isinstance(template, Localized):
        spoken = placeholders(template.speech.zh) + placeholders(template.speech.en) if template.speech else []
        return placeholders(template.zh) + placeholders(template.en) + spoken
    if isinstance(template, Mapping):
        return [p for v in template.values() for p in placeholders(v)]
    if isinstance(template, list):
        return [p for v in template for p in placeholders(v)]
    return []
