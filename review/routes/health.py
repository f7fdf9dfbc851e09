"""Liveness for a load balancer: no login, no store."""
from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

router = APIRouter()


@router.get("/healthz")
def healthz():
    return JSONResponse({"ok": True})
