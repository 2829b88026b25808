"""The sandbox bank: a FastAPI app with its own SQLite state implementing the bank back-end API.

`create_sandbox_app` does all set-up in the factory (not in a lifespan), because in-process use
goes through `httpx.ASGITransport`, which does not run lifespans.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from integrations import schemas as api
from integrations.sandbox import (  # the customer's phone
    routes_bookings,
    routes_branch,
    routes_customers,
    routes_orders,
    routes_prepared,
    routes_risk,
    routes_sms,
    routes_transactions,
    routes_verification,
)
from integrations.sandbox.common import ApiError, StateDep
from integrations.sandbox.faults import FaultBoard, FaultMiddleware
from integrations.sandbox.routes_verification import VerificationPolicy
from integrations.sandbox.seed import cast_summary
from integrations.sandbox.state import SandboxState

VERSION = "1.0.0"


class FaultsRequest(BaseModel):
    faults: list[api.Fault]


def create_sandbox_app(
    db_path_or_url: str | Path, seed: bool = True, verification: VerificationPolicy | None = None
) -> FastAPI:
    """The sandbox over a SQLite file (or any SQLAlchemy URL); `seed` writes the cast when needed;
    `verification`: wrong PIN / face tries before a lock (default three each)."""
    state = SandboxState(db_path_or_url)
    if seed:
        state.ensure_seeded()
    board = FaultBoard()
    app = FastAPI(
        title="示范银行 Demo Bank sandbox",
        version=VERSION,
        description="The bank back-end API that Lobby's integrations speak, over a seeded fake bank.",
    )
    app.state.sandbox = state
    app.state.faults = board
    app.state.verification = verification or VerificationPolicy()
    app.add_middleware(FaultMiddleware, board=board)

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]
        return JSONResponse(
            {"code": "invalid_request", "message": "invalid request", "detail": {"errors": errors}}, status_code=422
        )

    @app.get("/healthz", tags=["health"])
    def healthz(state: StateDep) -> dict[str, Any]:
        seeded = state.seeded_on()
        return {
            "status": "ok",
            "service": "sandbox-bank",
            "version": VERSION,
            "seeded_on": seeded.isoformat() if seeded else None,
        }

    for module in (routes_customers, routes_transactions, routes_branch, routes_risk, routes_verification):
        app.include_router(module.router)
    app.include_router(routes_verification.control)
    app.include_router(routes_orders.router)  # order tracking (docs/orders.md)
    for module in (routes_sms, routes_bookings, routes_prepared):  # the customer's phone (issue 21)
        app.include_router(module.router)
    app.include_router(routes_sms.control)
    app.include_router(_control_router(board))
    return app


def _control_router(board: FaultBoard) -> APIRouter:
    router = APIRouter(prefix="/sandbox/v1", tags=["sandbox control"])

    @router.post("/reset")
    def reset(state: StateDep) -> dict[str, Any]:
        """Back to the seeded cast; clears faults."""
        state.reset()
        board.set([])
        return {"status": "reset", "seeded_on": str(state.seeded_on())}

    @router.post("/faults", response_model=api.FaultState)
    def set_faults(body: FaultsRequest) -> api.FaultState:
        """Replace the faults in force (an empty list clears them)."""
        board.set(body.faults)
        return api.FaultState(faults=board.faults, hits=dict(board.hits))

    @router.get("/faults", response_model=api.FaultState)
    def get_faults() -> api.FaultState:
        return api.FaultState(faults=board.faults, hits=dict(board.hits))

    @router.get("/cast")
    def cast() -> dict[str, Any]:
        """Every identifier of the seeded cast (same as `lobby sandbox cast --json`)."""
        return cast_summary()

    return router
