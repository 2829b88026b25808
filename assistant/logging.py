"""Structured JSON logs (structlog over the standard library, so uvicorn's lines are JSON too).

Personal data is masked in every line (`integrations.pii`), and credentials in URL query strings are redacted:
the kiosk page opens its socket as `/api/v1/kiosk/ws?token=DEVICE_TOKEN`, and uvicorn logs that path whole
(`"WebSocket /api/v1/kiosk/ws?token=..." [accepted]`), so anyone reading the logs could act as the kiosk.
A request id is bound per request by `assistant.api.middleware.RequestIdMiddleware` through structlog's context
variables and appears on every line logged while serving it.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

from integrations import pii

REDACTED = "[redacted]"
# A query parameter that carries a credential: token, access_token, device_token, password, secret, api_key, ...
_SECRET_PARAM = re.compile(
    r"(?i)([?&;](?:[a-z0-9_\-]*token|password|passwd|secret|api[_\-]?key|signature|sig)=)[^&;\s\"'#]+"
)


def redact_secrets(value: Any) -> Any:
    """`value` (a string, or strings nested in dicts and lists) with credential query parameters redacted."""
    if isinstance(value, str):
        return _SECRET_PARAM.sub(rf"\g<1>{REDACTED}", value) if "=" in value else value
    if isinstance(value, dict):
        return {k: redact_secrets(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_secrets(v) for v in value)
    return value


def redact_processor(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """A structlog processor: no credential from a URL reaches a log line (our lines and uvicorn's)."""
    for key, value in list(event_dict.items()):
        if not key.startswith("_"):  # structlog's own entries (the foreign record) are left alone
            event_dict[key] = redact_secrets(value)
    return event_dict


def configure_logging(level: str = "INFO", json_output: bool = True) -> None:
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact_processor,  # nor device tokens in URLs (the kiosk socket's ?token=...)
        pii.structlog_processor,  # ID, phone, card and account numbers never reach a log line
    ]
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if json_output
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
        # a logging.config call elsewhere (alembic's, uvicorn's own) may have disabled them or set a level
        logger.disabled = False
        logger.setLevel(logging.NOTSET)
    logging.getLogger("alembic").setLevel(max(root.level, logging.WARNING))


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.stdlib.get_logger(name)
