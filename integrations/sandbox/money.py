"""Money movements of the sandbox: limits and fees from the Demo Bank facts, atomic debits.

A debit is one conditional `UPDATE ... WHERE balance >= amount AND daily total + amount <= limit`,
so two concurrent transfers can never both pass a balance check that only one of them fits.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import case, select, true, update
from sqlalchemy.orm import Session

from integrations.sandbox import tables as t
from integrations.sandbox.common import not_found, rejected
from integrations.sandbox.state import new_id, now

BANK_NAME = "示范银行"
# Number ranges this bank issues (accounts 110105..., debit cards 621799..., credit cards 625899...): a
# number in them that the bank does not hold is unknown here, not another bank's.
OWN_NUMBER_PREFIXES = ("110105", "621799", "625899")
SINGLE_LIMIT_FEN = 500_000_00
DAILY_LIMIT_FEN = 1_000_000_00
AUTHORIZATION_ABOVE_FEN = 50_000_00
REALTIME_INTERBANK_MAX_FEN = 50_000_00
COUNTER_FEE_RATE = Decimal("0.0002")
COUNTER_FEE_MIN_FEN, COUNTER_FEE_MAX_FEN = 2_00, 25_00
DEPOSIT_MIN_FEN = 50_00
LARGE_CD_MIN_FEN = 200_000_00
LARGE_CASH_FEN = 50_000_00
TIME_DEPOSIT_RATES = {3: "1.05", 6: "1.25", 12: "1.35", 24: "1.45", 36: "1.75", 60: "1.80"}
LARGE_CD_RATES = {36: "1.90"}


def is_same_bank(to_bank: str | None) -> bool:
    return not to_bank or to_bank.strip() in (BANK_NAME, "Demo Bank")


def is_own_number(number: str) -> bool:
    return number.startswith(OWN_NUMBER_PREFIXES)


def payee_account(s: Session, number: str) -> t.Account | None:
    """This bank's account behind a payee number: an account number, or a debit card's account."""
    account = s.scalar(select(t.Account).where(t.Account.number == number))
    if account is not None:
        return account
    card = s.scalar(select(t.Card).where(t.Card.number == number))
    return s.get(t.Account, card.account_id) if card is not None and card.account_id else None


def mask_name(name: str) -> str:
    """A holder's name as a bank shows it to a payer: 李秀英 -> *秀英, Li Xiuying -> L* X******."""
    if name.isascii():
        return " ".join(w[:1] + "*" * (len(w) - 1) for w in name.split())
    return "*" + name[1:] if len(name) > 1 else "*"


def same_name(given: str, *names: str | None) -> bool:
    """Names compared without spaces, case or word order (Li Xiuying = xiuying li)."""

    def key(name: str) -> str:
        return "".join(sorted(name.lower().split())) if name.isascii() else "".join(name.split())

    return any(n and key(given) == key(n) for n in names)


def transfer_fee_fen(amount_fen: int, same_bank: bool, channel: str) -> int:
    """Same-bank free; inter-bank free at kiosk and mobile; at the counter 0.02%, 2 to 25 yuan."""
    if same_bank or channel != "counter":
        return 0
    fee = int((Decimal(amount_fen) * COUNTER_FEE_RATE).to_integral_value())
    return min(max(fee, COUNTER_FEE_MIN_FEN), COUNTER_FEE_MAX_FEN)


def transfer_route(amount_fen: int, same_bank: bool) -> str:
    if same_bank:
        return "internal"
    return "ibps_realtime" if amount_fen <= REALTIME_INTERBANK_MAX_FEN else "hvps"


def debit(
    s: Session,
    account_id: str,
    amount_fen: int,
    *,
    fee_fen: int = 0,
    counts_to_daily_limit: bool = False,
    counterparty: tuple[str | None, str | None] = (None, None),
    description: str,
) -> int:
    """Take amount + fee from an account atomically; returns the balance after, or raises a refusal."""
    total = amount_fen + fee_fen
    today = dt.date.today().isoformat()
    used_today = case((t.Account.daily_out_date == today, t.Account.daily_out_fen), else_=0)
    within_daily = used_today + amount_fen <= DAILY_LIMIT_FEN if counts_to_daily_limit else true()
    stmt = (
        update(t.Account)
        .where(t.Account.id == account_id, t.Account.status == "active", t.Account.balance_fen >= total, within_daily)
        .values(
            balance_fen=t.Account.balance_fen - total,
            daily_out_fen=used_today + (amount_fen if counts_to_daily_limit else 0),
            daily_out_date=today,
        )
        .returning(t.Account.balance_fen)
    )
    balance_after = s.execute(stmt).scalar_one_or_none()
    if balance_after is None:
        raise _why_not(s, account_id, total)
    name, number = counterparty
    s.add(
        t.Txn(
            id=new_id("txn"),
            account_id=account_id,
            direction="debit",
            amount_fen=total,
            balance_after_fen=balance_after,
            counterparty_name=name,
            counterparty_account=number,
            description=description,
            created_at=now(),
        )
    )
    return int(balance_after)


def _why_not(s: Session, account_id: str, total: int) -> Exception:
    account = s.scalar(select(t.Account).where(t.Account.id == account_id))
    if account is None:
        return not_found("account", account_id)
    if account.status != "active":
        return rejected("account_inactive", f"account {account_id} is {account.status}")
    if account.balance_fen < total:
        return rejected("insufficient_funds", "余额不足 (insufficient funds)")
    return rejected("daily_limit_exceeded", "超过当日转账限额 1,000,000 元 (daily transfer limit)")


def credit(
    s: Session, account_id: str, amount_fen: int, counterparty: tuple[str | None, str | None], description: str
) -> int:
    stmt = (
        update(t.Account)
        .where(t.Account.id == account_id)
        .values(balance_fen=t.Account.balance_fen + amount_fen)
        .returning(t.Account.balance_fen)
    )
    balance_after = int(s.execute(stmt).scalar_one())
    s.add(
        t.Txn(
            id=new_id("txn"),
            account_id=account_id,
            direction="credit",
            amount_fen=amount_fen,
            balance_after_fen=balance_after,
            counterparty_name=counterparty[0],
            counterparty_account=counterparty[1],
            description=description,
            created_at=now(),
        )
    )
    return balance_after


def execute_transfer(s: Session, x: t.Transfer) -> None:
    """Move the money of an accepted transfer (direct, or after its authorisation)."""
    source = s.get(t.Account, x.from_account_id)
    owner = s.get(t.Customer, source.customer_id) if source else None
    x.balance_after_fen = debit(
        s,
        x.from_account_id,
        x.amount_fen,
        fee_fen=x.fee_fen,
        counts_to_daily_limit=True,
        counterparty=(x.to_name, x.to_account_number),
        description=f"转账 transfer {x.id}",
    )
    x.status = "scheduled" if x.delayed or x.route == "hvps" else "completed"
    if x.same_bank and not x.delayed:
        dest = payee_account(s, x.to_account_number)
        if dest is not None:
            credit(
                s,
                dest.id,
                x.amount_fen,
                (owner.name if owner else None, source.number if source else None),
                f"转入 transfer {x.id}",
            )
