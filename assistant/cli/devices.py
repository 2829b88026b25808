"""`lobby devices ...`: kiosk device tokens. The token is printed once; only its hash is stored."""

from __future__ import annotations

import typer

from assistant.audit import AuditLog
from assistant.auth.devices import DeviceStore, InvalidDevice
from assistant.cli import devices_mqtt
from assistant.cli.common import JsonOption, emit_json, fail
from assistant.cli.users import announce_withdrawal, cli_actor, open_store
from assistant.events import withdrawals

app = typer.Typer(
    help="Kiosk device tokens (add, list, revoke) and branch devices over MQTT (broker-config, simulate, status).",
    no_args_is_help=True,
)
app.command("broker-config")(devices_mqtt.broker_config)
app.command("simulate")(devices_mqtt.simulate)
app.command("status")(devices_mqtt.status)


@app.command("add")
def add(
    device_id: str = typer.Argument(..., help="The kiosk's id, e.g. KIOSK-BJ001-02."),
    branch: str | None = typer.Option(None, "--branch", help="Branch id, e.g. BJ001."),
    as_json: bool = JsonOption,
) -> None:
    """Issue a token for a kiosk and print it (once: it cannot be shown again)."""
    _, db = open_store()
    try:
        token = DeviceStore(db).add(device_id, branch)
    except InvalidDevice as exc:
        fail(str(exc))
    AuditLog(db).record(cli_actor(), "admin", "device_change", device_id, {"change": "add", "branch_id": branch})
    if as_json:
        emit_json({"device_id": device_id, "branch_id": branch, "token": token})
    else:
        typer.echo(token)
        typer.echo(f"token for {device_id}: open /kiosk?token=<token> once on the kiosk", err=True)


@app.command("list")
def list_devices(as_json: bool = JsonOption) -> None:
    """Devices and their tokens' state (never the tokens)."""
    _, db = open_store()
    devices = DeviceStore(db).list()
    if as_json:
        emit_json([d.to_dict() for d in devices])
        return
    for d in devices:
        state = f"revoked {d.revoked_at:%Y-%m-%d}" if d.revoked_at else "active"
        typer.echo(f"{d.device_id:24} {d.branch_id or '-':8} {state}")


@app.command("revoke")
def revoke(device_id: str = typer.Argument(...)) -> None:
    """Revoke every token of a device: running servers refuse it and close its open socket within seconds."""
    settings, db = open_store()
    count = DeviceStore(db).revoke(device_id)
    if not count:
        fail(f"no active token for {device_id!r}")
    AuditLog(db).record(cli_actor(), "admin", "device_change", device_id, {"change": "revoke", "tokens": count})
    typer.echo(f"revoked {count} token(s) of {device_id}")
    announce_withdrawal(settings, withdrawals.device_revoked(device_id))
