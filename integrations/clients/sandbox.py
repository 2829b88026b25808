"""Control of the sandbox bank (reset, faults): only the sandbox serves these paths."""

from __future__ import annotations

from typing import Any

from integrations import schemas as api
from integrations.http import BankHttp, parse


class SandboxControl:
    backend = "sandbox"

    def __init__(self, http: BankHttp) -> None:
        self._http = http

    async def reset(self) -> dict[str, Any]:
        response = await self._http.request(self.backend, "POST", "/sandbox/v1/reset", retry=False)
        result: dict[str, Any] = response.json()
        return result

    async def set_faults(self, faults: list[api.Fault]) -> api.FaultState:
        body = {"faults": [f.model_dump(mode="json") for f in faults]}
        response = await self._http.request(self.backend, "POST", "/sandbox/v1/faults", json=body, retry=False)
        return parse(api.FaultState, response)

    async def faults(self) -> api.FaultState:
        return parse(api.FaultState, await self._http.request(self.backend, "GET", "/sandbox/v1/faults"))

    async def clear_faults(self) -> api.FaultState:
        return await self.set_faults([])

    async def script_face_outcomes(self, customer_id: str, outcomes: list[str]) -> api.FaceOutcomes:
        """Queue the outcomes of a customer's next face matches (the sandbox compares no faces itself)."""
        body = {"customer_id": customer_id, "outcomes": outcomes}
        response = await self._http.request(self.backend, "POST", "/sandbox/v1/face-outcomes", json=body, retry=False)
        return parse(api.FaceOutcomes, response)
