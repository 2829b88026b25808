"""Every API route declares its roles: a table-driven walk over the app's routes.

The table below is the reviewed statement of who may call what. A route the app serves that is missing
from the table (or from the public list) fails, a route whose declared `require(...)` differs from the
table fails, and each route is called with no credentials (401), with every role it does not allow (403)
and with every role it does allow (neither 401 nor the guard's 403).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIWebSocketRoute, iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount, WebSocketRoute
from starlette.testclient import WebSocketDenialResponse
from starlette.websockets import WebSocketDisconnect

from assistant.api.app import create_app
from assistant.auth import RoleGuard
from assistant.config import Settings
from knowledge.config import KnowledgeOptions
from tests.conftest import PREPARED_MODELS, TEST_AUTH, auth_headers

pytestmark = pytest.mark.integration

ANY = frozenset({"kiosk", "teller", "expert", "supervisor", "manager"})  # `require()`: any signed-in caller
CONVERSE = frozenset({"kiosk", "teller"})
READ_SESSION = frozenset({"kiosk", "teller", "expert", "supervisor"})
KNOWLEDGE = frozenset({"kiosk", "teller", "expert", "supervisor"})
HANDOFF_TAKERS = frozenset({"expert", "teller"})
HANDOFF_VIEWERS = frozenset({"expert", "teller", "supervisor"})
STAFF = frozenset({"teller", "expert", "supervisor"})
TELLER = frozenset({"teller"})
SUPERVISOR = frozenset({"supervisor"})
MANAGER = frozenset({"manager", "supervisor"})  # the branch manager's console; supervisors may see it too

# (method, path) -> roles allowed besides admin (admin passes every check). "WS" marks a WebSocket.
ROUTE_ROLES: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/api/v1/auth/me"): ANY,
    ("POST", "/api/v1/sessions"): CONVERSE,
    ("POST", "/api/v1/sessions/{session_id}/turns"): CONVERSE,
    ("POST", "/api/v1/sessions/{session_id}/events"): CONVERSE,
    ("GET", "/api/v1/sessions/{session_id}"): READ_SESSION,
    ("POST", "/api/v1/sessions/{session_id}/end"): CONVERSE,
    ("GET", "/api/v1/knowledge/search"): KNOWLEDGE,
    ("POST", "/api/v1/knowledge/ask"): KNOWLEDGE,
    ("WS", "/api/v1/kiosk/ws"): frozenset({"kiosk"}),
    ("WS", "/api/v1/staff/ws"): STAFF | {"manager"},
    ("GET", "/api/v1/handoffs"): HANDOFF_VIEWERS,
    ("GET", "/api/v1/handoffs/mine"): HANDOFF_TAKERS,
    ("GET", "/api/v1/handoffs/presence"): HANDOFF_VIEWERS,
    ("PUT", "/api/v1/handoffs/presence"): HANDOFF_TAKERS,
    ("POST", "/api/v1/handoffs/next"): HANDOFF_TAKERS,
    ("GET", "/api/v1/handoffs/{handoff_id}"): HANDOFF_VIEWERS,
    ("POST", "/api/v1/handoffs/{handoff_id}/accept"): HANDOFF_TAKERS,
    ("POST", "/api/v1/handoffs/{handoff_id}/messages"): HANDOFF_TAKERS,
    ("POST", "/api/v1/handoffs/{handoff_id}/authorizations/{authorization_id}"): HANDOFF_TAKERS,
    ("POST", "/api/v1/handoffs/{handoff_id}/finish"): HANDOFF_TAKERS,
    ("POST", "/api/v1/handoffs/{handoff_id}/release"): HANDOFF_TAKERS,
    ("POST", "/api/v1/teller/ask"): STAFF,
    ("GET", "/api/v1/teller/documents/{doc_id}"): STAFF,
    ("GET", "/api/v1/teller/queue"): TELLER,
    ("POST", "/api/v1/teller/queue/next"): TELLER,
    ("GET", "/api/v1/teller/customer"): TELLER,
    ("GET", "/api/v1/teller/prepared/{token}"): TELLER,  # a form prepared on the customer's phone
    ("POST", "/api/v1/teller/customer/authorizations/{authorization_id}"): TELLER,
    ("GET", "/api/v1/teller/orders"): TELLER,  # order tracking at the counter (docs/orders.md)
    ("POST", "/api/v1/teller/orders/{order_id}/ready"): TELLER,
    ("POST", "/api/v1/teller/orders/{order_id}/pickup"): TELLER,
    ("POST", "/api/v1/teller/orders/{order_id}/cancel"): TELLER,
    ("GET", "/api/v1/supervisor/sessions"): SUPERVISOR,
    ("GET", "/api/v1/supervisor/facets"): SUPERVISOR,
    ("GET", "/api/v1/supervisor/sessions/{session_id}"): SUPERVISOR,
    ("GET", "/api/v1/supervisor/sessions/{session_id}/recording"): SUPERVISOR,
    ("GET", "/api/v1/supervisor/sessions/{session_id}/recording/segments"): SUPERVISOR,
    ("GET", "/api/v1/supervisor/sessions/{session_id}/stills"): SUPERVISOR,
    ("GET", "/api/v1/supervisor/sessions/{session_id}/stills/{part}/{n}"): SUPERVISOR,
    ("POST", "/api/v1/supervisor/sessions/{session_id}/unmask"): SUPERVISOR,
    ("POST", "/api/v1/supervisor/sessions/{session_id}/annotations"): SUPERVISOR,
    ("DELETE", "/api/v1/supervisor/annotations/{annotation_id}"): SUPERVISOR,
    ("GET", "/api/v1/supervisor/export"): SUPERVISOR,
    ("GET", "/api/v1/supervisor/dashboard"): SUPERVISOR,
    ("GET", "/api/v1/rtc/ice-servers"): ANY - {"manager"},  # a call needs a kiosk or a colleague serving it
    ("GET", "/api/v1/manager/overview"): MANAGER,
    ("POST", "/api/v1/manager/instructions"): MANAGER,
    ("POST", "/api/v1/manager/handoffs/{handoff_id}/reassign"): MANAGER,
    ("POST", "/api/v1/manager/devices/{device_id}/service"): MANAGER,
    ("POST", "/api/v1/manager/queue/call"): MANAGER,
}
# Open to everyone: probes, API docs, sign-in itself, and the HTML pages and their static files (the
# pages hold no data; everything they show comes from the routes above).
PUBLIC: set[tuple[str, str]] = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"),
    ("GET", "/openapi.json"),
    ("POST", "/api/v1/auth/token"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/logout"),
    ("GET", "/kiosk"),
    ("GET", "/teller"),
    ("GET", "/expert"),
    ("GET", "/supervisor"),
    ("GET", "/manager"),
    ("GET", "/static/vendor/{package}/{name}"),
    ("GET", "/static/staff/{name}"),
}
# The customer's phone (assistant/api/mobile.py): its page and SMS sign-in are public (the outbox relay only
# outside production); every other route takes the customer token of that sign-in and no staff token at all.
PUBLIC |= {
    ("GET", "/m"),
    ("GET", "/m/static/{name}"),
    ("POST", "/api/v1/mobile/code"),
    ("POST", "/api/v1/mobile/sign-in"),
    ("GET", "/api/v1/mobile/demo/sms"),
}
CUSTOMER_ROUTES: set[tuple[str, str]] = {
    ("GET", "/api/v1/mobile/me"),
    ("GET", "/api/v1/mobile/catalogue"),
    ("GET", "/api/v1/mobile/availability"),
    ("POST", "/api/v1/mobile/bookings"),
    ("POST", "/api/v1/mobile/bookings/{code}/change"),
    ("POST", "/api/v1/mobile/bookings/{code}/cancel"),
    ("GET", "/api/v1/mobile/forms/{journey}"),
    ("POST", "/api/v1/mobile/forms/{journey}"),
    ("POST", "/api/v1/mobile/prepared/{form_id}/cancel"),
    ("GET", "/api/v1/mobile/status"),
    ("GET", "/api/v1/mobile/stream"),
}
PUBLIC_MOUNTS = {"/kiosk/static"}
ROLES = ("kiosk", "teller", "expert", "supervisor", "manager")
GUARD_403 = re.compile(r"^role '\w+' may not use this")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    var_dir = tmp_path_factory.mktemp("roles-var")
    settings = Settings(
        env="test",
        var_dir=var_dir,
        models_dir=Path(PREPARED_MODELS),
        knowledge=KnowledgeOptions(auto_ingest=False),
        auth=TEST_AUTH,
        _env_file=None,  # type: ignore[call-arg]
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


def routes(app: FastAPI) -> Iterator[tuple[str, str, Any]]:
    """(method or "WS", full path, route) of every route, included routers flattened."""
    for ctx in iter_route_contexts(app.routes):
        route = ctx.original_route
        if isinstance(route, APIWebSocketRoute | WebSocketRoute):
            yield "WS", str(ctx.path), ctx
        elif isinstance(route, Mount):
            yield "MOUNT", str(ctx.path), ctx
        else:
            for method in sorted((ctx.methods or set()) - {"HEAD"}):
                yield method, str(ctx.path), ctx


def served_routes(app: FastAPI) -> tuple[set[tuple[str, str]], set[str]]:
    """(method, path) of every operation in the OpenAPI document, of every route left out of it and of
    every WebSocket ("WS"); and the mounted folders."""
    found = {(m.upper(), path) for path, ops in app.openapi()["paths"].items() for m in ops}
    mounts = set()
    for method, path, _ in routes(app):
        if method == "MOUNT":
            mounts.add(path)
        else:
            found.add((method, path))
    return found, mounts


def declared_roles(app: FastAPI) -> dict[tuple[str, str], frozenset[str]]:
    """The roles each route's `require(...)` dependencies let through (every guard must pass)."""

    def guards(dependant: Any) -> list[RoleGuard]:
        own = [dependant.call] if isinstance(dependant.call, RoleGuard) else []
        return own + [g for sub in dependant.dependencies for g in guards(sub)]

    declared = {}
    for method, path, ctx in routes(app):
        found = guards(ctx.dependant) if method != "MOUNT" and hasattr(ctx, "dependant") else []
        if found:
            allowed = set(ANY)
            for guard in found:
                allowed &= guard.roles or ANY
            declared[(method, path)] = frozenset(allowed)
    return declared


