"""The kiosk page: GET `/kiosk` and its static files under `/kiosk/static/` (no build step, no CDN).

The page itself lives in `avatar/web/` as plain HTML, CSS and ES modules. This module only fills the
HTML template with what the page cannot fetch on its own without an authenticated call:

- outside production, the demo kiosk's device token (contracts.md: `<meta name="lobby-device-token">`);
  in production the page reads `?token=` once and keeps it in localStorage;
- the journeys' step lists, so the page can draw a journey's progress bar from `{name, step, status}`;
- outside production, the sandbox cast (names, ID and QR numbers are synthetic) for the demo device panel.
"""

from __future__ import annotations

import html
import json
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from assistant.config import Settings
from assistant.logging import get_logger

log = get_logger("lobby.kiosk_page")

WEB_DIR = Path(__file__).resolve().parents[2] / "avatar" / "web"
BOOT_MARKER = "<!-- lobby:boot -->"
DEMO_DEVICE_ID = "KIOSK-BJ001-01"
# Scripts only from the page's own origin; the camera/microphone and the WebSocket stay on it too.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "media-src 'self' blob: data:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
# What a step kind looks like on the progress bar; internal checks are not steps the customer sees.
STEP_LABELS: dict[str, dict[str, str] | None] = {
    "identify": {"zh": "身份核验", "en": "Identity"},
    "precheck": None,
    "risk_screen": None,
    "collect": {"zh": "填写信息", "en": "Details"},
    "confirm": {"zh": "核对确认", "en": "Confirm"},
    "verify": {"zh": "本人验证", "en": "Verification"},
    "authorise": {"zh": "授权", "en": "Authorisation"},
    "execute": {"zh": "办理", "en": "Processing"},
    "deliver": {"zh": "交付", "en": "Hand-over"},
    "recommend": {"zh": "推荐", "en": "Suggestions"},
    "handoff": {"zh": "专家服务", "en": "Expert"},
    "follow_up": {"zh": "后续", "en": "Follow-up"},
}

router = APIRouter(include_in_schema=False)


def install(app: FastAPI) -> None:
    """Register the page route and mount its static files (one call from the app factory)."""
    app.include_router(router)
    app.mount("/kiosk/static", StaticFiles(directory=WEB_DIR), name="kiosk-static")


@router.get("/kiosk", response_class=HTMLResponse)
async def kiosk_page(request: Request) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    demo = settings.env != "production"
    token = _demo_device_token(request) if demo else None
    page = render_page(token=token, demo=demo)
    headers = {
        "Content-Security-Policy": CSP,
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
    }
    return HTMLResponse(page, headers=headers)


def render_page(token: str | None, demo: bool) -> str:
    """The page's HTML with the boot data (and the device token meta when given) in its head."""
    boot: dict[str, Any] = {
        "demo": demo,
        "journeys": journey_steps(),
        "welcome": welcome(),
        "cast": demo_cast() if demo else [],
    }
    parts = []
    if token:
        parts.append(f'<meta name="lobby-device-token" content="{html.escape(token, quote=True)}">')
    parts.append(f'<script type="application/json" id="lobby-boot">{_script_json(boot)}</script>')
    return _template().replace(BOOT_MARKER, "\n    ".join(parts), 1)


@cache
def _template() -> str:
    text = (WEB_DIR / "index.html").read_text(encoding="utf-8")
    if BOOT_MARKER not in text:
        raise RuntimeError(f"{WEB_DIR / 'index.html'} lacks the {BOOT_MARKER} marker")
    return text


def _script_json(data: Any) -> str:
    """JSON safe inside a <script> element: no `</script>` or `<!--` can close or confuse it."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


@cache
def journey_steps() -> dict[str, Any]:
    """Each journey's title, steps and slot labels: `{name: {title, steps: [...], slots: {name: label}}}`.

    Every step is listed (the server reports the current step by id); `label: null` marks internal
    checks that the bar folds into the next visible step.
    """
    from assistant.journeys.loader import load_flows

    out: dict[str, Any] = {}
    for name, flow in load_flows().items():
        steps = []
        written = False  # an execute step came before: what it did cannot be undone ("back" is not offered)
        for step in flow.steps:
            label = STEP_LABELS.get(step.kind)
            for attr in ("form", "title"):
                titled = getattr(step, attr, None)
                if label is not None and titled is not None:
                    label = {"zh": titled.zh, "en": titled.en}
            steps.append({"id": step.id, "kind": step.kind, "label": label, "after_write": written})
            written = written or step.kind == "execute"
        slots = {slot: {"zh": spec.label.zh, "en": spec.label.en} for slot, spec in flow.slots.items() if spec.label}
        out[name] = {
            "title": {"zh": flow.title.zh, "en": flow.title.en},
            "steps": steps,
            "slots": slots,
            "slot_types": {slot: _slot_type(spec) for slot, spec in flow.slots.items()},
        }
    return out


def _slot_type(spec: Any) -> dict[str, Any]:
    """What the page needs to show a slot's value and answer it by touch: its type and choice labels."""
    out: dict[str, Any] = {"type": spec.type}
    if spec.choices:
        out["choices"] = {str(c.value): {"zh": c.label.zh, "en": c.label.en} for c in spec.choices}
    return out


@cache
def welcome() -> dict[str, Any]:
    """The session's welcome in both languages, so a language switch before the first turn shows the
    greeting and quick actions in the new language (one language at a time on screen)."""
    from assistant.conversation import replies

    return {
        lang: {"text": replies.render("welcome", lang), "suggestions": replies.options("welcome_suggestions", lang)}
        for lang in ("zh", "en")
    }


@cache
def demo_cast() -> list[dict[str, Any]]:
    """The sandbox cast's customers as the demo device panel offers them (synthetic identities)."""
    from integrations.sandbox.seed import cast_summary

    people = []
    for key, person in cast_summary().items():
        if person.get("customer_id") is None:
            continue
        passport = person.get("passport_number")
        people.append(
            {
                "key": key,
                "name": person["name"],
                "name_en": person["name_en"],
                "document": "passport" if passport and not person.get("id_number") else "id_card",
                "id_number": person.get("id_number") or passport,
                "qr_token": person.get("qr_token"),
                "booking_codes": person.get("booking_codes", []),
                "pin": next((a.get("pin") for a in person.get("accounts", []) if a.get("pin")), None),
            }
        )
    return people


def _demo_device_token(request: Request) -> str | None:
    """The demo kiosk's token that start-up provisioned outside production (`runtime.demo_kiosk_token`)."""
    token = getattr(request.app.state, "demo_kiosk_token", None)
    if isinstance(token, str) and token:
        return token
    log.warning("kiosk_page_no_demo_token", device_id=DEMO_DEVICE_ID)
    return None


def standalone_app(settings: Settings, demo_token: str | None = None) -> FastAPI:
    """The page alone, without the runtime: `lobby bench avatar` and the browser tests of the page's own
    behaviour serve it this way (their WebSocket is scripted in the browser, no models are loaded)."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.state.demo_kiosk_token = demo_token
    install(app)
    return app
