"""`lobby bench bank`: round trip of the real bank clients to the sandbox bank, p50/p95.

Measured per call kind (a profile read, a lookup by ID number, an idempotent transfer) through the
whole client stack: breaker, retry wrapper, masked logging, httpx, the sandbox's FastAPI routes and
its SQLite transaction. Two transports: in-process ASGI (what `lobby serve` uses by default) and
loopback HTTP to a sandbox served by uvicorn in a child process (what a real gateway looks like,
minus the network).
"""

from __future__ import annotations

import asyncio
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from integrations import schemas as api
from integrations.bundle import BankClients
from integrations.clients import new_idempotency_key
from integrations.config import BankOptions
from integrations.sandbox.seed import cast_summary


def _percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    q = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else ordered * 99
    return {
        "n": len(ordered),
        "p50": round(q[49], 2),
        "p95": round(q[94], 2),
        "mean": round(statistics.fmean(ordered), 2),
        "max": round(ordered[-1], 2),
    }


async def _time(n: int, call: Callable[[], Awaitable[object]], warmup: int = 10) -> dict[str, float]:
    for _ in range(warmup):
        await call()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return _percentiles(samples)


async def _measure(bank: BankClients, n: int) -> dict[str, Any]:
    cast = cast_summary()
    zw, lx = cast["zhang_wei"], cast["li_xiuying"]
    await bank.sandbox.reset()
    one_fen = api.TransferRequest(
        from_account_id=lx["accounts"][0]["id"],
        to_account_number=zw["accounts"][0]["number"],
        to_name=zw["name"],
        amount=Decimal("0.01"),
    )

    async def transfer() -> object:
        return await bank.transactions.transfer(one_fen, idempotency_key=new_idempotency_key())

    return {
        "profile": await _time(n, lambda: bank.customers.profile(zw["customer_id"])),
        "lookup_id_number": await _time(n, lambda: bank.customers.lookup("id_number", zw["id_number"])),
        "transfer": await _time(n, transfer),
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve_in_child(db: Path, port: int) -> subprocess.Popen[bytes]:
    code = (
        "import uvicorn\n"
        "from integrations.sandbox.app import create_sandbox_app\n"
        f"uvicorn.run(create_sandbox_app({str(db)!r}), host='127.0.0.1', port={port}, log_level='warning',"
        " access_log=False)\n"
    )
    return subprocess.Popen([sys.executable, "-c", code])


async def _wait_up(url: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    async with httpx.AsyncClient() as client:
        while True:
            try:
                if (await client.get(f"{url}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the sandbox at {url} did not start in {timeout_s}s")
            await asyncio.sleep(0.2)


async def run_benchmark(n: int = 500, http: bool = True, options: BankOptions | None = None) -> dict[str, Any]:
    options = options or BankOptions()
    result: dict[str, Any] = {
        "n": n,
        "machine": f"{platform.machine()} {platform.system()}, Python {platform.python_version()}",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    with tempfile.TemporaryDirectory() as tmp:
        bank = BankClients.in_process(Path(tmp) / "inprocess.db", options)
        try:
            result["inprocess_asgi_ms"] = await _measure(bank, n)
        finally:
            await bank.aclose()
        if http:
            port = _free_port()
            child = _serve_in_child(Path(tmp) / "http.db", port)
            url = f"http://127.0.0.1:{port}"
            try:
                await _wait_up(url)
                remote = BankClients.connect(url, options)
                try:
                    result["loopback_http_ms"] = await _measure(remote, n)
                finally:
                    await remote.aclose()
            finally:
                child.terminate()
                child.wait(timeout=20)
    return result
