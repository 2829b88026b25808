"""The bank API's order bodies (order tracking), alongside `integrations.schemas` and shared the same way:
the sandbox declares them as request and response models, the clients parse them.

The pickup code travels in one direction only: out, once, in the answer that made it (`pickup_code`), so
the customer can be shown it; every other body leaves it `None`, because the bank keeps only its hash.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

OrderKind = Literal["card", "product", "deposit_certificate", "document", "booking"]
OrderStatus = Literal["reserved", "ready", "picked_up", "cancelled", "expired"]
OPEN_STATUSES: tuple[str, ...] = ("reserved", "ready")


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class OrderRequest(_Model):
    customer_id: str = Field(min_length=1, max_length=16)
    branch_id: str = Field("BJ001", min_length=1, max_length=8)
    kind: OrderKind
    item: str | None = Field(None, max_length=32, description="A product key (kind product).")
    detail: dict[str, Any] = Field(default_factory=dict)
    session_id: str | None = Field(None, max_length=64, description="The visit that made it.")
    confirmed: bool = Field(True, description="False: a visit's reservation, released unless confirmed.")
    by: str = Field(min_length=1, max_length=64)


class OrderAction(_Model):
    by: str = Field(min_length=1, max_length=64)
    note: str = Field("", max_length=200)


class OrderConfirm(OrderAction):
    ready: bool = Field(False, description="The item is already at the branch (a product in the dispenser).")


class OrderPickup(OrderAction):
    pickup_code: str = Field(min_length=1, max_length=12)


class VisitRelease(_Model):
    session_id: str = Field(min_length=1, max_length=64)
    by: str = Field("visit ended", min_length=1, max_length=64)


class OrderEvent(_Model):
    from_status: str | None
    to_status: str
    by: str
    note: str = ""
    at: dt.datetime


class Order(_Model):
    id: str
    customer_id: str
    branch_id: str
    kind: OrderKind
    item: str | None = None
    name: str = Field(description="What it is, in Chinese (the product's or the kind's name).")
    name_en: str
    detail: dict[str, Any] = Field(default_factory=dict)
    status: OrderStatus
    confirmed: bool
    session_id: str | None = None
    due_at: dt.datetime
    overdue: bool = Field(False, description="Open and past its deadline (about to expire).")
    code_tries_left: int
    created_at: dt.datetime
    updated_at: dt.datetime
    history: list[OrderEvent] = Field(default_factory=list)
    pickup_code: str | None = Field(None, description="Only in the answer that made or reissued the code.")


class OrderSummary(_Model):
    branch_id: str
    counts: dict[str, int]
    overdue: int
