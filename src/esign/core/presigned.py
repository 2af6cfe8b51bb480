"""Presigned URLs: when they stop working, read from their own query."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit


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
