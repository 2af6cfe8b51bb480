"""Files served as S3 and ordinary web servers serve them: with `Accept-Ranges: bytes`, an ETag
and a Last-Modified date, and a `Range: bytes=...` request answered 206 with its
`Content-Range` (416 past the end), unless its `If-Range` names another version of the file,
which is then sent whole (RFC 9110 §14). One range per request; several are answered whole,
as the RFC allows."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Mapping
from email.utils import formatdate

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)

Generator = Callable[[int, int], Iterator[bytes]]  # (first byte, end) -> the bytes between


def etag_of(content: bytes) -> str:
    return '"' + hashlib.md5(content, usedforsecurity=False).hexdigest() + '"'  # as S3's


def http_date(moment: float | str) -> str:
    """An HTTP date from epoch seconds or an ISO-8601 text (the stores keep both)."""
    if isinstance(moment, str):
        from datetime import UTC, datetime

        parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
        moment = (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()
    return formatdate(moment, usegmt=True)


def ranged(
    request: Request,
    content: bytes | None,
    *,
    media_type: str,
    headers: Mapping[str, str],
    etag: str,
    last_modified: str,
    size: int | None = None,
    generate: Generator | None = None,
) -> Response:
    """The file (`content`, or `size` bytes that `generate` yields) or the part of it the
    request's Range asks for."""
    total = len(content) if content is not None else size or 0
    common = {
        **headers,
        "Accept-Ranges": "bytes",
        "ETag": etag,
        "Last-Modified": last_modified,
    }
    wanted = _wanted(request, total, etag, last_modified)
    if wanted == "unsatisfiable":
        return Response(
            b"",
            status_code=416,
            headers={**common, "Content-Range": f"bytes */{total}"},
            media_type=media_type,
        )
    first, end = wanted if isinstance(wanted, tuple) else (0, total)
    status = 206 if isinstance(wanted, tuple) else 200
    if isinstance(wanted, tuple):
        common["Content-Range"] = f"bytes {first}-{end - 1}/{total}"
    if content is not None:
        return Response(
            content[first:end], status_code=status, headers=common, media_type=media_type
        )
    assert generate is not None
    common["Content-Length"] = str(end - first)
    return StreamingResponse(
        generate(first, end), status_code=status, headers=common, media_type=media_type
    )


def _wanted(
    request: Request, total: int, etag: str, last_modified: str
) -> tuple[int, int] | str | None:
    """(first, end) of the one range asked for, "unsatisfiable", or None for the whole."""
    match = _RANGE.match(request.headers.get("range", ""))
    if match is None:
        return None  # no Range, a malformed one, or several ranges: the whole file
    if_range = request.headers.get("if-range")
    if if_range is not None and if_range.strip() not in (etag, last_modified):
        return None  # another version of the file than the client holds part of
    start_text, end_text = match.groups()
    if not start_text and not end_text:
        return None
    if not start_text:  # the last N bytes
        suffix = int(end_text)
        if suffix == 0:
            return "unsatisfiable"
        return max(0, total - suffix), total
    first = int(start_text)
    if first >= total:
        return "unsatisfiable"
    end = min(int(end_text) + 1, total) if end_text else total
    if end <= first:
        return None
    return first, end
