"""`BankClients`: every back-end client over one pooled connection, built from plain settings.

`bank_url == "inprocess"` serves the sandbox bank inside this process through
`httpx.ASGITransport` (its SQLite file under var_dir), so `lobby serve` works with no bank at all;
any other value is the base URL of a real gateway (or `lobby sandbox serve`) spoken to over HTTP.
The same clients, the same retries and breakers run either way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from integrations.clients import (
    BookingApi,
    CustomersApi,
    DevicesApi,
    HttpBookingClient,
    HttpCustomersClient,
    HttpDevicesClient,
    HttpOrdersClient,
    HttpRiskClient,
    HttpTransactionsClient,
    HttpVerificationClient,
    OrdersApi,
    RiskApi,
    SandboxControl,
    TransactionsApi,
    VerificationApi,
)
from integrations.config import BankOptions
from integrations.errors import BankError
from integrations.http import BankHttp

IN_PROCESS = "inprocess"
IN_PROCESS_BASE_URL = "http://sandbox.inprocess"


@dataclass
class BankClients:
    http: BankHttp
    customers: CustomersApi
    transactions: TransactionsApi
    booking: BookingApi
    risk: RiskApi
    devices: DevicesApi
    sandbox: SandboxControl
    verification: VerificationApi
    orders: OrdersApi
    sandbox_app: FastAPI | None = field(default=None)

    @classmethod
    def over(cls, http: BankHttp, sandbox_app: FastAPI | None = None) -> BankClients:
        return cls(
            http=http,
            customers=HttpCustomersClient(http),
            transactions=HttpTransactionsClient(http),
            booking=HttpBookingClient(http),
            risk=HttpRiskClient(http),
            devices=HttpDevicesClient(http),
            sandbox=SandboxControl(http),
            verification=HttpVerificationClient(http),
            orders=HttpOrdersClient(http),
            sandbox_app=sandbox_app,
        )

    @classmethod
    def connect(cls, base_url: str, options: BankOptions) -> BankClients:
        """Clients over real HTTP to a bank gateway (or a sandbox served alone)."""
        return cls.over(BankHttp(base_url, options))

    @classmethod
    def in_process(cls, db_path_or_url: str | Path, options: BankOptions, seed: bool = True) -> BankClients:
        """Clients over ASGI to a sandbox bank created in this process."""
        from integrations.sandbox.app import create_sandbox_app  # the sandbox is only loaded when used
        from integrations.sandbox.routes_verification import VerificationPolicy

        policy = VerificationPolicy(options.sandbox_pin_max_tries, options.sandbox_face_max_tries)
        app = create_sandbox_app(db_path_or_url, seed=seed, verification=policy)
        transport = httpx.ASGITransport(app=app)
        return cls.over(BankHttp(IN_PROCESS_BASE_URL, options, transport=transport), sandbox_app=app)

    @property
    def mode(self) -> str:
        return IN_PROCESS if self.sandbox_app is not None else "http"

    async def health(self) -> dict[str, Any]:
        """The back-end's /healthz through the client (no retries): a readiness check."""
        try:
            response = await self.http.request("health", "GET", "/healthz", retry=False)
        except BankError as exc:
            return {"ok": False, "mode": self.mode, "error": str(exc)}
        body = response.json()
        return {"ok": body.get("status") == "ok", "mode": self.mode, "service": body.get("service")}

    async def aclose(self) -> None:
        await self.http.aclose()
        if self.sandbox_app is not None:
            self.sandbox_app.state.sandbox.dispose()


def build_bank_clients(bank_url: str, var_dir: Path, options: BankOptions) -> BankClients:
    """From the settings' `bank_url`, `var_dir` and `bank` options (no dependency on `assistant`)."""
    if bank_url.strip().lower() == IN_PROCESS:
        return BankClients.in_process(var_dir / options.sandbox_db, options)
    if not bank_url.startswith(("http://", "https://")):
        raise ValueError(f"LOBBY_BANK_URL must be 'inprocess' or an http(s) URL, not {bank_url!r}")
    return BankClients.connect(bank_url, options)
