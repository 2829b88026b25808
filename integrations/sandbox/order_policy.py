"""Order tracking's rules as data (`orders.yaml`): kinds and their deadlines, products and their stock, the
pickup code's length and tries. Apart from `orders.py` so that seeding can use it without importing the
database state (which imports seeding).
"""

from __future__ import annotations

import datetime as dt
import secrets
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml


@lru_cache(maxsize=1)
def policy() -> dict[str, Any]:
    """`orders.yaml` shipped with the package (parsed once)."""
    text = resources.files("integrations.sandbox").joinpath("orders.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def new_code() -> str:
    digits = int(policy()["code_digits"])
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def names(kind: str, item: str | None) -> tuple[str, str]:
    product = policy()["products"].get(item or "") if kind == "product" else None
    found = product or policy()["kinds"][kind]
    return str(found["name"]), str(found["name_en"])


def deadline(kind: str, confirmed: bool, at: dt.datetime) -> dt.datetime:
    if not confirmed:
        return at + dt.timedelta(minutes=int(policy()["hold_minutes"]))
    return at + dt.timedelta(days=int(policy()["kinds"][kind]["pickup_days"]))
