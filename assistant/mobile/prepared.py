"""At the branch: a scanned QR code that carries a form prepared at home starts that form's journey.

The conversation asks `PreparedForms.__call__` for every `qr_scanned` event; it opens a form outside a
journey or while a journey only waits for identification (`may_open`). When the
token is a live prepared form, the bank marks it loaded in this visit and the journey starts with the
event (the same token identifies the customer at the bank, strongly, like the mobile-banking QR) and the
slots filled at home. Account slots can only be read once the profile is loaded (after identification),
so when the journey then asks for a slot the form has, the form's slots are given again: the kiosk
goes straight to what is left (the risk screen and the customer's confirmation). A slot the bank now
refuses (the balance fell, the payee's account closed) is asked again with the kiosk's own words; the
rest of the form stays filled, and the form stays loaded at the bank so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from assistant.conversation.journeys import is_active
from assistant.logging import get_logger
from assistant.mobile.bank import MobileBank
from assistant.mobile.options import MobileOptions
from integrations.errors import BankError

log = get_logger("lobby.mobile")

Step = Callable[..., Awaitable[Any]]
PREFIX = "PF"  # the bank's prepared-form tokens; other QR codes (mobile banking) never reach the bank here


@dataclass(frozen=True)
class OpenedForm:
    form_id: str
    journey: str
    slots: dict[str, Any]

    async def start(self, step: Step, turn: Any, event: dict[str, Any]) -> Any:
        """Start the journey with the QR event and the form's slots (given again once identified)."""
        result = await step(turn, "start", journey=self.journey, slots=self.slots, event=event)
        awaiting = (result.state or {}).get("awaiting") or {}
        if result.journey.status == "active" and awaiting.get("slot") in self.slots:
            result = await step(turn, "advance", action="reply", slots=self.slots)
        return result


def may_open(state: dict[str, Any]) -> bool:
    """A form opens when no journey runs, or when the one running only waits to learn who the customer is
    ("我要转账", then the phone's code is shown): it is replaced by the form's journey. A journey already
    under way is never replaced by a scan."""
    if not is_active(state):
        return True
    awaiting = (state.get("journey") or {}).get("awaiting") or {}
    return awaiting.get("kind") == "identify"


class PreparedForms:
    def __init__(self, bank: MobileBank, options: MobileOptions) -> None:
        self._bank = bank
        self._options = options

    async def __call__(self, data: dict[str, Any], session_id: str, state: dict[str, Any]) -> OpenedForm | None:
        token = str(data.get("qr_token") or data.get("token") or data.get("code") or "").strip().upper()
        if not token.startswith(PREFIX) or not may_open(state):
            return None
        try:
            form = await self._bank.form_by_token(token)
            if form.get("journey") not in self._options.prepare:
                return None
            await self._bank.load_form(str(form["id"]), session_id)
        except BankError as exc:  # unknown, used or expired: the kiosk identifies (or not) as for any QR code
            log.info("prepared form not opened", reason=exc.code or type(exc).__name__)
            return None
        log.info("prepared form opened", form=form["id"], journey=form["journey"], session=session_id)
        return OpenedForm(form_id=str(form["id"]), journey=str(form["journey"]), slots=dict(form.get("slots") or {}))
