"""Outbound notifications (OKdokument's sendInfo, later webhooks), recorded for tests."""

from __future__ import annotations

import time
from typing import Any

from esign.sandbox.state import CallbackRecord, SharedState

CALLBACK_TIMEOUT = 5.0


async def post_callback(shared: SharedState, provider: str, url: str, payload: Any) -> bool:
    """POST JSON to the portal's URL without authentication; True when it answered 2xx."""
    import httpx

    status: int | None = None
    error: str | None = None
    try:
        async with httpx.AsyncClient(timeout=CALLBACK_TIMEOUT, trust_env=False) as client:
            response = await client.post(url, json=payload)
            status = response.status_code
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
    shared.callbacks.append(CallbackRecord(provider, url, payload, status, error, time.time()))
    return status is not None and 200 <= status < 300
