"""`lobby devices broker-config | simulate | status`: branch devices over MQTT (integrations/devices).

`broker-config` writes a mosquitto config with one account per device; `simulate` runs a branch's simulated
printers, ticket machine, card dispenser and locker on a broker, and takes requests on standard input
(`jam PRN-BJ001-1`, `paper-out ...`, `offline ...`, `silent ...`; `help` lists them); `status` prints the
live device picture as a console would see it.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from assistant.cli.common import JsonOption, emit_json, fail, load_settings

if TYPE_CHECKING:
    from integrations.devices.broker import DeviceAccount
    from integrations.devices.simulator import BranchSimulator

DEFAULT_DIR = Path("var/mqtt")


def broker_config(
    branch: list[str] = typer.Option(["BJ001"], "--branch", help="Branch(es) whose default fleet gets accounts."),
    port: int = typer.Option(1883, min=1, max=65535, help="The broker's port."),
    host: str = typer.Option("127.0.0.1", help="The address it listens on."),
    out: Path = typer.Option(DEFAULT_DIR, "--out", help="Folder for mosquitto.conf, passwd, acl, credentials.json."),
    run_as: str | None = typer.Option(None, help="User mosquitto runs as when started by root (default: you)."),
    as_json: bool = JsonOption,
) -> None:
    """Write a mosquitto config: per-device accounts and ACLs, persistence for retained status."""
    from integrations.devices.broker import fleet_accounts, write_config

    config = write_config(out, fleet_accounts(branch), port=port, host=host, run_as=run_as)
    summary = {
        "config": str(config.conf),
        "credentials": str(config.credentials),
        "devices": [d.device for d in config.devices],
        "start_broker": f"mosquitto -c {config.conf}",
        "mqtt_url_env": "LOBBY_MQTT_URL=mqtt://lobby-assistant:<password in credentials.json>@" + f"{host}:{port}",
    }
    if as_json:
        emit_json(summary)
        return
    typer.echo(f"wrote {config.conf} ({len(config.devices)} device accounts); passwords in {config.credentials}")
    typer.echo(f"start the broker:  {summary['start_broker']}")
    typer.echo(f"then:              {summary['mqtt_url_env']} lobby serve")
    typer.echo(f"and the devices:   lobby devices simulate --branch {branch[0]} --credentials {config.credentials}")


def simulate(
    branch: str = typer.Option(..., "--branch", help="The branch whose devices to run, e.g. BJ001."),
    credentials: Path = typer.Option(DEFAULT_DIR / "credentials.json", help="From `lobby devices broker-config`."),
    url: str | None = typer.Option(None, help="Broker URL (mqtt://host:port); default: the credentials' one."),
    heartbeat_s: float = typer.Option(5.0, min=0.05, help="Seconds between telemetry samples."),
    work_s: float = typer.Option(0.2, min=0.0, help="Seconds a device takes to carry out a command."),
    for_seconds: float | None = typer.Option(None, min=0.1, help="Stop after this long (default: until Ctrl-C)."),
) -> None:
    """Run a branch's simulated devices; requests on standard input make them fail or recover."""
    from integrations.devices.broker import read_credentials

    if not credentials.exists():
        fail(f"{credentials} not found; write one with `lobby devices broker-config --branch {branch}`")
    broker_url, accounts = read_credentials(credentials)
    mine = [a for a in accounts if a.branch == branch]
    if not mine:
        fail(f"no device accounts of branch {branch} in {credentials}")
    asyncio.run(_simulate(url or broker_url, mine, heartbeat_s, work_s, for_seconds))


async def _simulate(
    url: str, accounts: list[DeviceAccount], heartbeat_s: float, work_s: float, for_s: float | None
) -> None:
    from integrations.devices.behaviour import REQUESTS
    from integrations.devices.simulator import CONNECTION_REQUESTS, BranchSimulator

    sim = BranchSimulator(url, accounts, heartbeat_s=heartbeat_s, work_s=work_s)
    try:
        await sim.start()
    except TimeoutError:
        await sim.stop()
        fail(f"the devices could not connect to {url} (is the broker running, and are these its credentials?)")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    _read_lines_into(lines, loop)
    typer.echo(f"simulating {', '.join(sorted(sim.devices))} on {url}; type `help` for requests", err=True)
    if for_s is not None:
        loop.call_later(for_s, stop.set)
    waiting_stop = asyncio.create_task(stop.wait())
    try:
        while not stop.is_set():
            reading = asyncio.create_task(lines.get())
            await asyncio.wait({reading, waiting_stop}, return_when=asyncio.FIRST_COMPLETED)
            if not reading.done():
                reading.cancel()
                break
            line = reading.result()
            if line is None:  # end of input: keep running until stopped
                await waiting_stop
                break
            _answer(line, sim, REQUESTS + CONNECTION_REQUESTS, await _apply(line, sim))
    finally:
        waiting_stop.cancel()
        await sim.stop()


async def _apply(line: str, sim: BranchSimulator) -> str | None:
    words = line.split()
    if len(words) != 2 or words[1] not in sim.devices:
        return None
    try:
        await sim[words[1]].request(words[0])
    except (ValueError, TimeoutError) as exc:
        return f"error: {exc}"
    return f"{words[1]}: {sim[words[1]].model.state}"


def _answer(line: str, sim: BranchSimulator, actions: tuple[str, ...], result: str | None) -> None:
    if not line.strip():
        return
    if result is None:
        devices = ", ".join(sorted(sim.devices))
        typer.echo(f"requests: ACTION DEVICE; actions: {', '.join(actions)}; devices: {devices}")
    else:
        typer.echo(result)


def _read_lines_into(queue: asyncio.Queue[str | None], loop: asyncio.AbstractEventLoop) -> None:
    """Standard input from a daemon thread (a blocked read must not keep the process alive at exit)."""

    def pump() -> None:
        with contextlib.suppress(ValueError, OSError):
            for line in sys.stdin:
                loop.call_soon_threadsafe(queue.put_nowait, line.strip())
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=pump, name="simulator-stdin", daemon=True).start()


def status(
    branch: str | None = typer.Option(None, "--branch", help="One branch (default: every branch)."),
    wait_s: float = typer.Option(1.0, min=0.0, help="Seconds to listen for retained status and telemetry."),
    as_json: bool = JsonOption,
) -> None:
    """The live device picture (state, paper, stock, faults, last seen) from LOBBY_MQTT_URL's broker."""
    settings = load_settings()
    if not settings.mqtt_url:
        fail("LOBBY_MQTT_URL is not set: devices are the sandbox bank's (see `lobby sandbox`)")
    rows = asyncio.run(_picture(settings.mqtt_url, branch, wait_s))
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        left = r["paper"] if r["paper"] is not None else r["stock"]
        faults = ", ".join(r["faults"]) or "-"
        typer.echo(
            f"{r['device']:16} {r['kind']:16} {r['state']:14} left {left!s:5} faults {faults:12} {r['last_seen']}"
        )


async def _picture(url: str, branch: str | None, wait_s: float) -> list[dict[str, Any]]:
    from integrations.devices.link import DeviceLink

    link = DeviceLink(url, branches=[branch] if branch else None)
    await link.start(5.0)
    if not link.connected:
        await link.aclose()
        fail("the broker did not accept the connection (LOBBY_MQTT_URL)")
    await asyncio.sleep(wait_s)
    rows = link.picture.snapshot(branch)
    await link.aclose()
    return rows