@pytest.fixture(scope="module")
def app() -> FastAPI:
    """The app's routes (no lifespan needed to read them)."""
    return create_app(Settings(env="test", _env_file=None))  # type: ignore[call-arg]


def test_every_served_route_is_in_the_table(app: FastAPI):
    served, mounts = served_routes(app)
    unlisted = sorted(served - set(ROUTE_ROLES) - PUBLIC - CUSTOMER_ROUTES)
    declared = declared_roles(app)
    hint = {route: sorted(declared.get(route, ())) for route in unlisted}
    assert not unlisted, f"routes missing from ROUTE_ROLES (declared roles shown): {hint}"
    assert mounts <= PUBLIC_MOUNTS, f"unreviewed mounts: {mounts - PUBLIC_MOUNTS}"


def test_declared_roles_match_the_table(app: FastAPI):
    declared = declared_roles(app)
    for route, roles in ROUTE_ROLES.items():
        if route in declared:
            assert declared[route] == roles, f"{route}: declares {sorted(declared[route])}, table {sorted(roles)}"
    assert not set(declared) & PUBLIC, "a public route declares roles"
    served, _ = served_routes(app)
    unguarded = [r for r in ROUTE_ROLES if r[0] != "WS" and r in served and r not in declared]
    assert not unguarded, f"HTTP routes without require(...): {unguarded}"


