"""A bare FastAPI app for the HTTP benchmark's comparison: no login, no database, no engine.

`GET /api/me` answers a fixed object; `POST /api/assess` echoes the JSON it received.
"""
from __future__ import annotations

from typing import Any

from fastapi import Body, FastAPI

app = FastAPI()


@app.get("/api/me")
async def me() -> dict[str, Any]:
    return {"user_id": 1, "name": "Bare", "role": "therapist", "clinic_id": 1, "csrf_token": "x"}


@app.post("/api/assess")
async def echo(case: dict[str, Any] = Body(...)) -> dict[str, Any]:
    return case
