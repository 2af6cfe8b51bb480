"""Presigned URLs: when they stop working, read from their own query."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from esign.core.errors import PresignedUrlRefused

if TYPE_CHECKING:
    import httpx


def presigned_expiry(url: str) -> datetime | None:
    """When an S3-style presigned URL stops working, from its own query: SigV2 `Expires`
    (epoch seconds) or SigV4 `X-Amz-Date` + `X-Amz-Expires`."""
    query = {k.lower(): v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    try:
        if "expires" in query:
            return datetime.fromtimestamp(int(query["expires"]), tz=UTC)
        if "x-amz-date" in query and "x-amz-expires" in query:
            signed_at = datetime.strptime(query["x-amz-date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            return signed_at + timedelta(seconds=int(query["x-amz-expires"]))
    except (ValueError, OverflowError, OSError):
        return None
    return None


def storage_refusal(response: httpx.Response, provider: str) -> PresignedUrlRefused | None:
    """A presigned file URL that its storage (S3) refused: expired, or altered on the way.
    Decided by what was sent, not by the body: a 403 to a request that carried no
    credentials is no verdict on them, whatever the storage (or a CDN, or a proxy) answers
    with (S3's XML `<Error><Code>`, HTML, nothing); the XML's code and message are quoted
    when there."""
    if response.status_code != 403:
        return None
    text = response.text.lstrip()
    is_s3_error = text.startswith("<?xml") or text.startswith("<Error>")
    if not is_s3_error and _carried_credentials(response):
        return None
    code = (_xml_field(text, "Code") if is_s3_error else None) or "AccessDenied"
    said = _xml_field(text, "Message") if is_s3_error else None
    return PresignedUrlRefused(
        f"the file's presigned URL was refused by its storage (403 {code}"
        + (f": {said}" if said else "")
        + "): it expired or was altered",
        hint="run the command again: esign fetches a fresh URL each time",
        http_status=403,
        provider=provider,
        provider_message=f"{code}: {said}" if said else code,
    )


def _carried_credentials(response: httpx.Response) -> bool:
    try:
        headers = response.request.headers
    except RuntimeError:  # a response built without a request: assume the API's
        return True
    return "authorization" in headers or "x-api-key" in headers


def _xml_field(text: str, name: str) -> str | None:
    match = re.search(rf"<{name}>([^<]{{1,200}})</{name}>", text)
    return " ".join(match.group(1).split()) if match else None
