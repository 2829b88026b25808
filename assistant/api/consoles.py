"""The staff consoles' pages: `/teller`, `/expert`, `/supervisor`, `/manager` and their files under `/static/staff/`
(vendored libraries under `/static/vendor/`).

Plain HTML + JavaScript from `assistant/web/` (no build step, no CDN). The pages themselves are public:
they show a sign-in form, and every API call they make is checked by the routes' roles.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".html": "text/html; charset=utf-8",
}
# The pages' own scripts only; no inline scripts, no other origin.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
    "connect-src 'self' ws: wss:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-cache",
}

router = APIRouter(include_in_schema=False)


def _page(name: str) -> HTMLResponse:
    path = WEB_DIR / f"{name}.html"
    if not path.is_file():
        raise HTTPException(404, f"the {name} console is not installed")
    return HTMLResponse(path.read_text(encoding="utf-8"), headers=SECURITY_HEADERS)


@router.get("/teller")
async def teller_page() -> HTMLResponse:
    return _page("teller")


@router.get("/expert")
async def expert_page() -> HTMLResponse:
    return _page("expert")


@router.get("/supervisor")
async def supervisor_page() -> HTMLResponse:
    return _page("supervisor")


@router.get("/manager")
async def manager_page() -> HTMLResponse:
    return _page("manager")


VENDOR_DIR = WEB_DIR / "vendor"
VENDORED = {"echarts": ("echarts.min.js",)}  # third-party files the pages load (see each folder's README)


@router.get("/static/vendor/{package}/{name}")
async def vendor_file(package: str, name: str) -> FileResponse:
    """A vendored third-party file, by an allow-list (no path may leave `assistant/web/vendor/`)."""
    if name not in VENDORED.get(package, ()):
        raise HTTPException(404, "not found")
    path = VENDOR_DIR / package / name
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], headers=SECURITY_HEADERS)


@router.get("/static/staff/{name}")
async def static_file(name: str) -> FileResponse:
    """One file of `assistant/web/` (flat folder; no path may leave it)."""
    path = (WEB_DIR / name).resolve()
    if path.parent != WEB_DIR or not path.is_file() or path.suffix not in MEDIA_TYPES:
        raise HTTPException(404, "not found")
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], headers=SECURITY_HEADERS)
