"""`lobby bench devices`: branch device commands over a real mosquitto, and how many devices it carries.

Three processes, as in a branch deployment squeezed onto one machine: Debian's mosquitto on a generated
config (one account per device), the simulated devices (`python -m bench.devices SERVE CREDENTIALS`, the
same `SimulatedDevice` as `lobby devices simulate`) and one replica's `DeviceLink` in this process.

For each fleet size it connects that many devices (5 per branch, each with telemetry every `heartbeat_s`),
waits until the replica's picture has them all, then measures a command's round trip (publish -> device
executes -> acknowledgement back), first one at a time (the latency a customer waits for) and then with
`concurrency` commands in flight (throughput). A size is "handled" when every device reached the picture,
no command timed out and the loaded p95 stays under the target. Wall time on a shared machine includes the
other two processes' scheduling: the numbers are an upper bound for a broker on its own host.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import typer

TARGET_P95_MS = 250.0
DEVICES_PER_BRANCH = 5


def _stats(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    if not ordered:
        return {"n": 0, "p50": 0.0, "p95": 0.0, "max": 0.0}

    def rank(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {"n": len(ordered), "p50": rank(0.50), "p95": rank(0.95), "max": round(ordered[-1], 2)}


async def _round_trips(link: Any, targets: list[tuple[str, str]], count: int, concurrency: int) -> dict[str, Any]:
    from integrations.devices.link import DeviceTimeout

    samples: list[float] = []
    timeouts = 0
    queue = list(range(count))
    started = time.perf_counter()

    async def worker(n: int) -> None:
        nonlocal timeouts
        rng = random.Random(n)
        while queue:
            i = queue.pop()
            branch, device = rng.choice(targets)
            t0 = time.perf_counter()
            try:
                await link.send(branch, device, "print_receipt", {"lines": ["bench"]}, command_id=f"b{n}-{i}")
            except DeviceTimeout:
                timeouts += 1
                continue
            samples.append((time.perf_counter() - t0) * 1000)

    await asyncio.gather(*(worker(n) for n in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {**_stats(samples), "timeouts": timeouts, "per_s": round(len(samples) / elapsed, 1)}


async def _one_size(devices: int, count: int, concurrency: int, heartbeat_s: float) -> dict[str, Any]:
    from integrations.devices.broker import LocalMosquitto, fleet_accounts, free_port, write_config
    from integrations.devices.link import DeviceLink

    branches = [f"B{n:04d}" for n in range(max(1, devices // DEVICES_PER_BRANCH))]
    with tempfile.TemporaryDirectory(prefix="lobby-bench-mqtt-") as folder:
        config = write_config(Path(folder), fleet_accounts(branches), port=free_port())
        with LocalMosquitto(config).running():
            serve = [sys.executable, "-m", "bench.devices", "SERVE", str(config.credentials), str(heartbeat_s)]
            fleet = await asyncio.create_subprocess_exec(*serve, stdin=asyncio.subprocess.PIPE)
            link = DeviceLink(config.service_url, client_id="bench-replica", command_timeout_s=5.0)
            try:
                await link.start()
                want = len(config.devices)
                t0 = time.perf_counter()
                seen = await _wait_for_picture(link, want, limit_s=120)
                ready_s = round(time.perf_counter() - t0, 1)
                printers = [
                    (r["branch"], r["device"]) for r in link.picture.snapshot() if r["kind"] == "receipt_printer"
                ]
                single = await _round_trips(link, printers, min(count, 300), 1)
                loaded = await _round_trips(link, printers, count, concurrency)
            finally:
                await link.aclose()
                fleet.terminate()
                await fleet.wait()
    handled = seen == want and single["timeouts"] == loaded["timeouts"] == 0 and loaded["p95"] <= TARGET_P95_MS
    return {
        "devices": want,
        "in_picture": seen,
        "connect_s": ready_s,
        "telemetry_per_s": round(want / heartbeat_s, 1),
        "one_at_a_time_ms": single,
        f"{concurrency}_in_flight_ms": loaded,
        "handled": handled,
    }


async def _wait_for_picture(link: Any, want: int, limit_s: float) -> int:
    """Devices usable in the replica's picture once all `want` are there, or after `limit_s`."""
    seen = 0
    for _ in range(int(limit_s * 10)):
        seen = sum(r["usable"] for r in link.picture.snapshot())
        if seen >= want:
            break
        await asyncio.sleep(0.1)
    return seen


