"""Reply templates from `data/replies.yaml`, in Simplified Chinese and English.

Values are escaped before they are put into a template: a payee name or a knowledge title can never
carry markup into the kiosk page. An entry's `when_zero` gives the words for a count of nothing: with
`position` 0, "您前面还有0位" reads wrong, "马上就到您了" does not.
"""

from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

REPLIES_FILE = Path(__file__).parent / "data" / "replies.yaml"


class _Escaped(dict[str, str]):
    def __missing__(self, key: str) -> str:
        raise KeyError(f"reply template needs a value for {{{key}}}")


@lru_cache(maxsize=1)
def _templates() -> dict[str, dict[str, Any]]:
    data = yaml.safe_load(REPLIES_FILE.read_text(encoding="utf-8"))
    for key, variants in data.items():
        if not isinstance(variants, dict) or {"zh", "en"} - set(variants):
            raise ValueError(f"{REPLIES_FILE}: reply {key!r} needs both zh and en")
    return data


def reply_language(language: str) -> str:
    """English replies for English speakers; Chinese (the default) for everyone else, mixed included."""
    return "en" if language == "en" else "zh"


def render(key: str, language: str, **values: Any) -> str:
    entry = _templates()[key]
    lang = reply_language(language)
    template = entry[lang]
    for name, variant in (entry.get("when_zero") or {}).items():  # a count of nothing, in words
        if name in values and str(values[name]) == "0":
            template = variant[lang]
    # markup is escaped, quotes are not: a reply is plain text, and an escaped quote reached a customer as &quot;
    escaped = _Escaped({k: html.escape(str(v), quote=False) for k, v in values.items()})
    return str(template).format_map(escaped)


def options(key: str, language: str) -> list[str]:
    """A list-valued entry (suggestions) in the reply language."""
    return list(_templates()[key][reply_language(language)])


def known_keys() -> set[str]:
    return set(_templates())


def label(group: str, key: str, language: str) -> str:
    """A name from a mapping entry (e.g. `where_labels`), falling back to the key itself."""
    names = _templates()[group][reply_language(language)]
    return str(names.get(key, key.replace("_", " ")))
