"""OKdokument's cross-cutting conventions (spec §3): the success and error envelopes (§3.2,
§3.3), timestamps (§3.4: epoch milliseconds in, Bratislava wall-clock time out), and the
content of an uploaded file (§3.5: base64, PDF or Office, 10 MB)."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Any

from starlette.responses import JSONResponse

from esign.sandbox.pdf import make_pdf

MAX_BYTES = 10 * 1024 * 1024
SERVER_TIMEZONE = "Europe/Bratislava"


# -- envelopes (spec §3.2, §3.3; §13.2) ----------------------------------------------------


def ok(message: str, result: str, **extra: Any) -> JSONResponse:
    body = {
        "code": "SUCCESS",
        "message": message,
        "result": result,
        "statusCode": 200,
        "success": True,
        **extra,
    }
    return JSONResponse(body)


def fail(status: int, message: str, value: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {
        "message": message,
        "code": message,
        "statusCode": status,
        "success": False,
    }
    if value is not None:
        body["value"] = value
    return JSONResponse(body, status_code=status)


# -- timestamps (spec §3.4) ----------------------------------------------------------------


def local_time(moment: datetime) -> str:
    # The tz database, not the client's esign.providers.okdokument.local_time: the emulator
    # stays a separate program, and the end-to-end tests compare two independent conversions.
    try:
        from zoneinfo import ZoneInfo

        moment = moment.astimezone(ZoneInfo(SERVER_TIMEZONE))
    except (ImportError, KeyError, OSError):
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def epoch_ms(value: Any) -> int | None:
    try:
        return int(float(value)) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


# -- content (spec §3.5) -------------------------------------------------------------------


def decode_file(wrapper: Any, body: dict[str, Any]) -> tuple[bytes, str | None, str] | JSONResponse:
    """`filedata`/`file` as an object with `content` (or `$content`), or a bare base64 string
    (the connector's form); filename and state inside it (6.1) or at the top level (6.3)."""
    if isinstance(wrapper, str):
        encoded: Any = wrapper
        wrapper = {}
    elif isinstance(wrapper, dict):
        encoded = wrapper.get("content") or wrapper.get("$content")
    else:
        return fail(400, "err.bad.request")
    if not isinstance(encoded, str) or not encoded:
        return fail(400, "err.missing.content")  # (invented)
    try:
        content = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return fail(400, "err.invalid.base64")  # (invented)
    if len(content) > MAX_BYTES:
        return fail(400, "err.file.too.large")  # (invented); limit on decoded bytes
    filename = wrapper.get("filename") or body.get("filename")
    if not is_document(content, filename):
        return fail(400, "err.file.format")  # (invented)
    if not content.startswith(b"%PDF-"):
        # The service converts Office files to PDF (spec §3.5); the emulator stands one in.
        content = make_pdf([f"Converted from {filename}", "(esign sandbox stand-in)"])
    state = str(wrapper.get("state") or body.get("state") or "tosign")
    if state not in ("tosign", "tags", "tostamp", "preprocessing_tags"):
        return fail(400, "err.invalid.state", state)
    return content, filename, state


def is_document(content: bytes, filename: Any) -> bool:
    if content.startswith(b"%PDF-"):
        return True
    name = str(filename or "").lower()
    return name.endswith((".doc", ".docx", ".xls", ".xlsx"))
