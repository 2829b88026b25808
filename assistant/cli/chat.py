"""`lobby chat`: talk to the assistant from a terminal, through the same runtime as the server.

Interactive by default; `--once TEXT --json` answers one turn as the API would. In the interactive
mode, lines starting with `/` are device events: `/id NUMBER`, `/qr TOKEN`, `/booking CODE`, `/end`, and at a
journey's verify step `/face PHOTO.jpg` (the camera still) and `/pin DIGITS` (the kiosk's PIN pad).
"""

from __future__ import annotations

import asyncio
import base64
import sys
from pathlib import Path

import typer

from assistant.cli.common import emit_json, fail, load_settings
from assistant.config import Settings
from assistant.conversation.guard import InputRejected
from assistant.conversation.schemas import EventIn, SessionCreate, TurnIn, TurnOut
from assistant.logging import configure_logging
from assistant.runtime import Runtime, open_runtime

EVENT_COMMANDS = {
    "/id": ("id_card_read", "id_number"),
    "/qr": ("qr_scanned", "qr_token"),
    "/booking": ("booking_code", "code"),
    "/phone": ("phone_entered", "phone"),
    "/pin": ("pin_entered", "pin"),
    "/face": ("face_captured", "image"),  # the value is a JPEG file, sent as base64
}


def chat(
    once: str | None = typer.Option(None, "--once", help="Send one message, print the reply and exit."),
    as_json: bool = typer.Option(False, "--json", help="Print the full turn as JSON (with --once)."),
    language: str | None = typer.Option(None, help="zh or en (default: detected per turn)."),
    channel: str = typer.Option("kiosk", help="kiosk or teller."),
    branch: str = typer.Option("BJ001", help="Branch id."),
) -> None:
    """Talk to the assistant (the same conversation the kiosk uses)."""
    settings = load_settings(runtime=True)
    configure_logging("WARNING", json_output=False)  # a terminal conversation, not a server log
    if channel not in ("kiosk", "teller") or language not in (None, "zh", "en"):
        fail("--channel must be kiosk or teller, --language zh or en")
    request = SessionCreate.model_validate({"channel": channel, "branch_id": branch, "language": language})
    try:
        asyncio.run(_run(settings, once, as_json, request))
    except InputRejected as exc:
        fail(str(exc))


async def _run(settings: Settings, once: str | None, as_json: bool, request: SessionCreate) -> None:
    async with open_runtime(settings) as runtime:
        if runtime.knowledge.state == "building":
            typer.echo("building the knowledge base (first run)...", err=True)
        await runtime.knowledge.wait_ready()
        created = await runtime.conversation.create_session(request)
        if once is not None:
            out = await runtime.conversation.turn(created.session_id, TurnIn(text=once))
            emit_json(out.model_dump(mode="json")) if as_json else _print(out)
            return
        typer.echo(f"助手: {created.reply.text}")
        await _repl(runtime, created.session_id)


async def _repl(runtime: Runtime, session_id: str) -> None:
    conversation = runtime.conversation
    while True:
        line = await asyncio.to_thread(sys.stdin.readline)
        if not line:
            break
        text = line.strip()
        if not text:
            continue
        if text in ("/end", "/quit", "/exit"):
            await conversation.end(session_id)
            break
        try:
            command, _, value = text.partition(" ")
            if command in EVENT_COMMANDS:
                kind, key = EVENT_COMMANDS[command]
                given = value.strip()
                if command == "/face":
                    given = await asyncio.to_thread(_photo, given)
                out = await conversation.event(session_id, EventIn(type=kind, data={key: given}))
            else:
                out = await conversation.turn(session_id, TurnIn(text=text))
        except InputRejected as exc:
            typer.echo(f"(not sent: {exc})", err=True)
            continue
        except OSError as exc:  # /face with a photo that cannot be read
            typer.echo(f"(not sent: {exc.strerror}: {exc.filename})", err=True)
            continue
        _print(out)


def _photo(path: str) -> str:
    """A photo file as the kiosk sends a camera still: base64 JPEG."""
    return base64.b64encode(Path(path).expanduser().read_bytes()).decode("ascii")


def _print(out: TurnOut) -> None:
    typer.echo(f"助手: {out.reply.text}")
    for citation in out.reply.citations:
        typer.echo(f"  依据：《{citation.title}》 ({citation.doc_id})")
    if out.journey:
        typer.echo(f"  [{out.journey.name} / {out.journey.step} / {out.journey.status}]")
    if out.handoff:
        typer.echo(f"  [handoff {out.handoff['id']} position {out.handoff['position']}]")
