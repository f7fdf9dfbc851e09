"""Liveness for a load balancer: no login, no store."""
from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

router = APIRouter()


@router.get("/healthz")
def healthz() -> Response:
    return JSONResponse({"ok": True})
