"""`/sante`: a minimal answer for load balancers, monitors and the benchmark's baseline."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

router = APIRouter()


@router.get("/sante")
def health() -> JSONResponse:
    return JSONResponse({"status": "ok"})
