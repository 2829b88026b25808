"""Customer verification back-end: the PIN typed on the kiosk's pad and a face match against the ID photo.

Both calls are POSTs without an Idempotency-Key, so the HTTP core tries them once: a retried PIN check
would count a wrong try twice, and a lost answer is answered by asking the customer again. The PIN and
the image go in the JSON body only (never the path or query, which are logged); a failed check is
`Rejected` with code `wrong_pin` / `face_mismatch` (`detail.tries_left`) or `pin_locked` / `face_locked`.
"""

from __future__ import annotations

from typing import Protocol

from integrations import schemas as api
from integrations.http import BankHttp, parse


class VerificationApi(Protocol):
    async def verify_pin(self, account_id: str, customer_id: str, pin: str) -> api.Verification: ...

    async def verify_face(self, customer_id: str, image: str) -> api.Verification: ...


class HttpVerificationClient:
    backend = "verification"

    def __init__(self, http: BankHttp) -> None:
        self._http = http

    async def verify_pin(self, account_id: str, customer_id: str, pin: str) -> api.Verification:
        body = api.PinVerifyRequest(customer_id=customer_id, pin=pin).model_dump(mode="json")
        response = await self._http.request(
            self.backend, "POST", f"/v1/accounts/{account_id}/pin-verification", json=body, retry=False
        )
        return parse(api.Verification, response)

    async def verify_face(self, customer_id: str, image: str) -> api.Verification:
        body = api.FaceMatchRequest(image=image).model_dump(mode="json")
        response = await self._http.request(
            self.backend, "POST", f"/v1/customers/{customer_id}/face-verification", json=body, retry=False
        )
        return parse(api.Verification, response)
