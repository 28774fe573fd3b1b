"""REST API for call lists and suppression lists."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["lists"])
