"""Order tracking at the sandbox bank, through the real clients over HTTP/ASGI: the lifecycle and its refused
transitions, expiry on read, the pickup code (hash only, tries, lock-out, reissue), product stock that a
release or an expiry gives back, a visit's unconfirmed reservations released at once, and the summary."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from integrations import schemas_orders as api
from integrations.bundle import BankClients
from integrations.clients import new_idempotency_key
from integrations.errors import Rejected
from integrations.sandbox import tables as t
from integrations.sandbox import tables_orders as o
from integrations.sandbox.state import SandboxState

pytestmark = pytest.mark.integration
ZHANG_WEI, LI_XIUYING = "C1001", "C1002"


def sandbox(clients: BankClients) -> SandboxState:
    assert clients.sandbox_app is not None
    state: SandboxState = clients.sandbox_app.state.sandbox
    return state


def stock(clients: BankClients, product: str, branch: str = "BJ001") -> int:
    with sandbox(clients).session() as s:
        row = s.get(o.ProductStock, (branch, product))
        assert row is not None
        return row.stock


def shift(clients: BankClients, order_id: str, **delta: float) -> None:
    """Move an order's deadline into the past (the bank's clock cannot be set; its data can)."""
    with sandbox(clients).session() as s:
        order = s.get(o.Order, order_id)
        assert order is not None
        order.due_at -= dt.timedelta(**delta)


async def new_card(clients: BankClients, customer: str = ZHANG_WEI) -> api.Order:
    request = api.OrderRequest(customer_id=customer, kind="card", detail={"card_id": "K-test"}, by="kiosk visit")
    return await clients.orders.create(request, idempotency_key=new_idempotency_key())


async def test_an_order_goes_reserved_ready_picked_up_with_who_and_when(clients: BankClients) -> None:
    made = await new_card(clients)
    assert made.status == "reserved" and made.name == "新卡" and made.name_en == "New card"
    code = made.pickup_code
    assert code is not None and len(code) == 6 and code.isdigit()
    assert made.due_at - made.created_at == dt.timedelta(days=30)  # orders.yaml: cards wait 30 days

    ready = await clients.orders.ready(made.id, "teller1", idempotency_key=new_idempotency_key())
    assert ready.status == "ready" and ready.pickup_code is None  # the code is shown once, never again
    done = await clients.orders.pickup(made.id, code, "teller1")
    assert done.status == "picked_up"
    assert [(e.from_status, e.to_status, e.by) for e in done.history] == [
        (None, "reserved", "kiosk visit"),
        ("reserved", "ready", "teller1"),
        ("ready", "picked_up", "teller1"),
    ]
    assert all(e.at >= made.created_at for e in done.history)
    with sandbox(clients).session() as s:  # the bank keeps a salted hash, never the code
        row = s.get(o.Order, made.id)
        assert row is not None and code not in row.code_hash and row.code_hash.startswith("scrypt$")
        stored = s.scalars(select(t.IdempotencyRecord.body)).all()
        assert not any(code in str(body) for body in stored)


@pytest.mark.parametrize(
    ("path", "to"),
    [(("cancel",), "cancelled"), (("ready", "cancel"), "cancelled")],
)
async def test_closed_orders_refuse_every_move_with_a_clear_409(
    clients: BankClients, path: tuple[str, ...], to: str
) -> None:
    made = await new_card(clients)
    for action in path:
        await getattr(clients.orders, action)(made.id, "teller1", idempotency_key=new_idempotency_key())
    assert (await clients.orders.get(made.id)).status == to
    for action in ("ready", "cancel"):
        with pytest.raises(Rejected) as refused:
            await getattr(clients.orders, action)(made.id, "teller1", idempotency_key=new_idempotency_key())
        assert refused.value.code == "order_transition_invalid" and refused.value.status == 409
        assert refused.value.detail["state"] == to
    with pytest.raises(Rejected) as refused:
        await clients.orders.pickup(made.id, str(made.pickup_code), "teller1")
    assert refused.value.code == "order_transition_invalid"


async def test_an_order_not_yet_ready_cannot_be_handed_over_even_with_its_code(clients: BankClients) -> None:
    made = await new_card(clients)
    with pytest.raises(Rejected) as refused:
        await clients.orders.pickup(made.id, str(made.pickup_code), "teller1")
    assert refused.value.code == "order_transition_invalid" and "reserved" in refused.value.message
    assert (await clients.orders.get(made.id)).status == "reserved"


async def test_wrong_codes_count_and_lock_the_order_until_a_code_is_reissued(clients: BankClients) -> None:
    made = await new_card(clients)
    await clients.orders.ready(made.id, "teller1", idempotency_key=new_idempotency_key())
    wrong = "000000" if made.pickup_code != "000000" else "111111"
    lefts = []
    for _ in range(3):
        with pytest.raises(Rejected) as refused:
            await clients.orders.pickup(made.id, wrong, "teller1")
        lefts.append((refused.value.code, refused.value.detail["tries_left"]))
    assert lefts == [("wrong_pickup_code", 2), ("wrong_pickup_code", 1), ("pickup_code_locked", 0)]
    with pytest.raises(Rejected) as refused:  # locked: even the right code is refused now
        await clients.orders.pickup(made.id, str(made.pickup_code), "teller1")
    assert refused.value.code == "pickup_code_locked"
    assert (await clients.orders.get(made.id)).code_tries_left == 0

    again = await clients.orders.reissue_code(made.id, "teller1", idempotency_key=new_idempotency_key())
    assert again.pickup_code and again.code_tries_left == 3
    with pytest.raises(Rejected):  # the old code stopped working
        await clients.orders.pickup(made.id, str(made.pickup_code), "teller1")
    done = await clients.orders.pickup(made.id, again.pickup_code, "teller1")
    assert done.status == "picked_up" and [e.note for e in done.history].count("code reissued") == 1


async def test_a_replayed_create_makes_one_order_and_shows_no_code(clients: BankClients) -> None:
    key = new_idempotency_key()
    request = api.OrderRequest(customer_id=ZHANG_WEI, kind="deposit_certificate", by="teller1")
    first = await clients.orders.create(request, idempotency_key=key)
    replayed = await clients.orders.create(request, idempotency_key=key)
    assert replayed.id == first.id and first.pickup_code and replayed.pickup_code is None
    reserved = await clients.orders.orders(customer_id=ZHANG_WEI, status="reserved")
    assert [x.id for x in reserved] == [first.id]  # one order (Zhang Wei's seeded one is `ready`)


async def test_orders_past_their_deadline_are_overdue_then_expire_on_read(clients: BankClients) -> None:
    made = await new_card(clients)
    shift(clients, made.id, days=30, hours=1)  # one hour past the deadline: overdue, still kept
    late = await clients.orders.get(made.id)
    assert late.status == "reserved" and late.overdue
    assert (await clients.orders.summary("BJ001")).overdue == 1
    shift(clients, made.id, hours=24)  # past the grace too
    gone = await clients.orders.get(made.id)
    assert gone.status == "expired" and gone.history[-1].by == "expiry" and not gone.overdue
    with pytest.raises(Rejected):
        await clients.orders.ready(made.id, "teller1", idempotency_key=new_idempotency_key())


async def test_a_product_reservation_takes_stock_and_every_ending_but_pickup_gives_it_back(
    clients: BankClients,
) -> None:
    before = stock(clients, "gold_bar_20g")

    async def reserve(session: str) -> api.Order:
        request = api.OrderRequest(
            customer_id=ZHANG_WEI, kind="product", item="gold_bar_20g", session_id=session, confirmed=False, by="kiosk"
        )
        return await clients.orders.create(request, idempotency_key=new_idempotency_key())

    released, lapsed, kept = await reserve("visit-a"), await reserve("visit-b"), await reserve("visit-c")
    assert stock(clients, "gold_bar_20g") == before - 3 == 0
    assert released.due_at - released.created_at == dt.timedelta(minutes=15)  # an unconfirmed hold
    with pytest.raises(Rejected) as refused:
        await reserve("visit-d")
    assert refused.value.code == "out_of_stock"

    kept = await clients.orders.confirm(kept.id, "kiosk", ready=True, idempotency_key=new_idempotency_key())
    assert kept.status == "ready" and kept.confirmed and kept.due_at - kept.updated_at == dt.timedelta(days=7)
    out = await clients.orders.release_visit("visit-a", "visit ended", idempotency_key=new_idempotency_key())
    assert [x.id for x in out] == [released.id] and out[0].status == "cancelled"
    assert await clients.orders.release_visit("visit-c", "visit ended", idempotency_key=new_idempotency_key()) == []
    shift(clients, lapsed.id, minutes=16)  # never confirmed nor released: its hold lapses
    assert (await clients.orders.get(lapsed.id)).status == "expired"
    assert stock(clients, "gold_bar_20g") == before - 1  # only the kept one is out


async def test_the_branch_summary_counts_every_state(clients: BankClients) -> None:
    seeded = await clients.orders.summary("BJ001")
    assert seeded.counts == {"reserved": 1, "ready": 1, "picked_up": 0, "cancelled": 0, "expired": 0}
    made = await new_card(clients, LI_XIUYING)
    await clients.orders.cancel(made.id, "teller1", idempotency_key=new_idempotency_key(), note="duplicate")
    after = await clients.orders.summary("BJ001")
    assert after.counts["cancelled"] == 1 and after.counts["reserved"] == 1 and after.overdue == 0
    assert (await clients.orders.summary("SH001")).counts["reserved"] == 0
