"""Outbound notifications (OKdokument's sendInfo, later webhooks), recorded for tests."""

from __future__ import annotations

import time
from typing import Any

from esign.sandbox.state import CallbackRecord, SharedState

CALLBACK_TIMEOUT = 5.0


async def post_callback(
    shared: SharedState,
    provider: str,
    url: str,
    payload: Any,
    *,
    headers: dict[str, str] | None = None,
    success: tuple[int, ...] | None = None,
) -> bool:
    """POST JSON to the receiver's URL (with only the headers it registered); True when it
    answered one of `success` (default: any 2xx)."""
    record = await deliver(shared, provider, url, payload, headers=headers)
    if record.status is None:
        return False
    return record.status in success if success else 200 <= record.status < 300


async def deliver(
    shared: SharedState,
    provider: str,
    url: str,
    payload: Any,
    *,
    headers: dict[str, str] | None = None,
) -> CallbackRecord:
    """One POST, recorded; the record says what the receiver answered (or why nothing)."""
    import httpx

    status: int | None = None
    error: str | None = None
    try:
        async with httpx.AsyncClient(timeout=CALLBACK_TIMEOUT, trust_env=False) as client:
            response = await client.post(url, json=payload, headers=headers)
            status = response.status_code
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
    record = CallbackRecord(provider, url, payload, status, error, time.time())
    shared.callbacks.append(record)
    return record
