"""The sandbox bank's order tables: what a branch hands over later, its transitions, and product stock.

Declared on the same `Base` as `tables.py`, so `create_all`, `reset` and `add_missing_columns` treat them
like every other sandbox table. The pickup code is never stored: only its salted scrypt hash (`pins.py`), with
the wrong tries counted on the order so that guessing stops after a few.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from integrations.sandbox.tables import Base


class Order(Base):
    """One booking or physical delivery (new card, product, certificate, held receipt) and where it is."""

    __tablename__ = "sb_orders"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("sb_customers.id"), index=True)
    branch_id: Mapped[str] = mapped_column(String(8), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    item: Mapped[str | None] = mapped_column(String(32))  # a product key of orders.yaml, for kind product
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # e.g. {card_id}, {device, command}
    status: Mapped[str] = mapped_column(String(16), index=True)
    confirmed: Mapped[bool] = mapped_column(default=True)  # False: a visit's reservation awaiting its yes
    session_id: Mapped[str | None] = mapped_column(String(64), index=True)
    code_hash: Mapped[str] = mapped_column(String(200))
    code_failures: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class OrderEvent(Base):
    """One transition of an order: from, to, when and by whom (a teller, a visit, `expiry`)."""

    __tablename__ = "sb_order_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("sb_orders.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    by: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime)


class ProductStock(Base):
    """What a branch's product dispenser holds of one product (reservations take from it, releases return)."""

    __tablename__ = "sb_product_stock"
    branch_id: Mapped[str] = mapped_column(String(8), primary_key=True)
    product: Mapped[str] = mapped_column(String(32), primary_key=True)
    stock: Mapped[int] = mapped_column(Integer)
