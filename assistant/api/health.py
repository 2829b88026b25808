"""Liveness, readiness and metrics: what a load balancer and Prometheus ask."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from assistant import __version__

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Alive: the process answers")
async def healthz() -> dict[str, Any]:
    return {"status": "ok", "version": __version__}


@router.get("/readyz", summary="Ready: every subsystem can serve (503 until then)")
async def readyz(request: Request) -> JSONResponse:
    ready, subsystems = await request.app.state.readiness.report()
    return JSONResponse({"ready": ready, "subsystems": subsystems}, status_code=200 if ready else 503)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