def run_benchmark(sizes: list[int], count: int, concurrency: int, heartbeat_s: float) -> dict[str, Any]:
    from integrations.devices.broker import mosquitto_binary

    if mosquitto_binary() is None:
        raise FileNotFoundError("mosquitto is not installed (apt-get install mosquitto)")
    logging.getLogger("mqtt").setLevel(logging.ERROR)  # aiomqtt warns of queued publishes: the load, by design
    rows = [asyncio.run(_one_size(n, count, concurrency, heartbeat_s)) for n in sizes]
    handled = [r["devices"] for r in rows if r["handled"]]
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {os.cpu_count()} cpu, load {os.getloadavg()[0]:.2f}",
        "target_p95_ms": TARGET_P95_MS,
        "concurrency": concurrency,
        "heartbeat_s": heartbeat_s,
        "sizes": rows,
        "most_devices_handled": max(handled) if handled else 0,
    }


def cli(
    sizes: str = typer.Option("50,250,500,1000", help="Fleet sizes (devices) to try, comma-separated."),
    commands: int = typer.Option(1000, min=10, help="Commands per size under load."),
    concurrency: int = typer.Option(20, min=1, help="Commands in flight at once under load."),
    heartbeat_s: float = typer.Option(5.0, min=0.1, help="Each device's telemetry period."),
    json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Device command round trip p50/p95 over mosquitto, and the most simulated devices one broker and one
    replica handle (all in the picture, no timeouts, loaded p95 under the target)."""
    from assistant.cli.common import emit_json, fail

    try:
        result = run_benchmark([int(s) for s in sizes.split(",") if s.strip()], commands, concurrency, heartbeat_s)
    except (FileNotFoundError, ValueError) as exc:
        fail(str(exc))
    if json_out:
        emit_json(result)
        return
    typer.echo(f"devices over mosquitto ({result['machine']}, {result['date']}), target p95 {TARGET_P95_MS} ms")
    for r in result["sizes"]:
        one, many = r["one_at_a_time_ms"], r[f"{concurrency}_in_flight_ms"]
        typer.echo(
            f"  {r['devices']:5} devices ({r['in_picture']} seen in {r['connect_s']} s,"
            f" {r['telemetry_per_s']} samples/s):"
            f" one at a time p50 {one['p50']} p95 {one['p95']} ms; {concurrency} in flight p50 {many['p50']}"
            f" p95 {many['p95']} ms, {many['per_s']}/s, timeouts {one['timeouts'] + many['timeouts']}"
            f" -> {'handled' if r['handled'] else 'NOT handled'}"
        )
    typer.echo(f"  most devices handled: {result['most_devices_handled']}")


async def _serve(credentials: Path, heartbeat_s: float) -> None:
    """The device side of the benchmark: every account in `credentials`, until standard input closes."""
    from integrations.devices.broker import read_credentials
    from integrations.devices.simulator import BranchSimulator

    logging.getLogger("mqtt").setLevel(logging.ERROR)
    url, accounts = read_credentials(credentials)
    sim = BranchSimulator(url, accounts, heartbeat_s=heartbeat_s)
    await asyncio.gather(*(d.start(120) for d in sim.devices.values()))
    await asyncio.to_thread(sys.stdin.read)
    await sim.stop()


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "SERVE":
    asyncio.run(_serve(Path(sys.argv[2]), float(sys.argv[3])))
