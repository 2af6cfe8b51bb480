"""Presigned file URLs that behave like S3's: they expire, and a changed byte in the path,
the expiry or the signature makes them fail with 403."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from urllib.parse import urlencode

ACCESS_KEY_ID = "ESIGNSANDBOXKEY"


class Presigner:
    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)

    def _signature(self, path: str, expires: int) -> str:
        mac = hmac.new(self._key, f"GET\n{expires}\n{path}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")

    def sign(self, origin: str, path: str, lifetime: float, now: float | None = None) -> str:
        """SigV2-style query: AWSAccessKeyId, Expires (epoch seconds), Signature."""
        expires = int((now if now is not None else time.time()) + lifetime)
        query = urlencode(
            {
                "AWSAccessKeyId": ACCESS_KEY_ID,
                "Expires": str(expires),
                "Signature": self._signature(path, expires),
            }
        )
        return f"{origin}{path}?{query}"

    def sign_v4(self, origin: str, path: str, lifetime: float, now: float | None = None) -> str:
        """SigV4-style query: X-Amz-Algorithm, -Credential, -Date, -Expires, -Signature."""
        moment = now if now is not None else time.time()
        amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(moment))
        seconds = int(lifetime)
        query = urlencode(
            {
                "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
                "X-Amz-Credential": f"{ACCESS_KEY_ID}/{amz_date[:8]}/us-east-1/s3/aws4_request",
                "X-Amz-Date": amz_date,
                "X-Amz-Expires": str(seconds),
                "X-Amz-SignedHeaders": "host",
                "X-Amz-Signature": self._signature(path, _v4_expiry(amz_date, seconds)),
            }
        )
        return f"{origin}{path}?{query}"

    def check(self, path: str, query: Mapping[str, str]) -> str | None:
        """None when the URL is valid, else the S3 error code."""
        if "X-Amz-Signature" in query:
            try:
                expires_at = _v4_expiry(query.get("X-Amz-Date", ""), int(query["X-Amz-Expires"]))
            except (KeyError, ValueError):
                return "AccessDenied"
            signature = query["X-Amz-Signature"]
        else:
            try:
                expires_at = int(query.get("Expires", ""))
            except ValueError:
                return "AccessDenied"
            signature = query.get("Signature", "")
        if not signature or not hmac.compare_digest(self._signature(path, expires_at), signature):
            return "SignatureDoesNotMatch"
        if time.time() > expires_at:
            return "AccessDenied"
        return None


def _v4_expiry(amz_date: str, seconds: int) -> int:
    import calendar

    return calendar.timegm(time.strptime(amz_date, "%Y%m%dT%H%M%SZ")) + seconds


def s3_error_body(code: str) -> str:
    message = {
        "AccessDenied": "Request has expired",
        "SignatureDoesNotMatch": "The request signature we calculated does not match the "
        "signature you provided.",
    }.get(code, "Access Denied")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    )
