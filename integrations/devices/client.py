"""`MqttDevicesClient`: the bank clients' `DevicesApi` over MQTT, so the journeys' existing device calls
(`devices`, `command`) reach real devices through the broker when `LOBBY_MQTT_URL` is set.

It keeps the API's contract: a device that answers gives a `DeviceJob` (completed, or failed with a reason);
a device that does not answer in time raises `BankUnavailable`, which the journey treats like any back-end
outage (another device, then a pickup code).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from integrations import schemas as api
from integrations.clients.branch import Command
from integrations.devices.kinds import catalogue
from integrations.devices.link import DeviceLink, DeviceTimeout
from integrations.devices.messages import Ack
from integrations.errors import BankUnavailable, InvalidRequest, NotFound

BACKEND = "devices"
KEEP_JOBS = 1000  # the last jobs answerable by `job()`; bounded so a long-running replica does not grow


class MqttDevicesClient:
    backend = BACKEND

    def __init__(self, link: DeviceLink) -> None:
        self.link = link
        self._jobs: OrderedDict[str, api.DeviceJob] = OrderedDict()

    async def devices(self, branch_id: str | None = None) -> list[api.Device]:
        return self.link.picture.as_bank_devices(branch_id)

    async def command(
        self, device_id: str, command: Command, params: dict[str, Any], *, idempotency_key: str
    ) -> api.DeviceJob:
        branch = self.link.picture.branch_of(device_id)
        if branch is None:
            raise NotFound(BACKEND, f"device {device_id} has never reported", code="device_not_found")
        kind = next((row["kind"] for row in self.link.picture.snapshot(branch) if row["device"] == device_id), None)
        if catalogue().kind_of_command(command) != kind:
            raise InvalidRequest(BACKEND, f"{kind} cannot {command}", code="invalid_request")
        try:
            ack = await self.link.send(branch, device_id, command, params, command_id=idempotency_key)
        except DeviceTimeout as exc:
            raise BankUnavailable(BACKEND, str(exc), code="device_timeout") from exc
        return self._remember(job_of(ack, command))

    async def job(self, job_id: str) -> api.DeviceJob:
        found = self._jobs.get(job_id)
        if found is None:
            raise NotFound(BACKEND, f"device job {job_id} is not known to this replica", code="not_found")
        return found

    def _remember(self, job: api.DeviceJob) -> api.DeviceJob:
        self._jobs[job.id] = job
        while len(self._jobs) > KEEP_JOBS:
            self._jobs.popitem(last=False)
        return job


def job_of(ack: Ack, command: str) -> api.DeviceJob:
    """An acknowledgement in the bank API's job shape: only `completed` is a success."""
    result = dict(ack.result)
    if ack.status in ("expired", "rejected"):
        result.setdefault("reason", f"command {ack.status}")
    if ack.duplicate:
        result["duplicate"] = True
    return api.DeviceJob(
        id=f"job-{ack.id}",
        device_id=ack.device,
        command=command,
        status="completed" if ack.status == "completed" else "failed",
        result=result,
        created_at=ack.ts,
    )