def skip_unless_served(client: TestClient, route: tuple[str, str]) -> None:
    """A table entry whose route this app does not serve (yet) is skipped: a misspelt entry still fails,
    since the real route is then missing from the table."""
    if route not in served_routes(client.app)[0]:  # type: ignore[arg-type]
        pytest.skip(f"{route} is not served by this app")


def url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path)


def call(client: TestClient, method: str, path: str, headers: dict[str, str]) -> tuple[int, str]:
    """Status and detail of one call; a WebSocket's refusal counts as 401/403 by its code."""
    if method == "WS":
        query = ""
        if headers.get("Authorization", "").startswith("Bearer ldt_"):
            query, headers = "?token=" + headers["Authorization"].removeprefix("Bearer "), {}
        try:
            with client.websocket_connect(url(path) + query, headers=headers) as socket:
                socket.close()
                return 101, ""
        except WebSocketDenialResponse as denial:
            return denial.status_code, denial.json().get("detail", "") if denial.content else ""
        except WebSocketDisconnect as closed:
            code = {4401: 401, 4403: 403, 1008: 403}.get(closed.code, closed.code)
            return code, closed.reason or ""
    response = client.request(method, url(path), headers=headers, json={} if method != "GET" else None)
    try:
        detail = response.json().get("detail", "")
    except (ValueError, AttributeError):  # not a JSON object: no guard refusal
        detail = ""
    return response.status_code, detail if isinstance(detail, str) else ""


@pytest.mark.parametrize("route", sorted(ROUTE_ROLES), ids=lambda r: f"{r[0]} {r[1]}")
def test_no_credentials_get_401(client: TestClient, route):
    skip_unless_served(client, route)
    status, _ = call(client, *route, {})
    assert status == 401
    status, _ = call(client, *route, {"Authorization": "Bearer not-a-token"})
    assert status == 401


@pytest.mark.parametrize("route", sorted(ROUTE_ROLES), ids=lambda r: f"{r[0]} {r[1]}")
def test_wrong_roles_get_403_and_allowed_roles_pass_the_guard(client: TestClient, route):
    skip_unless_served(client, route)
    allowed = ROUTE_ROLES[route]
    for role in ROLES:
        status, detail = call(client, *route, auth_headers(client, role))
        if role in allowed:
            if route[0] == "WS":
                continue  # a real socket session would start; refusals are what this test is about
            assert status != 401 and not (status == 403 and GUARD_403.match(detail)), f"{role}: {status} {detail}"
        else:
            assert status == 403, f"{role} got {status} {detail}"
    if route[0] != "WS":
        status, detail = call(client, *route, auth_headers(client, "admin"))
        assert status != 401 and not (status == 403 and GUARD_403.match(detail)), f"admin: {status} {detail}"


@pytest.mark.parametrize("route", sorted(CUSTOMER_ROUTES), ids=lambda r: f"{r[0]} {r[1]}")
def test_customer_routes_take_no_staff_or_kiosk_credentials(client: TestClient, route):
    skip_unless_served(client, route)
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, *(auth_headers(client, r) for r in (*ROLES, "admin"))):
        status, _ = call(client, *route, headers)
        assert status == 401, f"{headers and 'a staff or kiosk token'}: {status}"
